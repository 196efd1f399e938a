// One download of the Models page: the repo, its status, a progress bar with bytes, speed
// and time left, the error of a failed one, and pause / resume / cancel / remove. Cancelling
// a download that has bytes on disk asks first (they are deleted).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: row
    required property string downloadId
    required property string repoId
    required property int status  // DownloadListModel.Status
    required property string statusText
    required property double fraction
    required property double bytesTotal
    required property double bytesDone
    required property string bytesText
    required property string speedText
    required property string etaText
    required property string error
    required property bool canPause
    required property bool canResume

    objectName: "download-" + repoId
    implicitHeight: content.implicitHeight + 24
    radius: Theme.radius
    color: Theme.surface
    border.color: Theme.border

    ColumnLayout {
        id: content
        x: 14
        y: 12
        width: parent.width - 28
        spacing: 6

        RowLayout {
            spacing: 8
            Layout.fillWidth: true
            Label {
                text: row.repoId
                color: Theme.text
                font.weight: Font.DemiBold
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            Badge {
                objectName: "statusBadge"
                text: row.statusText
                tone: row.status === DownloadListModel.Failed ? "bad" : row.status === DownloadListModel.Finished ? "good"
                      : row.status === DownloadListModel.Paused ? "warn" : "accent"
            }
            IconButton {
                objectName: "pauseButton"
                visible: row.canPause
                iconName: "pause"
                tip: qsTr("Pause (what is downloaded is kept)")
                size: 28
                onClicked: App.models.downloads.pause(row.downloadId)
            }
            IconButton {
                objectName: "resumeButton"
                visible: row.canResume
                iconName: "play"
                tip: row.status === DownloadListModel.Failed ? qsTr("Retry") : qsTr("Resume")
                size: 28
                onClicked: App.models.downloads.resume(row.downloadId)
            }
            IconButton {
                objectName: "cancelButton"
                visible: row.status !== DownloadListModel.Finished
                iconName: "close"
                tip: qsTr("Cancel and delete what was downloaded")
                size: 28
                onClicked: {
                    if (row.bytesDone > 0)
                        cancelDialog.open()
                    else
                        App.models.downloads.cancel(row.downloadId)
                }
            }
            IconButton {
                objectName: "removeButton"
                visible: row.status === DownloadListModel.Finished
                iconName: "close"
                tip: qsTr("Remove from the list (the model stays installed)")
                size: 28
                onClicked: App.models.downloads.remove(row.downloadId)
            }
        }
        ProgressBar {
            visible: row.status !== DownloadListModel.Finished
            from: 0
            to: 1
            value: row.fraction
            indeterminate: row.status === DownloadListModel.Downloading && row.bytesTotal <= 0
            Layout.fillWidth: true
        }
        Label {
            text: [row.bytesText, row.speedText, row.etaText].filter(s => s.length > 0).join(" · ")
            color: Theme.mutedText
            font.pixelSize: Theme.smallFontSize
            Layout.fillWidth: true
        }
        Dialog {
            id: cancelDialog
            objectName: "cancelDownloadDialog"
            parent: Overlay.overlay
            anchors.centerIn: parent
            width: 440
            modal: true
            Overlay.modal: Rectangle { color: Theme.dim }
            title: qsTr("Cancel this download?")
            Label {
                width: parent.width
                wrapMode: Text.Wrap
                text: qsTr("What was downloaded of %1 so far (%2) will be deleted. Pause keeps it for later.").arg(row.repoId).arg(row.bytesText)
            }
            footer: DialogButtonBox {
                Button {
                    text: qsTr("Keep downloading")
                    flat: true
                    DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
                }
                Button {
                    objectName: "confirmCancelDownloadButton"
                    text: qsTr("Delete download")
                    highlighted: true
                    DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
                }
            }
            onAccepted: App.models.downloads.cancel(row.downloadId)
        }
        Label {
            visible: row.error.length > 0
            text: row.error
            color: Theme.error
            font.pixelSize: Theme.smallFontSize
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
