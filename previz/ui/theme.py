"""The dark theme: Fusion style, a dim palette for review rooms, and a style sheet; status colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BG = "#1b1d21"
PANEL = "#23262b"
BASE = "#181a1e"
RAISED = "#2c3036"
BORDER = "#363a41"
TEXT = "#d7dae0"
DIM = "#8b919b"
ACCENT = "#4c8bf5"
ERROR = "#ff6b6b"

STATUS_COLOURS = {
    "draft": "#6b7280",
    "queued": "#a78bfa",
    "generating": "#f5a524",
    "ready": "#4c8bf5",
    "approved": "#35c46a",
    "needs_changes": "#ef5350",
    "omitted": "#3a3d42",
}


def status_colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, "#6b7280"))


STYLE_SHEET = f"""
QWidget {{ color: {TEXT}; font-size: 12px; }}
QMainWindow, QDialog {{ background: {BG}; }}
QMainWindow::separator {{ background: {BG}; width: 4px; height: 4px; }}
QDockWidget {{ titlebar-close-icon: none; }}
QDockWidget::title {{ background: {PANEL}; padding: 5px 8px; border-bottom: 1px solid {BORDER};
    color: {DIM}; font-weight: 600; text-transform: uppercase; }}
QToolBar {{ background: {PANEL}; border: none; spacing: 4px; padding: 3px; }}
QMenuBar {{ background: {PANEL}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: {ACCENT}; color: white; }}
QMenu {{ background: {RAISED}; border: 1px solid {BORDER}; }}
QMenu::item {{ padding: 4px 22px 4px 22px; }}
QMenu::item:disabled {{ color: {DIM}; }}
QTreeView, QListView, QTableView, QTableWidget, QTextEdit, QPlainTextEdit, QLineEdit, QComboBox,
QSpinBox, QDoubleSpinBox {{
    background: {BASE}; border: 1px solid {BORDER}; border-radius: 3px;
    selection-background-color: {ACCENT}; selection-color: white;
}}
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox {{ padding: 3px 5px; min-height: 18px; }}
QLineEdit:focus, QTextEdit:focus, QPlainTextEdit:focus, QComboBox:focus {{ border-color: {ACCENT}; }}
QLineEdit[invalid="true"] {{ border-color: {ERROR}; }}
QHeaderView::section {{ background: {PANEL}; color: {DIM}; border: none;
    border-right: 1px solid {BORDER}; padding: 4px; }}
QPushButton, QToolButton {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 3px;
    padding: 4px 10px; }}
QPushButton:hover, QToolButton:hover {{ border-color: {ACCENT}; }}
QPushButton:pressed, QToolButton:pressed, QToolButton:checked {{ background: {ACCENT}; color: white; }}
QPushButton:disabled, QToolButton:disabled {{ color: {DIM}; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border-color: {ACCENT}; font-weight: 600; }}
QLabel#error {{ color: {ERROR}; }}
QLabel#dim, QLabel#hint {{ color: {DIM}; }}
QLabel#title {{ font-size: 18px; font-weight: 600; }}
QLabel#banner {{ background: #3a2f1a; color: #f5c16c; border: 1px solid #5a4520; border-radius: 3px;
    padding: 6px; }}
QLabel#timecode {{ font-family: monospace; font-size: 15px; color: white; }}
QProgressBar {{ background: {BASE}; border: 1px solid {BORDER}; border-radius: 3px; text-align: center;
    height: 14px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 2px; }}
QTabBar::tab {{ background: {PANEL}; padding: 5px 12px; border: 1px solid {BORDER}; border-bottom: none; }}
QTabBar::tab:selected {{ background: {RAISED}; }}
QTabWidget::pane {{ border: 1px solid {BORDER}; }}
QScrollBar:vertical {{ background: {BG}; width: 10px; }}
QScrollBar:horizontal {{ background: {BG}; height: 10px; }}
QScrollBar::handle {{ background: {RAISED}; border-radius: 4px; min-height: 20px; min-width: 20px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 4px; margin-top: 14px; padding-top: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; color: {DIM}; }}
QSlider::groove:horizontal {{ height: 4px; background: {RAISED}; }}
QSlider::handle:horizontal {{ background: {ACCENT}; width: 10px; margin: -5px 0; border-radius: 5px; }}
QStatusBar {{ background: {PANEL}; color: {DIM}; }}
"""


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: BG,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.ToolTipBase: RAISED,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: RAISED,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.PlaceholderText: DIM,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(DIM))
    return p


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLE_SHEET)
