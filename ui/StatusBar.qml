// The status line: backend and device, speeds, how the chat was resumed, its state on disk.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: bar
    implicitHeight: 30
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
            visible: App.model.loading
            spacing: 8
            ProgressBar {
                implicitWidth: 110
                value: App.model.progress
                indeterminate: App.model.progress <= 0.05
            }
            Label {
                text: App.model.stage
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
            }
        }

        RowLayout {
            visible: !App.model.loading
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
            visible: text.length > 0
            text: App.status.speedText
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
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
        }
    }
}
