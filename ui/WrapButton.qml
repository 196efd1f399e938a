// A flat button whose text wraps onto more lines where the space is narrow (the chat settings
// panel at a large font) instead of pushing its column wider than the panel. `iconName`: an
// icon of ui/icons before the text, growing with the font.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Button {
    id: control
    property string iconName

    readonly property real grow: Math.max(1, Theme.fontSize / 14)
    flat: true
    font.capitalization: Font.MixedCase
    Layout.fillWidth: true
    Layout.maximumWidth: implicitWidth  // no wider than its text on one line

    contentItem: RowLayout {
        spacing: Math.round(8 * control.grow)
        Image {
            visible: control.iconName.length > 0
            source: control.iconName ? "icons/" + control.iconName + ".png" : ""
            sourceSize.width: Math.round(16 * control.grow)
            sourceSize.height: Math.round(16 * control.grow)
            Layout.preferredWidth: Math.round(16 * control.grow)
            Layout.preferredHeight: Math.round(16 * control.grow)
            Layout.alignment: Qt.AlignVCenter
            opacity: control.enabled ? 1 : 0.4
        }
        Label {
            text: control.text
            font: control.font
            color: control.enabled ? Theme.text : Theme.faintText
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
