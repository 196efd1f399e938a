// The window at its smallest (800x600, chat settings open), at 4K (3840x2160) and at the
// largest font size (24, the chat and the settings page): no text runs out of its box or out of the view that
// clips it, the texts of a row (the status line, the header) do not overlap, icons grow with
// the font, combo boxes show their whole text, and clicks on the Font size "+" all land (the
// page reflows once they stop). Also: the composer keeps the focus, the Models entry, dark
// dialogs and menus, Enter in the edit box, branch switching in place, the checkpoint budget,
// Ctrl+Q, and the README's pictures ($COIL_SCREENSHOT_DIR, when set, receives every picture).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtTest
import Coil
import Coil.Core

TestCase {
    id: test
    name: "Layout"
    when: windowShown
    width: 400
    height: 300

    Component {
        id: mainComponent
        Main {}
    }

    property var window: null
    property int fontBefore: 14

    function init() {
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
        window.chatSettingsOpen = false
        window.page = Main.Page.Chat
        App.settings.fontSize = fontBefore
    }

    function initTestCase() {
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
        fontBefore = App.settings.fontSize
        window = mainComponent.createObject(test, { width: 800, height: 600 })
        verify(window !== null)
        tryVerify(() => App.activeModel.loaded, 60000, "the fixture model loads")
        App.chat.newChat()
        App.chat.settings.temperature = 0
        App.chat.settings.maxTokens = 40
        verify(App.chat.send("A question long enough to wrap over more than one line of the chat at this width, with a-very-long-unbreakable-word-to-see-how-it-wraps."))
        tryVerify(() => !App.chat.busy, 60000)
        waitForRendering(window.contentItem)
    }

    function cleanupTestCase() {
        App.settings.fontSize = fontBefore
        window.destroy()
    }

    function find(name) {
        const item = findChild(window.contentItem, name)
        verify(item !== null, "no item named " + name)
        return item
    }

    function shot(name) {
        if (typeof screenshotDir === "undefined" || screenshotDir.length === 0)
            return
        let done = false
        find("mainLayout").grabToImage(result => {
            result.saveToFile(screenshotDir + "/" + name + ".png")
            done = true
        })
        tryVerify(() => done, 5000)
    }

    function shown(item) {
        for (let i = item; i; i = i.parent)
            if (!i.visible || i.opacity === 0)
                return false
        return item.width > 0 && item.height > 0
    }

    function describe(item) {
        let names = []
        for (let i = item; i && names.length < 6; i = i.parent)
            names.push(i.objectName || String(i).split("(")[0])
        return names.join(" < ") + (item.text !== undefined ? " \"" + String(item.text).slice(0, 40) + "\"" : "")
    }

    // Every shown item under `root`, depth first (ListView delegates included).
    function walk(root, visit) {
        if (!root || !shown(root))
            return
        visit(root)
        const kids = root.children
        for (let i = 0; i < kids.length; ++i)
            walk(kids[i], visit)
    }

    // Labels, and read-only text (answers, code); not what the person types into.
    function isText(item) {
        return item.text !== undefined && item.contentWidth !== undefined && item.wrapMode !== undefined
               && item.readOnly !== false && String(item.text).length > 0
    }

    // A view that scrolls sideways (a code block's lines) shows its text in parts by design.
    function scrollsSideways(c) {
        return c.orientation === undefined && c.contentWidth !== undefined && c.contentWidth > c.width + 1
    }

    // The nearest ancestor that clips (a list, a scroll view), or the window's content.
    function clipper(item) {
        for (let i = item.parent; i; i = i.parent)
            if (i.clip)
                return i
        return window.contentItem
    }

    // Texts that run out of their own box, or sideways out of what clips them.
    function clippedTexts() {
        let bad = []
        walk(window.contentItem, item => {
            if (!isText(item))
                return
            const c = clipper(item)
            const r = item.mapToItem(c, 0, 0, item.width, item.height)
            if (scrollsSideways(c))
                return
            const elides = item.elide !== undefined && item.elide !== Text.ElideNone
            const overflow = !elides && item.contentWidth > item.width + 1
            if (overflow || r.x < -1 || r.x + r.width > c.width + 1)
                bad.push(describe(item) + " at x " + Math.round(r.x) + " w " + Math.round(r.width)
                         + " text w " + Math.round(item.contentWidth) + " in " + Math.round(c.width))
        })
        return bad
    }

    // The part of a text's box (as wide as its text) that shows: cut to what clips it (a
    // list scrolled past it hides it), in window coordinates; null when none shows.
    function visibleBox(item) {
        const r = item.mapToItem(window.contentItem, 0, 0, Math.min(item.width, item.contentWidth), item.height)
        const c = clipper(item)
        const v = c.mapToItem(window.contentItem, 0, 0, c.width, c.height)
        const x = Math.max(r.x, v.x), y = Math.max(r.y, v.y)
        const w = Math.min(r.x + r.width, v.x + v.width) - x, h = Math.min(r.y + r.height, v.y + v.height) - y
        return w > 0 && h > 0 ? { x: x, y: y, width: w, height: h } : null
    }

    // Shown texts under `root` whose visible boxes overlap each other.
    function overlappingTexts(root) {
        let texts = []
        walk(root, item => { if (isText(item) && item.contentWidth > 0 && visibleBox(item)) texts.push(item) })
        let bad = []
        for (let a = 0; a < texts.length; ++a) {
            const ra = visibleBox(texts[a])
            for (let b = a + 1; b < texts.length; ++b) {
                const rb = visibleBox(texts[b])
                if (ra.x < rb.x + rb.width - 1 && rb.x < ra.x + ra.width - 1
                        && ra.y < rb.y + rb.height - 1 && rb.y < ra.y + ra.height - 1)
                    bad.push(describe(texts[a]) + " / " + describe(texts[b]))
            }
        }
        return bad
    }

    function checkWindow(label) {
        waitForRendering(window.contentItem)
        const clipped = clippedTexts()
        verify(clipped.length === 0, label + ": clipped text:\n" + clipped.join("\n"))
        const overlaps = overlappingTexts(find("statusBar")).concat(overlappingTexts(find("chatHeader")))
        verify(overlaps.length === 0, label + ": overlapping text:\n" + overlaps.join("\n"))
    }

    function test_1_smallestWindowWithChatSettings() {
        window.page = Main.Page.Chat
        window.chatSettingsOpen = true
        waitForRendering(window.contentItem)
        const list = find("messageList")
        verify(list.width >= 360, "the chat keeps a readable width: " + list.width)
        shot("layout-800x600-settings")
        checkWindow("800x600, chat settings open")
        window.chatSettingsOpen = false
    }

    function test_2_largestFont() {
        App.settings.fontSize = 24
        waitForRendering(window.contentItem)
        shot("layout-font24-chat")
        checkWindow("font 24, chat")
        // icons grow with the text
        const toggle = find("chatSettingsButton")
        verify(toggle.icon.width >= 24, "icon " + toggle.icon.width)
        window.page = Main.Page.Settings
        waitForRendering(window.contentItem)
        shot("layout-font24-settings")
        checkWindow("font 24, settings")
        // every combo box shows its whole text
        let combos = []
        walk(find("settingsPage"), item => { if (item instanceof ComboBox) combos.push(item) })
        verify(combos.length >= 2)
        for (const combo of combos) {
            const t = combo.contentItem
            verify(t.contentWidth <= t.width + 1, describe(combo) + ": " + combo.displayText + " is cut: "
                   + t.contentWidth + " > " + t.width)
        }
        window.page = Main.Page.Chat
    }

    // The chat settings panel at 800x600 and the largest font: no text runs out of the panel
    // or overlaps another, no control pokes out of its right edge, every spin box shows its
    // whole number, from the top of the panel to its bottom.
    function test_2b_chatSettingsAtLargestFont() {
        App.settings.fontSize = 24
        window.page = Main.Page.Chat
        window.chatSettingsOpen = true
        waitForRendering(window.contentItem)
        const panel = find("chatSettingsPanel")
        const scroll = find("chatSettingsScroll")
        const flick = scroll.contentItem
        verify(find("messageList").width >= 300, "the chat keeps a readable width")
        for (let step = 0; ; ++step) {
            waitForRendering(window.contentItem)
            shot("layout-font24-chat-settings-" + step)
            checkWindow("font 24, 800x600, chat settings (scrolled " + flick.contentY + ")")
            const overlaps = overlappingTexts(panel)
            verify(overlaps.length === 0, "overlapping text in the panel:\n" + overlaps.join("\n"))
            let outside = []
            walk(panel, item => {
                if (!(item instanceof Control) || item === scroll)
                    return
                const r = item.mapToItem(panel, 0, 0, item.width, item.height)
                if (r.x < -1 || r.x + r.width > panel.width + 1)
                    outside.push(describe(item) + " x " + Math.round(r.x) + " w " + Math.round(r.width))
                if (item instanceof SpinBox) {
                    const t = item.contentItem
                    if (t.contentWidth > t.width + 1)
                        outside.push(describe(item) + ": " + item.displayText + " is cut: "
                                     + Math.round(t.contentWidth) + " > " + Math.round(t.width))
                }
            })
            verify(outside.length === 0, "out of the panel (" + panel.width + " wide):\n" + outside.join("\n"))
            if (flick.contentY + flick.height >= flick.contentHeight - 1 || step > 10)
                break
            flick.contentY = Math.min(flick.contentY + flick.height * 0.8, flick.contentHeight - flick.height)
        }
        verify(flick.contentY + flick.height >= flick.contentHeight - 1, "the panel scrolls to its end")
        window.chatSettingsOpen = false
    }

    // The window at 4K (3840x2160), at the default and the largest font: the chat with its
    // settings open, Settings and Models show every text whole, nothing in the status line,
    // the header or the chat settings overlaps, no control pokes out of the settings panel.
    function test_2c_4k() {
        window.width = 3840
        window.height = 2160
        try {
            for (const size of [14, 24]) {
                App.settings.fontSize = size
                window.page = Main.Page.Chat
                window.chatSettingsOpen = true
                waitForRendering(window.contentItem)
                compare(window.contentItem.width, 3840)
                compare(window.contentItem.height, 2160)
                const list = find("messageList")
                verify(list.width >= 1200, "the chat uses the room: " + list.width)
                verify(list.count > 0)
                shot("layout-4k-font" + size + "-chat-settings")
                checkWindow("4K, font " + size + ", chat settings open")
                const panel = find("chatSettingsPanel")
                const overlaps = overlappingTexts(panel)
                verify(overlaps.length === 0, "4K, font " + size + ": overlapping text in the panel:\n"
                       + overlaps.join("\n"))
                let outside = []
                walk(panel, item => {
                    if (!(item instanceof Control) || item === find("chatSettingsScroll"))
                        return
                    const r = item.mapToItem(panel, 0, 0, item.width, item.height)
                    if (r.x < -1 || r.x + r.width > panel.width + 1)
                        outside.push(describe(item) + " x " + Math.round(r.x) + " w " + Math.round(r.width))
                })
                verify(outside.length === 0, "4K, font " + size + ": out of the panel:\n" + outside.join("\n"))
                window.chatSettingsOpen = false
                window.page = Main.Page.Settings
                waitForRendering(window.contentItem)
                shot("layout-4k-font" + size + "-settings")
                checkWindow("4K, font " + size + ", settings")
                window.page = Main.Page.Models
                waitForRendering(window.contentItem)
                shot("layout-4k-font" + size + "-models")
                checkWindow("4K, font " + size + ", models")
            }
        } finally {
            window.page = Main.Page.Chat
            window.width = 800
            window.height = 600
            waitForRendering(window.contentItem)
        }
    }

    // Clicking "+" of the font size makes the page reflow; the "+" stays where it was.
    function test_3_fontPlusStaysUnderThePointer() {
        App.settings.fontSize = 14
        window.page = Main.Page.Settings
        waitForRendering(window.contentItem)
        const spin = find("fontSizeSpinBox")
        const flick = find("settingsPage").contentItem
        flick.contentY = Math.max(0, spin.mapToItem(flick.contentItem, 0, 0).y - 200)
        waitForRendering(window.contentItem)
        spin.forceActiveFocus()
        const before = spin.up.indicator.mapToItem(window.contentItem, spin.up.indicator.width / 2, spin.up.indicator.height / 2)
        for (let i = 0; i < 6; ++i) {  // the pointer does not move
            mouseClick(window.contentItem, before.x, before.y)
            // each click shows at once (not a second after the clicks stop)
            compare(App.settings.fontSize, 15 + i)
            compare(Theme.fontSize, 15 + i)
            wait(150)  // a person's next click: the page has reflowed around the "+" meanwhile
        }
        compare(spin.value, 20)  // every click hit the "+"
        App.settings.fontSize = 14
        window.page = Main.Page.Chat
    }

    // After Settings (opened and closed from the sidebar) and after a suggestion chip, what
    // the person types goes to the composer.
    function test_4_composerKeepsTheFocus() {
        const input = find("composerInput")
        mouseClick(find("settingsButton"))
        tryVerify(() => window.page === Main.Page.Settings)
        mouseClick(find("settingsButton"))
        tryVerify(() => input.activeFocus, 2000, "focus back after Settings")
        window.chatSettingsOpen = true
        waitForRendering(window.contentItem)
        window.chatSettingsOpen = false
        tryVerify(() => input.activeFocus, 2000, "focus back after the chat settings")
        App.chat.newChat()
        App.chat.settings.maxTokens = 8
        const chip = find("suggestionChip")
        tryVerify(() => chip.enabled)
        mouseClick(chip)
        tryVerify(() => App.messages.count > 0)
        tryVerify(() => input.activeFocus, 2000, "focus back after a chip")
        tryVerify(() => !App.chat.busy, 60000)
    }

    // The Models entry of the sidebar opens the page; a second click does not leave it.
    function test_5_modelsEntryOpens() {
        mouseClick(find("modelsButton"))
        tryVerify(() => window.page === Main.Page.Models)
        mouseClick(find("modelsButton"))
        wait(50)
        compare(window.page, Main.Page.Models)
        window.page = Main.Page.Chat
    }

    // In the dark theme a modal dialog darkens the window (Material dims it with grey) and a
    // menu has a border.
    function test_6_darkDialogsAndMenus() {
        const theme = App.settings.theme
        App.settings.theme = "dark"
        tryVerify(() => Theme.dark)
        const dialog = findChild(window, "deleteChatDialog")
        verify(dialog !== null)
        dialog.ask(0, "nothing")
        tryVerify(() => dialog.opened)
        let dimmer = null
        const kids = dialog.parent.children
        for (let i = 0; i < kids.length; ++i) {
            const item = kids[i]
            if (item.visible && item.color !== undefined && item.width === window.contentItem.width
                    && item !== dialog.background)
                dimmer = item
        }
        verify(dimmer !== null, "no dimmer behind the dialog")
        const c = dimmer.color
        verify(c.a >= 0.5 && 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b < 0.1,
               "the dimmer is not dark: " + c)
        shot("dialog-dark")
        dialog.reject()
        tryVerify(() => !dialog.visible)
        const menuButton = find("conversationMenuButton")
        mouseClick(menuButton)
        const menu = findChild(menuButton, "conversationMenu")
        tryVerify(() => menu.opened)
        verify(menu.background.border.width >= 1)
        compare(String(menu.background.border.color), String(Theme.menuBorder))
        shot("menu-dark")
        menu.close()
        App.settings.theme = theme
    }

    // Editing a question: Enter sends (Shift+Enter is a new line); switching back to the
    // first version keeps the question where it was on screen.
    function test_7_editEnterSendsAndBranchSwitchStaysPut() {
        window.page = Main.Page.Chat
        App.chat.newChat()
        App.chat.settings.temperature = 0
        App.chat.settings.maxTokens = 40
        for (const q of ["First question", "Second question", "Third question"]) {
            verify(App.chat.send(q))
            tryVerify(() => !App.chat.busy, 60000)
        }
        const list = find("messageList")
        tryCompare(list, "count", 6)
        list.positionViewAtIndex(2, ListView.Center)
        waitForRendering(window.contentItem)
        const question = list.itemAtIndex(2)
        const editButton = findChild(question, "editMessageButton")
        editButton.clicked()
        verify(question.editing)
        const editor = findChild(question, "editInput")
        editor.text = "Second question, again"
        editor.cursorPosition = editor.length
        keyClick(Qt.Key_Return, Qt.ShiftModifier)
        verify(editor.text.indexOf("\n") >= 0, "Shift+Enter: a new line")
        verify(question.editing)
        editor.text = "Second question, again"
        editor.cursorPosition = editor.length
        keyClick(Qt.Key_Return)
        tryVerify(() => App.chat.busy || list.count === 4)
        tryVerify(() => !App.chat.busy, 60000)
        tryCompare(list, "count", 4)
        list.positionViewAtIndex(2, ListView.Center)
        waitForRendering(window.contentItem)
        const edited = list.itemAtIndex(2)
        compare(edited.siblingCount, 2)
        const previous = findChild(edited, "previousBranchButton")
        const before = previous.mapToItem(window.contentItem, 0, 0)
        mouseClick(previous)
        tryCompare(list, "count", 6)
        tryVerify(() => list.itemAtIndex(2) && list.itemAtIndex(2).siblingIndex === 0)
        waitForRendering(window.contentItem)
        wait(100)
        const after = findChild(list.itemAtIndex(2), "previousBranchButton").mapToItem(window.contentItem, 0, 0)
        verify(Math.abs(after.y - before.y) <= 2, "the question moved from " + before.y + " to " + after.y)
    }

    // The checkpoint budget moves in 0.1 GB steps below 2 GB; going to 0 asks first.
    function test_8_stateBudgetStepsAndZeroAsks() {
        window.page = Main.Page.Settings
        const budget = App.settings.stateBudgetGB
        App.settings.stateBudgetGB = 0.2
        const spin = find("budgetSpin")
        tryCompare(spin, "displayText", "0.2 GB")
        tryVerify(() => App.settings.stateBytesUsed > 0, 60000, "the chats left states on disk")
        spin.forceActiveFocus()
        keyClick(Qt.Key_Down)
        compare(App.settings.stateBudgetGB, 0.1)
        compare(spin.displayText, "0.1 GB")
        const dialog = findChild(window, "budgetZeroDialog")
        keyClick(Qt.Key_Down)
        tryVerify(() => dialog.opened)
        compare(App.settings.stateBudgetGB, 0.1)  // nothing deleted yet
        dialog.reject()
        tryVerify(() => !dialog.visible)
        compare(App.settings.stateBudgetGB, 0.1)
        compare(spin.displayText, "0.1 GB")
        spin.forceActiveFocus()
        keyClick(Qt.Key_Down)
        tryVerify(() => dialog.opened)
        dialog.accept()
        tryCompare(App.settings, "stateBudgetGB", 0)
        App.settings.stateBudgetGB = budget
        window.page = Main.Page.Chat
    }

    // The README's pictures (saved when COIL_SCREENSHOT_DIR is set), light and dark: a chat
    // with a Markdown answer with code (imported from tests/ui/data/readme-chat.json through
    // the real import), the Models page and Settings.
    function test_8z_readmeScreenshots() {
        const theme = App.settings.theme
        window.width = 1240
        window.height = 800
        window.page = Main.Page.Chat
        window.chatSettingsOpen = false
        verify(App.transfer.importFile("file://" + testDataDir + "/readme-chat.json"))
        tryVerify(() => !App.transfer.busy && App.chat.title === "Reverse a string in Python", 60000)
        App.banners.dismiss("transfer")
        App.banners.dismiss("fallback")  // (the test machine has no GPU)
        const list = find("messageList")
        tryCompare(list, "count", 2)
        for (const t of ["light", "dark"]) {
            App.settings.theme = t
            window.page = Main.Page.Chat
            list.positionViewAtBeginning()
            waitForRendering(window.contentItem)
            checkWindow("README chat, " + t)
            shot("readme-chat-" + t)
            window.page = Main.Page.Models
            tryVerify(() => find("hubResults").count > 0, 60000)
            waitForRendering(window.contentItem)
            shot("readme-models-" + t)
            window.page = Main.Page.Settings
            waitForRendering(window.contentItem)
            shot("readme-settings-" + t)
        }
        App.settings.theme = theme
        window.page = Main.Page.Chat
    }

    // Ctrl+Q closes the window (last: the window is gone after it).
    function test_9_ctrlQQuits() {
        find("composerInput").forceActiveFocus()
        keyClick(Qt.Key_Q, Qt.ControlModifier)
        tryVerify(() => !window.visible, 2000)
    }
}
