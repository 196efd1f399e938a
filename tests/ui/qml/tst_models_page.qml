// The Models page on its own, against the Hub stand-in: it loads without a single QML
// warning, lists the curated falcon-mamba-7b-instruct first with its badges, greys what
// Coil cannot run, shows a repo's files, and lists the installed models; its header says
// what this computer has.
import QtQuick
import QtTest
import Coil
import Coil.Core

Item {
    id: root
    width: 1000
    height: 760

TestCase {
    id: test
    name: "ModelsPage"
    when: windowShown

    Component {
        id: pageComponent
        ModelsPage {
            width: root.width
            height: root.height
        }
    }

    Component {
        id: downloadComponent
        DownloadDelegate {
            width: root.width
            downloadId: "no-such-download"
            repoId: "org/partial-model"
            status: DownloadListModel.Paused
            statusText: "Paused"
            fraction: 0.25
            bytesTotal: 4000
            bytesDone: 1000
            bytesText: "1.0 kB of 4.0 kB"
            speedText: ""
            etaText: ""
            error: ""
            canPause: false
            canResume: true
        }
    }

    Component {
        id: headerComponent
        ModelsHeader {
            width: root.width
        }
    }

    function init() {
        failOnWarning(/Polish loop|Binding loop/)  // a layout that never settles fails the test
        failOnWarning(/.*/)
    }

    // The delegate of a repo, scrolled into view (a ListView makes only visible delegates).
    function rowOf(list, repoId) {
        for (let i = 0; i < list.count; ++i) {
            list.positionViewAtIndex(i, ListView.Contain)
            const item = list.itemAtIndex(i)
            if (item !== null && item.repoId === repoId)
                return item
        }
        return null
    }

    function test_1_loadsWithTheCuratedEntryFirst() {
        const page = createTemporaryObject(pageComponent, root)
        verify(page !== null)
        waitForRendering(page)
        const list = findChild(page, "hubResults")
        verify(list !== null)
        tryVerify(() => !App.models.searching && list.count > 5, 60000, "the Hub answers")
        compare(App.models.searchError, "")
        const first = list.itemAtIndex(0)
        verify(first !== null)
        compare(first.repoId, "tiiuae/falcon-mamba-7b-instruct")
        verify(first.curated)
        verify(first.compatible)
        verify(findChild(first, "curatedBadge").visible)
        compare(findChild(first, "compatibilityBadge").text, "Runs in Coil")
        tryVerify(() => first.sizeText.length > 0, 60000, "the size arrives")
        verify(findChild(first, "fitBadge").visible)
        verify(findChild(first, "downloadButton").enabled)
        // a repo Coil cannot run is greyed, with its reason and no download button
        const gguf = rowOf(list, "someone/falcon-mamba-7b-GGUF")
        verify(gguf !== null)
        verify(!gguf.compatible)
        verify(gguf.reason.indexOf("GGUF") >= 0)
        compare(findChild(gguf, "compatibilityBadge").text, "Not supported")
        verify(!findChild(gguf, "downloadButton").enabled)
        const header = createTemporaryObject(headerComponent, root)
        verify(findChild(header, "machineLabel").text.indexOf("RAM") > 0)
    }

    function test_2_filesOfARepo() {
        const page = createTemporaryObject(pageComponent, root)
        const list = findChild(page, "hubResults")
        tryVerify(() => !App.models.searching && list.count > 5, 60000)
        const tiny = rowOf(list, "coil-test/tiny-mamba")
        verify(tiny !== null)
        mouseClick(findChild(tiny, "filesButton"))
        tryVerify(() => !App.models.repoFiles.loading, 60000)
        compare(App.models.repoFiles.repo, "coil-test/tiny-mamba")
        const files = findChild(page, "repoFilesList")
        verify(files !== null)
        tryCompare(files, "count", 5)
        verify(App.models.repoFiles.files.totalText.indexOf("5 files") === 0)
    }

    // #12: the curated entry offers BF16 and its quants, the one that fits chosen first; a
    // GGUF repo runs when its header says mamba, and its files come grouped by quant, each
    // with its badge and its own Download button.
    function test_4_quantChoicesAndGgufFiles() {
        const page = createTemporaryObject(pageComponent, root)
        const list = findChild(page, "hubResults")
        tryVerify(() => !App.models.searching && list.count > 5, 60000)
        const first = list.itemAtIndex(0)
        const combo = findChild(first, "choiceCombo")
        verify(combo.visible)
        compare(combo.count, 3)
        verify(first.defaultChoice >= 0)
        compare(combo.currentIndex, first.defaultChoice)
        compare(combo.textAt(0).indexOf("BF16"), 0)
        compare(findChild(first, "fitBadge").text, first.choices[first.defaultChoice].fit.label)
        verify(findChild(first, "downloadButton").enabled)

        let gguf = null
        tryVerify(() => { gguf = rowOf(list, "coil-test/falcon-mamba-small-GGUF"); return gguf !== null && gguf.compatible }, 60000,
                  "the GGUF header says mamba")
        compare(findChild(gguf, "compatibilityBadge").text, "Runs in Coil")
        verify(findChild(gguf, "choiceCombo").visible)
        compare(findChild(gguf, "choiceCombo").currentText.indexOf("Q8_0"), 0)
        const llama = rowOf(list, "coil-test/llama-not-mamba-GGUF")
        tryVerify(() => llama.reason.indexOf("'llama'") >= 0, 60000)
        verify(!findChild(llama, "downloadButton").enabled)

        mouseClick(findChild(gguf, "filesButton"))
        tryVerify(() => !App.models.repoFiles.loading && App.models.repoFiles.gguf, 60000)
        const files = findChild(page, "repoFilesList")
        tryCompare(files, "count", 4)
        waitForRendering(files)
        const q8 = findChild(files, "file-falcon-mamba-small.Q8_0.gguf")
        verify(q8 !== null)
        verify(findChild(q8, "fileDownloadButton").visible)
        compare(findChild(q8, "fileFitBadge").text, "Fits RAM")
        verify(findChild(files, "fileSection-Q4_K_M") !== null)
        verify(findChild(files, "fileSection-Other files") !== null)
        const readme = findChild(files, "file-README.md")
        verify(!findChild(readme, "fileDownloadButton").visible)
        // the dialog's open transition done: a screenshot for the eyes (build/tests/ui)
        tryVerify(() => files.parent !== null && files.Window.window !== null)
        wait(500)
        grabImage(page.Window.window.contentItem).save("models-gguf-files.png")
    }

    // Cancel of a download with bytes on disk asks first; "Keep downloading" keeps it.
    function test_4_cancelOfAPartialDownloadAsks() {
        const row = createTemporaryObject(downloadComponent, root)
        waitForRendering(row)
        // the state is DownloadListModel.Paused: a warning badge, Cancel offered
        compare(findChild(row, "statusBadge").tone, "warn")
        verify(findChild(row, "cancelButton").visible)
        mouseClick(findChild(row, "cancelButton"))
        const dialog = findChild(row, "cancelDownloadDialog")
        verify(dialog !== null)
        tryVerify(() => dialog.opened)
        verify(dialog.contentChildren[0].text.indexOf("1.0 kB of 4.0 kB") > 0, dialog.contentChildren[0].text)
        dialog.reject()
        tryVerify(() => !dialog.visible)
    }

    // #12: a curated quant's repo the Hub does not have (its name is Coil's guess): the card
    // says so plainly when that choice is picked, offers no download of it, and its button
    // searches the Hub for GGUF repos of the model instead.
    function test_5_curatedQuantNotOnTheHub() {
        const missing = "tiiuae/falcon-mamba-7b-instruct-Q4_K_M-GGUF"
        hubKnobs.set({"missing_repos": [missing]})
        verify(App.settings.saveHfToken("hf_coil_test_token"))  // a new token: details asked again
        const page = createTemporaryObject(pageComponent, root)
        const list = findChild(page, "hubResults")
        App.models.search("")
        tryVerify(() => !App.models.searching && list.count > 5, 60000)
        const first = list.itemAtIndex(0)
        compare(first.repoId, "tiiuae/falcon-mamba-7b-instruct")
        tryVerify(() => first.choices.length === 3 && first.choices[2].unavailable.length > 0, 60000,
                  "the Hub says the repo is not there")
        verify(first.defaultChoice !== 2)
        const label = findChild(first, "unavailableLabel")
        verify(!label.visible)  // the choice shown first is one that exists
        const combo = findChild(first, "choiceCombo")
        mouseClick(combo)
        tryVerify(() => combo.popup.opened)
        tryVerify(() => combo.popup.contentItem.itemAtIndex(2) !== null)
        mouseClick(combo.popup.contentItem.itemAtIndex(2))
        tryVerify(() => !combo.popup.visible)
        compare(combo.currentText, "Q4_K_M · missing")
        tryVerify(() => label.visible)
        verify(label.text.indexOf(missing + ", is not on the Hugging Face Hub") > 0, label.text)
        compare(findChild(first, "fitBadge").text, "Not on the Hub")
        verify(!findChild(first, "downloadButton").enabled)
        const search = findChild(first, "searchGgufButton")
        verify(search.visible && search.enabled)
        waitForRendering(page)
        grabImage(page).save(artifactsDir + "/models-curated-not-on-hub.png")
        mouseClick(search)
        verify(App.models.ggufOnly)
        verify(findChild(page, "ggufOnlyLabel").visible)
        compare(findChild(page, "modelSearchField").text, "falcon-mamba-7b-instruct")
        tryVerify(() => !App.models.searching, 60000)
        compare(App.models.searchError, "")
        tryVerify(() => rowOf(list, "tiiuae/falcon-mamba-7b-instruct-Q8_0-GGUF") !== null, 60000)
        verify(rowOf(list, missing) === null)
        const q8row = rowOf(list, "tiiuae/falcon-mamba-7b-instruct-Q8_0-GGUF")
        verify(findChild(q8row, "downloadButton").visible && findChild(q8row, "downloadButton").enabled)
        verify(!list.itemAtIndex(0).curated)
        hubKnobs.reset()
        waitForRendering(page)
        grabImage(page).save(artifactsDir + "/models-gguf-search.png")
        verify(App.settings.saveHfToken(""))
        App.models.query = ""  // a search of one's own: every kind again
        verify(!App.models.ggufOnly)
        verify(!findChild(page, "ggufOnlyLabel").visible)
        App.models.search("")
        tryVerify(() => !App.models.searching && list.count > 5, 60000)
        verify(list.itemAtIndex(0).curated)
        tryVerify(() => !list.itemAtIndex(0).detailsPending, 60000)
        waitForRendering(list)
    }

    function test_3_installedModels() {
        const page = createTemporaryObject(pageComponent, root)
        const tabs = findChild(page, "modelsTabs")
        tabs.currentIndex = 2
        const installed = findChild(page, "installedList")
        verify(installed !== null)
        // the bundled demo model and the fixture model the app loaded (a folder)
        tryVerify(() => installed.count >= 2, 10000)
        let demo = null
        for (let i = 0; i < installed.count; ++i) {
            const item = installed.itemAtIndex(i)
            if (item !== null && item.kind === "demo")
                demo = item
        }
        verify(demo !== null)
        verify(!demo.canDelete)
        mouseClick(findChild(demo, "deleteModelButton"))
        tryVerify(() => App.models.message.indexOf("demo") >= 0)
        verify(findChild(page, "modelsMessage").visible)
        App.models.dismissMessage()
        tabs.currentIndex = 1
        verify(findChild(page, "downloadList") !== null)
    }

    // #15 item 9: a search that fails says so inside the page (below the tabs and the search
    // field, above the empty list, within the page's width: never over the tab bar), shows no
    // placeholder card, and offers Retry, which asks the Hub again.
    function test_5_aFailedSearchSaysSoInThePageWithRetry() {
        const page = createTemporaryObject(pageComponent, root)
        const list = findChild(page, "hubResults")
        tryVerify(() => !App.models.searching && list.count > 5, 60000)
        hubKnobs.set({"fail_status": {"search": [404]}})
        App.models.search("mamba")
        tryVerify(() => !App.models.searching && App.models.searchError.length > 0, 60000)
        waitForRendering(page)
        // no placeholder card ("0 downloads", "Size…"): at most the curated entry, which Coil
        // knows without the Hub
        verify(list.count === 0 || (list.count === 1 && list.itemAtIndex(0).curated), list.count)
        const error = findChild(page, "searchErrorLabel")
        const retry = findChild(page, "searchRetryButton")
        verify(error.visible && retry.visible)
        const tabs = findChild(page, "modelsTabs")
        const field = findChild(page, "modelSearchField")
        const e = error.mapToItem(page, 0, 0)
        verify(e.y >= tabs.mapToItem(page, 0, 0).y + tabs.height, "the error is below the tab bar")
        verify(e.y >= field.mapToItem(page, 0, 0).y + field.height, "and below the search field")
        verify(e.x >= 0 && e.x + error.width <= page.width, "and within the page's width")
        verify(e.y + error.height <= list.mapToItem(page, 0, 0).y + 1, "and above the list")
        verify(retry.mapToItem(page, 0, 0).x + retry.width <= page.width, "Retry is in the page")
        mouseClick(retry)  // the Hub answers this time
        tryVerify(() => !App.models.searching && list.count > 0, 60000)
        compare(App.models.searchError, "")
        verify(!error.visible)
        App.models.search("")
        tryVerify(() => !App.models.searching, 60000)
    }

}

}
