// `< 2/3 >`: moves between the sibling versions of a message (regenerations, edits).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Coil.Core

RowLayout {
    id: switcher
    property var messageId: 0
    property int index: 0
    property int count: 1

    visible: count > 1
    spacing: 0

    // The chat's list keeps this message in place while the rows after it change.
    function switchBy(delta) {
        for (let p = switcher.parent; p; p = p.parent) {
            if (p.objectName === "messageList" && p.holdAt) {
                p.holdAt(switcher)
                break
            }
        }
        // later: the switch replaces this delegate, which must not happen inside its click
        const id = switcher.messageId
        Qt.callLater(() => App.chat.switchBranch(id, delta))
    }

    IconButton {
        objectName: "previousBranchButton"
        iconName: "chevron-left"
        tip: qsTr("Previous version")
        size: 26
        enabled: switcher.index > 0 && !App.chat.busy
        onClicked: switcher.switchBy(-1)
    }
    Label {
        text: (switcher.index + 1) + "/" + switcher.count
        color: Theme.mutedText
        font.pixelSize: Theme.smallFontSize
    }
    IconButton {
        objectName: "nextBranchButton"
        iconName: "chevron-right"
        tip: qsTr("Next version")
        size: 26
        enabled: switcher.index < switcher.count - 1 && !App.chat.busy
        onClicked: switcher.switchBy(1)
    }
}
