"""How Quire looks: light and dark palettes that follow the OS, the style sheet from resources/."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from quire.gui import icons


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2124",
        QPalette.ColorRole.WindowText: "#e9ecef",
        QPalette.ColorRole.Base: "#16181b",
        QPalette.ColorRole.AlternateBase: "#25282c",
        QPalette.ColorRole.ToolTipBase: "#2b2e33",
        QPalette.ColorRole.ToolTipText: "#e9ecef",
        QPalette.ColorRole.Text: "#e9ecef",
        QPalette.ColorRole.Button: "#2b2e33",
        QPalette.ColorRole.ButtonText: "#e9ecef",
        QPalette.ColorRole.BrightText: "#ff8787",
        QPalette.ColorRole.Highlight: "#4c6ef5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#91a7ff",
        QPalette.ColorRole.PlaceholderText: "#868e96",
        QPalette.ColorRole.Mid: "#3a3f45",
        QPalette.ColorRole.Midlight: "#33373c",
        QPalette.ColorRole.Light: "#3f444a",
        QPalette.ColorRole.Dark: "#121416",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c737a"))
    return palette


def apply_theme(app: QApplication) -> None:
    """Fusion with a light or dark palette, whichever the OS uses now."""
    dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    sheet = icons.resources_dir() / "quire.qss"
    app.setStyleSheet(sheet.read_text(encoding="utf-8") if sheet.exists() else "")


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property used by a selector changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
