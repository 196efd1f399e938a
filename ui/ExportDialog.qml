// The save dialog of an export: one chat (conversationId > 0) or every chat (0), in one of
// App.transfer.formats, starting from a file named after the chat in the Documents folder.
// App.transfer writes the file and says where it went (or why not) in a banner.
import QtQuick
import QtQuick.Dialogs
import Coil.Core

FileDialog {
    id: dialog
    property real conversationId: 0
    property string format: "md"

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

    objectName: "exportDialog"
    title: conversationId > 0 ? qsTr("Export the chat") : qsTr("Export all chats")
    fileMode: FileDialog.SaveFile
    acceptLabel: qsTr("Export")
    onAccepted: {
        if (conversationId > 0)
            App.transfer.exportChat(conversationId, format, selectedFile)
        else
            App.transfer.exportAll(format, selectedFile)
    }
}
