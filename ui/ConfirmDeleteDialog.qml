// Asks before deleting a chat for good.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

Dialog {
    id: dialog
    property var conversationId: 0
    property string chatTitle

    function ask(id, title) {
        conversationId = id
        chatTitle = title
        open()
    }

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: 440
    modal: true
    Overlay.modal: Rectangle { color: Theme.dim }
    title: qsTr("Delete this chat?")

    Label {
        width: parent.width
        wrapMode: Text.Wrap
        text: qsTr("“%1” and every branch of it will be deleted, with its saved states. This cannot be undone.").arg(dialog.chatTitle)
    }

    footer: DialogButtonBox {
        Button {
            text: qsTr("Cancel")
            flat: true
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
        Button {
            objectName: "confirmDeleteButton"
            text: qsTr("Delete")
            highlighted: true
            Material.accent: Theme.error
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
    }
}
