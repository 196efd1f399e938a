// A combo box as wide as its longest entry at the current font size (within bounds), so that
// no entry is cut at large font sizes.
import QtQuick
import QtQuick.Controls

ComboBox {
    id: combo
    property int minimumWidth: 200
    property int maximumWidth: 460
    readonly property real widestText: {
        let w = metrics.advanceWidth(displayText)  // (textAt() may not answer yet)
        for (let i = 0; i < count; ++i)
            w = Math.max(w, metrics.advanceWidth(textAt(i)))
        return w
    }

    // minimumWidth is for the default font size; it grows with larger fonts
    implicitWidth: Math.min(maximumWidth, Math.max(Math.round(minimumWidth * Math.max(1, Theme.fontSize / 14)),
                                                   Math.ceil(widestText) + leftPadding + rightPadding + 6))

    FontMetrics {
        id: metrics
        font: combo.font
    }
}
