// The one reading display: attached documents being read before an answer, and a long prompt
// (a chat re-read without its saved state). Tokens read of the total and the time left, in
// App.chat.readingText; Stop (or Esc) ends the reading between chunks.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

Rectangle {
    objectName: "readingPanel"
    visible: App.chat.readingProgress >= 0
    implicitHeight: readingRow.implicitHeight + 16
    radius: Theme.radius
    color: Theme.raised

    RowLayout {
        id: readingRow
        anchors.fill: parent
        anchors.margins: 8
        spacing: 10
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 4
            Label {
                objectName: "readingText"
                text: App.chat.readingText
                color: Theme.text
                font.pixelSize: Theme.smallFontSize
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            ProgressBar {
                from: 0
                to: 1
                value: Math.max(0, App.chat.readingProgress)
                Layout.fillWidth: true
            }
        }
        Button {
            objectName: "stopReadingButton"
            text: qsTr("Stop")
            onClicked: App.chat.stop()
        }
    }
}
