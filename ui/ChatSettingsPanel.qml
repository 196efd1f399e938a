// The open chat's settings: its model, system prompt and sampling.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: panel
    signal closeRequested()

    color: Theme.sidebar

    FolderDialog {
        id: folderDialog
        title: qsTr("Choose a model folder")
        onAccepted: App.activeModel.load(selectedFolder)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        RowLayout {
            Layout.fillWidth: true
            Layout.preferredHeight: 52
            Layout.leftMargin: 18
            Layout.rightMargin: 10
            Label {
                text: qsTr("Chat settings")
                font.pixelSize: Theme.titleFontSize
                font.weight: Font.DemiBold
                color: Theme.text
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            IconButton {
                iconName: "close"
                tip: qsTr("Close")
                onClicked: panel.closeRequested()
            }
        }
        Rectangle {
            Layout.fillWidth: true
            Layout.preferredHeight: 1
            color: Theme.border
        }

        ScrollView {
            id: scroll
            objectName: "chatSettingsScroll"
            Layout.fillWidth: true
            Layout.maximumWidth: panel.width  // narrow: the content wraps, it never runs out
            Layout.fillHeight: true
            contentWidth: availableWidth
            clip: true

            ColumnLayout {
                width: panel.width - 36
                x: 18
                spacing: 8

                SectionTitle { text: qsTr("Model") }
                Label {
                    text: App.chat.remote ? qsTr("%1 (remote)").arg(App.remote.title)
                        : App.activeModel.loaded ? App.activeModel.title : App.activeModel.loading ? qsTr("Loading…") : qsTr("None")
                    font.weight: Font.DemiBold
                    color: Theme.text
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
                Label {
                    text: App.chat.remote ? App.remote.chatUrl
                        : App.activeModel.loaded ? App.activeModel.path : App.activeModel.loadingPath
                    color: Theme.mutedText
                    font.pixelSize: Theme.smallFontSize
                    elide: Text.ElideMiddle
                    Layout.fillWidth: true
                }
                WrapButton {
                    text: qsTr("Choose model folder…")
                    iconName: "folder"
                    enabled: !App.activeModel.loading && !App.chat.busy
                    onClicked: folderDialog.open()
                }

                SectionTitle { text: qsTr("System prompt") }
                TextArea {
                    objectName: "systemPromptInput"
                    Layout.fillWidth: true
                    Layout.minimumHeight: 90
                    text: App.chat.settings.systemPrompt
                    placeholderText: qsTr("e.g. You are a concise assistant.")
                    wrapMode: TextArea.Wrap
                    selectByMouse: true
                    onEditingFinished: App.chat.settings.systemPrompt = text
                }

                SectionTitle { text: qsTr("Sampling") }
                SliderSetting {
                    title: qsTr("Temperature")
                    description: qsTr("0 always picks the likeliest token; higher is more varied.")
                    from: 0; to: 2; stepSize: 0.05
                    value: App.chat.settings.temperature
                    onMoved: v => App.chat.settings.temperature = v
                }
                SliderSetting {
                    title: qsTr("Top-p")
                    from: 0; to: 1; stepSize: 0.01
                    value: App.chat.settings.topP
                    onMoved: v => App.chat.settings.topP = v
                }
                SliderSetting {
                    title: qsTr("Min-p")
                    from: 0; to: 0.5; stepSize: 0.01
                    value: App.chat.settings.minP
                    onMoved: v => App.chat.settings.minP = v
                }
                SliderSetting {
                    title: qsTr("Repetition penalty")
                    from: 1; to: 2; stepSize: 0.01
                    value: App.chat.settings.repetitionPenalty
                    onMoved: v => App.chat.settings.repetitionPenalty = v
                }
                SettingRow {
                    title: qsTr("Top-k")
                    description: qsTr("0: off")
                    SpinBox {
                        from: 0; to: 1000
                        editable: true
                        value: App.chat.settings.topK
                        onValueModified: App.chat.settings.topK = value
                    }
                }
                SettingRow {
                    title: qsTr("Max tokens")
                    SpinBox {
                        from: 1; to: 65536; stepSize: 64
                        editable: true
                        value: App.chat.settings.maxTokens
                        onValueModified: App.chat.settings.maxTokens = value
                    }
                }
                SettingRow {
                    title: qsTr("Seed")
                    description: qsTr("0: a new random seed for every answer")
                    SpinBox {
                        from: 0; to: 2147483647
                        editable: true
                        value: App.chat.settings.seed
                        onValueModified: App.chat.settings.seed = value
                    }
                }
                WrapButton {
                    text: qsTr("Reset sampling to the model's defaults")
                    onClicked: App.chat.settings.resetToDefaults()
                    Layout.topMargin: 4
                    Layout.bottomMargin: 16
                }
            }
        }
    }
}
