// The open chat: its messages (the active branch) and the composer.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

Item {
    id: page

    function focusComposer() {
        composer.focusInput()
    }

    ListView {
        id: list
        objectName: "messageList"
        // Follow the end while an answer streams in, unless the user scrolled up.
        property bool follow: true
        // A branch switch keeps the switched message where it was on screen (holdAt()).
        property int holdIndex: -1
        property real holdOffset: 0

        // Called before the branch of the message holding `item` changes.
        function holdAt(item) {
            const p = item.mapToItem(contentItem, 0, 0)
            holdIndex = indexAt(p.x, p.y)
            const row = holdIndex >= 0 ? itemAtIndex(holdIndex) : null
            holdOffset = row ? row.y - contentY : 0
            follow = false
            holdTimer.restart()
        }
        function restoreHold() {
            if (holdIndex < 0)
                return
            // the row at the top, then moved down to where it was (no delegate pointers kept)
            positionViewAtIndex(holdIndex, ListView.Beginning)
            contentY = Math.max(originY, Math.min(contentY - holdOffset, originY + contentHeight - height))
            holdIndex = -1
        }

        anchors.top: parent.top
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: composerArea.top
        model: App.messages
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        cacheBuffer: 2000
        header: Item { height: 16 }
        footer: Item { height: 12 }
        ScrollBar.vertical: ScrollBar {}

        delegate: MessageDelegate {
            width: list.width
            onAskAboutDocuments: (messageId, name) => composer.askAbout(messageId, name)
        }

        onMovementEnded: follow = atYEnd
        Timer {
            id: holdTimer
            interval: 50
            onTriggered: list.restoreHold()
        }

        onCountChanged: {
            if (holdIndex >= 0)
                return  // a branch switch: restoreHold() places the view
            follow = true
            Qt.callLater(positionViewAtEnd)
        }
        onContentHeightChanged: if (follow) Qt.callLater(positionViewAtEnd)
    }

    EmptyState {
        anchors.centerIn: list
        width: Math.min(Theme.contentWidth, list.width - 48)
        visible: App.messages.count === 0
        onSuggestionChosen: text => {
            App.chat.send(text)
            page.focusComposer()  // the chip took the focus: give it back
        }
    }

    Item {
        id: composerArea
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        implicitHeight: composerColumn.implicitHeight + 16

        ColumnLayout {
            id: composerColumn
            anchors.horizontalCenter: parent.horizontalCenter
            anchors.bottom: parent.bottom
            anchors.bottomMargin: 10
            width: Math.min(Theme.contentWidth, parent.width - 48)
            spacing: 6

            // Reading a document or a long chat before the answer: tokens read, time left, stop.
            ReadingProgress {
                Layout.fillWidth: true
            }
            Composer {
                id: composer
                Layout.fillWidth: true
            }
            Label {
                objectName: "composerHint"
                text: App.chat.remote ? qsTr("Enter to send · Shift+Enter for a new line · Esc to stop · answered by %1").arg(App.remote.title)
                                      : qsTr("Enter to send · Shift+Enter for a new line · Esc to stop · everything stays on this computer")
                color: Theme.faintText
                font.pixelSize: Theme.smallFontSize - 1
                horizontalAlignment: Text.AlignHCenter
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
        }
    }
}
