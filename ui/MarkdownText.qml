// Prose of a message, rendered from Markdown; selectable.
import QtQuick

TextEdit {
    readOnly: true
    selectByMouse: true
    textFormat: TextEdit.MarkdownText
    wrapMode: TextEdit.Wrap
    color: Theme.text
    selectionColor: Theme.accent
    selectedTextColor: Theme.accentText
    font.pixelSize: Theme.fontSize
    onLinkActivated: link => Qt.openUrlExternally(link)
}
