"""The app's tasks (an export) run in its generation worker process, the one spawned-process runtime: off
the UI thread, a task after the worker died starts a fresh one, and closing leaves no worker behind."""

import multiprocessing as mp
import os
import sys

import pytest

from previz.ui.queue.worker_tasks import WorkerTasks


def _workers(besides: frozenset = frozenset()) -> list:
    return [p for p in mp.active_children() if p.name == "previz-generation-worker" and p not in besides]


def test_a_task_fails_with_its_own_error_and_runs_again_after_the_worker_died(qtbot, tmp_path):
    earlier = frozenset(_workers())
    tasks = WorkerTasks()
    done = []
    tasks.succeeded.connect(done.append)
    tasks.failed.connect(lambda *a: done.append(a))
    args = {"project": str(tmp_path / "missing.previz"), "out": "", "fmt": "mp4", "options": {}}
    first = tasks.submit("export", args)
    qtbot.waitUntil(lambda: len(done) == 1, timeout=60000)
    assert done[0][0] == first and "missing.previz" in done[0][1]  # the worker's own error, sent back
    (proc,) = _workers(earlier)
    proc.kill()
    proc.join(10)
    second = tasks.submit("export", args)  # a fresh worker takes it
    qtbot.waitUntil(lambda: len(done) == 2, timeout=60000)
    assert done[1][0] == second and "missing.previz" in done[1][1]
    assert _workers(earlier) and _workers(earlier)[0].pid != proc.pid
    tasks.shutdown()
    assert not _workers(earlier)


def test_closing_while_the_worker_is_still_starting_stops_it(qtbot, tmp_path):
    earlier = frozenset(_workers())
    tasks = WorkerTasks()
    failures = []
    tasks.failed.connect(lambda *a: failures.append(a))
    args = {"project": str(tmp_path / "missing.previz"), "out": "", "fmt": "mp4", "options": {}}
    tasks.submit("export", args)
    assert tasks.busy  # its worker starts on the pump's thread, not on this one
    tasks.shutdown()
    assert not tasks.busy
    qtbot.waitUntil(lambda: not _workers(earlier), timeout=30000)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="process priorities are POSIX")
def test_the_apps_worker_runs_at_a_lower_cpu_priority_than_the_app_and_a_model_worker_does_not():
    from previz.generation.worker import WorkerClient
    from previz.ui.queue.worker_tasks import app_worker

    own = os.getpriority(os.PRIO_PROCESS, 0)
    app, model = app_worker(), WorkerClient(warm=False, own_interpreter=True)
    try:
        app.start()
        model.start()
        # read back from the running processes: an export there yields the core to the UI thread
        assert os.getpriority(os.PRIO_PROCESS, app.pid) == min(own + 10, 19) > own
        assert os.getpriority(os.PRIO_PROCESS, model.pid) == own  # a model's steps are not slowed
        if sys.platform.startswith("linux"):  # a priority is a thread's: every thread of the worker is lower
            threads = os.listdir(f"/proc/{app.pid}/task")
            assert len(threads) > 1  # its job thread, the reader, numpy's BLAS pool (started at import)
            assert {os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in threads} == {min(own + 10, 19)}
    finally:
        app.stop()
        model.stop()
