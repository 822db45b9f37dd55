"""The queue panel's progress column: a bar painted by a delegate from the row's data, not a widget per row.

A ``QProgressBar`` set on each row (``setItemWidget``) made listing the jobs cost more with every row: Qt
lays out every row's widget again for each one added, and a polished widget with the app's style sheet is
not cheap to make. A project keeps its finished jobs, and the panel lists them again whenever the order
changes (a job starts or ends): with 200 jobs that took seconds on the UI thread. The bar is now painted
through the style for one hidden ``QProgressBar`` (so the style sheet's ``QProgressBar`` rules apply) from
``(value, maximum, text)`` kept in the cell's ``PROGRESS_ROLE``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QProgressBar,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTreeWidgetItem,
)

PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1


def set_progress(item: QTreeWidgetItem, column: int, job) -> None:
    """Show ``job``'s progress in ``item``'s ``column``: done/total, or its state while it has no total."""
    total = job.progress_total
    value = total if job.state == "done" else job.progress_done
    text = f"{job.progress_done}/{total}" if total else job.state
    item.setData(column, PROGRESS_ROLE, (min(value, max(total, 1)), max(total, 1), text))


def progress_of(item: QTreeWidgetItem, column: int) -> tuple[int, int, str] | None:
    """``(value, maximum, text)`` shown in ``item``'s ``column``."""
    return item.data(column, PROGRESS_ROLE)


class ProgressDelegate(QStyledItemDelegate):
    """Paints the cell's ``PROGRESS_ROLE`` as a progress bar, over the cell's background (and selection)."""

    def __init__(self, view) -> None:
        super().__init__(view)
        # never shown: what the style paints for (the style sheet's rules are matched on it)
        self._bar = QProgressBar(view)
        self._bar.hide()

    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)  # the background, the selection
        shown = index.data(PROGRESS_ROLE)
        if shown is None:
            return
        value, maximum, text = shown
        bar = QStyleOptionProgressBar()
        bar.initFrom(self._bar)
        bar.state = (bar.state & ~QStyle.StateFlag.State_HasFocus) | QStyle.StateFlag.State_Horizontal
        bar.rect = option.rect
        bar.minimum, bar.maximum, bar.progress = 0, maximum, value
        bar.text, bar.textVisible = text, True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        self._bar.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, self._bar)

    def sizeHint(self, option, index):  # noqa: N802 - Qt API
        """As tall as a progress bar (the row's widget made its row so)."""
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), self._bar.sizeHint().height()))
        return size

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:  # noqa: N802 - Qt API
        super().initStyleOption(option, index)
        option.text = ""  # the bar says it
