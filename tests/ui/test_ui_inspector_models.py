"""The inspector's Model combo is filled by a catalog scan off the UI thread: opening a project does not
scan, the window keeps working while the scan runs, and the choices land later with the shot's model
shown as its choice (a model being typed is kept)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from previz.ui.inspector.inspector import ShotInspector

MODEL = SimpleNamespace(
    id="tiny-ltx-video",
    family_name="LTX-Video",
    modes=("t2v", "i2v"),
    licence="Apache-2.0",
    commercial_use=True,
)


@pytest.fixture
def slow_scan(monkeypatch, tmp_path):
    """Replace the catalog scan by one that records its thread and waits until ``release`` is set."""
    import previz.generation.catalog as catalog

    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    # A scan started by an earlier test's inspector looks ``scan_models`` up when it runs: let it finish
    # first, or it would find (and be counted by) this test's replacement.
    for thread in threading.enumerate():
        if thread.name == "previz-model-scan":
            thread.join(30)
    state = SimpleNamespace(threads=[], release=threading.Event())

    def scan_models(folders, *, include_hf_cache=True, hf_cache_dir=None):
        state.threads.append(threading.current_thread())
        assert state.release.wait(30)
        return SimpleNamespace(models=[MODEL], problems=[])

    monkeypatch.setattr(catalog, "scan_models", scan_models)
    yield state
    state.release.set()


def test_models_land_after_open_without_blocking(qtbot, controller, slow_scan):
    controller.session.set_shot("001_0020", model="tiny-ltx-video")
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0020")
    box = inspector.fields["model"]
    # Building the inspector did not scan. (Counted by this combo's own thread: a combo an earlier test
    # showed may still start its scan when its timer fires during this test, and find the replacement.)
    assert box.scan_thread is None
    assert box.count() == 1 and box.currentText() == "tiny-ltx-video"  # the shot's model, as text
    inspector.show()  # the scan starts a moment after the combo is first shown
    qtbot.waitUntil(lambda: box.scan_thread in slow_scan.threads, timeout=10000)  # started on its own
    assert box.scan_thread is not threading.main_thread()
    # the UI thread is free while the scan runs: another shot is shown
    controller.set_current_shot("001_0010")
    assert inspector.title.text() == "001_0010" and box.currentText() == ""
    controller.set_current_shot("001_0020")
    slow_scan.release.set()
    qtbot.waitUntil(lambda: box.loaded, timeout=10000)
    assert box.count() == 2 and box.itemData(1) == "tiny-ltx-video"
    assert "LTX-Video" in box.itemText(1) and "commercial use" in box.itemText(1)
    assert box.currentIndex() == 1 and inspector.value_of("model") == "tiny-ltx-video"
    assert inspector.pending_fields() == []
    assert box.load() is None and slow_scan.threads.count(box.scan_thread) == 1  # once per inspector


def test_opening_the_list_starts_the_scan_and_typing_is_kept(qtbot, controller, slow_scan):
    controller.session.set_shot("001_0010", model="tiny-ltx-video")
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    controller.set_current_shot("001_0010")
    box = inspector.fields["model"]
    box.showPopup()  # before the idle start: the scan starts now
    assert box.load() is None  # already started
    qtbot.waitUntil(lambda: box.scan_thread in slow_scan.threads, timeout=10000)
    box.hidePopup()
    box.setEditText("my-own-model")  # typed, not committed yet
    slow_scan.release.set()
    qtbot.waitUntil(lambda: box.loaded, timeout=10000)
    assert box.currentText() == "my-own-model" and inspector.pending_fields() == ["model"]
    assert box.findData("tiny-ltx-video") == 1
    assert controller.session.shot("001_0010").model == "tiny-ltx-video"  # nothing committed by the landing


def test_closing_the_inspector_mid_scan_is_quiet(qtbot, controller, slow_scan, monkeypatch):
    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    inspector = ShotInspector(controller)
    thread = inspector.fields["model"].load()
    qtbot.waitUntil(lambda: bool(slow_scan.threads), timeout=10000)
    inspector.deleteLater()
    qtbot.wait(50)  # let the deferred delete run
    slow_scan.release.set()
    thread.join(30)
    qtbot.wait(50)  # any queued delivery to the deleted combo is dropped
    assert not thread.is_alive() and errors == []
