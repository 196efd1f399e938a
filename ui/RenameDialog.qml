// Asks for a chat's new title.
import QtQuick
import QtQuick.Controls

Dialog {
    id: dialog
    property var conversationId: 0
    property alias newTitle: field.text

    function ask(id, title) {
        conversationId = id
        field.text = title
        open()
        field.selectAll()
        field.forceActiveFocus()
    }

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: 420
    modal: true
    Overlay.modal: Rectangle { color: Theme.dim }
    title: qsTr("Rename chat")
    standardButtons: Dialog.Ok | Dialog.Cancel

    TextField {
        id: field
        width: parent.width
        selectByMouse: true
        onAccepted: dialog.accept()
    }
}
