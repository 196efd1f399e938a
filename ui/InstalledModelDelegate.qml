// One installed model of the Models page: name, where it comes from, size, path, badges
// (in use, memory fit, not usable and why), "Use in new chat" and delete.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: row
    required property string path
    required property string name
    required property string kind
    required property string kindText
    required property string sizeText
    required property bool compatible
    required property string reason
    required property bool inUse
    required property bool canDelete
    required property string deleteBlock
    required property var fit  // the memory-fit badge: {label, tone, tip}

    objectName: "installed-" + name
    implicitHeight: content.implicitHeight + 24
    radius: Theme.radius
    color: Theme.surface
    border.color: inUse ? Qt.rgba(Theme.accent.r, Theme.accent.g, Theme.accent.b, 0.45) : Theme.border

    RowLayout {
        id: content
        x: 14
        y: 12
        width: parent.width - 28
        spacing: 12

        ColumnLayout {
            spacing: 5
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            opacity: row.compatible ? 1 : 0.6

            Label {
                text: row.name
                color: Theme.text
                font.weight: Font.DemiBold
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            Flow {
                spacing: 6
                Layout.fillWidth: true
                Badge {
                    text: row.inUse ? qsTr("In use") : ""
                    tone: "accent"
                }
                Badge { text: row.kindText }
                Badge { text: row.sizeText }
                Badge {
                    text: row.fit.label
                    tone: row.fit.tone
                    tip: row.fit.tip
                }
                Badge {
                    text: row.compatible ? "" : qsTr("Cannot be used")
                    tone: "bad"
                    tip: row.reason
                }
            }
            Label {
                text: row.path
                color: Theme.faintText
                font.pixelSize: Theme.smallFontSize
                font.family: Theme.monoFamily
                elide: Text.ElideMiddle
                Layout.fillWidth: true
            }
            Label {
                visible: !row.compatible && row.reason.length > 0
                text: row.reason
                color: Theme.mutedText
                font.pixelSize: Theme.smallFontSize
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }

        RowLayout {
            spacing: 4
            Layout.alignment: Qt.AlignTop
            Button {
                objectName: "useButton"
                text: qsTr("Use in new chat")
                icon.source: "icons/chat.png"
                icon.width: 16
                icon.height: 16
                enabled: row.compatible
                onClicked: App.installedModels.useInNewChat(row.path)
            }
            IconButton {
                objectName: "deleteModelButton"
                iconName: "trash"
                tip: row.canDelete ? qsTr("Delete from the disk") : row.deleteBlock
                onClicked: App.installedModels.requestDelete(row.path)
            }
        }
    }
}
