// The bar above the chat: its title, the model (a chip that opens the model switcher: the
// installed models, the one in use checked; picking one switches this chat to it), and the
// chat-settings toggle.
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
            id: modelChip
            objectName: "modelChip"
            visible: !header.settingsPage
            radius: height / 2
            color: chipArea.containsMouse ? Theme.hover : Theme.raised
            implicitHeight: 28
            implicitWidth: modelRow.implicitWidth + 20
            Layout.maximumWidth: Math.max(320, header.width * 0.45)
            Accessible.role: Accessible.Button
            Accessible.name: qsTr("Switch the model of this chat")

            MouseArea {
                id: chipArea
                anchors.fill: parent
                hoverEnabled: true
                cursorShape: Qt.PointingHandCursor
                onClicked: {
                    App.installedModels.refresh()
                    modelMenu.popup(modelChip, 0, modelChip.height + 4)
                }
            }
            ToolTip.visible: chipArea.containsMouse && !modelMenu.visible
            ToolTip.delay: 600
            ToolTip.text: qsTr("Switch the model of this chat")

            Menu {
                id: modelMenu
                objectName: "modelMenu"
                Instantiator {
                    model: App.installedModels.rows
                    delegate: MenuItem {
                        required property string path
                        required property string name
                        required property bool inUse
                        required property bool compatible
                        required property string reason
                        objectName: "modelMenuItem-" + name
                        text: name
                        checkable: true
                        checked: inUse
                        // not while an answer streams or a model loads (as chat settings' Model)
                        enabled: compatible && !App.chat.busy && !App.activeModel.loading
                        ToolTip.visible: hovered && !compatible
                        ToolTip.text: reason
                        onTriggered: {
                            checked = Qt.binding(() => inUse)
                            App.installedModels.useInThisChat(path)
                        }
                    }
                    onObjectAdded: (index, object) => modelMenu.insertItem(index, object)
                    onObjectRemoved: (index, object) => modelMenu.removeItem(object)
                }
            }

            RowLayout {
                id: modelRow
                anchors.centerIn: parent
                width: Math.min(implicitWidth, parent.width - 20)
                spacing: 6

                Rectangle {
                    implicitWidth: 8
                    implicitHeight: 8
                    radius: Theme.radiusDot
                    color: App.chat.remote ? Theme.accent
                         : App.activeModel.loaded ? Theme.success : App.activeModel.loading ? Theme.warning : Theme.error
                }
                Label {
                    objectName: "headerModelLabel"
                    text: App.chat.remote ? qsTr("%1 (remote)").arg(App.remote.title)
                        : App.activeModel.loading ? qsTr("Loading %1…").arg(App.activeModel.loadingName)
                        : App.activeModel.loaded ? App.activeModel.title : qsTr("No model")
                    color: Theme.mutedText
                    font.pixelSize: Theme.smallFontSize
                    elide: Text.ElideMiddle
                    Layout.maximumWidth: modelChip.Layout.maximumWidth - 40
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
