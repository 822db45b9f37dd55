"""Content Credentials: what a file's C2PA manifest says, the same as ``previz verify`` (who signed, whether
the credentials are valid and trusted, or invalid and why, and the shots with their source type, model and
licence). Opened for an .mp4/.mov/.png dropped on the main window, or from File → Verify Content
Credentials…. Reading a manifest hashes the whole file, so it runs on a pool thread, never the UI thread.

A CA chosen with "Trust a CA…" is remembered (setting ``credentials/trust_anchors``) and checked against,
as ``previz verify --trust CA.pem`` does."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from previz.core.errors import PrevizError
from previz.ui import settings
from previz.ui.theme import DIM, ERROR

TRUST_KEY = "credentials/trust_anchors"
FILE_FILTER = "Exported movies and frames (*.mp4 *.m4v *.mov *.png);;All files (*)"
SHOT_COLUMNS = ("Shot", "Take", "Source type", "Model", "Licence", "Use")
STATE_COLOURS = {"trusted": "#5cc87a", "valid": "#f5c16c", "invalid": ERROR, "none": DIM, "error": ERROR}


def carries_credentials(path: Path) -> bool:
    """Whether a dropped ``path`` is a file kind Previz signs (so dropping it shows its credentials)."""
    from previz.export.credentials import MIME

    return path.is_file() and path.suffix.lower() in MIME


def trust_anchors() -> Path | None:
    """The remembered CA file to check signers against, when it still exists."""
    value = str(settings.get(TRUST_KEY, "") or "")
    return Path(value) if value and Path(value).is_file() else None


class _Signals(QObject):
    done = Signal()  # the result waits in CredentialsDialog._outcome (no Python objects cross threads)


class _Verify(QRunnable):
    def __init__(self, owner: CredentialsDialog, generation: int, path: Path, trust: Path | None) -> None:
        super().__init__()
        self.owner, self.generation, self.path, self.trust = owner, generation, path, trust

    def run(self) -> None:
        from previz.export.verify import verify_file

        try:
            outcome = verify_file(self.path, trust=self.trust)
        except PrevizError as exc:
            outcome = exc.one_line()
        except Exception as exc:  # noqa: BLE001 - an unexpected reader failure is shown, not raised on a thread
            outcome = f"{self.path}: cannot read the content credentials ({exc})"
        self.owner.deliver(self.generation, outcome)


def _use(shot: dict) -> str:
    value = shot.get("commercial_use")
    if value is True:
        return "commercial use allowed"
    if value is False:
        return "non-commercial"
    return "licence unknown"


class CredentialsDialog(QDialog):
    """The credentials of one file; ``verified`` is emitted when the (background) check has finished."""

    verified = Signal()

    def __init__(self, path: str | Path, parent=None, *, trust: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ContentCredentials")
        self.setWindowTitle("Content Credentials")
        self.resize(860, 520)
        self.path = Path(path)
        self.trust = Path(trust) if trust is not None else trust_anchors()
        self.result_ = None  # the Verification once read
        self.error = ""  # the one-line reason when there is none (no credentials, not media, unreadable)
        self.state = "checking"  # trusted, valid, invalid, none (no credentials) or error
        self._generation = 0
        self._lock = threading.Lock()
        self._outcome: tuple[int, object] | None = None
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

        title = QLabel("Content Credentials", objectName="title")
        self.file_label = QLabel(str(self.path), objectName="dim")
        self.file_label.setWordWrap(True)
        self.state_label = QLabel("Checking…")
        self.state_label.setWordWrap(True)
        self.state_label.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.signer = QLabel()
        self.issuer = QLabel()
        self.signed_at = QLabel()
        self.generator = QLabel()
        self.source_type = QLabel()
        self.details = QFormLayout()
        self.details.addRow("Signed by", self.signer)
        self.details.addRow("Issued by", self.issuer)
        self.details.addRow("Signed at", self.signed_at)
        self.details.addRow("Made with", self.generator)
        self.details.addRow("Source type", self.source_type)
        self.failures = QLabel("", objectName="error")
        self.failures.setWordWrap(True)
        self.shots_note = QLabel("", objectName="dim")
        self.shots = QTableWidget(0, len(SHOT_COLUMNS))
        self.shots.setHorizontalHeaderLabels(list(SHOT_COLUMNS))
        self.shots.verticalHeader().setVisible(False)
        self.shots.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.shots.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.shots.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.trust_label = QLabel("", objectName="dim")
        self.trust_button = QPushButton("Trust a CA…")
        self.trust_button.setToolTip(
            "Check the signer against a CA certificate (PEM), like `previz verify --trust CA.pem`"
        )
        self.trust_button.clicked.connect(self._choose_trust)
        self.forget_button = QPushButton("Forget CA")
        self.forget_button.clicked.connect(lambda: self.set_trust(None))
        trust_row = QHBoxLayout()
        trust_row.addWidget(self.trust_label, 1)
        trust_row.addWidget(self.trust_button)
        trust_row.addWidget(self.forget_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.file_label)
        layout.addWidget(self.state_label)
        layout.addLayout(self.details)
        layout.addWidget(self.failures)
        layout.addWidget(self.shots_note)
        layout.addWidget(self.shots, 1)
        layout.addLayout(trust_row)
        layout.addWidget(buttons)
        self.start()

    # -------------------------------------------------------------- checking
    def start(self) -> None:
        """(Re)read the file's credentials on the pool thread."""
        self._generation += 1
        self.state, self.result_, self.error = "checking", None, ""
        self._show_trust()
        self._show_state("Checking the content credentials…", "none")
        self.pool.start(_Verify(self, self._generation, self.path, self.trust))

    def deliver(self, generation: int, outcome) -> None:  # on the pool thread
        with self._lock:
            self._outcome = (generation, outcome)
        self._signals.done.emit()

    @Slot()
    def _on_done(self) -> None:
        with self._lock:
            outcome, self._outcome = self._outcome, None
        if outcome is None or outcome[0] != self._generation:
            return  # a check superseded by a newer one (another CA chosen)
        self.show_outcome(outcome[1])
        self.verified.emit()

    def wait(self, msecs: int = 60000) -> bool:
        return self.pool.waitForDone(msecs)

    def done(self, code: int) -> None:  # noqa: D401 - Qt API
        self._generation += 1  # a check still running is shown nowhere
        super().done(code)

    # -------------------------------------------------------------- showing
    def show_outcome(self, outcome) -> None:
        if isinstance(outcome, str):
            self._show_error(outcome)
            return
        result = self.result_ = outcome
        self.state = result.state
        text = {
            "trusted": "Valid and trusted",
            "valid": "Valid, but the signer is not trusted here (choose the signer's CA with Trust a CA…)",
            "invalid": "INVALID: " + (result.failures[0]["explanation"] if result.failures else "unknown"),
        }[result.state]
        self._show_state(text, result.state)
        self.signer.setText(result.signer)
        self.issuer.setText(result.issuer)
        self.signed_at.setText(result.signed_at or "not timestamped (signed offline)")
        self.generator.setText(result.generator)
        self.source_type.setText(result.source_type or "not stated")
        self.failures.setText("\n".join(f"{f['code']}: {f['explanation']}" for f in result.failures))
        self.failures.setVisible(bool(result.failures))
        if not result.previz:
            self.shots_note.setText("Made by another tool: the manifest lists no shots.")
        else:
            self.shots_note.setText(f"{len(result.shots)} shot(s) in this file:")
        self._fill_shots(result.shots)

    def _show_error(self, message: str) -> None:
        self.error = message
        self.state = "none" if "no content credentials" in message else "error"
        if self.state == "none":
            self._show_state(f"No content credentials: {self.path.name} carries no C2PA manifest.", "none")
        else:
            self._show_state(message, "error")
        for label in (self.signer, self.issuer, self.signed_at, self.generator, self.source_type):
            label.setText("—")
        self.failures.setVisible(False)
        self.shots_note.setText("")
        self._fill_shots([])

    def _show_state(self, text: str, colour: str) -> None:
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"font-size: 15px; font-weight: 600; color: {STATE_COLOURS[colour]};")

    def _fill_shots(self, shots: list[dict]) -> None:
        self.shots.setRowCount(len(shots))
        for row, shot in enumerate(shots):
            if shot.get("model"):
                model = str(shot["model"])
            elif shot.get("kind") == "none":
                model = "no take (board or slug)"
            else:
                model = f"{shot.get('backend') or shot.get('kind')} (no model)"
            take = shot.get("take")
            values = (
                str(shot.get("shot") or ""),
                "" if take is None else str(take),
                str(shot.get("source_type") or ""),
                str(model),
                str(shot.get("licence") or "no licence recorded"),
                _use(shot),
            )
            for col, value in enumerate(values):
                self.shots.setItem(row, col, QTableWidgetItem(value))

    def shot_rows(self) -> list[list[str]]:
        """The table as text, row by row."""
        return [
            [self.shots.item(r, c).text() for c in range(self.shots.columnCount())]
            for r in range(self.shots.rowCount())
        ]

    # -------------------------------------------------------------- trust anchors
    def _show_trust(self) -> None:
        if self.trust is None:
            self.trust_label.setText("Not checked against a CA: a valid signer is shown as untrusted.")
        else:
            self.trust_label.setText(f"Checked against the CA in {self.trust}")
        self.forget_button.setEnabled(self.trust is not None)

    def _choose_trust(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "CA certificate to trust", "", "PEM certificates (*.pem *.crt);;All files (*)"
        )
        if path:
            self.set_trust(Path(path))

    def set_trust(self, path: Path | None) -> None:
        """Check against ``path`` (remembered for later files), or against no CA; re-reads the file."""
        self.trust = path
        settings.put(TRUST_KEY, str(path) if path is not None else "")
        self.start()


def show_credentials(parent, path: str | Path) -> CredentialsDialog:
    """Open (non-modal) the credentials of ``path``; kept on ``parent.credentials_dialog``."""
    dialog = CredentialsDialog(path, parent)
    parent.credentials_dialog = dialog
    dialog.show()
    return dialog


def verify_dialog(parent) -> CredentialsDialog | None:
    """File → Verify Content Credentials…: choose a file, then show its credentials."""
    path, _ = QFileDialog.getOpenFileName(parent, "Verify Content Credentials", "", FILE_FILTER)
    return show_credentials(parent, path) if path else None
