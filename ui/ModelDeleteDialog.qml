// Asks before deleting an installed model's folder from the Hugging Face cache.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Coil.Core

Dialog {
    id: dialog
    property string path
    property string modelName
    property string sizeText

    function ask(path, name, size) {
        dialog.path = path
        modelName = name
        sizeText = size
        open()
    }

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: 460
    modal: true
    Overlay.modal: Rectangle { color: Theme.dim }
    title: qsTr("Delete this model?")
    onAccepted: App.installedModels.deleteInstalled(dialog.path)

    Label {
        width: parent.width
        wrapMode: Text.Wrap
        text: qsTr("“%1” (%2) will be deleted from the Hugging Face cache, for every program that uses it. Downloading it again takes as long as the first time.").arg(dialog.modelName).arg(dialog.sizeText)
    }

    footer: DialogButtonBox {
        Button {
            text: qsTr("Cancel")
            flat: true
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
        Button {
            objectName: "confirmModelDeleteButton"
            text: qsTr("Delete")
            highlighted: true
            Material.accent: Theme.error
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
    }
}
