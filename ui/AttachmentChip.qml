// One attached file: its name, size and token count, or why it could not be read (then the
// chip is red and the file is not sent). In the composer it can be removed.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: chip
    property string name
    property string sizeText
    property var tokens: -1        // -1: not counted yet
    property int status: PendingAttachments.Ready  // a stored message's chips are ready
    property string error
    property bool removable: false
    signal removeClicked()

    readonly property bool failed: status === PendingAttachments.Failed
    // the error names the file, which the chip already shows
    readonly property string detail: failed ? (error.startsWith(name + ": ") ? error.substring(name.length + 2) : error)
        : status === PendingAttachments.Reading ? qsTr("reading…")
        : status === PendingAttachments.Counting ? qsTr("counting tokens…")
        : [sizeText, tokens > 0 ? qsTr("%L1 tokens").arg(tokens) : ""].filter(s => s.length > 0).join(" · ")

    implicitWidth: Math.min(row.implicitWidth + 16, 420)
    implicitHeight: Math.max(40, row.implicitHeight + 10)
    radius: Theme.radius
    color: failed ? Qt.rgba(Theme.error.r, Theme.error.g, Theme.error.b, 0.10) : Theme.raised
    border.color: failed ? Theme.error : Theme.border
    Accessible.name: name + ", " + detail

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: 8
        anchors.rightMargin: 4
        spacing: 8

        IconImage {
            source: chip.failed ? "icons/alert.png" : "icons/file.png"
            sourceSize: Qt.size(18, 18)
            color: chip.failed ? Theme.error : Theme.accent
        }
        ColumnLayout {
            spacing: 0
            Layout.fillWidth: true
            Label {
                text: chip.name
                elide: Text.ElideMiddle
                font.bold: true
                font.pixelSize: Theme.smallFontSize
                color: Theme.text
                Layout.fillWidth: true
                Layout.maximumWidth: 340
            }
            Label {
                objectName: "attachmentDetail"
                text: chip.detail
                wrapMode: Text.Wrap
                maximumLineCount: 3
                elide: Text.ElideRight
                font.pixelSize: Theme.smallFontSize - 1
                color: chip.failed ? Theme.error : Theme.mutedText
                Layout.preferredWidth: Math.min(implicitWidth, 340)
            }
        }
        IconButton {
            objectName: "removeAttachmentButton"
            visible: chip.removable
            iconName: "close"
            size: 24
            tip: qsTr("Remove")
            onClicked: chip.removeClicked()
        }
    }
}
