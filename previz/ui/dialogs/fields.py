"""Form rows with an error line under each field: a ``ValidationError`` raised by the core is shown next
to the field it names (the core's validators decide; the dialogs never re-implement them)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from previz.core.errors import PrevizError, ValidationError


class FieldForm(QWidget):
    """A ``QFormLayout`` whose rows each carry an error label. ``aliases`` maps the field names the core
    uses (``width``, ``timecode``) onto the row that edits them (``size``, ``start_timecode``)."""

    def __init__(self, parent=None, aliases: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.errors: dict[str, QLabel] = {}
        self.aliases = dict(aliases or {})
        self.general = QLabel("", objectName="error")
        self.general.setWordWrap(True)
        self.general.hide()

    def add_row(self, field: str, label: str, editor) -> None:
        """``editor``: a widget or a layout."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if isinstance(editor, QWidget):
            column.addWidget(editor)
        else:
            column.addLayout(editor)
        error = QLabel("", objectName="error")
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        self.errors[field] = error
        self.form.addRow(label, box)

    def finish(self) -> None:
        """Put the line for errors that name no row at the bottom."""
        self.form.addRow(self.general)

    def clear(self) -> None:
        for label in [*self.errors.values(), self.general]:
            label.setText("")
            label.hide()

    def show_error(self, exc: PrevizError) -> str:
        """Show ``exc`` under the row of its field (or at the bottom); returns the row's name ('' if none)."""
        field = self.aliases.get(exc.field, exc.field) if isinstance(exc, ValidationError) else ""
        label = self.errors.get(field, self.general)
        text = exc.one_line()
        if label is not self.general and isinstance(exc, ValidationError):
            text = text.removeprefix(f"{exc.field}: ")
        label.setText(text)
        label.show()
        return field if label is not self.general else ""

    def error_text(self, field: str) -> str:
        label = self.errors.get(field, self.general)
        return label.text()
