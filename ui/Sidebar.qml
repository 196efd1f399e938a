// The left column: new chat, search over every message, the conversations, models, settings.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: sidebar
    property bool settingsOpen: false
    property bool modelsOpen: false
    signal settingsRequested()
    signal modelsRequested()
    signal chatOpened()

    function focusSearch() {
        searchField.forceActiveFocus()
        searchField.selectAll()
    }

    color: Theme.sidebar

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        anchors.bottomMargin: 8
        spacing: 10

        RowLayout {
            spacing: 10
            Layout.fillWidth: true
            Layout.leftMargin: 4
            Layout.topMargin: 2

            Rectangle {
                implicitWidth: 30
                implicitHeight: 30
                radius: Theme.radiusSmall
                color: Theme.accent
                IconImage {
                    anchors.centerIn: parent
                    source: "icons/logo.png"
                    sourceSize: Qt.size(20, 20)
                    color: Theme.accentText
                }
            }
            Label {
                text: "Coil"
                font.pixelSize: Theme.titleFontSize + 2
                font.weight: Font.Bold
                color: Theme.text
                Layout.fillWidth: true
            }
            IconButton {
                objectName: "newChatButton"
                iconName: "plus"
                tip: qsTr("New chat (Ctrl+N)")
                onClicked: {
                    App.chat.newChat()
                    sidebar.chatOpened()
                }
            }
        }

        TextField {
            id: searchField
            objectName: "searchField"
            placeholderText: qsTr("Search all chats")
            leftPadding: 34
            selectByMouse: true
            Layout.fillWidth: true
            onTextChanged: App.search.query = text
            Keys.onEscapePressed: clear()
            background: Rectangle {
                implicitHeight: 36
                radius: Theme.radiusSmall
                color: Theme.surface
                border.color: searchField.activeFocus ? Theme.accent : Theme.border
                border.width: 1
            }
            IconImage {
                anchors.left: parent.left
                anchors.leftMargin: 10
                anchors.verticalCenter: parent.verticalCenter
                source: "icons/search.png"
                sourceSize: Qt.size(16, 16)
                color: Theme.faintText
            }
        }

        ListView {
            id: conversationList
            objectName: "conversationList"
            visible: !App.search.active
            model: App.conversations
            clip: true
            spacing: 2
            boundsBehavior: Flickable.StopAtBounds
            Layout.fillWidth: true
            Layout.fillHeight: true
            ScrollBar.vertical: ScrollBar {}

            section.property: "section"
            section.delegate: Label {
                required property string section
                width: ListView.view.width
                text: section
                color: Theme.faintText
                font.pixelSize: Theme.smallFontSize
                font.weight: Font.DemiBold
                leftPadding: 10
                topPadding: 10
                bottomPadding: 4
            }

            delegate: ConversationDelegate {
                width: ListView.view.width
                onOpened: id => {
                    App.chat.openChat(id)
                    sidebar.chatOpened()
                }
                onRenameRequested: (id, title) => renameDialog.ask(id, title)
                onDeleteRequested: (id, title) => deleteDialog.ask(id, title)
                onExportRequested: (id, format) => exportDialog.ask(id, format)
            }

            Label {
                anchors.centerIn: parent
                visible: conversationList.count === 0
                text: qsTr("No chats yet")
                color: Theme.faintText
            }
        }

        ListView {
            id: searchList
            objectName: "searchResults"
            visible: App.search.active
            model: App.search
            clip: true
            spacing: 2
            boundsBehavior: Flickable.StopAtBounds
            Layout.fillWidth: true
            Layout.fillHeight: true
            ScrollBar.vertical: ScrollBar {}

            delegate: SearchResultDelegate {
                width: ListView.view.width
                onOpened: (conversationId, messageId) => {
                    App.chat.openMessage(conversationId, messageId)
                    sidebar.chatOpened()
                }
            }

            Label {
                anchors.centerIn: parent
                width: parent.width - 20
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                visible: searchList.count === 0
                text: qsTr("No message contains “%1”").arg(App.search.query)
                color: Theme.faintText
            }
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.preferredHeight: 1
            color: Theme.border
        }

        ItemDelegate {
            objectName: "modelsButton"
            text: qsTr("Models")
            icon.source: "icons/models.png"
            icon.width: 18
            icon.height: 18
            icon.color: sidebar.modelsOpen ? Theme.accent : Theme.mutedText
            highlighted: sidebar.modelsOpen
            Layout.fillWidth: true
            implicitHeight: 40
            onClicked: sidebar.modelsRequested()
            background: Rectangle {
                radius: Theme.radiusSmall
                color: parent.highlighted ? Theme.selected : parent.hovered ? Theme.hover : "transparent"
            }
        }

        ItemDelegate {
            objectName: "settingsButton"
            text: qsTr("Settings")
            icon.source: "icons/settings.png"
            icon.width: 18
            icon.height: 18
            icon.color: sidebar.settingsOpen ? Theme.accent : Theme.mutedText
            highlighted: sidebar.settingsOpen
            Layout.fillWidth: true
            implicitHeight: 40
            onClicked: sidebar.settingsRequested()
            background: Rectangle {
                radius: Theme.radiusSmall
                color: parent.highlighted ? Theme.selected : parent.hovered ? Theme.hover : "transparent"
            }
        }
    }

    RenameDialog {
        id: renameDialog
        onAccepted: App.chat.renameChat(conversationId, newTitle)
    }

    ConfirmDeleteDialog {
        id: deleteDialog
        objectName: "deleteChatDialog"
        onAccepted: App.chat.deleteChat(conversationId)
    }

    ExportDialog {
        id: exportDialog
    }
}
