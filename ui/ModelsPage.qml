// The Models page: search the Hugging Face Hub (the curated falcon-mamba-7b-instruct first),
// a repo's files, downloads with progress, pause, resume and cancel, and the models on this
// computer with "Use in new chat" and delete, and a remote server (RemoteTab). Every action is
// App.models or App.remote (Coil.Core).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Layouts
import Coil.Core

Rectangle {
    id: page

    // "Use in new chat" of a remote model: the window shows the chat.
    signal remoteChatRequested

    color: Theme.window
    onVisibleChanged: if (visible) App.models.activate()
    Component.onCompleted: if (visible) App.models.activate()

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        ColumnLayout {
            spacing: 10
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.maximumWidth: Theme.contentWidth + 40
            Layout.alignment: Qt.AlignHCenter
            Layout.margins: 16

            // What the page has to say: a refused delete, a failed download.
            Rectangle {
                objectName: "modelsMessage"
                visible: App.models.message.length > 0
                Layout.fillWidth: true
                implicitHeight: messageRow.implicitHeight + 16
                radius: Theme.radiusSmall
                color: Theme.warningBackground
                border.color: Qt.rgba(Theme.warning.r, Theme.warning.g, Theme.warning.b, 0.35)
                RowLayout {
                    id: messageRow
                    x: 12
                    y: 8
                    width: parent.width - 16
                    IconImage {
                        source: "icons/alert.png"
                        sourceSize: Qt.size(16, 16)
                        color: Theme.warning
                        Layout.alignment: Qt.AlignTop
                    }
                    Label {
                        objectName: "modelsMessageText"
                        text: App.models.message
                        color: Theme.text
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    IconButton {
                        iconName: "close"
                        tip: qsTr("Dismiss")
                        size: 26
                        onClicked: App.models.dismissMessage()
                    }
                }
            }

            TabBar {
                id: tabs
                objectName: "modelsTabs"
                Layout.fillWidth: true
                background: Item {}
                TabButton {
                    text: qsTr("Discover")
                    width: implicitWidth
                }
                TabButton {
                    objectName: "downloadsTab"
                    text: App.models.downloads.activeCount > 0 ? qsTr("Downloads (%1)").arg(App.models.downloads.activeCount)
                                                              : qsTr("Downloads")
                    width: implicitWidth
                }
                TabButton {
                    objectName: "installedTab"
                    text: qsTr("Installed (%1)").arg(App.installedModels.rows.count)
                    width: implicitWidth
                }
                TabButton {
                    objectName: "remoteTab"
                    text: qsTr("Remote")
                    width: implicitWidth
                }
            }

            StackLayout {
                currentIndex: tabs.currentIndex
                Layout.fillWidth: true
                Layout.fillHeight: true

                // Discover: search the Hub.
                ColumnLayout {
                    spacing: 10
                    RowLayout {
                        spacing: 8
                        Layout.fillWidth: true
                        TextField {
                            id: searchField
                            objectName: "modelSearchField"
                            placeholderText: qsTr("Search Hugging Face models (e.g. mamba)")
                            text: App.models.query
                            leftPadding: 34
                            selectByMouse: true
                            Layout.fillWidth: true
                            onTextEdited: App.models.query = text
                            onAccepted: App.models.search(text)
                            background: Rectangle {
                                implicitHeight: 38
                                radius: Theme.radiusSmall
                                color: Theme.surface
                                border.color: searchField.activeFocus ? Theme.accent : Theme.border
                            }
                            IconImage {
                                anchors.left: parent.left
                                anchors.leftMargin: 10
                                anchors.verticalCenter: parent.verticalCenter
                                source: "icons/search.png"
                                sourceSize: Qt.size(16, 16)
                                color: Theme.faintText
                            }
                        }
                        ComboBox {
                            objectName: "modelSortCombo"
                            implicitWidth: 190
                            model: App.models.sortOptions
                            currentIndex: App.models.sortIndex
                            onActivated: index => App.models.sortIndex = index
                        }
                    }
                    Label {
                        objectName: "ggufOnlyLabel"
                        visible: App.models.ggufOnly
                        text: qsTr("GGUF repositories only: type a search of your own to see every kind.")
                        color: Theme.mutedText
                        font.pixelSize: Theme.smallFontSize
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    RowLayout {
                        visible: App.models.searchError.length > 0
                        spacing: 8
                        Layout.fillWidth: true
                        Label {
                            objectName: "searchErrorLabel"
                            text: App.models.searchError
                            color: Theme.error
                            wrapMode: Text.Wrap
                            Layout.fillWidth: true
                        }
                        Button {
                            objectName: "searchRetryButton"
                            text: qsTr("Retry")
                            visible: !App.models.offline  // HF_HUB_OFFLINE: nothing to retry
                            onClicked: App.models.search(App.models.query)
                        }
                    }
                    ListView {
                        id: resultList
                        objectName: "hubResults"
                        model: App.models.results
                        clip: true
                        spacing: 8
                        boundsBehavior: Flickable.StopAtBounds
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        ScrollBar.vertical: ScrollBar {}
                        delegate: HubModelDelegate {
                            width: ListView.view.width - 12
                            onFilesRequested: filesDialog.open()
                        }
                        footer: Item {
                            width: ListView.view.width - 12
                            height: 56
                            BusyIndicator {
                                anchors.centerIn: parent
                                running: App.models.searching
                                visible: running
                            }
                            Button {
                                objectName: "loadMoreButton"
                                anchors.centerIn: parent
                                visible: App.models.canLoadMore
                                text: qsTr("More results")
                                flat: true
                                onClicked: App.models.loadMore()
                            }
                        }
                    }
                }

                // Downloads: progress, pause, resume, cancel.
                ListView {
                    id: downloadList
                    objectName: "downloadList"
                    model: App.models.downloads
                    clip: true
                    spacing: 8
                    boundsBehavior: Flickable.StopAtBounds
                    ScrollBar.vertical: ScrollBar {}
                    delegate: DownloadDelegate {
                        width: ListView.view.width - 12
                    }
                    Label {
                        anchors.centerIn: parent
                        width: parent.width - 40
                        visible: downloadList.count === 0
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                        text: qsTr("No downloads. Downloads continue when Coil starts again, from where they stopped.")
                        color: Theme.faintText
                    }
                }

                // Installed: the cache, the demo model, a folder in use.
                ColumnLayout {
                    spacing: 8
                    Label {
                        objectName: "cacheLabel"
                        text: qsTr("Hugging Face cache: %1").arg(App.models.cacheDir)
                        color: Theme.mutedText
                        font.pixelSize: Theme.smallFontSize
                        elide: Text.ElideMiddle
                        Layout.fillWidth: true
                    }
                    RowLayout {
                        visible: App.settings.quantizedCopiesText.length > 0
                        Layout.fillWidth: true
                        Label {
                            objectName: "quantizedCopiesLabel"
                            text: App.settings.quantizedCopiesText
                            color: Theme.mutedText
                            font.pixelSize: Theme.smallFontSize
                            elide: Text.ElideRight
                            Layout.fillWidth: true
                        }
                        Button {
                            objectName: "deleteQuantizedButton"
                            text: qsTr("Delete the copies")
                            onClicked: App.settings.deleteQuantizedCopies()
                        }
                    }
                    ListView {
                        objectName: "installedList"
                        model: App.installedModels.rows
                        clip: true
                        spacing: 8
                        boundsBehavior: Flickable.StopAtBounds
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        ScrollBar.vertical: ScrollBar {}
                        delegate: InstalledModelDelegate {
                            width: ListView.view.width - 12
                        }
                    }
                }

                // Remote: an OpenAI-compatible server.
                RemoteTab {
                    onChatRequested: page.remoteChatRequested()
                }
            }
        }
    }

    Connections {
        target: App.installedModels
        function onDeleteConfirmationRequested(path, name, sizeText) {
            deleteDialog.ask(path, name, sizeText)
        }
    }

    RepoFilesDialog {
        id: filesDialog
    }

    ModelDeleteDialog {
        id: deleteDialog
    }
}
