// A small caps heading for groups of settings.
import QtQuick
import QtQuick.Controls

Label {
    font.pixelSize: Theme.smallFontSize
    font.weight: Font.DemiBold
    font.capitalization: Font.AllUppercase
    font.letterSpacing: 0.6
    color: Theme.mutedText
    topPadding: 14
    bottomPadding: 4
}
