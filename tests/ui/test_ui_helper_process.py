"""The helper process starts off the UI thread, and closing the app while it is still starting is safe."""

import multiprocessing as mp
import threading

from previz.ui.queue.helper_process import HelperProcess


def _helpers(besides: frozenset = frozenset()) -> list:
    """Helper processes alive now, less ``besides`` (those earlier tests in this run left running)."""
    return [p for p in mp.active_children() if p.name == "previz-helper" and p not in besides]


class _StartsAfterTheClose(HelperProcess):
    """A helper whose start is slow: it spawns only once the app has begun closing."""

    def __init__(self) -> None:
        super().__init__()
        self.start_thread: threading.Thread | None = None

    def start_blocking(self, generation: int) -> None:
        self.start_thread = threading.current_thread()
        while self.shutdowns == generation:  # the close comes first; nothing here depends on timing
            threading.Event().wait(0.001)
        super().start_blocking(generation)


def test_closing_while_the_helper_is_still_starting_stops_it(qtbot):
    earlier = frozenset(_helpers())
    helper = _StartsAfterTheClose()
    failures = []
    helper.failed.connect(lambda *a: failures.append(a))
    helper.submit("export", {})
    assert helper.busy and helper.current is None  # waiting for its helper, which is starting
    assert helper.start_thread is not threading.main_thread()
    helper.shutdown()  # raised "can only join a started process" before
    assert not helper.busy
    qtbot.waitUntil(lambda: not _helpers(earlier), timeout=30000)  # the helper it started was stopped
    assert failures == []


def test_a_task_runs_once_the_helper_has_started_and_after_it_died(qtbot, tmp_path):
    earlier = frozenset(_helpers())
    helper = HelperProcess()
    done = []
    helper.succeeded.connect(done.append)
    helper.failed.connect(lambda *a: done.append(a))
    helper.prestart()  # started early, off the UI thread: the task below does not wait for it
    args = {"project": str(tmp_path / "missing.previz"), "out": "", "fmt": "mp4", "options": {}}
    first = helper.submit("export", args)
    qtbot.waitUntil(lambda: len(done) == 1, timeout=60000)
    assert done[0][0] == first and "missing.previz" in done[0][1]  # the helper's own error, sent back
    (proc,) = _helpers(earlier)
    proc.kill()
    proc.join(10)
    second = helper.submit("export", args)  # a fresh helper takes it
    qtbot.waitUntil(lambda: len(done) == 2, timeout=60000)
    assert done[1][0] == second and "missing.previz" in done[1][1]
    helper.shutdown()
    qtbot.waitUntil(lambda: not _helpers(earlier), timeout=30000)
