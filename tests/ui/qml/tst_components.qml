// Components on their own: a question, an answer with a code block and branches, banners.
import QtQuick
import QtTest
import Coil
import Coil.Core

// The components are made inside `root`: a TestCase itself is invisible.
Item {
    id: root
    width: 900
    height: 700

TestCase {
    id: test
    name: "Components"
    when: windowShown

    Component {
        id: messageComponent
        MessageDelegate {
            width: 800
            messageId: 42
            role: "assistant"
            content: "Here:\n```python\nprint(1)\n```"
            segments: [{ kind: "text", text: "Here:", language: "" },
                       { kind: "code", text: "print(1)", language: "python" }]
            siblingIndex: 1
            siblingCount: 3
            details: "12 tokens"
            streaming: false
            isLast: true
            attachments: []
            finish: MessageListModel.Stop
        }
    }

    Component {
        id: questionComponent
        MessageDelegate {
            width: 800
            messageId: 41
            role: "user"
            content: "Print one, please."
            segments: []
            siblingIndex: 0
            siblingCount: 1
            details: ""
            streaming: false
            isLast: false
            attachments: []
            finish: MessageListModel.None
        }
    }

    // An answer a model wrote with raw HTML, an image, a link, a table, a quote and a long
    // line of code: every word shows, the code keeps its line.
    Component {
        id: hostileComponent
        MessageDelegate {
            width: 800
            messageId: 43
            role: "assistant"
            content: "(the answer's Markdown)"
            segments: [{ kind: "text", language: "",
                         text: "before <img src=x onerror=alert(1)> after the image\n\n" +
                               "![a cute cat](http://example.com/cat.png) and <b>raw bold</b>\n\n" +
                               "> quoted words\n\n| head | more |\n|---|---|\n| cell | last |\n\n" +
                               "<script>alert('x')</script> the end" },
                       { kind: "code", language: "python",
                         text: "def f():\n    return '" + "x".repeat(300) + "'  # long line" }]
            siblingIndex: 0
            siblingCount: 1
            details: ""
            streaming: false
            isLast: true
            finish: MessageListModel.Interrupted
            attachments: []
        }
    }

    Component {
        id: unansweredComponent
        MessageDelegate {
            width: 800
            messageId: 44
            role: "user"
            content: "Still there?"
            segments: []
            siblingIndex: 0
            siblingCount: 1
            details: ""
            streaming: false
            isLast: true
            finish: MessageListModel.None
            attachments: []
        }
    }

    function textOf(item) {
        return item.getText(0, item.length)
    }

    function init() {
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
    }

    function test_hostileAnswerShowsEveryWord() {
        const message = createTemporaryObject(hostileComponent, root)
        waitForRendering(message)
        const prose = findChild(message, "markdownText")
        verify(prose !== null)
        const shown = textOf(prose)
        for (const words of ["before <img src=x onerror=alert(1)> after the image", "a cute cat",
                             "and <b>raw bold</b>", "quoted words", "head", "more", "cell", "last",
                             "<script>alert('x')</script> the end"])
            verify(shown.indexOf(words) >= 0, "'" + words + "' is not shown in: " + shown)
        const code = findChild(message, "codeText")
        verify(code !== null)
        compare(code.wrapMode, TextEdit.NoWrap)
        verify(textOf(code).indexOf("x".repeat(300) + "'  # long line") > 0)
        const scroll = findChild(message, "codeScroll")
        verify(scroll.contentWidth > scroll.width, "the long line scrolls sideways")
        verify(code.text.indexOf("color:") > 0, "the code is coloured")
        // cut off when Coil closed: said so, with Retry and Continue
        verify(findChild(message, "interruptedNote").visible)
        verify(findChild(message, "retryAnswerButton").visible)
        verify(findChild(message, "continueAnswerButton").visible)
    }

    function test_unansweredQuestionOffersRetry() {
        const message = createTemporaryObject(unansweredComponent, root)
        waitForRendering(message)
        verify(findChild(message, "retryQuestionButton").visible)
        const answered = createTemporaryObject(questionComponent, root)
        waitForRendering(answered)
        verify(!findChild(answered, "retryQuestionButton").visible)
    }

    Component {
        id: bannerComponent
        BannerArea {
            width: 800
        }
    }

    function test_answerWithCodeAndBranches() {
        const message = createTemporaryObject(messageComponent, root)
        waitForRendering(message)
        verify(message.height > 60)
        const copy = findChild(message, "copyCodeButton")
        verify(copy !== null && copy.visible)
        mouseClick(copy)
        compare(copy.text, "Copied")
        const previous = findChild(message, "previousBranchButton")
        verify(previous.visible && previous.enabled)
        verify(findChild(message, "nextBranchButton").enabled)
        verify(findChild(message, "regenerateButton").visible)
        verify(!findChild(message, "editMessageButton").visible)
    }

    function test_questionCanBeEdited() {
        const message = createTemporaryObject(questionComponent, root)
        waitForRendering(message)
        const edit = findChild(message, "editMessageButton")
        verify(edit.visible)
        verify(!findChild(message, "previousBranchButton").visible)
        mouseClick(edit)
        verify(message.editing)
        compare(findChild(message, "editInput").text, "Print one, please.")
    }

    function effectiveOpacity(item) {
        let o = 1
        for (let i = item; i; i = i.parent)
            o *= i.visible ? i.opacity : 0
        return o
    }

    // The branch arrows of a question show without hovering; its other actions do not.
    function test_branchArrowsShowWithoutHover() {
        const message = createTemporaryObject(questionComponent, root, { siblingCount: 2, siblingIndex: 1 })
        waitForRendering(message)
        compare(effectiveOpacity(findChild(message, "previousBranchButton")), 1)
        compare(effectiveOpacity(findChild(message, "editMessageButton")), 0)
    }

    // Copy says "Copied" for a moment; a right click opens the message's menu.
    function test_copyFeedbackAndContextMenu() {
        const message = createTemporaryObject(messageComponent, root)
        waitForRendering(message)
        const copy = findChild(message, "copyMessageButton")
        mouseClick(copy)
        compare(copy.tip, "Copied")
        compare(copy.iconName, "check")
        tryCompare(copy, "tip", "Copy", 3000)
        mouseClick(message, 100, 20, Qt.RightButton)
        const menu = findChild(message, "messageMenu")
        verify(menu !== null)
        tryVerify(() => menu.opened)
        menu.close()
    }

    function test_bannersListTheirReasonAndFix() {
        App.activeModel.load("/nonexistent/coil-model")
        tryVerify(() => App.banners.has("model-load"), 60000)
        const area = createTemporaryObject(bannerComponent, root)
        waitForRendering(area)
        const banner = findChild(area, "banner-model-load")
        verify(banner !== null && banner.height > 40)
        App.banners.dismiss("model-load")
        App.activeModel.reload()
        tryVerify(() => App.activeModel.loaded, 60000)
    }

    // The fallback banner: one sentence; the engine's reason only after "Details"; closed
    // with its x, it stays closed when the same model loads again.
    SignalSpy {
        id: modelSpy
        target: App.activeModel
        signalName: "modelChanged"
    }

    function reloadAndWait() {
        modelSpy.clear()
        App.activeModel.reload()
        tryVerify(() => modelSpy.count > 0 && App.activeModel.loaded && !App.activeModel.loading, 60000)
    }

    function test_fallbackBannerDetailsAndClose() {
        const backend = App.settings.backend, device = App.settings.device
        App.settings.backend = "vulkan"
        App.settings.device = 99  // no machine has it: the CPU runs instead
        reloadAndWait()
        const area = createTemporaryObject(bannerComponent, root)
        waitForRendering(area)
        tryVerify(() => findChild(area, "banner-fallback") !== null
                        && findChild(area, "banner-fallback").level === BannerModel.Warning, 10000)
        const banner = findChild(area, "banner-fallback")
        compare(banner.text, "")
        verify(banner.title.indexOf("runs on the CPU") > 0, banner.title)
        const details = findChild(banner, "detailsText")
        verify(!details.visible)
        const toggle = findChild(banner, "detailsButton")
        compare(toggle.text, "Details")
        mouseClick(toggle)
        verify(details.visible)
        verify(details.text.indexOf("Vulkan") >= 0, details.text)
        compare(toggle.text, "Hide details")
        mouseClick(findChild(banner, "closeBannerButton"))
        verify(!App.banners.has("fallback"))
        reloadAndWait()
        verify(!App.banners.has("fallback"), "closed: stays closed for the same reason")
        App.settings.backend = backend
        App.settings.device = device
        reloadAndWait()
    }
}
}
