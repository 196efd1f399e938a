// A small rounded label on a model (compatible, gated, size, memory fit...). `tone` picks
// the colours; `tip`, when set, shows on hover.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl

Rectangle {
    id: badge
    property string text
    property string tone: "neutral"  // "neutral", "good", "warn", "bad", "accent"
    property string tip
    property url iconSource: ""

    readonly property color ink: tone === "good" ? Theme.success
                                 : tone === "warn" ? Theme.warning
                                 : tone === "bad" ? Theme.error
                                 : tone === "accent" ? Theme.accent : Theme.mutedText

    visible: text.length > 0
    implicitWidth: row.implicitWidth + 14
    implicitHeight: 22
    radius: Theme.radius
    color: Qt.rgba(ink.r, ink.g, ink.b, Theme.dark ? 0.16 : 0.10)
    border.color: Qt.rgba(ink.r, ink.g, ink.b, 0.30)
    Accessible.name: text

    Row {
        id: row
        anchors.centerIn: parent
        spacing: 4
        IconImage {
            visible: badge.iconSource.toString().length > 0
            anchors.verticalCenter: parent.verticalCenter
            source: badge.iconSource
            sourceSize: Qt.size(12, 12)
            color: badge.ink
        }
        Label {
            anchors.verticalCenter: parent.verticalCenter
            text: badge.text
            color: badge.ink
            font.pixelSize: Theme.smallFontSize
            font.weight: Font.DemiBold
        }
    }

    HoverHandler {
        id: hover
        enabled: badge.tip.length > 0
    }
    ToolTip.visible: hover.hovered
    ToolTip.delay: 400
    ToolTip.text: badge.tip
}
