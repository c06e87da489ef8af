"""How Quire looks: one visual language in two palettes (light, dark), the style sheet from resources/.

resources/quire.qss is written with @tokens (@accent, @surface, @chat_px…) that are filled in here
from the Theme in force, so one sheet serves both palettes. Spacing is on a 4 px grid (`space`);
there is one accent colour, for the selected provider, the primary action and what is chosen."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from quire.gui import icons

GRID = 4
CHAT_PX = 15  # chat text: large enough to read for an hour
CHAT_PX_RANGE = (12, 24)
THEMES = ("system", "light", "dark")


def space(steps: int) -> int:
    """Pixels for a number of grid steps: 1 = 4 px, 2 = 8 px, 3 = 12 px, 4 = 16 px, 6 = 24 px."""
    return steps * GRID


@dataclass(frozen=True)
class Theme:
    name: str
    window: str  # the window behind everything
    surface: str  # cards, inputs, lists
    surface_alt: str  # the quick answer, chips, alternate rows
    sidebar: str  # the library
    border: str
    text: str
    muted: str
    accent: str
    accent_hover: str
    accent_text: str
    accent_soft: str  # selection and the question bubble
    warn: str
    warn_bg: str
    error: str
    error_bg: str
    ok: str
    passage: str  # a cited passage in the viewers (#AARRGGBB, as QColor reads 8 digits)
    support: str  # the sentence in it that supports the answer
    find: str  # find matches in the viewers
    chat_px: int = CHAT_PX

    @property
    def dark(self) -> bool:
        return self.name == "dark"


LIGHT = Theme(
    name="light",
    window="#f5f6f8",
    surface="#ffffff",
    surface_alt="#eef1f5",
    sidebar="#eef0f3",
    border="#d9dde3",
    text="#1c2024",
    muted="#626b75",
    accent="#3b5bdb",
    accent_hover="#2f4ac0",
    accent_text="#ffffff",
    accent_soft="#e3e9ff",
    warn="#a45300",
    warn_bg="#fff3dc",
    error="#c62828",
    error_bg="#fde8e8",
    ok="#2b8a3e",
    passage="#66ffd43b",
    support="#b0ff922b",
    find="#664dabf7",
)

DARK = Theme(
    name="dark",
    window="#16181b",
    surface="#1f2226",
    surface_alt="#282c31",
    sidebar="#1b1e21",
    border="#353a41",
    text="#e6e8eb",
    muted="#9aa3ad",
    accent="#5c7cfa",
    accent_hover="#748ffc",
    accent_text="#ffffff",
    accent_soft="#26305a",
    warn="#ffb65c",
    warn_bg="#3a2d14",
    error="#ff8a8a",
    error_bg="#3d1f21",
    ok="#69db7c",
    passage="#55fab005",
    support="#99ff922b",
    find="#66339af0",
)

_current = LIGHT


def current() -> Theme:
    """The theme in force (the viewers take their highlight colours from it)."""
    return _current


def wants_dark(choice: str) -> bool:
    if choice == "dark":
        return True
    if choice == "light":
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def palette_for(theme: Theme) -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    roles = {
        role.Window: theme.window,
        role.WindowText: theme.text,
        role.Base: theme.surface,
        role.AlternateBase: theme.surface_alt,
        role.ToolTipBase: theme.surface,
        role.ToolTipText: theme.text,
        role.Text: theme.text,
        role.Button: theme.surface,
        role.ButtonText: theme.text,
        role.BrightText: theme.error,
        role.Highlight: theme.accent,
        role.HighlightedText: theme.accent_text,
        role.Link: theme.accent,
        role.PlaceholderText: theme.muted,
        role.Mid: theme.border,
        role.Midlight: theme.surface_alt,
        role.Light: theme.surface,
        role.Dark: theme.border,
        role.Shadow: "#000000",
    }
    for key, colour in roles.items():
        palette.setColor(key, QColor(colour))
    disabled = QColor(theme.muted)
    disabled.setAlpha(150)
    for key in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, key, disabled)
    return palette


def style_sheet(theme: Theme) -> str:
    """resources/quire.qss with its @tokens filled in from the theme."""
    path = icons.resources_dir() / "quire.qss"
    if not path.exists():
        return ""
    values = {key: str(value) for key, value in asdict(theme).items()}
    values["chat_px"] = f"{theme.chat_px}px"
    values["small_px"] = f"{max(11, theme.chat_px - 3)}px"
    values["title_px"] = f"{theme.chat_px + 3}px"

    def fill(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return re.sub(r"@([a-z_]+)", fill, path.read_text(encoding="utf-8"))


def apply_theme(app: QApplication, choice: str = "system", chat_px: int = CHAT_PX) -> Theme:
    """Fusion with Quire's light or dark palette: the OS's choice, unless Settings override it."""
    global _current
    low, high = CHAT_PX_RANGE
    base = DARK if wants_dark(choice) else LIGHT
    theme = replace(base, chat_px=max(low, min(high, int(chat_px))))
    _current = theme
    app.setPalette(palette_for(theme))
    app.setStyleSheet(style_sheet(theme))
    return theme


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property used by a selector changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
