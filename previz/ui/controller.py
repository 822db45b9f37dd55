"""The Qt side of a project: one ``ProjectSession``, one ``QUndoStack`` and the current selection.

Every change goes through :meth:`ProjectController.edit`: the core edit runs at once (so a ``ValidationError``
reaches the caller and nothing is pushed); when it recorded an undo step, a :class:`SessionCommand` named
after that step goes on the stack. Its ``undo``/``redo`` call ``session.undo()``/``session.redo()``, so the
stack and the session's persistent history move in step (the history stays the source of truth).
Views listen to :attr:`ProjectController.changed`, emitted with the core ``Changes`` of every edit.
The cut the views show (timeline, viewer) is one :class:`~previz.core.live_cut.LiveCut` kept here
(:meth:`ProjectController.live_cut`), brought up to date once per edit before ``changed`` is emitted, so a
view reads ``live_cut().cut`` (and :attr:`ProjectController.cut_touched`) instead of keeping its own.

At open the stack is filled from the project's persistent history (:meth:`ProjectController.load_history`), so
Undo and Redo work at once for the edits made before (in an earlier session or by the CLI). The stack holds
only this author's steps (undo is per author); an undo or redo the core refuses (``ConflictError``: someone
changed the same rows since) leaves the history as it was, so the stack is filled again from it at once and
the refusal's message goes out on :attr:`ProjectController.conflict`.

Writes that are not the user's edit (the generation runner's: a job's claim, its progress, its take's
arrival, a Generate's jobs) are made inside :meth:`ProjectController.views_later`: their ``Changes`` reach the
views on a later turn of the event loop, merged (one refresh for several commits), so the commit and the
views' refresh are two pauses, not one long one. An edit through :meth:`ProjectController.edit` (or any
write outside ``views_later``) is announced at once, together with whatever was waiting, so nothing is lost
and nothing arrives out of order.

Other clients' changes (another app, the CLI, render workers) arrive through the project's change feed:
:meth:`ProjectController.poll_feed` reads it every ``FEED_INTERVAL_MS`` (one indexed query) and hands their
``Changes`` to the views exactly as a local edit's, then says who made them on
:attr:`ProjectController.remoteChanged`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from previz.core.edits import Changes
from previz.core.errors import ConflictError, PrevizError
from previz.core.feed import FeedUpdate, FeedWatcher
from previz.core.live_cut import LiveCut
from previz.core.session import ProjectSession
from previz.core.snapshots import CharacterInfo, ProjectInfo, SceneInfo, ShotInfo


class SessionCommand(QUndoCommand):
    """One core undo step on the Qt undo stack (already applied when pushed)."""

    def __init__(self, controller: ProjectController, name: str) -> None:
        super().__init__(name)
        self._controller = controller
        self._first = True

    def redo(self) -> None:  # noqa: D401 - Qt API
        # first push: the edit already ran in ProjectController.edit; replaying: the history has it
        if self._first or self._controller.replaying:
            self._first = False
            return
        self._controller.step(undo=False)

    def undo(self) -> None:
        if not self._controller.replaying:  # replaying: only the stack moves, the history already has
            self._controller.step(undo=True)


#: How often the change feed is read for other clients' edits.
FEED_INTERVAL_MS = 250


class ProjectController(QObject):
    changed = Signal(object)  # previz.core.edits.Changes
    # previz.core.feed.FeedUpdate: other clients' rows (sent after the views were given their Changes)
    remoteChanged = Signal(object)
    conflict = Signal(str)  # an edit, undo or redo refused because someone changed the same rows since
    currentShotChanged = Signal(object)  # shot code (str) or None
    selectionChanged = Signal(list)  # shot codes
    seekRequested = Signal(int)  # a record frame of the cut
    error = Signal(str)

    def __init__(self, session: ProjectSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(0)
        self._current: str | None = None
        self._selection: list[str] = []
        self.replaying = False  # True while load_history lines the stack up with the history
        self._live: LiveCut | None = None  # the views' cut, read when first asked for
        # what the last edit did to the cut: the shot ids whose entries were re-read (the others at most
        # moved), or None when the whole cut was read again
        self.cut_touched: frozenset[int] | None = frozenset()
        self._changed_read: tuple[Changes | None, list[ShotInfo]] = (None, [])
        self._last_changes: Changes | None = None  # the last edit's, as the views were given them
        self._current_id: tuple[str | None, int] = (None, 0)  # the current shot's (code, id), once looked up
        # the project, scenes (by number) and characters as read since the last edit that could change them
        self._reads: dict[object, Any] = {}
        self._resync = False  # an undo or redo was refused: fill the stack again once it has moved
        self._later = 0  # inside views_later: changes wait for the next turn of the event loop
        self._waiting: list[Changes] = []  # changes not yet given to the views (views_later)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush_views)
        self.undo_stack.indexChanged.connect(self._after_step)
        self.load_history()
        session.subscribe(self._on_changes)
        self.feed = FeedWatcher(session)
        self.feed_error: str | None = None  # why the last poll failed (shown once), None while it works
        self.feed_timer = QTimer(self)
        self.feed_timer.setInterval(FEED_INTERVAL_MS)
        self.feed_timer.timeout.connect(self.poll_feed)
        # started at the event loop's next turn, not now: the views are built after the controller (at
        # launch for longer than the interval); started here, its first poll fell due in the first paint
        self._feed_start = QTimer(self)
        self._feed_start.setSingleShot(True)
        self._feed_start.setInterval(0)
        self._feed_start.timeout.connect(self._start_feed)
        self._feed_start.start()

    def _start_feed(self) -> None:
        if not self.session.closed:
            self.feed_timer.start()

    def load_history(self) -> int:
        """One command per step of the project's history (the undone ones as redo steps), so the stack
        matches the history from the start. Returns the number of undo steps available."""
        done, undone = self.session.history_names()
        self.replaying = True
        try:
            self.undo_stack.clear()
            for name in done + undone:
                self.undo_stack.push(SessionCommand(self, name or "Edit"))
            self.undo_stack.setIndex(len(done))
            self.undo_stack.setClean()
        finally:
            self.replaying = False
        return len(done)

    def step(self, *, undo: bool) -> bool:
        """Undo or redo this author's last step (the stack's commands call this). A refusal (someone changed
        the same rows since; nothing to undo any more) changes nothing: its message goes out on ``conflict``
        and the stack is filled again from the history once it has finished moving."""
        try:
            self.session.undo() if undo else self.session.redo()
        except PrevizError as exc:
            self._resync = True
            self.conflict.emit(exc.one_line())
            return False
        return True

    def _after_step(self, _index: int) -> None:
        if self._resync and not self.replaying:
            self._resync = False
            self.load_history()

    def refused(self, exc: PrevizError) -> bool:
        """Report an edit refused with ``exc``: a ``ConflictError`` goes out on ``conflict`` (True), anything
        else is left to the caller (False)."""
        if isinstance(exc, ConflictError):
            self.conflict.emit(exc.one_line())
            return True
        return False

    # -------------------------------------------------------------- other clients
    def poll_feed(self) -> FeedUpdate | None:
        """Read the change feed once: other clients' committed rows reach the views as a local edit's
        ``Changes`` would, then ``remoteChanged``. A failed read (the server gone) is said once on ``error``
        and polling goes on. None when nothing could be read."""
        if self.session.closed:
            self.feed_timer.stop()
            return None
        try:
            update = self.feed.poll()
        except PrevizError as exc:
            if self.feed_error is None:
                self.feed_error = exc.one_line()
                self.error.emit(f"Cannot follow other people's changes: {self.feed_error}")
            return None
        if self.feed_error is not None:
            self.feed_error = None
            self.error.emit("Following other people's changes again")
        if not update:
            return update
        if any(e.author == self.session.author and e.kind != "result" for e in update.entries):
            self.load_history()  # this author in another window or command: their steps are ours to undo
        if update.changes:
            self._on_changes(update.changes)
        self.remoteChanged.emit(update)
        return update

    # -------------------------------------------------------------- changes
    def live_cut(self) -> LiveCut:
        """The project's cut, kept up to date edit by edit for every view (one re-read per edit, not one
        per view). Its ``cut`` is current when ``changed`` is emitted."""
        if self._live is None:
            self._live = LiveCut(self.session, self.project_info)
        return self._live

    def changed_shots(self, changes: Changes) -> list[ShotInfo]:
        """The shots ``changes`` names (``Changes.shot_ids``) as they are now, a deleted one missing:
        read once per edit for every view that asks (the browser's tree and grid, the timeline), not
        once per view."""
        if self._changed_read[0] is not changes:
            self._changed_read = (changes, self.session.shots_by_id(changes.shot_ids))
        return self._changed_read[1]

    def project_info(self) -> ProjectInfo:
        """The project's settings, read once per edit that changes them (``Changes.project``) for every view
        that asks, not at every refresh."""
        if "project" not in self._reads:
            self._reads["project"] = self.session.project()
        return self._reads["project"]

    def scene_info(self, number: str) -> SceneInfo:
        """The scene ``number`` (``NotFoundError`` as ``session.scene``), read once per edit of scenes."""
        key = ("scene", number)
        if key not in self._reads:
            self._reads[key] = self.session.scene(number)
        return self._reads[key]

    def characters_info(self) -> list[CharacterInfo]:
        """The project's characters, read once per edit of characters (a new list at each call)."""
        if "characters" not in self._reads:
            self._reads["characters"] = self.session.characters()
        return list(self._reads["characters"])

    def _forget_reads(self, changes: Changes) -> None:
        if changes.project:
            self._reads.pop("project", None)
        if changes.characters:
            self._reads.pop("characters", None)
        if changes.scenes:
            self._reads = {k: v for k, v in self._reads.items() if not isinstance(k, tuple)}

    @contextmanager
    def views_later(self) -> Iterator[None]:
        """The commits made inside reach the views on a later turn of the event loop (merged with any
        others waiting), not inside the commit: for writes the user did not just make (a job's claim, its
        progress, its take). The reads the controller keeps are forgotten at once all the same."""
        self._later += 1
        try:
            yield
        finally:
            self._later -= 1

    @property
    def views_waiting(self) -> bool:
        """Changes committed inside :meth:`views_later` that the views have not been given yet."""
        return bool(self._waiting)

    def heard_elsewhere(self, changes: Changes) -> None:
        """``changes`` committed by another session of this client on another thread (a running job's
        progress and its end, applied on the generation runner's event thread; the change feed skips this
        client's rows): the views get them on a later turn, as this session's own."""
        with self.views_later():
            self._on_changes(changes)

    def flush_views(self) -> None:
        """Give the views the changes waiting (:meth:`views_later`) now, merged into one."""
        self._flush_timer.stop()
        waiting, self._waiting = self._waiting, []
        if waiting and not self.session.closed:
            self._announce(waiting[0] if len(waiting) == 1 else Changes.merge(waiting))

    def _on_changes(self, changes: Changes) -> None:
        self._forget_reads(changes)  # first: every slot below, and every view, reads after it
        if self._later:
            self._waiting.append(changes)
            self._flush_timer.start()
            return
        if self._waiting:  # announced with this one, in one refresh, before anything newer
            self._waiting.append(changes)
            self.flush_views()
            return
        self._announce(changes)

    def _announce(self, changes: Changes) -> None:
        if self._live is not None:
            self.cut_touched = self._live.update(changes)
        if self._current is not None and (changes.shots or changes.scenes) and self._current_touched(changes):
            if not self._shot_exists(self._current):
                self._current = None
                self.currentShotChanged.emit(None)
        self._last_changes = changes
        self.changed.emit(changes)

    def _current_touched(self, changes: Changes) -> bool:
        """Whether ``changes`` may have removed the current shot or changed its code: it names no shots,
        changes scenes or the project, or names the current shot for more than a new position. An edit of
        other shots (an add after it renumbers the ones after it) needs no read to know it is still there."""
        if changes.scenes or changes.project or not changes.shot_ids:
            return True
        if self._current_id[0] != self._current:
            shot = self._fresh_read_of(self._current)
            if shot is None:
                return True
            self._current_id = (shot.code, shot.id)
        return self._current_id[1] in changes.content.shot_ids

    def _fresh_read_of(self, code: str | None) -> ShotInfo | None:
        """The shot ``code`` from the shared read of the last edit's shots, when that read was made after it
        (``changed_shots``); None when it was not read there."""
        return next((s for s in self._fresh_read() if s.code == code), None)

    def fresh_shot(self, shot_id: int) -> ShotInfo | None:
        """The shot ``shot_id`` as the views were given it after the last edit, when a view already read it
        (``changed_shots``), else None: no read (the viewer's slug card of a shot just added)."""
        return next((s for s in self._fresh_read() if s.id == shot_id), None)

    def made_without_takes(self, shot_id: int) -> bool:
        """Whether the last edit the views were given made the shot ``shot_id`` and no take
        (``Changes.created`` without ``takes``): it has none yet, no read needed (the inspector showing a
        shot just added)."""
        last = self._last_changes
        return last is not None and not self._waiting and not last.takes and shot_id in last.created

    def _fresh_read(self) -> list[ShotInfo]:
        read_for, shots = self._changed_read
        last = self._last_changes
        if read_for is None or last is None or (read_for is not last and read_for is not last.content):
            return []
        return shots

    def _shot_exists(self, code: str) -> bool:
        try:
            shot = self.session.shot(code)
        except Exception:
            return False
        self._current_id = (shot.code, shot.id)
        return True

    def edit(self, apply: Callable[[], Any]) -> Any:
        """Run one core edit and put its undo step on the stack. Errors propagate; nothing is pushed then."""
        before = self.session.last_commit
        result = apply()
        commit = self.session.last_commit
        if commit is not before and commit is not None and commit.undo_step:
            self.undo_stack.push(SessionCommand(self, commit.name or "Edit"))
        return result

    def set_shot(self, code: str, **fields: Any):
        return self.edit(lambda: self.session.set_shot(code, **fields))

    def move_shot(self, code: str, position: int, scene: str | None = None):
        return self.edit(lambda: self.session.move_shot(code, position, scene))

    def move_shot_to_cut_index(self, code: str, index: int):
        """Move a shot so it sits at ``index`` of the cut's order (before the entry now at ``index``)."""
        entries = [e for e in self.session.cut().entries if e.code != code]
        if not entries:
            return None
        if index >= len(entries):
            anchor = entries[-1]
            scene = anchor.scene_number
            siblings = [s.code for s in self.session.shots(scene) if s.code != code]
            position = siblings.index(anchor.code) + 1
        else:
            anchor = entries[max(0, index)]
            scene = anchor.scene_number
            siblings = [s.code for s in self.session.shots(scene) if s.code != code]
            position = siblings.index(anchor.code)
        return self.move_shot(code, position, scene)

    # -------------------------------------------------------------- selection
    @property
    def current_shot(self) -> str | None:
        return self._current

    def current_shot_info(self) -> ShotInfo | None:
        if self._current is None:
            return None
        shot = self._fresh_read_of(self._current)  # the shot just added or changed: read already
        if shot is not None:
            return shot
        try:
            return self.session.shot(self._current)
        except Exception:
            return None

    def set_current_shot(self, code: str | None) -> None:
        if code != self._current:
            self._current = code
            self.currentShotChanged.emit(code)

    @property
    def selection(self) -> list[str]:
        return list(self._selection)

    def set_selection(self, codes: list[str]) -> None:
        if codes != self._selection:
            self._selection = list(codes)
            self.selectionChanged.emit(list(codes))
        if codes and self._current not in codes:
            self.set_current_shot(codes[0])
