// One conversation in the sidebar, with its menu (rename, pin, delete).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

ItemDelegate {
    id: delegate
    required property var conversationId
    required property string title
    required property bool pinned
    required property bool current
    signal opened(var id)
    signal renameRequested(var id, string title)
    signal deleteRequested(var id, string title)
    signal exportRequested(var id, string format)

    implicitHeight: 40
    leftPadding: 10
    rightPadding: 4
    highlighted: current
    onClicked: opened(conversationId)
    Accessible.name: title

    background: Rectangle {
        radius: Theme.radiusSmall
        color: delegate.highlighted ? Theme.selected : delegate.hovered ? Theme.hover : "transparent"
    }

    contentItem: RowLayout {
        spacing: 6
        IconImage {
            visible: delegate.pinned
            source: "icons/pin.png"
            sourceSize: Qt.size(14, 14)
            color: Theme.faintText
        }
        Label {
            text: delegate.title
            color: Theme.text
            elide: Text.ElideRight
            font.weight: delegate.current ? Font.DemiBold : Font.Normal
            Layout.fillWidth: true
        }
        IconButton {
            objectName: "conversationMenuButton"
            iconName: "more"
            tip: qsTr("Rename, pin, export or delete")
            size: 28
            opacity: delegate.hovered || menu.visible || delegate.current ? 1 : 0
            onClicked: menu.popup()

            ThemedMenu {
                id: menu
                objectName: "conversationMenu"
                MenuItem {
                    text: qsTr("Rename…")
                    onTriggered: delegate.renameRequested(delegate.conversationId, delegate.title)
                }
                MenuItem {
                    text: delegate.pinned ? qsTr("Unpin") : qsTr("Pin to top")
                    onTriggered: App.chat.setPinned(delegate.conversationId, !delegate.pinned)
                }
                ThemedMenu {
                    objectName: "exportMenu"
                    title: qsTr("Export as")
                    enabled: !App.transfer.busy
                    Repeater {
                        model: App.transfer.formats
                        MenuItem {
                            required property var modelData
                            objectName: "export-" + modelData.key
                            text: modelData.text + "…"
                            onTriggered: delegate.exportRequested(delegate.conversationId,
                                                                  modelData.key)
                        }
                    }
                }
                MenuSeparator {}
                MenuItem {
                    text: qsTr("Delete…")
                    onTriggered: delegate.deleteRequested(delegate.conversationId, delegate.title)
                }
            }
        }
    }
}
