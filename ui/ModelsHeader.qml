// The Models page's header: back to the chat, the title, and what this computer has (RAM,
// GPU memory) to judge which models fit. Main.qml shows it in place of the chat header, above
// the banners, like the other pages' headers.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

ColumnLayout {
    id: header
    signal backRequested()

    spacing: 0

    RowLayout {
        Layout.fillWidth: true
        Layout.preferredHeight: 52
        Layout.leftMargin: 12
        Layout.rightMargin: 16
        spacing: 8
        IconButton {
            objectName: "modelsBackButton"
            iconName: "back"
            tip: qsTr("Back to the chat")
            onClicked: header.backRequested()
        }
        Label {
            text: qsTr("Models")
            font.pixelSize: Theme.titleFontSize
            font.weight: Font.DemiBold
            color: Theme.text
            Layout.fillWidth: true
        }
        Label {
            objectName: "machineLabel"
            text: App.models.machineText
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
            elide: Text.ElideRight
            Layout.maximumWidth: 360
        }
    }
    Rectangle {
        Layout.fillWidth: true
        Layout.preferredHeight: 1
        color: Theme.border
    }
}
