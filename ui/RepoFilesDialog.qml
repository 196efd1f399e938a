// The files of a Hub repository (App.models.repoFiles): path, size and kind, the total, and a
// Download button. A GGUF repo's .gguf files come first, grouped by quant type, each with
// its memory-fit badge and a Download button of its own (one file is a whole model).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

Dialog {
    id: dialog
    parent: Overlay.overlay
    anchors.centerIn: parent
    width: Math.min(620, parent ? parent.width - 40 : 620)
    height: Math.min(560, parent ? parent.height - 40 : 560)
    modal: true
    Overlay.modal: Rectangle { color: Theme.dim }
    title: App.models.repoFiles.repo

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        RowLayout {
            spacing: 8
            Layout.fillWidth: true
            Label {
                text: App.models.repoFiles.loading ? qsTr("Listing the files…")
                      : App.models.repoFiles.error.length > 0 ? App.models.repoFiles.error
                      : App.models.repoFiles.files.totalText
                color: App.models.repoFiles.error.length > 0 ? Theme.error : Theme.mutedText
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Button {
                objectName: "filesRetryButton"
                text: qsTr("Retry")
                visible: App.models.repoFiles.error.length > 0 && !App.models.offline
                onClicked: App.models.repoFiles.show(App.models.repoFiles.repo)
            }
        }
        ListView {
            id: list
            objectName: "repoFilesList"
            model: App.models.repoFiles.files
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            Layout.fillWidth: true
            Layout.fillHeight: true
            ScrollBar.vertical: ScrollBar {}
            section.property: "group"
            section.delegate: Label {
                required property string section
                objectName: "fileSection-" + section
                text: section
                visible: section.length > 0
                height: section.length > 0 ? implicitHeight + 10 : 0
                topPadding: 6
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                font.weight: Font.DemiBold
            }
            delegate: RowLayout {
                id: fileRow
                required property string path
                required property string sizeText
                required property string kind
                required property bool lfs
                required property var fit  // the memory-fit badge: {label, tone, tip}
                required property bool downloadable
                required property bool installed
                objectName: "file-" + path
                width: ListView.view.width - 12
                height: 36
                spacing: 8
                Label {
                    text: fileRow.path
                    color: Theme.text
                    font.family: Theme.monoFamily
                    font.pixelSize: Theme.smallFontSize + 1
                    elide: Text.ElideMiddle
                    Layout.fillWidth: true
                }
                Badge {
                    text: fileRow.kind === "other" ? "" : fileRow.kind
                    tone: fileRow.kind === "weights" ? "accent" : "neutral"
                }
                Badge {
                    objectName: "fileFitBadge"
                    text: fileRow.fit.label
                    tone: fileRow.fit.tone
                    tip: fileRow.fit.tip
                }
                Label {
                    text: fileRow.sizeText
                    color: Theme.mutedText
                    font.pixelSize: Theme.smallFontSize
                    horizontalAlignment: Text.AlignRight
                    Layout.preferredWidth: 80
                }
                Button {
                    objectName: "fileDownloadButton"
                    visible: fileRow.downloadable
                    flat: true
                    text: fileRow.installed ? qsTr("Installed") : qsTr("Download")
                    enabled: !fileRow.installed && !App.models.offline
                    onClicked: App.models.repoFiles.download(fileRow.path)
                }
            }
        }
    }

    footer: DialogButtonBox {
        Button {
            text: qsTr("Close")
            flat: true
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
        Button {
            text: qsTr("Download")
            icon.source: "icons/download.png"
            icon.width: 16
            icon.height: 16
            highlighted: true
            // a GGUF repo: each file has its own Download button
            visible: !App.models.repoFiles.gguf
            enabled: !App.models.repoFiles.loading && App.models.repoFiles.error.length === 0 && list.count > 0
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
    }
    onAccepted: App.models.download(App.models.repoFiles.repo)
}
