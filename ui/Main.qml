// The main window: conversations on the left, the chat (or the settings page) in the
// middle, the open chat's settings on the right when asked for.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Coil.Core

ApplicationWindow {
    id: window

    property bool settingsPageOpen: false
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
            onSettingsRequested: window.settingsPageOpen = !window.settingsPageOpen
            onChatOpened: window.settingsPageOpen = false
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
                Layout.fillWidth: true
                settingsPage: window.settingsPageOpen
                chatSettingsOpen: window.chatSettingsOpen
                onChatSettingsToggled: window.chatSettingsOpen = !window.chatSettingsOpen
                onBackRequested: window.settingsPageOpen = false
            }

            BannerArea {
                Layout.fillWidth: true
            }

            StackLayout {
                currentIndex: window.settingsPageOpen ? 1 : 0
                Layout.fillWidth: true
                Layout.fillHeight: true

                ChatPage {
                    id: chatPage
                }
                SettingsPage {}
            }

            StatusBar {
                Layout.fillWidth: true
            }
        }

        Rectangle {
            visible: window.chatSettingsOpen && !window.settingsPageOpen
            Layout.preferredWidth: 1
            Layout.fillHeight: true
            color: Theme.border
        }

        ChatSettingsPanel {
            visible: window.chatSettingsOpen && !window.settingsPageOpen
            Layout.preferredWidth: Theme.settingsPanelWidth
            Layout.fillHeight: true
            onCloseRequested: window.chatSettingsOpen = false
        }
    }

    Component.onCompleted: chatPage.focusComposer()
}
