"""Quitting while a viewer proxy is being made: the cache is deleted with its window and the proxy thread
finishes afterwards; nothing is emitted from the deleted cache (it printed "RuntimeError: Signal source
has been deleted" at quit), and a cache still open announces a made proxy as before."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject

from previz.ui.viewer.proxies import ProxyCache


@pytest.fixture
def slow_make(monkeypatch):
    """``make_proxy`` replaced by one that waits until ``release`` is set, then writes the proxy."""
    import previz.media.proxy as proxy

    state = type("S", (), {})()
    state.started, state.release, state.cancelled = threading.Event(), threading.Event(), []

    def make_proxy(source, target, *, max_height, cancel=None):
        state.started.set()
        assert state.release.wait(30)
        state.cancelled.append(bool(cancel is not None and cancel.cancelled))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"proxy")

    monkeypatch.setattr(proxy, "make_proxy", make_proxy)
    yield state
    state.release.set()


def _source(tmp_path):
    source = tmp_path / "take.mp4"
    source.write_bytes(b"a tall take")
    return source


def test_a_made_proxy_is_announced(qtbot, tmp_path, slow_make):
    parent = QObject()
    cache = ProxyCache(tmp_path / "cache", parent)
    assert cache.path("d" * 64, _source(tmp_path), 1080) is None  # being made
    assert slow_make.started.wait(30)
    with qtbot.waitSignal(cache.ready, timeout=30000):
        slow_make.release.set()
    assert cache.path("d" * 64, _source(tmp_path), 1080) == cache.target("d" * 64)
    cache.shutdown()


def test_deleting_the_cache_mid_proxy_is_quiet(qtbot, tmp_path, slow_make, capfd):
    parent = QObject()
    cache = ProxyCache(tmp_path / "cache", parent)
    cache.path("e" * 64, _source(tmp_path), 1080)
    assert slow_make.started.wait(30)
    threading.Timer(0.2, slow_make.release.set).start()  # the thread ends while the cache is being deleted
    shiboken6.delete(parent)  # what quitting with the project open does to the viewer and its cache
    qtbot.wait(100)  # any queued news for the deleted cache is dropped
    err = capfd.readouterr().err
    assert slow_make.cancelled == [True]  # the proxy being made was cancelled
    assert "Signal source has been deleted" not in err and "RuntimeError" not in err
