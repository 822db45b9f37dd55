"""The generation runner's database work, off the UI thread: a Generate's requests built and validated and
its jobs written (``queue.plan_requests``, ``queue.read_known``, ``queue.enqueue_planned``: the shots, the
project, the model folders, the duplicate check, one commit; the first time, the generation layer's
imports), the next job claimed and its inputs read (``queue.claim_next``, ``queue.start_claimed``), the jobs
a dead process left running taken back (``queue.recover``). Each is a task run on a thread of its own over a
session of the project's bundle opened there under the app session's author and client, one task at a time,
in the order asked.

Each write takes the project's write lock, which a render node, the CLI or another app may hold for a
while; the UI thread never waits for it here. A task's answer (what it returned, or why it failed, and the
``Changes`` of every commit it made: the change feed skips this client's rows) reaches the UI thread by a
signal; the runner hands the changes to the views (``ProjectController.heard_elsewhere``). A project in
PostgreSQL is opened on the thread as well, on the server and with the media root the app's session uses.
"""

from __future__ import annotations

import itertools
import queue as queues
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from previz.core.errors import PrevizError


@dataclass
class Answer:
    """What a task returned (``error`` empty) or why it failed (a one-line reason), with the ``Changes`` of
    the commits it made, for the views."""

    result: object = None
    error: str = ""
    changes: list = field(default_factory=list)


class QueueDesk(QObject):
    """Runs the runner's tasks (``task(session) -> result``) on a thread; ``answered`` arrives on the UI
    thread."""

    answered = Signal(int, object)  # ticket, Answer

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._tickets = itertools.count(1)
        self._work: queues.Queue = queues.Queue()
        self._thread: threading.Thread | None = None
        self.pending: dict[int, Callable] = {}  # ticket -> its reply, asked for and not yet taken
        self._unread: dict[int, Answer] = {}  # answers made and not yet taken (what shutdown hands back)
        self._lock = threading.Lock()

    def submit(self, task: Callable, failure: Callable[[Exception], str], reply: Callable) -> int:
        """Run ``task(session)``; returns the ticket its answer will carry. ``failure(exc)`` words an
        unexpected error (a ``PrevizError`` says its own one line); ``reply`` is what :meth:`take` hands
        back with the answer (what takes it on the UI thread)."""
        ticket = next(self._tickets)
        self.pending[ticket] = reply
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="previz-queue-desk", daemon=True)
            self._thread.start()
        self._work.put((ticket, task, failure))
        return ticket

    def take(self, ticket: int) -> Callable | None:
        """On the UI thread, with an answer: its reply the first time for a ticket still wanted, else None
        (after :meth:`shutdown`)."""
        with self._lock:
            self._unread.pop(ticket, None)
        return self.pending.pop(ticket, None)

    def _answer(self, session, ticket: int, task: Callable, failure: Callable, heard: list) -> None:
        answer = Answer()
        try:
            answer.result = task(session)
        except PrevizError as exc:
            answer.error = exc.one_line()
        except Exception as exc:  # noqa: BLE001 - said in the status bar, the app carries on
            answer.error = failure(exc)
        answer.changes, heard[:] = list(heard), []
        with self._lock:
            self._unread[ticket] = answer
        self.answered.emit(ticket, answer)

    def _run(self) -> None:
        session, heard = None, []
        try:
            while (item := self._work.get()) is not None:
                ticket, task, failure = item
                if session is None:
                    try:
                        session = open_beside(self.session, heard.append)
                    except Exception as exc:  # noqa: BLE001 - this task fails saying why; the next tries again
                        self._answer(None, ticket, _fail(exc), failure, heard)
                        continue
                self._answer(session, ticket, task, failure, heard)
        finally:
            if session is not None:
                session.close()

    def shutdown(self) -> list[Answer]:
        """Stop the thread after the task it is running (and those asked before) and close its session.
        Returns the answers made and not yet taken, which are no longer delivered (a job claimed as the app
        closes must still be ended)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._work.put(None)
            thread.join(60)
        self.pending.clear()
        try:
            with warnings.catch_warnings():  # PySide warns (no longer raises) when none is connected
                warnings.simplefilter("ignore", RuntimeWarning)
                self.answered.disconnect()
        except (RuntimeError, TypeError):
            pass
        with self._lock:
            unread, self._unread = list(self._unread.values()), {}
        return unread


def open_beside(session, listener: Callable):
    """A second session of ``session``'s project (for another thread), under its author and client: the
    change feed skips the rows it writes (this client's), so ``listener`` hears their ``Changes`` instead,
    to hand to the views. A project in PostgreSQL is opened on the same server as the same user (the URL
    the app's session connected with, password included) with the same media root."""
    from previz.core.session import ProjectSession

    if session.database_file is None:
        url = session.engine.url.render_as_string(hide_password=False)
        other = ProjectSession.open(url, author=session.author, media=session.root)
    else:
        other = ProjectSession.open(session.root, author=session.author)
    other.client = session.client
    other.subscribe(listener)
    return other


def _fail(exc: Exception) -> Callable:
    def task(_session):
        raise exc

    return task
