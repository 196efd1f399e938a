// A fenced code block: monospaced, with its language and a copy button.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: block
    property string code
    property string language
    property bool copied: false

    implicitHeight: column.implicitHeight
    radius: Theme.radiusSmall
    color: Theme.codeBackground
    border.color: Theme.border
    clip: true

    Timer {
        id: copiedTimer
        interval: 1500
        onTriggered: block.copied = false
    }

    ColumnLayout {
        id: column
        width: parent.width
        spacing: 0

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: 32
            color: Theme.codeHeader
            radius: Theme.radiusSmall

            Rectangle {  // square off the header's lower corners
                anchors.bottom: parent.bottom
                width: parent.width
                height: parent.radius
                color: parent.color
            }
            Label {
                anchors.left: parent.left
                anchors.leftMargin: 12
                anchors.verticalCenter: parent.verticalCenter
                text: block.language.length > 0 ? block.language : qsTr("code")
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                font.family: Theme.monoFamily
            }
            ToolButton {
                objectName: "copyCodeButton"
                anchors.right: parent.right
                anchors.rightMargin: 4
                anchors.verticalCenter: parent.verticalCenter
                implicitHeight: 28
                text: block.copied ? qsTr("Copied") : qsTr("Copy")
                icon.source: block.copied ? "icons/check.png" : "icons/copy.png"
                icon.width: 14
                icon.height: 14
                icon.color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                font.capitalization: Font.MixedCase
                display: AbstractButton.TextBesideIcon
                Material.foreground: Theme.mutedText
                onClicked: {
                    App.chat.copyText(block.code)
                    block.copied = true
                    copiedTimer.restart()
                }
            }
        }

        TextEdit {
            Layout.fillWidth: true
            Layout.margins: 12
            text: block.code
            readOnly: true
            selectByMouse: true
            textFormat: TextEdit.PlainText
            wrapMode: TextEdit.WrapAnywhere
            font.family: Theme.monoFamily
            font.pixelSize: Theme.fontSize - 1
            color: Theme.text
            selectionColor: Theme.accent
            selectedTextColor: Theme.accentText
        }
    }
}
