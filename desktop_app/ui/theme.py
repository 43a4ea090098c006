"""The look of the window: a calm, dignified palette and one style sheet.

Kept in Python rather than a `.qss` file so that the PyInstaller bundle (which ships Python
modules and `resources/`) needs nothing extra. Colours say the same as the words next to
them, never instead of them: every result banner also carries its text and its own icon shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app import paths

NAVY = "#1f3a5f"
NAVY_LIGHT = "#e8eef5"
INK = "#1c2430"
MUTED = "#5b6573"
LINE = "#c9d1db"
PAPER = "#ffffff"
WINDOW = "#f4f6f9"
ERROR = "#b3261e"
OK = "#1b6e37"


@dataclass(frozen=True)
class StatusLook:
    """How a check status is shown: background, text colour and the icon drawn."""

    background: str
    foreground: str
    icon: str  # "cross" | "check" | "question" | "pencil"


# The four results a clerk can get; the words come from the check engine's `status_text`.
STATUS_LOOK: dict[str, StatusLook] = {
    "listed": StatusLook("#a61b1b", "#ffffff", "cross"),
    "not_listed": StatusLook("#1b6e37", "#ffffff", "check"),
    "possible_match": StatusLook("#f2b01e", "#1c1c1c", "question"),
    "invalid_input": StatusLook("#4a4f57", "#ffffff", "pencil"),
}
# A "not listed" that cannot be relied on (no list imported, demo lists only): never the
# all-clear green.
UNRELIABLE_LOOK = StatusLook("#f2b01e", "#1c1c1c", "question")

# Feedback actions in the measures table.
FEEDBACK_COLOURS = {
    "applied": "#1b6e37",
    "not_applicable": "#5b6573",
    "referred": "#1f5fa8",
    None: "#a05a00",
}

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {WINDOW}; }}
QWidget {{ color: {INK}; }}
QToolTip {{ color: {INK}; background: #fffbe6; border: 1px solid {LINE}; }}
QTabWidget::pane {{ border: 1px solid {LINE}; background: {PAPER}; top: -1px; }}
QTabBar::tab {{
    background: {NAVY_LIGHT}; border: 1px solid {LINE}; border-bottom: none;
    padding: 6px 18px; margin-right: 2px; min-width: 80px;
}}
QTabBar::tab:selected {{ background: {PAPER}; color: {NAVY}; font-weight: bold; }}
QLineEdit, QComboBox, QDateEdit, QSpinBox, QPlainTextEdit, QTextBrowser {{
    background: {PAPER}; border: 1px solid {LINE}; border-radius: 3px; padding: 3px 6px;
}}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus {{ border: 2px solid {NAVY}; }}
QLineEdit#searchField {{ font-size: 20px; padding: 6px 10px; }}
QLineEdit[inputState="error"] {{ border: 2px solid {ERROR}; background: #fdf0ef; }}
QLineEdit[inputState="ok"] {{ border: 2px solid {OK}; }}
QLabel#inputKind[inputState="error"] {{ color: {ERROR}; font-weight: bold; }}
QLabel#inputKind[inputState="ok"] {{ color: {OK}; }}
QLabel#formError {{ color: {ERROR}; font-weight: bold; }}
QLabel#sectionTitle {{ color: {NAVY}; font-weight: bold; font-size: 15px; }}
QLabel#hint {{ color: {MUTED}; }}
QLabel#demoBadge {{
    color: #ffffff; background: #a05a00; border-radius: 3px; padding: 1px 8px;
    font-weight: bold;
}}
QPushButton {{
    background: {PAPER}; border: 1px solid #8a97a8; border-radius: 3px; padding: 5px 14px;
}}
QPushButton:hover {{ background: {NAVY_LIGHT}; }}
QPushButton:focus {{ border: 2px solid {NAVY}; }}
QPushButton:disabled {{ color: #9aa3ad; border-color: {LINE}; }}
QPushButton[primary="true"] {{
    background: {NAVY}; color: #ffffff; border: 1px solid {NAVY}; font-weight: bold;
}}
QPushButton[primary="true"]:hover {{ background: #2c4f7c; }}
QPushButton[primary="true"]:disabled {{ background: #8ea0b6; border-color: #8ea0b6; }}
QHeaderView::section {{
    background: {NAVY_LIGHT}; color: {NAVY}; border: none; border-right: 1px solid {LINE};
    border-bottom: 1px solid {LINE}; padding: 4px 6px; font-weight: bold;
}}
QTableView, QTreeView, QListView {{
    background: {PAPER}; alternate-background-color: #f7f9fb; border: 1px solid {LINE};
    gridline-color: #e3e8ee; selection-background-color: #cfe0f5; selection-color: {INK};
}}
QGroupBox {{
    border: 1px solid {LINE}; border-radius: 4px; margin-top: 12px; padding-top: 6px;
    background: {PAPER};
}}
QGroupBox::title {{
    subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {NAVY}; font-weight: bold;
}}
QStatusBar {{ background: {NAVY}; color: #ffffff; }}
QStatusBar QLabel {{ color: #ffffff; padding: 0 8px; }}
QProgressBar {{ border: 1px solid {LINE}; border-radius: 3px; text-align: center; }}
QProgressBar::chunk {{ background: {NAVY}; }}
"""


def load_bundled_fonts() -> list[str]:
    """Register the bundled fonts; return the families to use, Latin first, then Chinese.

    The Chinese font makes the window readable on a PC with no Chinese font installed; the
    Latin one gives digits and letters a cleaner shape than the Chinese font's.
    """
    families: list[str] = []
    for path in (paths.fonts_dir() / "Vera.ttf", paths.cjk_font_path()):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def apply(app: QApplication, families: list[str], font_scale: float = 1.0) -> None:
    """Set the application font (bundled families, the user's scale) and the style sheet."""
    font = QFont(app.font())
    if families:
        font.setFamilies(families)
    base = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    font.setPointSizeF(max(base, 10.0) * font_scale)
    app.setFont(font)
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(WINDOW))
    palette.setColor(QPalette.ColorRole.Base, QColor(PAPER))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#cfe0f5"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor(INK))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)


def set_state(widget: object, state: str) -> None:
    """Set a widget's `inputState` property ("ok", "error", "") and re-apply the style."""
    widget.setProperty("inputState", state)  # type: ignore[attr-defined]
    style = widget.style()  # type: ignore[attr-defined]
    style.unpolish(widget)
    style.polish(widget)
