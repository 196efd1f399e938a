// Colours, sizes and fonts of the app, light or dark as App.settings.dark says.
pragma Singleton
import QtQuick
import Coil.Core

QtObject {
    readonly property bool dark: App.settings.dark

    readonly property color window: dark ? "#16171b" : "#ffffff"
    readonly property color sidebar: dark ? "#1d1e24" : "#f6f7f9"
    readonly property color surface: dark ? "#24252c" : "#ffffff"
    readonly property color raised: dark ? "#2b2c34" : "#f1f3f6"
    readonly property color hover: dark ? "#2a2b33" : "#eceef2"
    readonly property color selected: dark ? "#30323c" : "#e4e8f0"
    readonly property color border: dark ? "#34353e" : "#e2e5ea"
    readonly property color userBubble: dark ? "#2c3650" : "#eaf0fd"
    readonly property color codeBackground: dark ? "#0f1014" : "#f5f6f8"
    readonly property color codeHeader: dark ? "#1b1c22" : "#eaecf0"
    readonly property color text: dark ? "#e9eaee" : "#1c1e22"
    readonly property color mutedText: dark ? "#9b9eaa" : "#6a6f7a"
    readonly property color faintText: dark ? "#6f7280" : "#9a9fa9"
    readonly property color accent: dark ? "#8aa4ff" : "#3f68f0"
    readonly property color accentText: "#ffffff"
    readonly property color error: dark ? "#ff7b7b" : "#c83434"
    readonly property color errorBackground: dark ? "#3a2224" : "#fdecec"
    readonly property color warning: dark ? "#f0b35a" : "#a86608"
    readonly property color warningBackground: dark ? "#3a2f1e" : "#fdf4e3"
    readonly property color infoBackground: dark ? "#1f2a40" : "#ecf2fe"
    readonly property color success: dark ? "#7fd6a4" : "#1d7f4a"
    // Behind a modal dialog (dark in both themes: Material's dark theme dims with grey), and
    // the edge of a menu.
    readonly property color dim: dark ? "#b0000000" : "#66000000"
    readonly property color menuBorder: dark ? "#4a4c57" : "#d5d9e0"

    readonly property int fontSize: App.settings.fontSize
    readonly property int smallFontSize: Math.max(9, fontSize - 2)
    readonly property int titleFontSize: fontSize + 2
    readonly property string monoFamily: "monospace"
    // Corner radii, smallest to largest: status dots, list rows and buttons, cards and
    // banners, chat bubbles and code, the composer and large panels.
    readonly property int radiusDot: 4
    readonly property int radiusSmall: 8
    readonly property int radius: 10
    readonly property int radiusLarge: 14
    readonly property int radiusPanel: 16
    readonly property int contentWidth: 800
    readonly property int sidebarWidth: 280
    readonly property int settingsPanelWidth: 330
}
