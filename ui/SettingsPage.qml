// Application settings: engine, saved states, chats (export all, import), Hugging Face,
// appearance.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Coil.Core

ScrollView {
    id: page
    contentWidth: availableWidth
    clip: true

    ColumnLayout {
        width: Math.min(680, page.availableWidth - 48)
        x: (page.availableWidth - width) / 2
        spacing: 14

        Item { Layout.preferredHeight: 4 }

        SectionTitle { text: qsTr("Engine") }
        SettingRow {
            title: qsTr("Backend")
            description: qsTr("Automatic uses CUDA, then Vulkan, then the CPU. Applies when the model loads again.")
            ComboBox {
                objectName: "backendCombo"
                implicitWidth: 240
                model: App.settings.backendOptions
                textRole: "text"
                currentIndex: App.settings.backendIndex
                onActivated: index => App.settings.backendIndex = index
            }
        }
        SettingRow {
            title: qsTr("Device")
            description: App.settings.devices.length === 0 ? qsTr("No device list for this backend.") : ""
            ComboBox {
                implicitWidth: 240
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
            title: qsTr("Reload the model")
            description: qsTr("Applies the backend, device and thread settings now.")
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
            SpinBox {
                objectName: "budgetSpin"
                from: 0
                to: 1024
                editable: true
                value: Math.round(App.settings.stateBudgetGB)
                textFromValue: (value, locale) => value + " GB"
                valueFromText: (text, locale) => parseInt(text)
                onValueModified: App.settings.stateBudgetGB = value
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
                ComboBox {
                    id: exportFormat
                    objectName: "exportFormatCombo"
                    implicitWidth: 200
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
            ComboBox {
                objectName: "themeCombo"
                implicitWidth: 240
                textRole: "text"
                model: App.settings.themeOptions
                currentIndex: App.settings.themeIndex
                onActivated: index => App.settings.themeIndex = index
            }
        }
        SettingRow {
            title: qsTr("Font size")
            SpinBox {
                from: 9
                to: 28
                editable: true
                value: App.settings.fontSize
                onValueModified: App.settings.fontSize = value
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
    }

    ExportDialog {
        id: exportDialog
        objectName: "exportAllDialog"
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
