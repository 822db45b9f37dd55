"""The inspector's own field widgets: a multi-line field that reports when editing ends, the composed
prompt shown read-only (composed when first needed), and the duration field's parser."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPlainTextEdit

from previz.core.errors import PrevizError
from previz.core.timecode import timecode_to_frames


class TextBox(QPlainTextEdit):
    """A multi-line field that reports ``editingFinished`` when it loses focus."""

    editingFinished = Signal()

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().focusOutEvent(event)
        self.editingFinished.emit()


def parse_duration(text: str, rate) -> object:
    """Frames from ``48``, ``2s``/``2.5 s`` or a timecode ``00:00:02:00``; anything else goes to the core
    unchanged so its validator names the problem."""
    value = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?\s*s", value):
        return round(float(value.rstrip("s ").strip()) * float(rate.fraction))
    if re.fullmatch(r"\d{1,2}[:;]\d{2}[:;]\d{2}[:;]\d{2}", value):
        try:
            return timecode_to_frames(value, rate)
        except (PrevizError, ValueError):
            return value
    return value


class PromptPreview(QPlainTextEdit):
    """The composed prompt, read-only. Its text may be composed later than the shot is shown (the first
    shot at launch, before the composer is imported): :meth:`show_later` leaves it empty until
    :meth:`flush`, and reading it (``toPlainText``) flushes first, so a reader never sees a stale text."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, readOnly=True)
        self._pending = None  # composes and shows the text, or None

    def show_later(self, compose) -> None:
        super().setPlainText("")
        self._pending = compose

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def flush(self) -> None:
        compose, self._pending = self._pending, None
        if compose is not None:
            compose()

    def setPlainText(self, text: str) -> None:  # noqa: N802 - Qt API
        self._pending = None  # a text shown supersedes one waiting
        if QPlainTextEdit.toPlainText(self) != text:  # setting a text lays it out again (~0.25 ms)
            super().setPlainText(text)

    def toPlainText(self) -> str:  # noqa: N802 - Qt API
        self.flush()
        return super().toPlainText()
