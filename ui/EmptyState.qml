// What a new chat shows before its first message.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

ColumnLayout {
    id: empty
    signal suggestionChosen(string text)

    spacing: 14

    Rectangle {
        Layout.alignment: Qt.AlignHCenter
        implicitWidth: 56
        implicitHeight: 56
        radius: Theme.radiusPanel
        color: Theme.accent
        IconImage {
            anchors.centerIn: parent
            source: "icons/logo.png"
            sourceSize: Qt.size(34, 34)
            color: Theme.accentText
        }
    }
    Label {
        text: qsTr("What can I help with?")
        font.pixelSize: Theme.fontSize + 10
        font.weight: Font.DemiBold
        color: Theme.text
        Layout.alignment: Qt.AlignHCenter
    }
    Label {
        objectName: "emptyStateModel"
        text: App.chat.remote ? qsTr("Chatting with %1 on a remote server").arg(App.remote.title)
            : App.activeModel.loaded ? qsTr("Chatting with %1 on %2").arg(App.activeModel.title).arg(App.status.backendText)
                               : App.activeModel.loading ? qsTr("Loading the model…") : qsTr("No model loaded yet")
        color: Theme.mutedText
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
    Label {
        // the bundled demo model knows little: say what, and where a real model comes from
        objectName: "demoModelNote"
        visible: !App.chat.remote && App.activeModel.loaded && App.activeModel.name === "coil-demo"
        text: qsTr("Demo model: small sums, comparisons, unit conversions, words backwards. For a real model, open Models.")
        color: Theme.mutedText
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
    GridLayout {
        columns: 2
        rowSpacing: 8
        columnSpacing: 8
        Layout.topMargin: 8
        Layout.alignment: Qt.AlignHCenter
        Layout.preferredWidth: Math.min(560, empty.width)

        Repeater {
            // demo-model-chips: questions the bundled demo model answers right. tools/train_demo.py
            // reads them from here and trains them; tests/engine/test_demo_model.cpp checks them.
            model: [qsTr("What is 17 plus 25?"), qsTr("Spell the word planet backwards."),
                    qsTr("How many meters are in 3 kilometers?"), qsTr("Which is larger, 48 or 84?")]
            delegate: Button {
                required property string modelData
                objectName: "suggestionChip"
                text: modelData
                flat: true
                enabled: App.chat.canSend
                Layout.fillWidth: true
                Layout.preferredWidth: 1
                font.pixelSize: Theme.smallFontSize + 1
                font.capitalization: Font.MixedCase
                background: Rectangle {
                    radius: height / 2
                    implicitHeight: 34
                    color: parent.hovered ? Theme.hover : "transparent"
                    border.color: Theme.border
                }
                onClicked: empty.suggestionChosen(modelData)
            }
        }
    }
}
