// Attaching files in the real window (offscreen): the attach button's file dialog, chips in
// the composer with size and tokens (or why a file cannot be read), the reading estimate,
// the chips on the sent message, and "New question about this document". Screenshots go to
// build/test-artifacts/attachments-*.png. The chat is deleted at the end (tst_main counts
// chats).
import QtQuick
import QtTest
import Coil
import Coil.Core

TestCase {
    id: test
    name: "Attachments"
    when: windowShown
    width: 400
    height: 300

    Component {
        id: mainComponent
        Main {}
    }

    property var window: null
    property var chats: []
    property int firstPrefill: 0

    // "prefilled 1,234 tokens in 5 ms" of the status line -> 1234
    function prefilledTokens() {
        const m = find("resumeLabel").text.match(/prefilled ([\d,.]+) tokens?/)
        verify(m !== null, find("resumeLabel").text)
        return parseInt(m[1].replace(/[,.]/g, ""))
    }

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
        for (const id of chats)
            App.chat.deleteChat(id)
        window.destroy()
    }

    function find(name, root) {
        const item = findChild(root || window.contentItem, name)
        verify(item !== null, "no item named " + name)
        return item
    }

    function chips(root, name) {
        const out = []
        const walk = item => {
            for (let i = 0; i < item.children.length; ++i) {
                const c = item.children[i]
                if (c.objectName === name && c.visible) out.push(c)
                walk(c)
            }
        }
        walk(root)
        return out
    }

    function onMessageTokens(item) {
        return chips(item, "messageChip")[0].tokens
    }

    function shoot(name) {
        waitForRendering(window.contentItem)
        const image = grabImage(window.contentItem)
        image.save(artifactsDir + "/attachments-" + name + ".png")
    }

    function init() {
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
    }

    function test_1_attachThroughTheDialog() {
        App.chat.newChat()
        App.chat.settings.maxTokens = 6
        // the size limit of Settings reaches the composer's reader
        compare(App.chat.attachments.limitMB, App.settings.attachmentLimitMB)
        App.settings.attachmentLimitMB = 3
        compare(App.chat.attachments.limitMB, 3)
        App.settings.attachmentLimitMB = 20
        mouseClick(find("attachButton"))
        const dialog = findChild(window, "attachDialog")
        verify(dialog !== null)
        tryVerify(() => dialog.visible)
        // the dialog as if the user had picked the file (set before it opens: the non-native
        // dialog accepts what its own fields hold)
        dialog.reject()
        tryVerify(() => !dialog.visible)
        dialog.currentFolder = "file://" + attachmentFixtures
        dialog.selectedFile = "file://" + attachmentFixtures + "/text.pdf"
        dialog.open()
        tryVerify(() => dialog.visible)
        dialog.accept()
        tryCompare(App.chat.attachments, "count", 1)
        tryVerify(() => !App.chat.attachments.busy, 30000)
        compare(App.chat.attachments.readyCount, 1)
        const chip = chips(window.contentItem, "composerChip")[0]
        compare(chip.name, "text.pdf")
        verify(chip.tokens > 0, "tokens counted: " + chip.tokens)
        verify(chip.detail.indexOf("tokens") > 0, chip.detail)
        verify(find("attachmentEstimate").text.indexOf("tokens to read") > 0, find("attachmentEstimate").text)

        // a file that cannot be read: a red chip saying why, and it is not sent
        App.chat.attachments.addFiles(["file://" + attachmentFixtures + "/encrypted.pdf"])
        tryVerify(() => App.chat.attachments.count === 2 && !App.chat.attachments.busy, 30000)
        const bad = chips(window.contentItem, "composerChip")[1]
        compare(bad.status, PendingAttachments.Failed)
        verify(bad.detail.indexOf("encrypted") >= 0, bad.detail)
        shoot("composer")
    }

    function test_1b_dropAFile() {
        const dropArea = find("composerDropArea")
        verify(fileDropper.drop(dropArea, [attachmentFixtures + "/notes.md"]))
        tryCompare(App.chat.attachments, "count", 3)
        tryVerify(() => !App.chat.attachments.busy, 30000)
        const dropped = chips(window.contentItem, "composerChip")[2]
        compare(dropped.name, "notes.md")
        compare(dropped.status, PendingAttachments.Ready)
        mouseClick(findChild(dropped, "removeAttachmentButton"))
        compare(App.chat.attachments.count, 2)
    }

    function test_2_sendShowsChipsOnTheMessage() {
        const input = find("composerInput")
        input.forceActiveFocus()
        input.text = "What is the secret word?"
        keyClick(Qt.Key_Return)
        compare(input.text, "")
        tryVerify(() => !App.chat.busy, 60000)
        compare(App.chat.attachments.count, 0)  // sent (the readable one) or dropped (the other)
        chats.push(App.chat.conversationId)
        const list = find("messageList")
        tryCompare(list, "count", 2)
        const onMessage = chips(list.itemAtIndex(0), "messageChip")
        compare(onMessage.length, 1)
        compare(onMessage[0].name, "text.pdf")
        verify(onMessage[0].tokens > 0)
        compare(find("readingPanel").visible, false)
        firstPrefill = prefilledTokens()  // the document and the question
        verify(firstPrefill > onMessage[0].tokens, firstPrefill)
        shoot("message")
    }

    function test_3_newQuestionAboutTheDocument() {
        const list = find("messageList")
        const ask = findChild(list.itemAtIndex(0), "askAboutDocumentButton")
        verify(ask !== null && ask.visible)
        mouseClick(ask)
        const label = find("documentQuestionLabel")
        verify(label.visible)
        compare(label.text, "New question about text.pdf")
        const input = find("composerInput")
        verify(input.activeFocus)
        input.text = "Who wrote it?"
        keyClick(Qt.Key_Return)
        tryVerify(() => !App.chat.busy, 60000)
        verify(!label.visible)
        tryCompare(list, "count", 2)
        const first = list.itemAtIndex(0)
        compare(first.content, "Who wrote it?")
        compare(first.siblingCount, 2)
        compare(chips(first, "messageChip")[0].name, "text.pdf")
        // from the state saved right after the document: only the new question was read
        verify(find("resumeLabel").text.indexOf("resumed from saved state") === 0, find("resumeLabel").text)
        verify(prefilledTokens() < firstPrefill - onMessageTokens(first), prefilledTokens())
        shoot("branch")
    }

    // A long document: the reading panel shows tokens read of the total and the time left,
    // and its Stop button ends the reading; the question stays, the chat stays usable.
    function test_4_stopWhileReading() {
        App.chat.newChat()
        App.chat.settings.maxTokens = 6
        App.chat.attachments.addFiles(["file://" + attachmentFixtures + "/long.txt"])
        tryVerify(() => App.chat.attachments.readyCount === 1, 30000)
        // the earlier answers measured the prefill speed: the reading time is estimated
        const estimate = find("attachmentEstimate").text
        verify(/^300.036 tokens to read: about /.test(estimate), estimate)
        verify(estimate.indexOf(" on CPU (") > 0, estimate)
        const input = find("composerInput")
        input.forceActiveFocus()
        input.text = "Summarize the report."
        keyClick(Qt.Key_Return)
        chats.push(App.chat.conversationId)
        const panel = find("readingPanel")
        tryVerify(() => panel.visible && App.chat.readingProgress > 0, 60000)
        const text = find("readingText").text
        verify(text.indexOf("Reading the document: ") === 0, text)
        verify(text.indexOf(" of ") > 0 && text.indexOf(" left") > 0, text)
        shoot("reading")
        mouseClick(find("stopReadingButton"))
        tryVerify(() => !App.chat.busy, 60000)
        verify(!panel.visible)
        tryCompare(find("messageList"), "count", 1)  // the question, no answer
        compare(chips(find("messageList").itemAtIndex(0), "messageChip")[0].name, "long.txt")
        verify(App.chat.readingProgress < 0)
    }

    // The sidebar entry of a chat (its delegate in the conversation list).
    function sidebarEntry(id) {
        const list = find("conversationList")
        for (let i = 0; i < list.count; ++i) {
            const item = list.itemAtIndex(i)
            if (item && item.conversationId === id) return item
        }
        verify(false, "chat " + id + " is not in the sidebar")
    }

    // Chips belong to the chat they were added in: opening another chat in the sidebar shows
    // an empty composer, coming back shows them again, and a new chat starts without them.
    function test_5_chipsStayWithTheirChat() {
        verify(chats.length >= 2)
        mouseClick(sidebarEntry(chats[0]))
        compare(App.chat.conversationId, chats[0])
        App.chat.attachments.addFiles(["file://" + attachmentFixtures + "/notes.md"])
        tryVerify(() => App.chat.attachments.readyCount === 1, 30000)
        compare(chips(window.contentItem, "composerChip").length, 1)

        mouseClick(sidebarEntry(chats[1]))
        compare(App.chat.conversationId, chats[1])
        waitForRendering(window.contentItem)
        compare(App.chat.attachments.count, 0)
        compare(chips(window.contentItem, "composerChip").length, 0)
        verify(!find("composerAttachments").visible)
        App.chat.newChat()
        compare(App.chat.attachments.count, 0)

        mouseClick(sidebarEntry(chats[0]))
        compare(App.chat.conversationId, chats[0])
        waitForRendering(window.contentItem)
        const back = chips(window.contentItem, "composerChip")
        compare(back.length, 1)
        compare(back[0].name, "notes.md")
        compare(back[0].status, PendingAttachments.Ready)
        shoot("chat-switch")
        mouseClick(findChild(back[0], "removeAttachmentButton"))
        compare(App.chat.attachments.count, 0)
    }
}
