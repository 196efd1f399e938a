// The status line: backend and device, speeds, how the chat was resumed, its state on disk;
// while a model loads, its progress and a button that cancels the load. In a narrow window
// the texts shorten (…) rather than run into each other, and the speeds step aside.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: bar
    objectName: "statusBar"
    implicitHeight: Math.max(30, Math.round(Theme.smallFontSize * 2.4))
    color: Theme.sidebar

    Rectangle {
        width: parent.width
        height: 1
        color: Theme.border
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 14
        anchors.rightMargin: 14
        spacing: 14

        RowLayout {
            visible: App.activeModel.loading
            spacing: 8
            ProgressBar {
                implicitWidth: 110
                value: App.activeModel.progress
                indeterminate: App.activeModel.progress <= 0.05
            }
            Label {
                objectName: "loadStageLabel"
                text: App.activeModel.stage
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                elide: Text.ElideRight
                Layout.fillWidth: true
                Layout.maximumWidth: implicitWidth
            }
            ToolButton {
                objectName: "cancelLoadButton"
                implicitHeight: 26
                text: qsTr("Cancel")
                font.pixelSize: Theme.smallFontSize
                font.capitalization: Font.MixedCase
                focusPolicy: Qt.TabFocus
                Accessible.name: qsTr("Cancel loading the model")
                ToolTip.visible: hovered
                ToolTip.delay: 600
                ToolTip.text: qsTr("Stop loading %1").arg(App.activeModel.loadingName)
                onClicked: App.activeModel.cancelLoad()
            }
        }

        RowLayout {
            visible: !App.activeModel.loading
            spacing: 6
            Layout.maximumWidth: bar.width * 0.38
            IconImage {
                source: "icons/cpu.png"
                sourceSize: Qt.size(14, 14)
                color: Theme.faintText
            }
            Label {
                objectName: "backendLabel"
                text: App.status.backendText
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
        }

        Label {
            objectName: "speedLabel"
            visible: text.length > 0 && bar.width >= 640
            text: App.status.speedText
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
            elide: Text.ElideRight
            Layout.fillWidth: true
            Layout.maximumWidth: implicitWidth
        }

        Label {
            objectName: "resumeLabel"
            visible: text.length > 0
            text: App.status.resumeText
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
            elide: Text.ElideRight
            Layout.fillWidth: true
        }

        Item {
            visible: App.status.resumeText.length === 0
            Layout.fillWidth: true
        }

        Label {
            objectName: "stateLabel"
            visible: text.length > 0
            text: App.status.stateText
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
            elide: Text.ElideRight
            Layout.maximumWidth: implicitWidth  // short: it keeps its width, the others shorten
        }
    }
}
