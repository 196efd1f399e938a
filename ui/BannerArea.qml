// Banners: what went wrong (or what Coil did about it) and what to do, each dismissable;
// technical details (an engine's reason) behind a "Details" toggle.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

ColumnLayout {
    id: area
    spacing: 8
    visible: App.banners.count > 0

    Item { Layout.preferredHeight: 2 }

    Repeater {
        model: App.banners
        delegate: Rectangle {
            id: banner
            required property string key
            required property int level  // BannerModel.Level
            required property string title
            required property string text
            required property string hint
            required property string details
            property bool showDetails: false
            readonly property color tone: level === BannerModel.Error ? Theme.error
                                          : level === BannerModel.Warning ? Theme.warning : Theme.accent

            objectName: "banner-" + key
            Layout.fillWidth: true
            Layout.leftMargin: 16
            Layout.rightMargin: 16
            implicitHeight: content.implicitHeight + 20
            radius: Theme.radius
            color: level === BannerModel.Error ? Theme.errorBackground
                   : level === BannerModel.Warning ? Theme.warningBackground : Theme.infoBackground
            border.color: Qt.rgba(tone.r, tone.g, tone.b, 0.35)

            // Positioned by anchors and a Column, not a RowLayout: a layout inside the
            // banner laid itself out again and again while its texts wrapped ("Polish loop
            // detected" as the export banner came and a dialog closed over it).
            Item {
                id: content
                x: 14
                y: 10
                width: parent.width - 20
                implicitHeight: Math.max(texts.implicitHeight, buttons.implicitHeight, icon.height + 1)

                IconImage {
                    id: icon
                    y: 1
                    source: banner.level === BannerModel.Info ? "icons/info.png" : "icons/alert.png"
                    sourceSize: Qt.size(18, 18)
                    color: banner.tone
                }
                Column {
                    id: texts
                    x: icon.width + 12
                    width: Math.max(0, buttons.x - 12 - x)
                    spacing: 2
                    Label {
                        width: parent.width
                        text: banner.title
                        font.weight: Font.DemiBold
                        color: Theme.text
                        wrapMode: Text.Wrap
                    }
                    Label {
                        width: parent.width
                        visible: text.length > 0
                        text: banner.text
                        color: Theme.text
                        wrapMode: Text.Wrap
                        font.pixelSize: Theme.smallFontSize + 1
                    }
                    Label {
                        width: parent.width
                        visible: text.length > 0
                        text: banner.hint
                        color: Theme.mutedText
                        wrapMode: Text.Wrap
                        font.pixelSize: Theme.smallFontSize + 1
                    }
                    Label {
                        objectName: "detailsText"
                        width: parent.width
                        visible: banner.showDetails && text.length > 0
                        text: banner.details
                        textFormat: Text.PlainText
                        color: Theme.mutedText
                        wrapMode: Text.Wrap
                        font.pixelSize: Theme.smallFontSize
                    }
                }
                Row {
                    id: buttons
                    anchors.right: parent.right
                    spacing: 12
                    Button {
                        objectName: "detailsButton"
                        visible: banner.details.length > 0
                        flat: true
                        text: banner.showDetails ? qsTr("Hide details") : qsTr("Details")
                        font.pixelSize: Theme.smallFontSize + 1
                        onClicked: banner.showDetails = !banner.showDetails
                    }
                    IconButton {
                        objectName: "closeBannerButton"
                        iconName: "close"
                        tip: qsTr("Dismiss")
                        size: 28
                        onClicked: App.banners.close(banner.key)
                    }
                }
            }
        }
    }
}
