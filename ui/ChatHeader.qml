// The bar above the chat: its title, the model, and the chat-settings toggle.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: header
    objectName: "chatHeader"
    property bool settingsPage: false
    property bool chatSettingsOpen: false
    signal chatSettingsToggled()
    signal backRequested()

    implicitHeight: 52
    color: Theme.window

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 12
        anchors.rightMargin: 12
        spacing: 8

        IconButton {
            visible: header.settingsPage
            iconName: "back"
            tip: qsTr("Back to the chat")
            onClicked: header.backRequested()
        }

        Label {
            text: header.settingsPage ? qsTr("Settings") : App.chat.title
            font.pixelSize: Theme.titleFontSize
            font.weight: Font.DemiBold
            color: Theme.text
            elide: Text.ElideRight
            Layout.fillWidth: true
            Layout.leftMargin: header.settingsPage ? 0 : 8
        }

        Rectangle {
            visible: !header.settingsPage
            radius: height / 2
            color: Theme.raised
            implicitHeight: 28
            implicitWidth: modelRow.implicitWidth + 20
            Layout.maximumWidth: 320

            RowLayout {
                id: modelRow
                anchors.centerIn: parent
                width: Math.min(implicitWidth, parent.width - 20)
                spacing: 6

                Rectangle {
                    implicitWidth: 8
                    implicitHeight: 8
                    radius: Theme.radiusDot
                    color: App.activeModel.loaded ? Theme.success : App.activeModel.loading ? Theme.warning : Theme.error
                }
                Label {
                    text: App.activeModel.loading ? qsTr("Loading %1…").arg(App.activeModel.loadingName)
                                            : App.activeModel.loaded ? App.activeModel.name : qsTr("No model")
                    color: Theme.mutedText
                    font.pixelSize: Theme.smallFontSize
                    elide: Text.ElideMiddle
                    Layout.maximumWidth: 280
                }
            }
        }

        IconButton {
            visible: !header.settingsPage
            objectName: "chatSettingsButton"
            iconName: "sliders"
            tip: qsTr("Chat settings: model, system prompt, sampling")
            checkable: true
            checked: header.chatSettingsOpen
            tint: checked ? Theme.accent : Theme.mutedText
            onClicked: header.chatSettingsToggled()
        }
    }

    Rectangle {
        anchors.bottom: parent.bottom
        width: parent.width
        height: 1
        color: Theme.border
    }
}
