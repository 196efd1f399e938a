// Prose of a message: Markdown rendered by the app's md4c renderer (raw HTML in it shows as
// text, images as their alt text and link) in the theme's colours; selectable, links open
// in the browser.
import QtQuick
import Coil.Core

TextEdit {
    property string markdown

    objectName: "markdownText"
    text: Markdown.html(markdown, {
        text: Theme.text, muted: Theme.mutedText, link: Theme.accent,
        codeBackground: Theme.codeBackground, border: Theme.border
    })
    readOnly: true
    selectByMouse: true
    textFormat: TextEdit.RichText
    wrapMode: TextEdit.Wrap
    color: Theme.text
    selectionColor: Theme.accent
    selectedTextColor: Theme.accentText
    font.pixelSize: Theme.fontSize
    onLinkActivated: link => Qt.openUrlExternally(link)

    HoverHandler {
        cursorShape: parent.hoveredLink.length > 0 ? Qt.PointingHandCursor : Qt.IBeamCursor
    }
}
