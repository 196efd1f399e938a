// The save dialog of an export: one chat (conversationId > 0) or every chat (0), in one of
// App.transfer.formats, starting from a file named after the chat in the Documents folder.
// Whatever the dialog answers (a typed name, an absolute path, another folder, a file:// URL)
// App.transfer.exportFile turns into the file, with the format's suffix when the name has
// none; an existing file is replaced only after the user says so. App.transfer writes the
// file and says where it went (or why not) in a banner.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import Coil.Core

FileDialog {
    id: dialog
    property real conversationId: 0
    property string format: "md"
    // The file a confirmed export goes to (set while the replace question is open).
    property url pendingFile

    function ask(id, fmt) {
        conversationId = id
        format = fmt
        const entry = App.transfer.formats.find(f => f.key === fmt)
        nameFilters = entry ? [entry.filter] : []
        const file = App.transfer.suggestedFile(id, fmt)
        currentFolder = App.transfer.suggestedFolder()
        selectedFile = file
        open()
    }

    function write(file) {
        if (conversationId > 0)
            App.transfer.exportChat(conversationId, format, file)
        else
            App.transfer.exportAll(format, file)
    }

    objectName: "exportDialog"
    title: conversationId > 0 ? qsTr("Export the chat") : qsTr("Export all chats")
    fileMode: FileDialog.SaveFile
    acceptLabel: qsTr("Export")
    onAccepted: {
        const file = App.transfer.exportFile(selectedFile, currentFolder, format)
        if (String(file) === "") {
            write(selectedFile)  // refused with a banner that says why
        } else if (App.transfer.exists(file)) {
            pendingFile = file
            replaceDialog.open()
        } else {
            write(file)
        }
    }

    Dialog {
        id: replaceDialog
        objectName: "confirmReplaceDialog"
        parent: dialog.parentWindow ? dialog.parentWindow.contentItem : null
        anchors.centerIn: parent
        width: Math.min(440, parent ? parent.width - 32 : 440)
        modal: true
        title: qsTr("Replace the file?")

        Label {
            objectName: "confirmReplaceText"
            width: parent.width
            wrapMode: Text.Wrap
            text: qsTr("%1 already exists. Replace it with this export?").arg(App.transfer.displayPath(dialog.pendingFile))
        }

        footer: DialogButtonBox {
            Button {
                objectName: "keepFileButton"
                text: qsTr("Cancel")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
            Button {
                objectName: "replaceFileButton"
                text: qsTr("Replace")
                highlighted: true
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
        }
        onAccepted: dialog.write(dialog.pendingFile)
    }
}
