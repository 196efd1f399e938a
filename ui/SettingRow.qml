// A labelled row of the settings page: a title and an explanation on the left, the
// control (the row's children) on the right.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

RowLayout {
    id: row
    property string title
    property string description
    default property alias control: slot.data

    spacing: 24
    Layout.fillWidth: true

    ColumnLayout {
        spacing: 2
        Layout.fillWidth: true
        Label {
            text: row.title
            color: Theme.text
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        Label {
            visible: text.length > 0
            text: row.description
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
    }
    Item {
        id: slot
        implicitWidth: childrenRect.width
        implicitHeight: childrenRect.height
        Layout.alignment: Qt.AlignRight | Qt.AlignVCenter
    }
}
