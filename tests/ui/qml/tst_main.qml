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
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
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

    function init() {
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
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

    // The list's rows are made anew when an answer is stored, and the view follows its end a
    // frame later (Qt.callLater): a row's button is clicked once the view has laid the row out
    // and stopped moving, and rows are read once it has laid them out (under load the click
    // could land while the view still scrolled, or the check ran before the view's next frame).
    function lastRowChild(list, name) {
        const row = list.itemAtIndex(list.count - 1)
        return row ? findChild(row, name) : null
    }

    function settledLastRowChild(list, name) {
        let at = null
        let child = null
        tryVerify(() => {
            child = lastRowChild(list, name)
            if (child === null || !child.visible || !child.enabled)
                return false
            const p = child.mapToItem(null, 0, 0)
            const still = at !== null && p.x === at.x && p.y === at.y
            at = p
            return still
        }, 10000, "the last row's " + name + ", where the view shows it")
        return child
    }

    function test_3_regenerateButtonAddsABranch() {
        const list = find("messageList")
        list.positionViewAtEnd()
        mouseClick(settledLastRowChild(list, "regenerateButton"))
        verify(App.chat.busy, "the click on Regenerate started an answer")
        tryVerify(() => !App.chat.busy, 60000)
        compare(App.messages.count, 4)
        tryVerify(() => {
            const s = lastRowChild(list, "previousBranchButton")
            return s !== null && s.visible
        }, 10000, "the new answer's branch switcher (the previous version is kept)")
    }

    function test_4_newChatShortcut() {
        keyClick(Qt.Key_N, Qt.ControlModifier)
        compare(App.chat.conversationId, 0)
        compare(find("messageList").count, 0)
        verify(!find("demoModelNote").visible)  // only the demo model has its note
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

    // Opens "Export as > <format>" of the first chat's sidebar menu: the save dialog, open.
    function openExportDialog(index, key, suffix) {
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
        const item = exportMenu.itemAt(index)
        compare(item.objectName, "export-" + key)
        item.triggered()
        const dialog = dialogNamed("exportDialog")
        tryVerify(() => dialog.visible)
        compare(dialog.format, key)
        verify(dialog.conversationId > 0)
        compare(App.conversations.rowOf(dialog.conversationId), 0)  // the first row's menu
        verify(String(dialog.selectedFile).endsWith(suffix), String(dialog.selectedFile))
        return dialog
    }

    // Types a name into the open save dialog's file name field (Qt's non-native dialog, as a
    // person does: the field, then Enter), and accepts it.
    function typeAndExport(dialog, name) {
        // the dialog is a popup in the window's overlay, beside the page's content item
        const field = findChild(window.contentItem.parent, "fileNameTextField")
        verify(field !== null, "the save dialog has no file name field")
        tryVerify(() => field.visible)
        field.forceActiveFocus()
        field.selectAll()
        field.text = name
        field.editingFinished()
        App.banners.dismiss("transfer")
        dialog.accept()
        tryVerify(() => !dialog.visible)
    }

    function exportedBanner() {
        tryVerify(() => App.banners.has("transfer") && !App.transfer.busy)
        tryVerify(() => find("banner-transfer").title !== "Exporting the chat…")
        return find("banner-transfer").title + ": " + find("banner-transfer").text
    }

    // Export a chat from its sidebar menu through the real save dialog, in every form Qt 6.4's
    // non-native dialog answers: a typed name without suffix in another folder, an absolute
    // path, a file:// URL, an existing file (replaced only when the user says so); every chat
    // from the settings page as JSON, and that file back in through Import.
    function test_8_exportAndImport() {
        const chats = App.conversations.rowCount()
        verify(chats > 0)
        const dir = App.settings.dataDir
        let dialog = openExportDialog(0, "md", ".md")
        dialog.currentFolder = "file://" + dir  // the user went to another folder
        typeAndExport(dialog, "typed-chat")
        compare(exportedBanner(), "Chat exported: Saved to " + dir + "/typed-chat.md")
        verify(App.transfer.exists("file://" + dir + "/typed-chat.md"))

        // OpenAI JSONL: its own suffix (never the JSON export's), an absolute path typed
        dialog = openExportDialog(3, "openai", ".jsonl")
        typeAndExport(dialog, dir + "/absolute-chat")
        compare(exportedBanner(), "Chat exported: Saved to " + dir + "/absolute-chat.jsonl")

        // a file:// URL typed, with a suffix of the user's own
        dialog = openExportDialog(2, "txt", ".txt")
        typeAndExport(dialog, "file://" + dir + "/url-chat.text")
        compare(exportedBanner(), "Chat exported: Saved to " + dir + "/url-chat.text")

        // the same name again: asked first; Cancel keeps the file, Replace writes it
        dialog = openExportDialog(0, "md", ".md")
        dialog.currentFolder = "file://" + dir
        typeAndExport(dialog, "typed-chat.md")
        const replace = findChild(dialog, "confirmReplaceDialog")  // a child of the save dialog
        verify(replace !== null)
        tryVerify(() => replace.opened)
        compare(findChild(replace, "confirmReplaceText").text,
                dir + "/typed-chat.md already exists. Replace it with this export?")
        mouseClick(findChild(replace, "keepFileButton"))
        tryVerify(() => !replace.visible)
        wait(100)
        verify(!App.banners.has("transfer"), "nothing was written")
        dialog = openExportDialog(0, "md", ".md")
        dialog.currentFolder = "file://" + dir
        typeAndExport(dialog, "typed-chat.md")
        tryVerify(() => replace.opened)
        mouseClick(findChild(replace, "replaceFileButton"))
        compare(exportedBanner(), "Chat exported: Saved to " + dir + "/typed-chat.md")
        tryVerify(() => !replace.visible)

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
        // the same chats again: recognised, not duplicated
        compare(find("banner-transfer").title, "0 chats imported")
        verify(find("banner-transfer").text.indexOf(chats + " chats were already here") > 0
               || find("banner-transfer").text.indexOf("1 chat was already here") > 0, find("banner-transfer").text)
        compare(App.conversations.rowCount(), chats)
        mouseClick(find("settingsButton"))
        tryVerify(() => !find("exportAllButton").visible)
    }

    // A long prompt (a chat re-read without its state reads the same way): the reading panel
    // above the composer, the one documents use too, shows how many tokens are read of how
    // many and the time left, and Esc stops the reading.
    function test_9_prefillProgressAndEscape() {
        App.chat.newChat()
        const input = find("composerInput")
        input.forceActiveFocus()
        input.text = "Read all of this: " + "lorem ipsum dolor sit amet ".repeat(1500)
        keyClick(Qt.Key_Return)
        verify(App.chat.busy)
        tryVerify(() => App.chat.prefillDone > 0, 60000, "the reading reports progress")
        const list = find("messageList")
        tryCompare(list, "count", 2)
        const panel = find("readingPanel")
        tryVerify(() => panel.visible && App.chat.readingProgress > 0, 60000)
        const label = find("readingText")
        verify(/^Reading the chat: [0-9,]+ of [0-9,]+ tokens, .* left$/.test(label.text), label.text)
        verify(App.chat.prefillTotal > 40000)
        keyClick(Qt.Key_Escape)
        tryVerify(() => !App.chat.busy, 60000)
        compare(App.chat.prefillTotal, 0)
        verify(!panel.visible)
        tryCompare(find("messageList"), "count", 1)  // the question; no answer was written
        verify(find("retryQuestionButton").visible)  // the question can be asked again
    }

    // Issue 12: Settings > Weights "4-bit" runs the safetensors fixture quantized: after a
    // reload the header names the quant, the copy lies in the data folder and the Models
    // page lists it; loading again finds it (no second quantization); the page's button
    // deletes it; "As stored" runs the folder as stored again.
    function test_9a_quantizedWeights() {
        const path = App.activeModel.path
        compare(App.activeModel.quant, "")
        mouseClick(find("settingsButton"))
        const combo = find("weightsCombo")
        tryVerify(() => combo.visible)
        compare(combo.currentText, "As stored")
        mouseClick(combo)
        tryVerify(() => combo.popup.opened)
        const list = combo.popup.contentItem
        tryVerify(() => list.itemAtIndex(2) !== null)
        mouseClick(list.itemAtIndex(2))
        tryVerify(() => !combo.popup.visible)
        compare(App.settings.weights, "q4_k")
        compare(combo.currentText, "4-bit (Q4_K)")
        waitForRendering(window.contentItem)
        grabImage(window.contentItem).save(artifactsDir + "/weights-setting.png")

        let stages = []
        const record = () => stages.push(App.activeModel.stage)
        App.activeModel.progressChanged.connect(record)
        App.activeModel.reload()
        tryVerify(() => App.activeModel.loading)
        tryVerify(() => !App.activeModel.loading && App.activeModel.loaded, 60000)
        compare(App.activeModel.error, "")
        compare(App.activeModel.path, path)  // the folder, run from its copy
        // the file's type (its 64-wide rows fall back to Q5_0 inside it, as llama.cpp does)
        compare(App.activeModel.quant.indexOf("Q4_K"), 0, App.activeModel.quant)
        // the chat header's model chip and the status line name the quant
        const quantSuffix = " · " + App.activeModel.quant
        verify(find("headerModelLabel").text.endsWith(quantSuffix), find("headerModelLabel").text)
        verify(find("modelLabel").text.endsWith(quantSuffix), find("modelLabel").text)
        verify(stages.some(s => s.indexOf("Quantizing the weights to 4-bit") === 0), stages.join(" | "))
        verify(App.settings.quantizedCopiesText.indexOf("1 file") >= 0, App.settings.quantizedCopiesText)

        stages = []
        App.activeModel.reload()
        tryVerify(() => App.activeModel.loading)
        tryVerify(() => !App.activeModel.loading && App.activeModel.loaded, 60000)
        verify(!stages.some(s => s.indexOf("Quantizing") === 0), "quantized again: " + stages.join(" | "))
        App.activeModel.progressChanged.disconnect(record)

        mouseClick(find("modelsButton"))
        mouseClick(find("installedTab"))
        const label = find("quantizedCopiesLabel")
        tryVerify(() => label.visible)
        waitForRendering(window.contentItem)
        grabImage(window.contentItem).save(artifactsDir + "/quantized-copies.png")
        mouseClick(find("deleteQuantizedButton"))
        tryVerify(() => App.settings.quantizedCopiesText === "")
        tryVerify(() => !label.visible)

        mouseClick(find("settingsButton"))
        tryVerify(() => combo.visible)
        mouseClick(combo)
        tryVerify(() => combo.popup.opened)
        tryVerify(() => list.itemAtIndex(0) !== null)
        mouseClick(list.itemAtIndex(0))
        tryVerify(() => !combo.popup.opened)
        compare(App.settings.weights, "stored")
        App.activeModel.reload()
        tryVerify(() => App.activeModel.loading)
        tryVerify(() => !App.activeModel.loading && App.activeModel.loaded, 60000)
        compare(App.activeModel.quant, "")
        compare(App.settings.quantizedCopiesText, "")
        mouseClick(find("settingsButton"))
    }

    // #15 item 12: the model chip of the chat header opens the installed models, the one in
    // use checked; picking another switches this chat to it (the chat stays open).
    function test_9b_modelSwitcher() {
        const chatId = App.chat.conversationId
        verify(chatId > 0)
        const before = App.activeModel.path
        const menu = dialogNamed("modelMenu")  // a popup: a QObject child, not an item
        mouseClick(find("modelChip"))
        tryVerify(() => menu.opened)
        let demo = null, current = null
        for (let i = 0; i < menu.count; ++i) {
            const item = menu.itemAt(i)
            if (item.name === "coil-demo")
                demo = item
            if (item.checked)
                current = item
        }
        verify(demo !== null, "the bundled demo model is listed")
        verify(current !== null, "the model in use is checked")
        compare(current.path, before)
        verify(!demo.checked)
        waitForRendering(window.contentItem)
        grabImage(window.contentItem).save("model-switcher.png")
        mouseClick(demo)
        tryVerify(() => !menu.opened)
        tryVerify(() => App.activeModel.loaded && App.activeModel.name === "coil-demo", 60000)
        compare(App.chat.conversationId, chatId)  // the same chat, now on the demo model
        compare(find("modelLabel").text, "coil-demo")
        // a new chat on the demo model: its empty state says in one line what the demo can do
        // and points to Models (#15 item 6). Ctrl+N once the menu is gone: while a popup that
        // closes on Escape is still in the window (the menu's 220 ms fade-out), Qt Quick gives
        // window shortcuts to nobody (the demo loads faster than that at times)
        tryVerify(() => !menu.visible)
        keyClick(Qt.Key_N, Qt.ControlModifier)
        compare(App.chat.conversationId, 0)
        compare(App.messages.count, 0)
        const note = find("demoModelNote")
        verify(note.visible)
        verify(note.text.indexOf("Demo model: ") === 0 && note.text.indexOf("open Models") > 0, note.text)
        App.chat.openChat(chatId)
        compare(App.chat.conversationId, chatId)
        verify(!note.visible)  // a chat with messages shows them, not the empty state
        // the menu now checks the demo (the fixture folder, loaded by hand and no longer in
        // use, is not an installed model: it is loaded back by path for the next tests)
        mouseClick(find("modelChip"))
        tryVerify(() => menu.opened)
        let checked = 0
        for (let i = 0; i < menu.count; ++i) {
            const item = menu.itemAt(i)
            if (item.checked) {
                compare(item.name, "coil-demo")
                ++checked
            }
        }
        compare(checked, 1)
        menu.close()
        App.activeModel.load(before)
        tryVerify(() => App.activeModel.loaded && App.activeModel.path === before, 60000)
        compare(App.chat.conversationId, chatId)
    }
}
