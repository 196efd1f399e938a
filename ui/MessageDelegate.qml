// One message of the active branch. A question sits in a bubble on the right and can be
// edited (a new branch); an answer is Markdown with code blocks, and can be copied or
// regenerated (a sibling). Either shows `< 2/3 >` when it has siblings.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Item {
    id: message
    required property var messageId
    required property string role
    required property string content
    required property var segments
    required property int siblingIndex
    required property int siblingCount
    required property string details
    required property bool streaming
    required property bool isLast
    property bool editing: false
    readonly property bool isUser: role === "user"
    readonly property bool showActions: !streaming && (hover.hovered || isLast || editing)

    implicitHeight: column.implicitHeight + 18

    HoverHandler {
        id: hover
    }

    // A segment of an answer, made by the Loader that is its parent.
    Component {
        id: proseSegment
        MarkdownText {
            text: parent ? parent.modelData.text : ""
        }
    }
    Component {
        id: codeSegment
        CodeBlock {
            code: parent ? parent.modelData.text : ""
            language: parent ? parent.modelData.language : ""
        }
    }

    ColumnLayout {
        id: column
        width: Math.min(Theme.contentWidth, message.width - 48)
        anchors.horizontalCenter: parent.horizontalCenter
        y: 6
        spacing: 4

        // --- a question --------------------------------------------------------------
        Rectangle {
            visible: message.isUser && !message.editing
            Layout.alignment: Qt.AlignRight
            implicitWidth: Math.min(userText.implicitWidth, column.width * 0.78 - 32) + 32
            implicitHeight: userText.implicitHeight + 20
            radius: Theme.radiusPanel
            color: Theme.userBubble

            Label {
                id: userText
                x: 16
                y: 10
                width: parent.width - 32
                text: message.content
                wrapMode: Text.Wrap
                textFormat: Text.PlainText
                color: Theme.text
            }
        }

        // --- editing a question --------------------------------------------------------
        Rectangle {
            visible: message.editing
            Layout.fillWidth: true
            implicitHeight: editColumn.implicitHeight + 20
            radius: Theme.radiusLarge
            color: Theme.surface
            border.color: Theme.accent

            ColumnLayout {
                id: editColumn
                x: 12
                y: 10
                width: parent.width - 24
                TextArea {
                    id: editor
                    objectName: "editInput"
                    Layout.fillWidth: true
                    wrapMode: TextArea.Wrap
                    selectByMouse: true
                    background: null
                    color: Theme.text
                }
                RowLayout {
                    Layout.alignment: Qt.AlignRight
                    Button {
                        text: qsTr("Cancel")
                        flat: true
                        onClicked: message.editing = false
                    }
                    Button {
                        objectName: "editSendButton"
                        text: qsTr("Send")
                        highlighted: true
                        enabled: App.chat.canSend && editor.text.trim().length > 0
                        onClicked: {
                            if (App.chat.editMessage(message.messageId, editor.text))
                                message.editing = false
                        }
                    }
                }
            }
        }

        // --- an answer -----------------------------------------------------------------
        RowLayout {
            visible: !message.isUser
            spacing: 14
            Layout.fillWidth: true

            Rectangle {
                Layout.alignment: Qt.AlignTop
                Layout.topMargin: 2
                implicitWidth: 28
                implicitHeight: 28
                radius: Theme.radiusLarge
                color: Theme.accent
                IconImage {
                    anchors.centerIn: parent
                    source: "icons/logo.png"
                    sourceSize: Qt.size(18, 18)
                    color: Theme.accentText
                }
            }

            ColumnLayout {
                spacing: 10
                Layout.fillWidth: true

                Repeater {
                    model: message.segments
                    delegate: Loader {
                        required property var modelData
                        Layout.fillWidth: true
                        sourceComponent: modelData.kind === "code" ? codeSegment : proseSegment
                    }
                }

                Label {
                    visible: !message.streaming && message.content.trim().length === 0
                    text: qsTr("(the model answered with blank space only)")
                    color: Theme.faintText
                    font.italic: true
                }

                Row {  // the answer is on its way
                    visible: message.streaming && message.content.length === 0
                    spacing: 5
                    topPadding: 8
                    bottomPadding: 8
                    Repeater {
                        model: 3
                        delegate: Rectangle {
                            required property int index
                            width: 7
                            height: 7
                            radius: Theme.radiusDot
                            color: Theme.mutedText
                            SequentialAnimation on opacity {
                                loops: Animation.Infinite
                                PauseAnimation { duration: index * 160 }
                                NumberAnimation { from: 0.25; to: 1; duration: 360 }
                                NumberAnimation { from: 1; to: 0.25; duration: 360 }
                                PauseAnimation { duration: (2 - index) * 160 }
                            }
                        }
                    }
                }
            }
        }

        // --- actions ---------------------------------------------------------------------
        RowLayout {
            spacing: 2
            opacity: message.showActions ? 1 : 0
            Layout.alignment: message.isUser ? Qt.AlignRight : Qt.AlignLeft
            Layout.leftMargin: message.isUser ? 0 : 36
            Behavior on opacity { NumberAnimation { duration: 120 } }

            BranchSwitcher {
                messageId: message.messageId
                index: message.siblingIndex
                count: message.siblingCount
            }
            IconButton {
                objectName: "copyMessageButton"
                iconName: "copy"
                tip: qsTr("Copy")
                size: 28
                onClicked: App.chat.copyMessage(message.messageId)
            }
            IconButton {
                objectName: "editMessageButton"
                visible: message.isUser
                iconName: "edit"
                tip: qsTr("Edit (makes a new branch)")
                size: 28
                enabled: App.chat.canSend
                onClicked: {
                    editor.text = message.content
                    message.editing = true
                    editor.forceActiveFocus()
                }
            }
            IconButton {
                objectName: "regenerateButton"
                visible: !message.isUser
                iconName: "refresh"
                tip: qsTr("Regenerate (keeps this answer as a branch)")
                size: 28
                enabled: App.chat.canSend
                onClicked: App.chat.regenerate(message.messageId)
            }
            Label {
                visible: !message.isUser && message.details.length > 0
                text: message.details
                color: Theme.faintText
                font.pixelSize: Theme.smallFontSize
                Layout.leftMargin: 6
            }
        }
    }
}
