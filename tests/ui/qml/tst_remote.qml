// The Models page's Remote tab in the main window, against a real `coil serve` (started by
// tst_ui_views.cpp with an API key): a wrong key says so, the right one lists the server's
// model, "Use in new chat" goes to the chat, whose header names the remote model, and a
// message typed in the composer is answered by the server and stored like a local answer.
// Settings' Local API server switch serves the app's model, and the Remote tab can use it.
import QtQuick
import QtTest
import Coil
import Coil.Core

TestCase {
    id: test
    name: "RemoteTab"
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
        window.width = 1100
        window.height = 760
        tryVerify(() => App.activeModel.loaded, 60000, "the fixture model loads")
        App.chat.newChat()
        waitForRendering(window.contentItem)
    }

    function cleanupTestCase() {
        // the next test files expect the local model
        App.chat.newChat()
        App.remote.deactivate()
        window.destroy()
    }

    function init() {
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
        failOnWarning(/.*/)
    }

    function find(name) {
        const item = findChild(window.contentItem, name)
        verify(item !== null, "no item named " + name)
        return item
    }

    function connectWith(key) {
        const url = find("remoteUrlField")
        url.forceActiveFocus()
        url.text = remoteServerUrl
        const keyField = find("remoteKeyField")
        keyField.text = key
        mouseClick(find("remoteConnectButton"))
        tryVerify(() => !App.remote.listing, 60000)
    }

    function test_1_wrongKeyThenTheRightOne() {
        mouseClick(find("modelsButton"))
        mouseClick(find("remoteTab"))
        tryVerify(() => find("remoteUrlField").visible)
        connectWith("sk-not-the-key")
        const error = find("remoteError")
        verify(error.visible)
        verify(error.text.indexOf("refused the API key") >= 0, error.text)
        verify(error.text.indexOf("401") >= 0, error.text)

        connectWith(remoteServerKey)
        compare(App.remote.error, "")
        verify(!find("remoteError").visible)
        compare(find("remoteKeyField").text, "", "the key field is cleared once saved")
        verify(find("remoteForgetKeyButton").visible)
        const list = find("remoteModels")
        tryCompare(list, "count", 1)
        waitForRendering(window.contentItem)
        grabImage(window.contentItem).save(artifactsDir + "/remote-tab.png")
        if (screenshotDir.length > 0) {
            // the README's pictures, as tst_window_layout.qml takes its own
            const theme = App.settings.theme
            window.width = 1240
            window.height = 800
            App.banners.dismiss("fallback")  // (the test machine has no GPU)
            for (const t of ["light", "dark"]) {
                App.settings.theme = t
                waitForRendering(window.contentItem)
                grabImage(window.contentItem).save(screenshotDir + "/readme-remote-" + t + ".png")
            }
            App.settings.theme = theme
            window.width = 1100
            window.height = 760
        }
    }

    function test_2_useInNewChatAndSend() {
        const row = find("remote-tiny-remote")
        mouseClick(findChild(row, "remoteUseButton"))
        tryVerify(() => find("messageList").visible)
        verify(App.chat.remote)
        compare(App.chat.conversationId, 0)
        verify(find("headerModelLabel").text.indexOf("tiny-remote") === 0, find("headerModelLabel").text)
        verify(find("headerModelLabel").text.indexOf("(remote)") > 0)
        App.chat.settings.temperature = 0
        App.chat.settings.maxTokens = 6
        const input = find("composerInput")
        input.forceActiveFocus()
        input.text = "Hello, remote server"
        keyClick(Qt.Key_Return)
        verify(App.chat.busy)
        tryVerify(() => !App.chat.busy, 60000)
        const list = find("messageList")
        tryCompare(list, "count", 2)
        list.positionViewAtEnd()
        waitForRendering(list)
        const answer = list.itemAtIndex(1)
        verify(answer.content.length > 0)
        compare(answer.finish, MessageListModel.Length)
        verify(find("resumeLabel").text.indexOf("answered by 127.0.0.1") === 0, find("resumeLabel").text)
        // nothing claims the chat stays on this computer; no Continue (a local-model feature)
        verify(find("composerHint").text.indexOf("answered by tiny-remote") > 0, find("composerHint").text)
        verify(!findChild(answer, "continueButton").visible)
        verify(findChild(answer, "regenerateButton").visible)
        verify(App.chat.conversationId > 0)
        waitForRendering(window.contentItem)
        grabImage(window.contentItem).save(artifactsDir + "/remote-chat.png")
    }

    function test_3_localApiServerSwitch() {
        mouseClick(find("settingsButton"))
        const sw = find("localServerSwitch")
        tryVerify(() => sw.visible)
        const port = find("localServerPortSpin")
        port.value = 0  // any free port: the machine is shared
        port.valueModified()
        compare(App.localServer.port, 0)
        verify(!sw.checked)
        // scrolled to where a person would see the switch: inside the page's visible part (the
        // banners above the page take more or less of the window; the page settles its layout
        // as it is shown, so the place is checked, not computed once)
        const page = find("settingsPage")
        tryVerify(() => {
            const y = sw.mapToItem(page, 0, 0).y
            if (y >= 0 && y + sw.height <= page.height)
                return true
            page.contentItem.contentY = Math.max(0, page.contentItem.contentY + y - 100)
            return false
        }, 5000, "the switch scrolled into the page")
        waitForRendering(window.contentItem)
        mouseClick(sw)
        verify(App.localServer.enabled)
        tryVerify(() => App.localServer.running || App.localServer.error.length > 0, 60000)
        compare(App.localServer.error, "")
        verify(App.localServer.url.indexOf("http://127.0.0.1:") === 0)
        verify(App.localServer.statusText.indexOf("Serving ") === 0, App.localServer.statusText)
        waitForRendering(window.contentItem)
        grabImage(window.contentItem).save(artifactsDir + "/local-api-server.png")
        // the Remote tab lists what it serves
        App.remote.connectTo(App.localServer.url, "")
        tryVerify(() => !App.remote.listing, 60000)
        compare(App.remote.error, "")
        compare(App.remote.models.length, 1)
        App.remote.deactivate()
        mouseClick(sw)
        verify(!App.localServer.enabled)
        verify(!App.localServer.running)
        mouseClick(find("settingsButton"))
    }
}
