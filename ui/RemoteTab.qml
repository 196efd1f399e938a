// The Models page's Remote tab: an OpenAI-compatible server (a `coil serve` on a bigger
// machine, vLLM, SGLang) — its base URL, an optional API key, the models it lists, and
// "Use in new chat". Every action is App.remote (Coil.Core).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

ColumnLayout {
    id: tab
    spacing: 10

    // "Use in new chat": the page asks the window to show the chat.
    signal chatRequested

    Label {
        text: qsTr("Chat with a model served elsewhere: a coil serve on a bigger machine, or any OpenAI-compatible server (vLLM, SGLang). Remote chats are stored, searched and exported like local ones; the server keeps the model's memory, so no state is saved here.")
        color: Theme.mutedText
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }

    GridLayout {
        columns: 2
        columnSpacing: 10
        rowSpacing: 8
        Layout.fillWidth: true

        Label {
            text: qsTr("Base URL")
            color: Theme.text
        }
        TextField {
            id: urlField
            objectName: "remoteUrlField"
            text: App.remote.url
            placeholderText: qsTr("http://gpu-box:8080/v1")
            selectByMouse: true
            Layout.fillWidth: true
            onAccepted: connectButton.clicked()
        }

        Label {
            text: qsTr("API key")
            color: Theme.text
        }
        RowLayout {
            spacing: 8
            Layout.fillWidth: true
            TextField {
                id: keyField
                objectName: "remoteKeyField"
                echoMode: TextInput.Password
                placeholderText: App.remote.keySaved ? qsTr("A key is saved (type to replace it)")
                                                     : qsTr("Optional")
                selectByMouse: true
                Layout.fillWidth: true
                onAccepted: connectButton.clicked()
            }
            Button {
                objectName: "remoteForgetKeyButton"
                text: qsTr("Forget key")
                flat: true
                visible: App.remote.keySaved
                onClicked: App.remote.forgetKey()
            }
        }
    }

    RowLayout {
        spacing: 8
        Button {
            id: connectButton
            objectName: "remoteConnectButton"
            text: qsTr("Connect")
            enabled: urlField.text.trim().length > 0 && !App.remote.listing
            onClicked: {
                if (App.remote.connectTo(urlField.text, keyField.text))
                    keyField.clear()
            }
        }
        BusyIndicator {
            running: App.remote.listing
            visible: running
            implicitWidth: 28
            implicitHeight: 28
        }
        Label {
            objectName: "remoteKeyNote"
            text: qsTr("The key is saved in Coil's data folder, readable by you only, and never put in an export.")
            color: Theme.faintText
            font.pixelSize: Theme.smallFontSize
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }

    Label {
        objectName: "remoteError"
        visible: App.remote.error.length > 0
        text: App.remote.error
        color: Theme.error
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }

    SectionTitle {
        text: qsTr("Models of this server")
        visible: App.remote.models.length > 0
    }

    ListView {
        id: modelList
        objectName: "remoteModels"
        model: App.remote.models
        clip: true
        spacing: 6
        boundsBehavior: Flickable.StopAtBounds
        Layout.fillWidth: true
        Layout.fillHeight: true
        ScrollBar.vertical: ScrollBar {}
        delegate: Rectangle {
            id: row
            required property string modelData
            objectName: "remote-" + modelData
            width: ListView.view.width - 12
            implicitHeight: rowLayout.implicitHeight + 16
            radius: Theme.radiusSmall
            color: Theme.surface
            border.color: Theme.border
            RowLayout {
                id: rowLayout
                x: 12
                y: 8
                width: parent.width - 24
                Label {
                    text: row.modelData
                    color: Theme.text
                    elide: Text.ElideMiddle
                    Layout.fillWidth: true
                }
                Badge {
                    tone: "good"
                    visible: App.remote.active && App.remote.title.startsWith(row.modelData + " · ")
                    text: qsTr("In use")
                }
                Button {
                    objectName: "remoteUseButton"
                    text: qsTr("Use in new chat")
                    enabled: !App.chat.busy
                    onClicked: {
                        App.chat.newChat()
                        App.remote.use(row.modelData)
                        tab.chatRequested()
                    }
                }
            }
        }
    }
}
