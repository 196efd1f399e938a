// The main window: conversations on the left, the chat (or the settings or models page) in
// the middle, the open chat's settings on the right when asked for.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Coil.Core

ApplicationWindow {
    id: window

    // The page in the middle; its value is the StackLayout's index below.
    enum Page { Chat, Settings, Models }
    property int page: Main.Page.Chat
    property bool chatSettingsOpen: false
    // A small window keeps the chat readable: while the chat settings are open, the sidebar
    // steps aside when the chat would get narrower than kMinChatWidth.
    readonly property int kMinChatWidth: 420
    readonly property bool panelShown: chatSettingsOpen && page === Main.Page.Chat
    readonly property int panelWidth: Theme.settingsPanelWidth
    readonly property bool sidebarShown: !panelShown || width - panelWidth - Theme.sidebarWidth >= kMinChatWidth

    // Opens `p`, or goes back to the chat when `p` is open already.
    function toggle(p) {
        page = page === p ? Main.Page.Chat : p
    }

    width: 1240
    height: 800
    minimumWidth: 760
    minimumHeight: 480
    visible: true
    title: App.chat.title + " — Coil"
    color: Theme.window
    font.pixelSize: Theme.fontSize
    font.capitalization: Font.MixedCase

    Material.theme: Theme.dark ? Material.Dark : Material.Light
    Material.accent: Theme.accent
    Material.primary: Theme.accent
    Material.background: Theme.window
    Material.foreground: Theme.text

    Shortcut {
        sequence: "Ctrl+N"
        onActivated: {
            window.page = Main.Page.Chat
            App.chat.newChat()
            chatPage.focusComposer()
        }
    }
    Shortcut {
        objectName: "quitShortcut"
        sequence: "Ctrl+Q"
        context: Qt.ApplicationShortcut
        onActivated: window.close()
    }
    Shortcut {
        sequence: "Ctrl+F"
        onActivated: sidebar.focusSearch()
    }
    Shortcut {
        sequence: "Ctrl+Shift+C"
        onActivated: App.chat.copyLastAnswer()
    }
    Shortcut {
        sequence: "Esc"
        enabled: App.chat.busy
        onActivated: App.chat.stop()
    }

    // (a background of its own: screenshots grab this item)
    Rectangle {
        objectName: "mainLayout"
        anchors.fill: parent
        color: Theme.window

    RowLayout {
        anchors.fill: parent
        spacing: 0

        Sidebar {
            id: sidebar
            visible: window.sidebarShown
            Layout.preferredWidth: Theme.sidebarWidth
            Layout.fillHeight: true
            settingsOpen: window.page === Main.Page.Settings
            modelsOpen: window.page === Main.Page.Models
            onSettingsRequested: window.toggle(Main.Page.Settings)
            onModelsRequested: window.page = Main.Page.Models  // opens; Back returns
            onChatOpened: window.page = Main.Page.Chat
        }

        Rectangle {
            visible: window.sidebarShown
            Layout.preferredWidth: 1
            Layout.fillHeight: true
            color: Theme.border
        }

        ColumnLayout {
            spacing: 0
            Layout.fillWidth: true
            Layout.fillHeight: true

            ChatHeader {
                visible: window.page !== Main.Page.Models
                Layout.fillWidth: true
                settingsPage: window.page === Main.Page.Settings
                chatSettingsOpen: window.chatSettingsOpen
                onChatSettingsToggled: window.chatSettingsOpen = !window.chatSettingsOpen
                onBackRequested: window.page = Main.Page.Chat
            }

            ModelsHeader {
                visible: window.page === Main.Page.Models
                Layout.fillWidth: true
                onBackRequested: window.page = Main.Page.Chat
            }

            BannerArea {
                Layout.fillWidth: true
            }

            StackLayout {
                currentIndex: window.page
                Layout.fillWidth: true
                Layout.fillHeight: true

                ChatPage {
                    id: chatPage
                }
                SettingsPage {}
                ModelsPage {
                    onRemoteChatRequested: {
                        window.page = Main.Page.Chat
                        chatPage.focusComposer()
                    }
                }
            }

            StatusBar {
                Layout.fillWidth: true
            }
        }

        Rectangle {
            visible: window.panelShown
            Layout.preferredWidth: 1
            Layout.fillHeight: true
            color: Theme.border
        }

        ChatSettingsPanel {
            objectName: "chatSettingsPanel"
            visible: window.panelShown
            Layout.preferredWidth: window.panelWidth
            Layout.fillHeight: true
            onCloseRequested: window.chatSettingsOpen = false
        }
    }
    }

    // "Use in new chat" on the models page opens the new chat.
    Connections {
        target: App.installedModels
        function onChatRequested() {
            window.page = Main.Page.Chat
            chatPage.focusComposer()
        }
    }

    // Back on the chat (from Settings, Models, the chat settings): typing goes on where it was.
    onPageChanged: if (page === Main.Page.Chat) Qt.callLater(chatPage.focusComposer)
    onChatSettingsOpenChanged: if (!chatSettingsOpen) Qt.callLater(chatPage.focusComposer)

    Component.onCompleted: chatPage.focusComposer()
}
