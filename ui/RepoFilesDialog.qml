// The files of a Hub repository (App.models.files): path, size and kind, the total, and a
// Download button.
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
    title: App.models.filesRepo

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        Label {
            text: App.models.filesLoading ? qsTr("Listing the files…")
                  : App.models.filesError.length > 0 ? App.models.filesError
                  : App.models.files.totalText
            color: App.models.filesError.length > 0 ? Theme.error : Theme.mutedText
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        ListView {
            id: list
            objectName: "repoFilesList"
            model: App.models.files
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            Layout.fillWidth: true
            Layout.fillHeight: true
            ScrollBar.vertical: ScrollBar {}
            delegate: RowLayout {
                id: fileRow
                required property string path
                required property string sizeText
                required property string kind
                required property bool lfs
                width: ListView.view.width - 12
                height: 32
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
                Label {
                    text: fileRow.sizeText
                    color: Theme.mutedText
                    font.pixelSize: Theme.smallFontSize
                    horizontalAlignment: Text.AlignRight
                    Layout.preferredWidth: 80
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
            enabled: !App.models.filesLoading && App.models.filesError.length === 0 && list.count > 0
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
    }
    onAccepted: App.models.download(App.models.filesRepo)
}
