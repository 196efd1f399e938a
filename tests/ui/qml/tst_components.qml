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
        }
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

    function test_bannersListTheirReasonAndFix() {
        App.activeModel.load("/nonexistent/coil-model")
        tryVerify(() => App.banners.has("model-load"), 60000)
        const area = createTemporaryObject(bannerComponent, root)
        waitForRendering(area)
        const banner = findChild(area, "banner-model-load")
        verify(banner !== null && banner.height > 40)
        App.banners.dismiss("model-load")
        App.activeModel.reload()
    }
}
}
