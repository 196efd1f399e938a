// A flat icon button with a tooltip. `size` is for the default font size; the button and its
// icon grow with larger fonts.
import QtQuick
import QtQuick.Controls

ToolButton {
    id: control
    property string iconName
    property string tip
    property color tint: Theme.mutedText
    property int size: 32

    readonly property real grow: Math.max(1, Theme.fontSize / 14)
    implicitWidth: Math.round(size * grow)
    implicitHeight: Math.round(size * grow)
    padding: Math.round(6 * grow)
    icon.source: iconName ? "icons/" + iconName + ".png" : ""
    icon.width: Math.round((size - 14) * grow)
    icon.height: Math.round((size - 14) * grow)
    icon.color: enabled ? (hovered ? Theme.text : tint) : Theme.faintText
    display: AbstractButton.IconOnly
    focusPolicy: Qt.TabFocus
    Accessible.name: tip

    ToolTip.visible: hovered && tip.length > 0
    ToolTip.delay: 600
    ToolTip.text: tip

    background: Rectangle {
        radius: Theme.radiusSmall
        color: control.down ? Theme.selected : control.hovered ? Theme.hover : "transparent"
    }
}
