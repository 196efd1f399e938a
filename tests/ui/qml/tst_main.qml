// The main window on the offscreen platform: sending with Enter, the streamed answer in the
// list, the status line, keyboard shortcuts, search, the settings and models pages.
import QtQuick
import QtTest
import Coil
import Coil.Core

TestCase {
    id: test
    name: "MainWindow"
    when: windowShown
    width: 400
    height: 300

    Component {
        id: mainComponent
        Main {}
    }

    property var window: null

    function initTestCase() {
        window = mainComponent.createObject(test)
        verify(window !== null)
        tryVerify(() => App.activeModel.loaded, 60000, "the fixture model loads")
        App.chat.settings.temperature = 0
        App.chat.settings.maxTokens = 6
        waitForRendering(window.contentItem)
    }

    function cleanupTestCase() {
        window.destroy()
    }

    function find(name) {
        const item = findChild(window.contentItem, name)
        verify(item !== null, "no item named " + name)
        return item
    }

    function test_1_enterSends() {
        const input = find("composerInput")
        input.forceActiveFocus()
        input.text = "Hello from the test"
        keyClick(Qt.Key_Return, Qt.ShiftModifier)  // a new line, not sent
        verify(input.text.indexOf("\n") >= 0)
        verify(!App.chat.busy)
        input.text = "Hello from the test"
        input.cursorPosition = input.length
        keyClick(Qt.Key_Return)
        compare(input.text, "")
        tryVerify(() => !App.chat.busy, 60000)
        const list = find("messageList")
        tryCompare(list, "count", 2)
        compare(App.chat.title, "Hello from the test")
        verify(find("resumeLabel").text.indexOf("prefilled") === 0)
        verify(find("backendLabel").text.indexOf("CPU") === 0)
        tryVerify(() => find("stateLabel").text.indexOf("on disk") > 0, 60000)
    }

    function test_2_escapeStops() {
        App.chat.settings.maxTokens = 100000
        const input = find("composerInput")
        input.forceActiveFocus()
        input.text = "Keep talking"
        keyClick(Qt.Key_Return)
        verify(App.chat.busy)
        find("stopButton")  // the send button turned into a stop button
        const list = find("messageList")
        tryCompare(list, "count", 4)  // the question and the answer coming in
        tryVerify(() => list.itemAtIndex(3) !== null && list.itemAtIndex(3).content.length > 0, 60000)
        keyClick(Qt.Key_Escape)
        tryVerify(() => !App.chat.busy, 60000)
        App.chat.settings.maxTokens = 6
        tryCompare(find("messageList"), "count", 4)
    }

    function test_3_regenerateButtonAddsABranch() {
        const list = find("messageList")
        list.positionViewAtEnd()
        waitForRendering(list)
        const regenerate = findChild(list.itemAtIndex(list.count - 1), "regenerateButton")
        verify(regenerate !== null)
        mouseClick(regenerate)
        tryVerify(() => !App.chat.busy, 60000)
        tryVerify(() => App.messages.count === 4)
        const switcher = findChild(list.itemAtIndex(list.count - 1), "previousBranchButton")
        verify(switcher !== null && switcher.visible)
    }

    function test_4_newChatShortcut() {
        keyClick(Qt.Key_N, Qt.ControlModifier)
        compare(App.chat.conversationId, 0)
        compare(find("messageList").count, 0)
        compare(find("conversationList").count, 1)
    }

    function test_5_searchShortcut() {
        keyClick(Qt.Key_F, Qt.ControlModifier)
        const field = find("searchField")
        verify(field.activeFocus)
        keyClick(Qt.Key_T)
        keyClick(Qt.Key_E)
        keyClick(Qt.Key_S)
        keyClick(Qt.Key_T)
        compare(App.search.query, "test")
        tryCompare(find("searchResults"), "count", 1)
        verify(!find("conversationList").visible)
        keyClick(Qt.Key_Escape)
        compare(App.search.query, "")
        verify(find("conversationList").visible)
    }

    function test_6_settingsPage() {
        mouseClick(find("settingsButton"))
        tryVerify(() => find("backendCombo").visible)
        compare(find("backendCombo").currentIndex, App.settings.backendIndex)
        compare(find("backendCombo").currentText, App.settings.backendOptions[App.settings.backendIndex].text)
        mouseClick(find("settingsButton"))
        tryVerify(() => !find("backendCombo").visible)
    }

    function test_7_modelsPage() {
        mouseClick(find("modelsButton"))
        tryVerify(() => find("hubResults").visible)
        tryVerify(() => find("hubResults").count > 0)
        compare(find("hubResults").itemAtIndex(0).repoId, "tiiuae/falcon-mamba-7b-instruct")
        mouseClick(find("modelsBackButton"))
        tryVerify(() => !find("hubResults").visible)
        verify(find("messageList").visible)
    }

    // A dialog is a QObject child of its page, not an item of the window's contentItem.
    function dialogNamed(name) {
        const dialog = findChild(window, name)
        verify(dialog !== null, "no dialog named " + name)
        return dialog
    }

    // Export a chat from its sidebar menu (Export as > Markdown, through the save dialog),
    // every chat from the settings page as JSON, and that file back in through Import.
    function test_8_exportAndImport() {
        const chats = App.conversations.rowCount()
        verify(chats > 0)
        const menuButton = find("conversationMenuButton")
        mouseClick(menuButton)
        // the menu is a popup of the delegate's button, not in the window's item tree
        const menu = findChild(menuButton, "conversationMenu")
        verify(menu !== null)
        tryVerify(() => menu.opened)
        const exportMenu = findChild(menu, "exportMenu")
        verify(exportMenu !== null)
        compare(exportMenu.title, "Export as")
        compare(exportMenu.count, App.transfer.formats.length)
        const mdItem = exportMenu.itemAt(0)
        compare(mdItem.objectName, "export-md")
        compare(mdItem.text, "Markdown…")
        mdItem.triggered()
        const dialog = dialogNamed("exportDialog")
        tryVerify(() => dialog.visible)
        compare(dialog.format, "md")
        verify(dialog.conversationId > 0)
        compare(App.conversations.rowOf(dialog.conversationId), 0)  // the first row's menu
        verify(String(dialog.selectedFile).endsWith(".md"))
        // the dialog as if the user had chosen another folder and name (set before it opens:
        // the non-native dialog accepts what its own fields hold)
        dialog.reject()
        tryVerify(() => !dialog.visible)
        dialog.currentFolder = "file://" + App.settings.dataDir
        dialog.selectedFile = "file://" + App.settings.dataDir + "/exported-chat.md"
        dialog.open()
        tryVerify(() => dialog.visible)
        dialog.accept()
        tryVerify(() => App.banners.has("transfer") && !App.transfer.busy)
        compare(find("banner-transfer").title + ": " + find("banner-transfer").text, "Chat exported: Saved to " + App.settings.dataDir + "/exported-chat.md")
        verify(find("banner-transfer").text.indexOf("exported-chat.md") > 0)

        mouseClick(find("settingsButton"))
        tryVerify(() => find("exportAllButton").visible)
        compare(find("exportFormatCombo").currentValue, "json")
        find("exportAllButton").clicked()
        const allDialog = dialogNamed("exportAllDialog")
        tryVerify(() => allDialog.visible)
        compare(allDialog.conversationId, 0)
        const allFile = "file://" + App.settings.dataDir + "/all-chats.json"
        allDialog.reject()
        tryVerify(() => !allDialog.visible)
        allDialog.currentFolder = "file://" + App.settings.dataDir
        allDialog.selectedFile = allFile
        allDialog.open()
        tryVerify(() => allDialog.visible)
        allDialog.accept()
        tryVerify(() => find("banner-transfer").title === "All chats exported")

        find("importButton").clicked()  // may lie below the small test window's fold
        const importDialog = dialogNamed("importDialog")
        tryVerify(() => importDialog.visible)
        importDialog.reject()
        tryVerify(() => !importDialog.visible)
        importDialog.currentFolder = "file://" + App.settings.dataDir
        importDialog.selectedFile = allFile
        importDialog.open()
        tryVerify(() => importDialog.visible)
        importDialog.accept()
        tryVerify(() => find("banner-transfer").title.indexOf("imported") > 0)
        compare(App.conversations.rowCount(), 2 * chats)
        mouseClick(find("settingsButton"))
        tryVerify(() => !find("exportAllButton").visible)
    }
}
