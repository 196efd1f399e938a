// Where the user types. Enter sends, Shift+Enter starts a new line; while an answer comes
// in, the send button becomes a stop button. Files are attached with the button or by
// dropping them here: each shows as a chip (name, size, tokens, or why it cannot be read),
// with the estimated reading time from the measured prefill speed. askAbout() turns the next
// message into a new question about an earlier message's documents (a branch beside it
// that starts from the state saved right after them).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Dialogs
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: composer
    property var documentMessageId: 0  // set by askAbout(): the next send branches beside it
    property string documentName

    function focusInput() {
        input.forceActiveFocus()
    }
    function askAbout(messageId, name) {
        documentMessageId = messageId
        documentName = name
        focusInput()
    }
    function submit() {
        const sent = documentMessageId > 0 ? App.chat.editMessage(documentMessageId, input.text)
                                           : App.chat.send(input.text)
        if (sent) {
            input.clear()
            documentMessageId = 0
        }
    }

    implicitHeight: Math.min(420, column.implicitHeight + 12)
    radius: Theme.radiusPanel
    color: Theme.surface
    border.color: drop.containsDrag || input.activeFocus ? Theme.accent : Theme.border
    border.width: drop.containsDrag ? 2 : 1

    FileDialog {
        id: fileDialog
        objectName: "attachDialog"
        title: qsTr("Attach files")
        fileMode: FileDialog.OpenFiles
        nameFilters: [qsTr("Documents (*.pdf *.txt *.md *.markdown *.html *.htm *.rst *.csv *.json *.c *.cpp *.h *.hpp *.py *.js *.ts *.rs *.go *.java *.qml)"),
                      qsTr("All files (*)")]
        onAccepted: App.chat.attachments.addFiles(selectedFiles)
    }

    DropArea {
        id: drop
        objectName: "composerDropArea"
        anchors.fill: parent
        keys: ["text/uri-list"]
        onDropped: drop => {
            if (drop.hasUrls) {
                App.chat.attachments.addFiles(drop.urls)
                drop.acceptProposedAction()
            }
        }
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.leftMargin: 8
        anchors.rightMargin: 10
        anchors.topMargin: 6
        anchors.bottomMargin: 6
        spacing: 4

        RowLayout {  // a new question about an earlier message's documents
            visible: composer.documentMessageId > 0
            Layout.fillWidth: true
            Layout.leftMargin: 6
            Label {
                objectName: "documentQuestionLabel"
                text: qsTr("New question about %1").arg(composer.documentName)
                color: Theme.accent
                font.pixelSize: Theme.smallFontSize
                elide: Text.ElideMiddle
                Layout.fillWidth: true
            }
            IconButton {
                iconName: "close"
                size: 24
                tip: qsTr("Ask in the chat instead")
                onClicked: composer.documentMessageId = 0
            }
        }

        Flow {
            objectName: "composerAttachments"
            visible: App.chat.attachments.count > 0
            Layout.fillWidth: true
            Layout.leftMargin: 6
            spacing: 6
            Repeater {
                model: App.chat.attachments
                delegate: AttachmentChip {
                    required property int index
                    required property var model
                    objectName: "composerChip"
                    name: model.name
                    sizeText: model.sizeText
                    tokens: model.tokens
                    status: model.status
                    error: model.error
                    removable: true
                    onRemoveClicked: App.chat.attachments.remove(index)
                }
            }
        }
        Label {
            objectName: "attachmentEstimate"
            visible: text.length > 0
            text: App.chat.attachments.estimateText
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize - 1
            wrapMode: Text.Wrap
            Layout.fillWidth: true
            Layout.leftMargin: 6
        }

        RowLayout {
            spacing: 4
            Layout.fillWidth: true

            IconButton {
                id: attachButton
                objectName: "attachButton"
                Layout.alignment: Qt.AlignBottom
                Layout.bottomMargin: 3
                iconName: "plus"
                tip: qsTr("Attach files (text, Markdown, code, HTML, PDF), or drop them here")
                enabled: composer.documentMessageId === 0
                onClicked: fileDialog.open()
            }

            ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.minimumHeight: 44
                Layout.maximumHeight: 220

                TextArea {
                    id: input
                    objectName: "composerInput"
                    placeholderText: App.chat.busy ? qsTr("Answering… press Esc to stop")
                                     : App.chat.attachments.count > 0 ? qsTr("Ask about the attached files")
                                     : qsTr("Message Coil")
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
                        if (event.accepted)
                            composer.submit()
                    }
                    Keys.onEnterPressed: event => {
                        event.accepted = !(event.modifiers & Qt.ShiftModifier)
                        if (event.accepted)
                            composer.submit()
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
                enabled: App.chat.busy || (App.chat.canSend && input.text.trim().length > 0
                                           && !App.chat.attachments.busy)
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
                    else
                        composer.submit()
                }
            }
        }
    }
}
