"""The widgets of review mode: the picture with its overlay (shot, take, status, timecode, notes, key
hints) and the small note editor with the drawing tools."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from previz.core.authors import default_author
from previz.core.errors import PrevizError
from previz.ui.review.drawing import DrawingOverlay, DrawingToolbar
from previz.ui.viewer.frames import letterbox

STATUS_COLOURS = {
    "approved": "#4ade80",
    "needs_changes": "#fb923c",
    "omitted": "#9ca3af",
    "ready": "#e6e8eb",
}


def note_author(session=None) -> str:
    """The author of new notes: the "Your name" preference, else who ``session``'s edits are recorded as
    (``PREVIZ_USER``, else the login name)."""
    from previz.ui import settings

    name = settings.author_name()
    if name:
        return name
    return session.author if session is not None else default_author()


class PictureCanvas(QWidget):
    """The picture, letterboxed to the project's aspect, with the review overlay painted over it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.aspect = 16 / 9
        self.hud_visible = True
        self.hud: dict[str, str] = {}
        self.flash = ""
        self.setMinimumSize(320, 180)

    def picture_rect(self) -> QRect:
        return letterbox(self.rect(), self.aspect)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#000000"))
        rect = self.picture_rect()
        if self.image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(rect, self.image)
        unit = max(12, min(28, self.height() // 32))
        if self.hud_visible and self.hud:
            self._hud(p, unit)
        if self.flash:
            font = QFont()
            font.setPixelSize(unit * 2)
            font.setBold(True)
            p.setFont(font)
            box = QRect(0, self.height() // 2 - unit * 2, self.width(), unit * 4)
            p.fillRect(box, QColor(0, 0, 0, 150))
            p.setPen(QColor(self.hud.get("flash_colour", "#ffffff")))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, self.flash)
        p.end()

    def _hud(self, p: QPainter, unit: int) -> None:
        font = QFont()
        font.setPixelSize(unit)
        font.setBold(True)
        p.setFont(font)
        pad = unit // 2
        band = QRect(0, 0, self.width(), unit * 2)
        p.fillRect(band, QColor(0, 0, 0, 150))
        inner = band.adjusted(pad, 0, -pad, 0)
        left = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        metrics = p.fontMetrics()
        timecode = self.hud.get("timecode", "")
        room = inner.width() - metrics.horizontalAdvance(timecode) - unit * 2
        shot = metrics.elidedText(
            self.hud.get("shot", ""), Qt.TextElideMode.ElideRight, max(0, room * 2 // 3)
        )
        p.setPen(QColor("#ffffff"))
        p.drawText(inner, left, shot)
        p.drawText(inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, timecode)
        status = self.hud.get("status", "")
        if status:
            x = inner.x() + metrics.horizontalAdvance(shot) + unit
            width = metrics.horizontalAdvance(status) + unit
            if x + width < inner.right() - metrics.horizontalAdvance(timecode) - unit:
                colour = QColor(self.hud.get("status_colour", "#ffffff"))
                pill = QRect(x, band.y() + unit // 3, width, band.height() - 2 * (unit // 3))
                p.setPen(colour)
                p.drawRoundedRect(pill, unit // 3, unit // 3)
                p.drawText(pill, Qt.AlignmentFlag.AlignCenter, status)
        notes = self.hud.get("notes", "")
        small = QFont(font)
        small.setBold(False)
        small.setPixelSize(max(10, unit * 3 // 4))
        p.setFont(small)
        bottom = QRect(0, self.height() - unit * 2, self.width(), unit * 2)
        p.fillRect(bottom, QColor(0, 0, 0, 150))
        p.setPen(QColor("#9aa0a8"))
        hints = p.fontMetrics().elidedText(
            self.hud.get("hints", ""), Qt.TextElideMode.ElideRight, bottom.width() - 2 * pad
        )
        p.drawText(bottom.adjusted(pad, 0, -pad, 0), Qt.AlignmentFlag.AlignVCenter, hints)
        if notes:
            lines = notes.count("\n") + 1
            box = QRect(0, bottom.top() - lines * unit - pad, self.width(), lines * unit + pad)
            p.fillRect(box, QColor(0, 0, 0, 120))
            p.setPen(QColor("#ffd166"))
            p.drawText(box.adjusted(pad, 0, -pad, 0), Qt.AlignmentFlag.AlignVCenter, notes)


class _NoteLine(QLineEdit):
    escape = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # QLineEdit passes Enter on; here it only saves the note


class NoteEditor(QFrame):
    """The small overlay where a note is typed, with the drawing tools for its frame."""

    saveRequested = Signal()
    cancelRequested = Signal()

    def __init__(self, overlay: DrawingOverlay, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("NoteEditor")
        self.setStyleSheet(
            "#NoteEditor { background: rgba(20, 22, 26, 230); border: 1px solid #555; border-radius: 6px; }"
            "QLabel { color: #e6e8eb; } QLineEdit { font-size: 15px; padding: 4px; }"
        )
        self.title = QLabel("")
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ff8a80;")
        self.toolbar = DrawingToolbar(overlay)
        self.text = _NoteLine()
        self.text.setPlaceholderText(
            "What should change? (Enter saves, Esc cancels; draw on the frame above)"
        )
        self.text.returnPressed.connect(self.saveRequested)
        self.text.escape.connect(self.cancelRequested)
        save = QPushButton("Save note")
        save.clicked.connect(self.saveRequested)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.cancelRequested)
        for b in (save, cancel):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(save)
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.toolbar)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.hide()

    def save(self, controller, target: dict, strokes) -> bool:
        """Save the typed text with ``strokes`` as one undoable edit: a new note on ``target``'s shot
        (``code``), ``frame`` and ``take``, or, with a ``note_id``, that note changed. False, with the
        reason shown here, when there is no text or the project refuses the note."""
        text = self.text.text().strip()
        if not text:
            self.error.setText("Type the note's text first (the drawing is kept).")
            return False
        strokes, session, note_id = list(strokes), controller.session, target.get("note_id")
        try:
            if note_id is None:
                controller.edit(
                    lambda: session.add_note(
                        target["code"],
                        target["frame"],
                        text,
                        author=note_author(session),
                        take_number=target["take"],
                        strokes=strokes,
                    )
                )
            else:
                controller.edit(lambda: session.set_note(note_id, text=text, strokes=strokes))
        except PrevizError as exc:
            self.error.setText(exc.one_line())
            return False
        return True
