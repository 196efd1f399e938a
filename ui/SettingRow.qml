// A labelled row of the settings page: a title and an explanation on the left, the
// control (the row's children) on the right; where that is too narrow (the chat settings
// panel, large fonts), the control goes below the text.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

GridLayout {
    id: row
    property string title
    property string description
    default property alias control: slot.data
    // Stacked, the control stays at the right edge too (the font size's "+", which the page
    // keeps under the pointer while the rows reflow around it).
    property bool keepRight: false
    // Decided by the width of the column the row is in, which is known before that column
    // lays the row out: by the row's own width (set during that pass) the columns would
    // change in the middle of it and make the column lay out again and again (a polish loop).
    readonly property bool stacked: (parent ? parent.width : width) < 440 * Math.max(1, Theme.fontSize / 14)

    columns: stacked ? 1 : 2
    columnSpacing: 24
    rowSpacing: 6
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
        Layout.alignment: row.stacked ? (row.keepRight ? Qt.AlignRight : Qt.AlignLeft)
                                      : Qt.AlignRight | Qt.AlignVCenter
    }
}
