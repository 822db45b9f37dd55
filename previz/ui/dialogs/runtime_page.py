"""Preferences → Runtime: what the generation worker runs with (``previz runtime check``) and an
"Install runtime…" button (``previz runtime install``) with a progress bar and Cancel.

The check, the plan and the install each run on a thread (they wait on subprocesses: the probe, nvidia-smi,
pip), never on the UI thread; their progress and outcome come back through a queue polled by a timer on
the UI thread. Closing the page cancels an install in progress (which then leaves nothing behind).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from previz.core.errors import CancelledError, PrevizError
from previz.core.jobs import CancelToken
from previz.generation import runtime, runtime_plan
from previz.generation.runtime_check import RuntimeReport, check_runtime
from previz.generation.runtime_install import install_runtime

#: The torch build choices: label, (cuda, cpu) as ``make_plan`` takes them.
BUILDS: tuple[tuple[str, tuple[str | None, bool]], ...] = (
    ("Automatic (for this machine's NVIDIA driver)", (None, False)),
    *((f"CUDA {b.cuda} ({b.tag})", (b.cuda, False)) for b in reversed(runtime_plan.CUDA_BUILDS)),
    ("CPU only", (None, True)),
)


class _Background:
    """Runs ``fn(progress, cancel)`` on a thread; ``poll`` (on the UI thread) hands back its events:
    ``("progress", done, total, message)``, then ``("done", value)``, ``("failed", message)`` or
    ``("cancelled", message)``."""

    def __init__(self, fn: Callable[[Any, CancelToken], Any]) -> None:
        self.token = CancelToken()
        self.events: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(fn,), name="previz-runtime-page", daemon=True)
        self.thread.start()

    def _run(self, fn) -> None:
        def progress(done: int, total: int, message: str = "") -> None:
            self.events.put(("progress", int(done), int(total), str(message)))

        try:
            value = fn(progress, self.token)
        except CancelledError as exc:
            self.events.put(("cancelled", exc.one_line()))
        except PrevizError as exc:
            self.events.put(("failed", exc.one_line()))
        except Exception as exc:  # noqa: BLE001 - shown on the page, which carries on
            self.events.put(("failed", f"internal error: {type(exc).__name__}: {exc}"))
        else:
            self.events.put(("done", value))

    def poll(self) -> list[tuple]:
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out


class RuntimePage(QWidget):
    """The runtime's check report, and the install with progress and Cancel. ``root``: the runtime folder
    (default: ``runtime.runtime_root()``). ``confirm(plan) -> bool`` asks before an install starts."""

    checkFinished = Signal(bool)  # the runtime works (torch imports)
    installFinished = Signal(bool)  # the runtime was installed

    def __init__(self, parent: QWidget | None = None, *, root: str | Path | None = None, check: bool = True):
        super().__init__(parent)
        self.setObjectName("RuntimePage")
        self.root = root
        self.confirm: Callable[[runtime_plan.RuntimePlan], bool] = self._ask
        self.pip_args: tuple[str, ...] = ()
        self.report: RuntimeReport | None = None
        self._check: _Background | None = None
        self._job: _Background | None = None  # the plan, then the install
        self._stage = ""  # "plan" or "install" while a job runs

        self.interpreter = QLabel(objectName="dim")
        self.interpreter.setWordWrap(True)
        self.managed = QLabel(objectName="dim")
        self.managed.setWordWrap(True)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.addRow("Generation runs in", self.interpreter)
        for key, label in (("python", "Python"), ("torch", "torch"), ("cuda", "CUDA"), ("gpus", "GPUs")):
            self.fields[key] = QLabel("…")
            self.fields[key].setWordWrap(True)
            form.addRow(label, self.fields[key])
        form.addRow("Managed runtime", self.managed)
        self.backends = QTreeWidget()
        self.backends.setHeaderLabels(["Package", "Works", "Version", "Detail"])
        self.backends.setRootIsDecorated(False)
        for col, width in enumerate((150, 50, 110)):
            self.backends.setColumnWidth(col, width)

        self.build = QComboBox()
        for label, choice in BUILDS:
            self.build.addItem(label, choice)
        self.check_button = QPushButton("Check again")
        self.install_button = QPushButton("Install runtime…", objectName="primary")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.check_button.clicked.connect(self.start_check)
        self.install_button.clicked.connect(self.start_plan)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("torch build"))
        buttons.addWidget(self.build, 1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.install_button)
        buttons.addWidget(self.cancel_button)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel("", objectName="dim")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Attention backends and quantization packages:"))
        layout.addWidget(self.backends, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)

        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)
        self._show_managed()
        if check:
            self.start_check()

    # ---------------------------------------------------------------- state
    @property
    def busy(self) -> bool:
        return self._check is not None or self._job is not None

    @property
    def installing(self) -> bool:
        return self._job is not None

    def _set_status(self, text: str, error: bool = False, warning: bool = False) -> None:
        self.status.setText(text)
        self.status.setObjectName("error" if error else "banner" if warning else "dim")
        self.status.style().polish(self.status)

    def _buttons(self) -> None:
        self.check_button.setEnabled(self._check is None and self._job is None)
        self.install_button.setEnabled(self._job is None)
        self.build.setEnabled(self._job is None)
        self.cancel_button.setEnabled(self._stage == "install")

    def _show_managed(self) -> None:
        installed = runtime.installed_runtime(self.root)
        where = runtime.env_dir(runtime.runtime_root(self.root))
        if installed is None:
            self.managed.setText(f"not installed ({where})")
        else:
            torch = installed.manifest.get("torch") or "?"
            self.managed.setText(f"{installed.build} build, torch {torch}, in {installed.env}")

    # ---------------------------------------------------------------- check
    def start_check(self) -> None:
        if self._check is not None:
            return
        try:
            described = runtime.worker_interpreter().description
        except PrevizError as exc:  # a bundle without its runtime
            self.interpreter.setText(exc.one_line())
            self._show_report(None)
            return
        self.interpreter.setText(described)
        for label in self.fields.values():
            label.setText("checking…")
        self._check = _Background(lambda progress, cancel: check_runtime())
        self._buttons()
        self._timer.start()

    def _show_report(self, report: RuntimeReport | None) -> None:
        self.report = report
        self.backends.clear()
        if report is None:
            for label in self.fields.values():
                label.setText("—")
            return
        self.fields["python"].setText(f"{report.python} ({report.executable})")
        self.fields["torch"].setText(report.torch or f"does not import: {report.torch_error}")
        if report.cuda_available:
            cuda = f"{report.cuda}, available"
        else:
            cuda = f"{report.cuda} build, no CUDA GPU available" if report.cuda else "none (a CPU build)"
        self.fields["cuda"].setText(cuda)
        gpus = ", ".join(f"{g.name} ({g.memory_mib / 1024:.0f} GiB)" for g in report.gpus)
        self.fields["gpus"].setText(gpus or f"none: generation runs on {report.device}")
        for backend in (*report.attention, *report.quantization):
            item = QTreeWidgetItem(
                [backend.name, "yes" if backend.ok else "no", backend.version or "", backend.detail]
            )
            item.setToolTip(3, backend.detail)
            self.backends.addTopLevelItem(item)

    # ---------------------------------------------------------------- install
    def plan_choice(self) -> tuple[str | None, bool]:
        return self.build.currentData()

    def start_plan(self) -> None:
        """Make the plan off the UI thread (nvidia-smi, the base Python), then ask, then install."""
        if self._job is not None:
            return
        cuda, cpu = self.plan_choice()
        self._stage = "plan"
        self._set_status("Looking at this machine's GPU and driver…")
        self._job = _Background(
            lambda progress, cancel: runtime_plan.make_plan(cuda=cuda, cpu=cpu, root=self.root)
        )
        self._buttons()
        self._timer.start()

    def start_install(self, plan: runtime_plan.RuntimePlan) -> None:
        """Install ``plan`` (the button comes here after ``confirm``)."""
        if self._job is not None:
            return
        self._stage = "install"
        self.bar.setVisible(True)
        self.bar.setRange(0, len(plan.steps) + 4)  # the environment, pip, the steps, the check, the rename
        self.bar.setValue(0)
        self._set_status(f"Installing the {plan.build} runtime into {plan.env}…")
        pip_args = self.pip_args
        self._job = _Background(
            lambda progress, cancel: install_runtime(plan, progress, cancel, pip_args=pip_args)
        )
        self._buttons()
        self._timer.start()

    def cancel(self) -> None:
        if self._job is not None and self._stage == "install":
            self._job.token.cancel()
            self.cancel_button.setEnabled(False)
            self._set_status("Cancelling…")

    def _ask(self, plan: runtime_plan.RuntimePlan) -> bool:
        text = "\n".join(plan.lines())
        answer = QMessageBox.question(
            self,
            "Install the runtime",
            f"Install the {plan.build} runtime? It downloads torch and the model libraries "
            f"(about {plan.disk_needed_mib / 1024:.0f} GB on disk).\n\n{text}",
        )
        return answer == QMessageBox.StandardButton.Yes

    # ---------------------------------------------------------------- events
    def _poll(self) -> None:
        if self._check is not None:
            for event in self._check.poll():
                self._check = None
                if event[0] == "done":
                    self._show_report(event[1])
                    problems = [*event[1].warnings, *event[1].problems()]
                    self._set_status(" ".join(problems), warning=bool(problems))
                    self.checkFinished.emit(event[1].usable)
                else:
                    self._show_report(None)
                    self._set_status(event[1], error=True)
                    self.checkFinished.emit(False)
        if self._job is not None:
            for event in self._job.poll():
                self._job_event(event)
        self._buttons()
        if not self.busy:
            self._timer.stop()

    def _job_event(self, event: tuple) -> None:
        kind = event[0]
        if kind == "progress":
            _, done, total, message = event
            self.bar.setRange(0, max(total, 1))
            self.bar.setValue(done)
            self._set_status(message)
            return
        stage, self._stage, self._job = self._stage, "", None
        if stage == "plan":
            if kind == "done":
                self._set_status("")
                if self.confirm(event[1]):
                    self.start_install(event[1])
            else:
                self._set_status(event[1], error=True)
            return
        self.bar.setVisible(kind == "done")
        if kind == "done":
            result = event[1]
            self.bar.setValue(self.bar.maximum())
            self._set_status(
                f"Runtime installed in {result.env} ({result.size_bytes / 2**30:.2f} GB, "
                f"{result.seconds:.0f} s)."
            )
            self._show_managed()
            self.installFinished.emit(True)
        else:
            self._set_status(event[1], error=kind == "failed")
            self.installFinished.emit(False)

    def wait(self, msecs: int = 60000) -> bool:
        """Process events until nothing runs (tests and closing)."""
        import time

        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + msecs / 1000
        while self.busy and time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.01)
        return not self.busy

    def shutdown(self) -> None:
        """Cancel an install in progress and wait for it to clean up (the dialog holding the page calls this
        when it closes)."""
        self.cancel()
        self.wait(30000)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)
