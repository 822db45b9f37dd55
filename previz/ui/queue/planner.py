"""Generate's reads, off the UI thread: the requests of the shots to queue are built and validated
(``queue.plan_requests``: the shots, the project, the model folders; the first time, the generation layer's
imports) and the duplicate check's reads made (``queue.read_known``: the takes and the queued or running
jobs with those requests) on a thread of their own, over a read-only session of the project opened there,
and handed back to the UI thread by a signal; only the writes (``queue.enqueue_planned``, one commit, after
one light look at what was queued since) run on the UI thread.

The app's session is one connection used from the UI thread only, so the thread opens its own (and keeps
it for the next Generate). A project in PostgreSQL is planned on the UI thread, as before: its URL with
credentials is not kept by the session.
"""

from __future__ import annotations

import itertools
import queue as queues
import threading
import warnings

from PySide6.QtCore import QObject, Signal

from previz.core.errors import PrevizError


class RequestPlanner(QObject):
    """Plans Generate requests on a thread; ``planned`` or ``failed`` arrive on the UI thread."""

    # ticket, ([(ShotInfo, GenerationRequest)], queue.Known or None: read on the UI thread when it writes)
    planned = Signal(int, object)
    failed = Signal(int, str)  # ticket, one-line reason

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        #: The bundle to open read-only on the thread; None: plan on the UI thread (PostgreSQL).
        self.root = session.root if session.database_file is not None else None
        self._tickets = itertools.count(1)
        self._work: queues.Queue = queues.Queue()
        self._thread: threading.Thread | None = None
        self.pending: set[int] = set()  # tickets asked for and not yet taken (:meth:`take`)

    def plan(self, codes: list[str], takes: int = 1) -> int:
        """Ask for the requests of ``codes`` (``takes`` each); returns the ticket the answer will carry."""
        ticket = next(self._tickets)
        self.pending.add(ticket)
        if self.root is None:
            self._answer(self.session, ticket, codes, takes)
            return ticket
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="previz-generate-plan", daemon=True)
            self._thread.start()
        self._work.put((ticket, list(codes), takes))
        return ticket

    def take(self, ticket: int) -> bool:
        """On the UI thread, with an answer: True the first time for a ticket still wanted (not after
        :meth:`shutdown`)."""
        if ticket not in self.pending:
            return False
        self.pending.discard(ticket)
        return True

    def _answer(self, session, ticket: int, codes: list[str], takes: int) -> None:
        from previz.generation import queue

        try:
            result = queue.plan_requests(session, codes, takes=takes)
            known = queue.read_known(session, result) if session is not self.session else None
        except PrevizError as exc:
            self.failed.emit(ticket, exc.one_line())
        except Exception as exc:  # noqa: BLE001 - said in the status bar, the app carries on
            self.failed.emit(ticket, f"cannot queue {', '.join(codes)}: {exc.__class__.__name__}: {exc}")
        else:
            self.planned.emit(ticket, (result, known))

    def _run(self) -> None:
        from previz.core.session import ProjectSession

        session = None
        try:
            while (item := self._work.get()) is not None:
                ticket, codes, takes = item
                try:
                    if session is None:
                        session = ProjectSession.open(self.root, readonly=True)
                except PrevizError as exc:
                    self.failed.emit(ticket, exc.one_line())
                    continue
                self._answer(session, ticket, codes, takes)
        finally:
            if session is not None:
                session.close()

    def shutdown(self) -> None:
        """Stop the thread (after the plan it is making) and close its session; answers not yet delivered
        are dropped."""
        self.pending.clear()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._work.put(None)
            thread.join(30)
        for signal in (self.planned, self.failed):
            try:
                with warnings.catch_warnings():  # PySide warns (no longer raises) when none is connected
                    warnings.simplefilter("ignore", RuntimeWarning)
                    signal.disconnect()
            except (RuntimeError, TypeError):
                pass
