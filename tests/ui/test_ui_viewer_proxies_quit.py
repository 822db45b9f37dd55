"""Quitting while a viewer proxy is being made: the cache is deleted with its window and the proxy being
made in the worker is cancelled; nothing is emitted from the deleted cache (it printed "RuntimeError:
Signal source has been deleted" at quit), and a cache still open announces a made proxy as before."""

from __future__ import annotations

import os

import pytest
import shiboken6
from PySide6.QtCore import QObject
from ui.proxy_tasks import Release

import previz.ui.viewer.proxies as proxies
from previz.ui.viewer.proxies import ProxyCache


@pytest.fixture
def slow_make(monkeypatch, tmp_path):
    """Proxies made (in the worker) as a few bytes, each once the test releases it."""
    folder = tmp_path / "held"
    folder.mkdir()
    monkeypatch.setenv("PREVIZ_TEST_PROXY_DIR", str(folder))
    monkeypatch.setattr(proxies, "PROXY_TASK", "ui.proxy_tasks:held_stand_in")
    release = Release(folder)
    yield release
    release.set()


def _source(tmp_path):
    source = tmp_path / "take.mp4"
    source.write_bytes(b"a tall take")
    return source


def test_a_made_proxy_is_announced_and_made_in_another_process(qtbot, tmp_path, slow_make):
    parent = QObject()
    cache = ProxyCache(tmp_path / "cache", parent)
    assert cache.path("d" * 64, _source(tmp_path), 1080) is None  # being made
    qtbot.waitUntil(slow_make.started, timeout=60000)
    worker = cache._state.worker()
    assert slow_make.pid() == worker.pid != os.getpid()  # in the worker, off this interpreter's lock
    with qtbot.waitSignal(cache.ready, timeout=30000):
        slow_make.set()
    assert cache.path("d" * 64, _source(tmp_path), 1080) == cache.target("d" * 64)
    cache.shutdown()
    assert not worker.alive()  # stopped with the cache


def test_deleting_the_cache_mid_proxy_is_quiet(qtbot, tmp_path, slow_make, capfd):
    parent = QObject()
    cache = ProxyCache(tmp_path / "cache", parent)
    cache.path("e" * 64, _source(tmp_path), 1080)
    qtbot.waitUntil(slow_make.started, timeout=60000)
    worker = cache._state.worker()
    shiboken6.delete(parent)  # what quitting with the project open does to the viewer and its cache
    qtbot.waitUntil(slow_make.cancelled, timeout=30000)  # the proxy being made was cancelled
    qtbot.waitUntil(lambda: not worker.alive(), timeout=60000)  # and its worker stopped
    qtbot.wait(100)  # any queued news for the deleted cache is dropped
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err and "RuntimeError" not in err
