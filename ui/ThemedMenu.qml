// A menu in the theme's colours with a border, so that it stands out from the page in the
// dark theme too (Material's menus have only a shadow).
import QtQuick
import QtQuick.Controls

Menu {
    background: Rectangle {
        implicitWidth: 200
        implicitHeight: 40
        radius: Theme.radiusSmall
        color: Theme.surface
        border.color: Theme.menuBorder
    }
}
