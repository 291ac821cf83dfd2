#pragma once

#include <QColor>
#include <QFont>

namespace ml::ui::diagramstyle {

// Geometry, in scene units (pixels at 100 %).
inline constexpr double kLayerHeight = 46;
inline constexpr double kLayerMinWidth = 150;
inline constexpr double kLayerPadX = 12;
inline constexpr double kThumbSize = 34;
inline constexpr double kHeaderHeight = 34;
inline constexpr double kPad = 14;          // inside containers
inline constexpr double kFlowGap = 38;      // between boxes joined by an arrow
inline constexpr double kSlotGap = 8;       // between shelf slots
inline constexpr double kSlotLabelPad = 10; // around a shelf's index labels
inline constexpr double kLaneGap = 18;      // from content to the first side lane
inline constexpr double kLaneStep = 14;     // between side lanes
inline constexpr double kRadius = 7;
inline constexpr double kBadgeRadius = 9;
inline constexpr double kPillHeight = 26;

// Fonts: DejaVu Sans at pixel sizes, so that layout does not depend on the screen's DPI.
inline QFont font(int pixelSize, bool bold = false, bool italic = false)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(pixelSize);
    f.setBold(bold);
    f.setItalic(italic);
    f.setStyleHint(QFont::SansSerif);
    return f;
}
inline QFont nameFont() { return font(13, true); }
inline QFont typeFont() { return font(12); }
inline QFont metaFont() { return font(11); }
inline QFont labelFont() { return font(11); }
inline QFont opsFont() { return font(11, false, true); }
inline QFont badgeFont() { return font(10, true); }

// Palette: quiet neutrals, one blue for the forward pass, warm sand for shelves.
inline QColor background() { return QColor(0xF6, 0xF7, 0xF9); }
inline QColor text() { return QColor(0x1F, 0x29, 0x33); }
inline QColor textSecondary() { return QColor(0x52, 0x60, 0x6D); }
inline QColor textMuted() { return QColor(0x87, 0x93, 0xA0); }

inline QColor layerFill() { return QColor(0xFF, 0xFF, 0xFF); }
inline QColor layerBorder() { return QColor(0xC3, 0xCA, 0xD3); }
inline QColor sequentialFill() { return QColor(0xEC, 0xF1, 0xF7); }
inline QColor sequentialBorder() { return QColor(0xA9, 0xB8, 0xCB); }
inline QColor customFill() { return QColor(0xFC, 0xFC, 0xFD); }
inline QColor customBorder() { return QColor(0x8C, 0x98, 0xA6); }
inline QColor shelfFill() { return QColor(0xF5, 0xEF, 0xE3); }
inline QColor shelfBorder() { return QColor(0xD3, 0xC2, 0xA0); }
inline QColor shelfLabelFill() { return QColor(0xEA, 0xDF, 0xC8); }
inline QColor shelfLabelText() { return QColor(0x8A, 0x6A, 0x34); }
inline QColor plainFill() { return QColor(0xFF, 0xF8, 0xE5); }
inline QColor plainBorder() { return QColor(0xD9, 0x8E, 0x04); }
inline QColor plainText() { return QColor(0x97, 0x5A, 0x16); }

inline QColor sequenceArrow() { return QColor(0x7B, 0x87, 0x94); }
inline QColor flowArrow() { return QColor(0x2B, 0x6C, 0xB0); }
inline QColor edgeLabel() { return QColor(0x3E, 0x4C, 0x59); }
inline QColor opsText() { return QColor(0x6B, 0x46, 0xC1); }

inline QColor errorBorder() { return QColor(0xE0, 0x3E, 0x3E); }
inline QColor errorFill() { return QColor(0xFF, 0xF1, 0xF1); }
inline QColor errorText() { return QColor(0xB8, 0x25, 0x25); }
inline QColor warningBorder() { return QColor(0xDD, 0x8B, 0x00); }
inline QColor warningFill() { return QColor(0xFF, 0xF8, 0xE6); }
inline QColor warningText() { return QColor(0x9C, 0x5B, 0x00); }

inline QColor selection() { return QColor(0x31, 0x82, 0xCE); }
inline QColor highlight() { return QColor(0xD9, 0x46, 0x8C); }

} // namespace ml::ui::diagramstyle
