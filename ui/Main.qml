// The main window: conversations on the left, the chat (or the settings or models page) in
// the middle, the open chat's settings on the right when asked for.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Coil.Core

ApplicationWindow {
    id: window

    property bool settingsPageOpen: false
    property bool modelsPageOpen: false
    property bool chatSettingsOpen: false

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
            window.settingsPageOpen = false
            window.modelsPageOpen = false
            App.chat.newChat()
            chatPage.focusComposer()
        }
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

    RowLayout {
        anchors.fill: parent
        spacing: 0

        Sidebar {
            id: sidebar
            Layout.preferredWidth: Theme.sidebarWidth
            Layout.fillHeight: true
            settingsOpen: window.settingsPageOpen
            modelsOpen: window.modelsPageOpen
            onSettingsRequested: {
                window.modelsPageOpen = false
                window.settingsPageOpen = !window.settingsPageOpen
            }
            onModelsRequested: {
                window.settingsPageOpen = false
                window.modelsPageOpen = !window.modelsPageOpen
            }
            onChatOpened: {
                window.settingsPageOpen = false
                window.modelsPageOpen = false
            }
        }

        Rectangle {
            Layout.preferredWidth: 1
            Layout.fillHeight: true
            color: Theme.border
        }

        ColumnLayout {
            spacing: 0
            Layout.fillWidth: true
            Layout.fillHeight: true

            ChatHeader {
                visible: !window.modelsPageOpen
                Layout.fillWidth: true
                settingsPage: window.settingsPageOpen
                chatSettingsOpen: window.chatSettingsOpen
                onChatSettingsToggled: window.chatSettingsOpen = !window.chatSettingsOpen
                onBackRequested: window.settingsPageOpen = false
            }

            ModelsHeader {
                visible: window.modelsPageOpen
                Layout.fillWidth: true
                onBackRequested: window.modelsPageOpen = false
            }

            BannerArea {
                Layout.fillWidth: true
            }

            StackLayout {
                currentIndex: window.modelsPageOpen ? 2 : window.settingsPageOpen ? 1 : 0
                Layout.fillWidth: true
                Layout.fillHeight: true

                ChatPage {
                    id: chatPage
                }
                SettingsPage {}
                ModelsPage {}
            }

            StatusBar {
                Layout.fillWidth: true
            }
        }

        Rectangle {
            visible: window.chatSettingsOpen && !window.settingsPageOpen && !window.modelsPageOpen
            Layout.preferredWidth: 1
            Layout.fillHeight: true
            color: Theme.border
        }

        ChatSettingsPanel {
            visible: window.chatSettingsOpen && !window.settingsPageOpen && !window.modelsPageOpen
            Layout.preferredWidth: Theme.settingsPanelWidth
            Layout.fillHeight: true
            onCloseRequested: window.chatSettingsOpen = false
        }
    }

    // "Use in new chat" on the models page opens the new chat.
    Connections {
        target: App.models
        function onChatRequested() {
            window.settingsPageOpen = false
            window.modelsPageOpen = false
            chatPage.focusComposer()
        }
    }

    Component.onCompleted: chatPage.focusComposer()
}
