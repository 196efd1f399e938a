// A sampling setting as a slider with its value; `value` is bound to the setting and
// `moved(value)` reports what the user chose.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: setting
    property string title
    property string description
    property real value
    property real from: 0
    property real to: 1
    property real stepSize: 0.01
    property int decimals: 2
    signal moved(real value)

    spacing: 0
    Layout.fillWidth: true

    RowLayout {
        Layout.fillWidth: true
        Label {
            text: setting.title
            color: Theme.text
            Layout.fillWidth: true
        }
        Label {
            text: setting.value.toFixed(setting.decimals)
            color: Theme.mutedText
            font.family: Theme.monoFamily
        }
    }
    Slider {
        id: slider
        from: setting.from
        to: setting.to
        stepSize: setting.stepSize
        value: setting.value
        Layout.fillWidth: true
        Layout.leftMargin: -6
        Layout.rightMargin: -6
        onMoved: setting.moved(value)
        Accessible.name: setting.title
    }
    Label {
        visible: text.length > 0
        text: setting.description
        color: Theme.mutedText
        font.pixelSize: Theme.smallFontSize
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
}
