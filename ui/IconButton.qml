// A flat icon button with a tooltip.
import QtQuick
import QtQuick.Controls

ToolButton {
    id: control
    property string iconName
    property string tip
    property color tint: Theme.mutedText
    property int size: 32

    implicitWidth: size
    implicitHeight: size
    padding: 6
    icon.source: iconName ? "icons/" + iconName + ".png" : ""
    icon.width: size - 14
    icon.height: size - 14
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
