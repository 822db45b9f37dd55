"""The inspector's Model combo and the catalog scan that fills it, off the UI thread.

Listing the models means importing the generation layer's catalog (and ``platformdirs`` for the config
folder) and reading every model folder the user added: ~0.1-0.3 s that held the UI thread while a project
opened. The scan now runs on a daemon thread, started once — a moment after the combo is first shown, or at
once when the user opens the combo's list before that — and the choices are added when it lands (on the UI
thread, through a queued signal). Until then the combo still shows and takes the shot's model as text."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QComboBox

#: How long after the Model combo is first shown the scan starts.
SCAN_DELAY_MS = 400


class _Landed(QObject):
    """Carries the scan's result to the UI thread. It has no parent, and the scanning thread keeps a
    reference, so it outlives an inspector closed mid-scan (the connection simply goes with it)."""

    models = Signal(object)  # list of ModelInfo


def scan_user_models() -> list:
    """The usable models in the user's model folders (not the Hugging Face cache); [] when the generation
    layer is absent or a folder list is unreadable (an unreadable folder only means fewer models listed)."""
    try:
        from previz.generation.catalog import scan_models
        from previz.generation.model_folders import list_model_folders
    except ImportError:
        return []
    try:
        return scan_models(list_model_folders(), include_hf_cache=False).models
    except Exception:  # noqa: BLE001 - see above
        return []


def model_label(info) -> str:
    licence = "commercial use" if info.commercial_use else "non-commercial"
    return f"{info.id}  ({info.family_name}; {', '.join(info.modes)}; {info.licence}, {licence})"


class ModelCombo(QComboBox):
    """An editable combo whose catalog choices arrive from a background scan (:meth:`load`).
    ``modelsLanded`` is emitted on the UI thread once they have been added."""

    modelsLanded = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._delay_ms: int | None = None
        self._landed = _Landed()
        self._landed.models.connect(self._add_models)
        self.loaded = False

    def load_later(self, delay_ms: int = SCAN_DELAY_MS) -> None:
        """Start the scan ``delay_ms`` after the combo is first shown (the window is up and idle by then:
        a scan started earlier would compete with building and painting the window)."""
        self._delay_ms = delay_ms

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._delay_ms is not None:
            QTimer.singleShot(self._delay_ms, self, self.load)
            self._delay_ms = None

    @property
    def scan_thread(self) -> threading.Thread | None:
        """The thread scanning for this combo, once :meth:`load` started it."""
        return self._thread

    def load(self) -> threading.Thread | None:
        """Start the scan (once); the thread, or None when it was already started."""
        if self._thread is not None:
            return None
        landed = self._landed

        def work() -> None:
            landed.models.emit(scan_user_models())

        self._thread = threading.Thread(target=work, name="previz-model-scan", daemon=True)
        self._thread.start()
        return self._thread

    def showPopup(self) -> None:  # noqa: N802 - Qt API
        self.load()  # opened before the scan started: start it now; the list fills in when it lands
        super().showPopup()

    def _add_models(self, models: list) -> None:
        for info in models:
            if self.findData(info.id) < 0:
                self.addItem(model_label(info), info.id)
        self.loaded = True
        self.modelsLanded.emit()
