// Application settings: engine, saved states, chats (export all, import), the local API
// server, Hugging Face, appearance.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Coil.Core

ScrollView {
    id: page
    objectName: "settingsPage"
    contentWidth: availableWidth
    clip: true

    // A change that reflows the page (the font size) keeps `item` where it was on screen,
    // under the pointer that clicked it.
    property Item holdItem: null
    property real holdY: 0
    function holdInPlace(item) {
        if (holdItem !== item) {  // clicks in a row keep the first place
            holdItem = item
            holdY = item.mapToItem(null, 0, 0).y  // in the window: the header above grows too
        }
        holdTimer.restart()
    }
    function restoreHold() {
        if (!holdItem)
            return
        const flick = page.contentItem
        const shift = holdItem.mapToItem(null, 0, 0).y - holdY
        flick.contentY = Math.max(0, Math.min(flick.contentY + shift, page.contentHeight - flick.height))
    }
    Connections {
        target: page.contentItem
        function onContentHeightChanged() { page.restoreHold() }
    }
    Timer {
        id: holdTimer
        interval: 400
        onTriggered: {
            page.restoreHold()
            page.holdItem = null
        }
    }
    // The layout settles over a few frames (texts re-wrap): the item is put back on each.
    Timer {
        interval: 16
        repeat: true
        running: page.holdItem !== null
        onTriggered: page.restoreHold()
    }

    ColumnLayout {
        width: Math.max(0, Math.min(680, page.availableWidth - 48))
        x: (page.availableWidth - width) / 2
        spacing: 14

        Item { Layout.preferredHeight: 4 }

        SectionTitle { text: qsTr("Engine") }
        SettingRow {
            title: qsTr("Backend")
            description: qsTr("Automatic uses CUDA, then Vulkan, then the CPU. Applies when the model loads again.")
            FitComboBox {
                objectName: "backendCombo"
                minimumWidth: 240
                model: App.settings.backendOptions
                textRole: "text"
                currentIndex: App.settings.backendIndex
                onActivated: index => App.settings.backendIndex = index
            }
        }
        SettingRow {
            title: qsTr("Device")
            description: App.settings.devices.length === 0 ? qsTr("No device list for this backend.") : ""
            FitComboBox {
                minimumWidth: 240
                model: [qsTr("Default")].concat(App.settings.devices)
                currentIndex: App.settings.device + 1
                onActivated: App.settings.device = currentIndex - 1
            }
        }
        SettingRow {
            title: qsTr("CPU threads")
            description: qsTr("0: one per physical core (up to %1).").arg(App.settings.maxThreads)
            SpinBox {
                from: 0
                to: App.settings.maxThreads
                editable: true
                value: App.settings.threads
                onValueModified: App.settings.threads = value
            }
        }
        SettingRow {
            title: qsTr("Weights")
            description: qsTr("Safetensors models quantized once at load; the copy is kept in the data folder. Applies when the model loads again.")
            FitComboBox {
                objectName: "weightsCombo"
                minimumWidth: 240
                model: App.settings.weightsOptions
                textRole: "text"
                currentIndex: App.settings.weightsIndex
                onActivated: index => App.settings.weightsIndex = index
            }
        }
        SettingRow {
            title: qsTr("Reload the model")
            description: qsTr("Applies the backend, device, thread and weights settings now.")
            Button {
                text: qsTr("Reload")
                icon.source: "icons/refresh.png"
                icon.width: 16
                icon.height: 16
                enabled: (App.activeModel.loaded || App.settings.modelPath.length > 0) && !App.activeModel.loading && !App.chat.busy
                onClicked: App.activeModel.reload()
            }
        }

        SectionTitle { text: qsTr("Saved states") }
        SettingRow {
            title: qsTr("Disk budget for checkpoints")
            description: qsTr("The latest state of every chat is always kept; earlier checkpoints, which make regenerate and edit fast, fit in this budget.") +
                         "\n" + App.settings.stateUsageText
            // In tenths of a GB: 0.1 GB steps up to 2 GB, 0.5 GB up to 10 GB, then 1 GB.
            // 0 deletes every earlier checkpoint: that asks first.
            SpinBox {
                id: budgetSpin
                objectName: "budgetSpin"
                from: 0
                to: 10240
                stepSize: value < 20 ? 1 : value < 100 ? 5 : 10
                editable: true
                value: Math.round(App.settings.stateBudgetGB * 10)
                validator: RegularExpressionValidator { regularExpression: /\s*\d{0,4}([.,]\d?)?\s*(GB?)?\s*/i }
                textFromValue: (value, locale) => (value % 10 === 0 ? String(value / 10) : (value / 10).toFixed(1)) + " GB"
                valueFromText: (text, locale) => {
                    const gb = parseFloat(text.replace(",", "."))
                    return isNaN(gb) ? value : Math.round(gb * 10)
                }
                onValueModified: {
                    if (value === 0 && App.settings.stateBytesUsed > 0)
                        budgetZeroDialog.open()
                    else
                        App.settings.stateBudgetGB = value / 10
                }
            }
        }
        SettingRow {
            title: qsTr("Data folder")
            description: App.settings.dataDir.length > 0
                         ? App.settings.dataDir + "\n" + qsTr("Start Coil with --data-dir DIR to use another folder.")
                         : qsTr("In memory: nothing is saved.")
            Button {
                text: qsTr("Open")
                icon.source: "icons/folder.png"
                icon.width: 16
                icon.height: 16
                enabled: App.settings.dataDir.length > 0
                onClicked: Qt.openUrlExternally(App.dataFolderUrl())
            }
        }

        SectionTitle { text: qsTr("Chats") }
        SettingRow {
            title: qsTr("Export all chats")
            description: qsTr("Every chat in one file. JSON keeps every branch and setting and can be imported again; one chat exports from its menu in the sidebar.")
            RowLayout {
                spacing: 8
                FitComboBox {
                    id: exportFormat
                    objectName: "exportFormatCombo"
                    maximumWidth: 360
                    model: App.transfer.formats
                    textRole: "text"
                    valueRole: "key"
                    currentIndex: 1
                }
                Button {
                    objectName: "exportAllButton"
                    text: qsTr("Export…")
                    enabled: !App.transfer.busy
                    onClicked: exportDialog.ask(0, exportFormat.currentValue)
                }
            }
        }
        SettingRow {
            title: qsTr("Import chats")
            description: qsTr("Adds the chats of a JSON file exported by Coil; the chats already here stay as they are.")
            Button {
                objectName: "importButton"
                text: qsTr("Import…")
                enabled: !App.transfer.busy
                onClicked: {
                    // start where exports go (Documents, else home), not the working folder
                    importDialog.currentFolder = App.transfer.suggestedFolder()
                    importDialog.open()
                }
            }
        }

        SettingRow {
            title: qsTr("Attachment size limit (MB)")
            SpinBox {
                objectName: "attachmentLimitSpin"
                from: 1
                to: 1000
                editable: true
                value: App.settings.attachmentLimitMB
                onValueModified: App.settings.attachmentLimitMB = value
            }
        }

        SectionTitle { text: qsTr("Local API server") }
        SettingRow {
            title: qsTr("Serve the loaded model")
            description: qsTr("An OpenAI-compatible API (coil serve) on this computer only, for editors, scripts and web UIs: base URL %1. It runs the loaded model a second time, in a process of its own.")
                         .arg(App.localServer.running ? App.localServer.url
                              : App.localServer.port > 0 ? "http://127.0.0.1:" + App.localServer.port + "/v1"
                              : qsTr("http://127.0.0.1 on a free port"))
            Switch {
                objectName: "localServerSwitch"
                checked: App.localServer.enabled
                onToggled: App.localServer.enabled = checked
            }
        }
        SettingRow {
            title: qsTr("Port")
            description: App.localServer.statusText
            SpinBox {
                objectName: "localServerPortSpin"
                from: 0
                to: 65535
                editable: true
                value: App.localServer.port
                textFromValue: (v, locale) => String(v)  // no thousands separator in a port
                valueFromText: (text, locale) => parseInt(text) || 0
                onValueModified: App.localServer.port = value
            }
        }

        SectionTitle { text: qsTr("Hugging Face") }
        SettingRow {
            title: qsTr("Access token")
            description: App.settings.hfTokenText + "\n" +
                         qsTr("Gated models (such as Llama) need the token of an account that accepted their terms: huggingface.co, Settings, Access Tokens.")
            RowLayout {
                spacing: 6
                TextField {
                    id: tokenField
                    objectName: "hfTokenField"
                    implicitWidth: 200
                    echoMode: TextInput.Password
                    placeholderText: App.settings.hfTokenSaved ? qsTr("Saved") : "hf_…"
                    selectByMouse: true
                    onAccepted: {
                        App.settings.saveHfToken(text)
                        clear()
                    }
                }
                Button {
                    objectName: "saveTokenButton"
                    text: App.settings.hfTokenSaved && tokenField.text.length === 0 ? qsTr("Remove") : qsTr("Save")
                    enabled: tokenField.text.length > 0 || App.settings.hfTokenSaved
                    onClicked: {
                        App.settings.saveHfToken(tokenField.text)
                        tokenField.clear()
                    }
                }
            }
        }
        SettingRow {
            title: qsTr("Model cache")
            description: App.models.cacheDir + "\n" +
                         qsTr("The standard Hugging Face cache, shared with Python tools. Set HF_HUB_CACHE or HF_HOME to use another folder.")
            Button {
                text: qsTr("Open")
                icon.source: "icons/folder.png"
                icon.width: 16
                icon.height: 16
                onClicked: Qt.openUrlExternally(App.models.cacheUrl)
            }
        }

        SectionTitle { text: qsTr("Appearance") }
        SettingRow {
            title: qsTr("Theme")
            FitComboBox {
                objectName: "themeCombo"
                minimumWidth: 240
                textRole: "text"
                model: App.settings.themeOptions
                currentIndex: App.settings.themeIndex
                onActivated: index => App.settings.themeIndex = index
            }
        }
        SettingRow {
            title: qsTr("Font size")
            keepRight: true
            SpinBox {
                id: fontSpin
                objectName: "fontSizeSpinBox"
                from: 9
                to: 28
                editable: true
                value: App.settings.fontSize
                // The page takes the new size at once (the settings file is written once the
                // clicks stop) and keeps this box where it was on screen, under the pointer.
                onValueModified: {
                    page.holdInPlace(fontSpin)
                    App.settings.fontSize = fontSpin.value
                }
            }
        }

        SectionTitle { text: qsTr("About") }
        Label {
            text: qsTr("Coil %1 · chats, states and models stay on this computer.").arg(App.version)
            color: Theme.mutedText
            wrapMode: Text.Wrap
            Layout.fillWidth: true
            Layout.bottomMargin: 24
        }
        // While an item is held in place, room below the page's end: a row near the bottom
        // can stay where it is as the rows above it grow.
        Item {
            Layout.preferredHeight: page.holdItem ? page.height : 0
        }
    }

    ExportDialog {
        id: exportDialog
        objectName: "exportAllDialog"
    }

    Dialog {
        id: budgetZeroDialog
        objectName: "budgetZeroDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: 440
        modal: true
        Overlay.modal: Rectangle { color: Theme.dim }
        title: qsTr("Delete the saved checkpoints?")
        Label {
            width: parent.width
            wrapMode: Text.Wrap
            text: qsTr("A budget of 0 deletes every earlier checkpoint now (%1); only the latest state of each chat is kept. Regenerating or editing older messages then re-reads the chat.").arg(App.settings.stateUsageText)
        }
        footer: DialogButtonBox {
            Button {
                text: qsTr("Cancel")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
            Button {
                objectName: "confirmBudgetZeroButton"
                text: qsTr("Delete checkpoints")
                highlighted: true
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
        }
        onAccepted: App.settings.stateBudgetGB = 0
        onRejected: budgetSpin.value = Math.round(App.settings.stateBudgetGB * 10)
    }

    FileDialog {
        id: importDialog
        objectName: "importDialog"
        title: qsTr("Import chats")
        fileMode: FileDialog.OpenFile
        acceptLabel: qsTr("Import")
        nameFilters: [qsTr("Coil chat export (*.json)"), qsTr("All files (*)")]
        onAccepted: App.transfer.importFile(selectedFile)
    }
}
