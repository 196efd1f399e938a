// One search result of the Models page: the repo, its badges (recommended, compatibility,
// token, size, memory fit), downloads and likes, and the Download and Files buttons.
// Repos Coil cannot run are greyed, with the reason. The curated entry (its BF16 and GGUF
// quants) and a GGUF repo (its files) offer a choice, the one that fits this machine first;
// Download gets the chosen one only.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: card
    required property string repoId
    required property string name
    required property string author
    required property string downloadsText
    required property string likesText
    required property string updatedText
    required property bool compatible
    required property string reason
    required property bool gated
    required property bool needsToken
    required property bool curated
    required property string sizeText
    required property bool detailsPending
    required property var fit  // the memory-fit badge: {label, tone, tip}
    required property bool installed
    required property int downloadStatus  // DownloadListModel.Status
    required property var choices
    required property int defaultChoice
    signal filesRequested(string repoId)

    // the chosen quant (or file), or null for a repo downloaded whole
    readonly property var choice: choices.length > 0 && choiceCombo.currentIndex >= 0
                                  ? choices[Math.min(choiceCombo.currentIndex, choices.length - 1)] : null
    readonly property bool shownInstalled: choice ? choice.installed : installed
    readonly property int shownStatus: choice ? choice.downloadStatus : downloadStatus

    objectName: "hubModel-" + repoId
    implicitHeight: content.implicitHeight + 24
    radius: Theme.radius
    color: curated ? Qt.rgba(Theme.accent.r, Theme.accent.g, Theme.accent.b, Theme.dark ? 0.08 : 0.05)
                   : Theme.surface
    border.color: curated ? Qt.rgba(Theme.accent.r, Theme.accent.g, Theme.accent.b, 0.35) : Theme.border

    RowLayout {
        id: content
        x: 14
        y: 12
        width: parent.width - 28
        spacing: 12
        opacity: card.compatible ? 1 : 0.55

        ColumnLayout {
            spacing: 5
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop

            Row {
                spacing: 8
                Layout.fillWidth: true
                Label {
                    width: Math.min(implicitWidth, parent.width - (curatedBadge.visible ? curatedBadge.width + 8 : 0))
                    anchors.verticalCenter: parent.verticalCenter
                    text: card.name
                    color: Theme.text
                    font.weight: Font.DemiBold
                    elide: Text.ElideRight
                }
                Badge {
                    id: curatedBadge
                    objectName: "curatedBadge"
                    anchors.verticalCenter: parent.verticalCenter
                    text: card.curated ? qsTr("Recommended") : ""
                    tone: "accent"
                    tip: qsTr("The model Coil is built for: Falcon Mamba 7B, tuned to follow instructions.")
                }
            }
            Label {
                text: card.updatedText.length > 0 ? qsTr("%1 · updated %2").arg(card.author).arg(card.updatedText)
                                                  : card.author
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            Flow {
                spacing: 6
                Layout.fillWidth: true
                Badge {
                    objectName: "compatibilityBadge"
                    text: card.compatible ? qsTr("Runs in Coil") : qsTr("Not supported")
                    tone: card.compatible ? "good" : "bad"
                    tip: card.compatible ? qsTr("A falcon_mamba or mamba model (safetensors weights or a GGUF file).") : card.reason
                }
                Badge {
                    text: card.needsToken ? qsTr("Token needed") : card.gated ? qsTr("Gated") : ""
                    tone: card.needsToken ? "warn" : "neutral"
                    tip: qsTr("A gated repository: accept its terms on huggingface.co, then add an access token of that account in Settings.")
                }
                Badge {
                    text: card.sizeText.length > 0 ? card.sizeText : card.detailsPending ? qsTr("Size…") : ""
                    tip: qsTr("All the files of the repository")
                }
                Badge {
                    objectName: "fitBadge"
                    text: (card.choice ? card.choice.fit : card.fit).label
                    tone: (card.choice ? card.choice.fit : card.fit).tone
                    tip: (card.choice ? card.choice.fit : card.fit).tip
                }
                Badge {
                    // none shown before the Hub answered (the curated entry as Coil knows it)
                    text: card.downloadsText !== "0" ? card.downloadsText : ""
                    iconSource: "icons/download.png"
                    tip: qsTr("Downloads in the last month")
                }
                Badge {
                    text: card.likesText !== "0" ? card.likesText : ""
                    iconSource: "icons/heart.png"
                    tip: qsTr("Likes")
                }
            }
            Label {
                visible: !card.compatible && card.reason.length > 0
                text: card.reason
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            // a curated quant whose repo the Hub does not have: said plainly, with a search
            ColumnLayout {
                visible: card.compatible && card.choice !== null && (card.choice.unavailable || "").length > 0
                spacing: 4
                Layout.fillWidth: true
                Label {
                    objectName: "unavailableLabel"
                    text: card.choice ? (card.choice.unavailable || "") : ""
                    color: Theme.warning
                    font.pixelSize: Theme.smallFontSize
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
                Button {
                    objectName: "searchGgufButton"
                    text: qsTr("Search GGUF files")
                    enabled: !App.models.offline
                    onClicked: App.models.searchGguf(card.repoId)
                }
            }
            Label {
                visible: card.compatible && card.needsToken
                text: qsTr("Gated: accept its terms on huggingface.co and add your access token in Settings to download it.")
                color: Theme.warning
                font.pixelSize: Theme.smallFontSize
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }

        RowLayout {
            spacing: 4
            Layout.alignment: Qt.AlignTop
            ComboBox {
                id: choiceCombo
                objectName: "choiceCombo"
                visible: card.compatible && card.choices.length > 0
                model: card.choices
                textRole: "label"
                currentIndex: card.defaultChoice
                implicitWidth: 190
                ToolTip.visible: hovered
                ToolTip.delay: 600
                ToolTip.text: qsTr("Which weights to download: the one that fits this computer is chosen first")
                // a new default (the machine's memory became known) wins until the user picks
                property bool picked: false
                onActivated: picked = true
                Connections {
                    target: card
                    function onDefaultChoiceChanged() {
                        if (!choiceCombo.picked)
                            choiceCombo.currentIndex = card.defaultChoice
                    }
                }
            }
            IconButton {
                objectName: "filesButton"
                iconName: "file"
                tip: qsTr("The files of the repository")
                enabled: !App.models.offline
                onClicked: {
                    App.models.repoFiles.show(card.repoId)
                    card.filesRequested(card.repoId)
                }
            }
            Button {
                objectName: "downloadButton"
                text: card.shownInstalled ? qsTr("Installed")
                      : card.shownStatus === DownloadListModel.Downloading ? qsTr("Downloading…")
                      : card.shownStatus === DownloadListModel.Queued ? qsTr("Queued")
                      : card.shownStatus === DownloadListModel.Paused ? qsTr("Resume")
                      : card.shownStatus === DownloadListModel.Failed ? qsTr("Retry") : qsTr("Download")
                icon.source: card.shownInstalled ? "icons/check.png" : "icons/download.png"
                icon.width: 16
                icon.height: 16
                visible: card.compatible
                highlighted: !card.shownInstalled
                enabled: card.compatible && !card.shownInstalled && !App.models.offline
                         && !(card.choice && (card.choice.unavailable || "").length > 0)
                         && card.shownStatus !== DownloadListModel.Downloading && card.shownStatus !== DownloadListModel.Queued
                onClicked: {
                    if (card.choice)
                        App.models.downloadChoice(card.repoId, choiceCombo.currentIndex)
                    else
                        App.models.download(card.repoId)
                }
            }
        }
    }
}
