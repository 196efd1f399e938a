// A fenced code block: monospaced and coloured for its language, with its language and a
// copy button; long lines scroll sideways.
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

        // The code keeps its lines: long ones scroll sideways, never wrap mid-word.
        Flickable {
            id: codeScroll
            objectName: "codeScroll"
            Layout.fillWidth: true
            Layout.margins: 12
            implicitHeight: codeText.implicitHeight + (codeBar.visible ? codeBar.height : 0)
            contentWidth: codeText.implicitWidth
            contentHeight: codeText.implicitHeight
            flickableDirection: Flickable.HorizontalFlick
            boundsBehavior: Flickable.StopAtBounds
            clip: true
            ScrollBar.horizontal: ScrollBar {
                id: codeBar
                policy: codeScroll.contentWidth > codeScroll.width ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
                visible: policy === ScrollBar.AlwaysOn
            }

            TextEdit {
                id: codeText
                objectName: "codeText"
                // source-highlight's colours for the fence's language (plain when unknown)
                text: "<pre>" + Markdown.code(block.code, block.language, Theme.dark) + "</pre>"
                readOnly: true
                selectByMouse: true
                textFormat: TextEdit.RichText
                wrapMode: TextEdit.NoWrap
                font.family: Theme.monoFamily
                font.pixelSize: Theme.fontSize - 1
                color: Theme.text
                selectionColor: Theme.accent
                selectedTextColor: Theme.accentText
            }
        }
    }
}
