// Where the user types. Enter sends, Shift+Enter starts a new line; while an answer comes
// in, the send button becomes a stop button.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: composer

    function focusInput() {
        input.forceActiveFocus()
    }

    implicitHeight: Math.min(240, Math.max(56, input.implicitHeight + 20))
    radius: Theme.radiusPanel
    color: Theme.surface
    border.color: input.activeFocus ? Theme.accent : Theme.border
    border.width: 1

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 14
        anchors.rightMargin: 10
        anchors.topMargin: 6
        anchors.bottomMargin: 6
        spacing: 8

        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true

            TextArea {
                id: input
                objectName: "composerInput"
                placeholderText: App.chat.busy ? qsTr("Answering… press Esc to stop") : qsTr("Message Coil")
                wrapMode: TextArea.Wrap
                selectByMouse: true
                color: Theme.text
                placeholderTextColor: Theme.faintText
                leftPadding: 0
                rightPadding: 0
                topPadding: 8
                bottomPadding: 8
                background: null
                Accessible.name: qsTr("Message")

                Keys.onReturnPressed: event => {
                    event.accepted = !(event.modifiers & Qt.ShiftModifier)
                    if (event.accepted && App.chat.send(input.text))
                        input.clear()
                }
                Keys.onEnterPressed: event => {
                    event.accepted = !(event.modifiers & Qt.ShiftModifier)
                    if (event.accepted && App.chat.send(input.text))
                        input.clear()
                }
            }
        }

        RoundButton {
            id: sendButton
            objectName: App.chat.busy ? "stopButton" : "sendButton"
            Layout.alignment: Qt.AlignBottom
            implicitWidth: 38
            implicitHeight: 38
            padding: 0
            enabled: App.chat.busy || (App.chat.canSend && input.text.trim().length > 0)
            icon.source: App.chat.busy ? "icons/stop.png" : "icons/send.png"
            icon.width: App.chat.busy ? 14 : 18
            icon.height: App.chat.busy ? 14 : 18
            icon.color: enabled ? (App.chat.busy ? Theme.window : Theme.accentText) : Theme.faintText
            ToolTip.visible: hovered
            ToolTip.delay: 600
            ToolTip.text: App.chat.busy ? qsTr("Stop (Esc)") : qsTr("Send (Enter)")
            background: Rectangle {
                radius: width / 2
                color: sendButton.enabled ? (App.chat.busy ? Theme.text : Theme.accent) : Theme.raised
            }
            onClicked: {
                if (App.chat.busy)
                    App.chat.stop()
                else if (App.chat.send(input.text))
                    input.clear()
            }
        }
    }
}
