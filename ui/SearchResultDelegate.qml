// One search hit: the chat's title and the matching text, matches in bold.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ItemDelegate {
    id: delegate
    required property var conversationId
    required property var messageId
    required property string title
    required property string snippet
    required property string role
    signal opened(var conversationId, var messageId)

    leftPadding: 10
    rightPadding: 10
    topPadding: 8
    bottomPadding: 8
    onClicked: opened(conversationId, messageId)

    background: Rectangle {
        radius: Theme.radiusSmall
        color: delegate.hovered ? Theme.hover : "transparent"
    }

    contentItem: ColumnLayout {
        spacing: 2
        Label {
            text: delegate.title
            color: Theme.text
            font.weight: Font.DemiBold
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Label {
            text: (delegate.role === "user" ? qsTr("You: ") : "") + delegate.snippet
            textFormat: Text.StyledText
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
            wrapMode: Text.Wrap
            maximumLineCount: 3
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
    }
}
