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
    required property var attachments  // [{name, sizeText, format, tokens}]
    required property int finish  // MessageListModel.Finish
    property bool editing: false
    readonly property bool isUser: role === "user"
    readonly property bool showActions: !streaming && (hover.hovered || isLast || editing)
    readonly property bool hasDocuments: attachments !== undefined && attachments.length > 0

    // "New question about this document": the composer asks beside this message.
    signal askAboutDocuments(var messageId, string name)

    implicitHeight: column.implicitHeight + 18

    HoverHandler {
        id: hover
    }

    // Right click: the message's actions as a menu.
    TapHandler {
        acceptedButtons: Qt.RightButton
        onTapped: (eventPoint, button) => {
            const p = eventPoint.position
            contextMenu.popup(message, p.x, p.y)
        }
    }
    ThemedMenu {
        id: contextMenu
        objectName: "messageMenu"
        MenuItem {
            text: qsTr("Copy")
            onTriggered: message.copy()
        }
        MenuItem {
            visible: message.isUser
            height: visible ? implicitHeight : 0
            text: qsTr("Edit")
            enabled: App.chat.canSend
            onTriggered: message.startEditing()
        }
        MenuItem {
            visible: !message.isUser
            height: visible ? implicitHeight : 0
            text: qsTr("Regenerate")
            enabled: App.chat.canSend
            onTriggered: App.chat.regenerate(message.messageId)
        }
    }

    // "Copied" for a moment after a copy.
    property bool copied: false
    function copy() {
        App.chat.copyMessage(message.messageId)
        copied = true
        copiedTimer.restart()
    }
    Timer {
        id: copiedTimer
        interval: 1500
        onTriggered: message.copied = false
    }
    function startEditing() {
        editor.text = message.content
        message.editing = true
        editor.forceActiveFocus()
    }

    // A segment of an answer, made by the Loader that is its parent.
    Component {
        id: proseSegment
        MarkdownText {
            markdown: parent ? parent.modelData.text : ""
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

        // --- the files attached to a question --------------------------------------------
        Flow {
            objectName: "messageAttachments"
            visible: message.isUser && message.hasDocuments
            Layout.alignment: Qt.AlignRight
            Layout.maximumWidth: column.width * 0.78
            layoutDirection: Qt.RightToLeft
            spacing: 6
            Repeater {
                model: message.hasDocuments ? message.attachments : []
                delegate: AttachmentChip {
                    required property var modelData
                    objectName: "messageChip"
                    name: modelData.name
                    sizeText: modelData.sizeText
                    tokens: modelData.tokens
                }
            }
        }

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
                    // as in the composer: Enter sends, Shift+Enter starts a new line
                    Keys.onReturnPressed: event => editSend.sendOrNewLine(event)
                    Keys.onEnterPressed: event => editSend.sendOrNewLine(event)
                }
                RowLayout {
                    Layout.alignment: Qt.AlignRight
                    Button {
                        text: qsTr("Cancel")
                        flat: true
                        onClicked: message.editing = false
                    }
                    Button {
                        id: editSend
                        function sendOrNewLine(event) {
                            event.accepted = !(event.modifiers & Qt.ShiftModifier)
                            if (event.accepted && enabled)
                                Qt.callLater(clicked)  // not while the key event is handled
                        }
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
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }

                // An answer cut off (Coil closed, a remote server went away): say so, offer to
                // retry or go on (Continue: local models only).
                RowLayout {
                    objectName: "interruptedNote"
                    visible: !message.streaming && message.finish === MessageListModel.Interrupted
                    spacing: 8
                    Label {
                        text: App.chat.remote ? qsTr("This answer was cut off: the server stopped answering.")
                                              : qsTr("This answer was cut off when Coil closed.")
                        color: Theme.warning
                        font.pixelSize: Theme.smallFontSize
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    Button {
                        objectName: "retryAnswerButton"
                        text: qsTr("Retry")
                        flat: true
                        enabled: App.chat.canSend
                        onClicked: App.chat.regenerate(message.messageId)
                    }
                    Button {
                        objectName: "continueAnswerButton"
                        text: qsTr("Continue")
                        flat: true
                        highlighted: true
                        visible: !App.chat.remote
                        enabled: App.chat.canSend && message.content.length > 0
                        onClicked: App.chat.continueAnswer(message.messageId)
                    }
                }

                Row {  // the answer is on its way
                    visible: message.streaming && message.content.length === 0 && App.chat.prefillTotal === 0
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

        // --- a question left without an answer (Coil closed, the answer failed) --------
        Button {
            objectName: "retryQuestionButton"
            visible: message.isUser && message.isLast && !message.editing && !App.chat.busy
            Layout.alignment: Qt.AlignRight
            text: qsTr("No answer yet · Retry")
            flat: true
            enabled: App.chat.canSend
            onClicked: App.chat.regenerate(message.messageId)
        }

        // --- actions ---------------------------------------------------------------------
        // The branch arrows always show; the other actions on hover (and on the last message).
        RowLayout {
            spacing: 2
            readonly property real actionOpacity: message.showActions ? 1 : 0
            Layout.alignment: message.isUser ? Qt.AlignRight : Qt.AlignLeft
            Layout.leftMargin: message.isUser ? 0 : 36
            Layout.fillWidth: !message.isUser  // the details shorten (…) in a narrow window

            BranchSwitcher {
                messageId: message.messageId
                index: message.siblingIndex
                count: message.siblingCount
            }
            IconButton {
                objectName: "copyMessageButton"
                opacity: message.copied ? 1 : parent.actionOpacity
                iconName: message.copied ? "check" : "copy"
                tip: message.copied ? qsTr("Copied") : qsTr("Copy")
                tint: message.copied ? Theme.success : Theme.mutedText
                size: 28
                onClicked: message.copy()
            }
            IconButton {
                objectName: "editMessageButton"
                visible: message.isUser
                opacity: parent.actionOpacity
                iconName: "edit"
                tip: qsTr("Edit (makes a new branch)")
                size: 28
                enabled: App.chat.canSend
                onClicked: message.startEditing()
            }
            IconButton {
                objectName: "askAboutDocumentButton"
                visible: message.isUser && message.hasDocuments
                iconName: "plus"
                tip: qsTr("New question about this document (starts from the state saved right after reading it)")
                size: 28
                enabled: App.chat.canSend
                onClicked: message.askAboutDocuments(message.messageId,
                                                     message.attachments.map(a => a.name).join(", "))
            }
            IconButton {
                objectName: "continueButton"
                // local models only: OpenAI's chat API cannot go on with an answer
                visible: !message.isUser && !App.chat.remote
                         && (message.finish === MessageListModel.Cancelled || message.finish === MessageListModel.Length)
                opacity: parent.actionOpacity
                iconName: "play"
                tip: qsTr("Continue this answer")
                size: 28
                enabled: App.chat.canSend
                onClicked: App.chat.continueAnswer(message.messageId)
            }
            IconButton {
                objectName: "regenerateButton"
                visible: !message.isUser
                opacity: parent.actionOpacity
                iconName: "refresh"
                tip: qsTr("Regenerate (keeps this answer as a branch)")
                size: 28
                enabled: App.chat.canSend
                onClicked: App.chat.regenerate(message.messageId)
            }
            Label {
                opacity: parent.actionOpacity
                visible: !message.isUser && message.details.length > 0
                text: message.details
                color: Theme.faintText
                font.pixelSize: Theme.smallFontSize
                elide: Text.ElideRight
                Layout.fillWidth: true
                Layout.leftMargin: 6
            }
        }
    }
}
