"""A made proxy replaces its take in the viewer's cut without the whole cut being resolved again: only the
shots showing that take look for their file again, the picture stays on the same frame, and a proxy made
while playing is shown once playback stops."""

import numpy as np
import pytest
from PySide6.QtGui import QImage
from ui.conftest import read_index
from ui.proxy_tasks import Release

import previz.ui.viewer.proxies as proxies
from previz.ui.viewer.frames import CutSource
from previz.ui.viewer.viewer import Viewer


def index_shown(viewer) -> int:
    """The frame index drawn in the picture, read at the take's own size (a proxy is smaller)."""
    image = viewer.canvas.image.scaled(320, 192).convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * 192)
    return read_index(arr.reshape(192, image.bytesPerLine())[:, : 320 * 3].reshape(192, 320, 3))


@pytest.fixture
def held(monkeypatch, tmp_path):
    """Proxies made for takes over 96 lines (these are 192), each once the test releases it (``set()``)."""
    folder = tmp_path / "held"
    folder.mkdir()
    monkeypatch.setenv("PREVIZ_TEST_PROXY_DIR", str(folder))
    monkeypatch.setattr(proxies, "PROXY_HEIGHT", 96)
    monkeypatch.setattr(proxies, "PROXY_TASK", "ui.proxy_tasks:held_proxy")
    release = Release(folder)
    yield release
    release.set()


def shown_files(viewer) -> dict[str, str]:
    return {e.code: viewer.source.spec_at(e.record_in).path for e in viewer.source.cut.entries}


def test_a_made_proxy_replaces_only_its_takes_file_on_the_same_frame(qtbot, controller, video_take, held):
    session = controller.session
    video_take(session, "001_0020", 40)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.show()
    entry = next(e for e in session.cut().entries if e.code == "001_0020")
    viewer.seek(entry.record_in + 13)
    assert viewer.wait_displayed(entry.record_in + 13)
    before = shown_files(viewer)
    take = session.take(entry.take_id)
    assert before["001_0020"] == str(session.media.path(take.media_hash, take.ext))
    resolved = []
    real_resolve = CutSource._resolve
    CutSource._resolve = lambda self, entries, heights: (
        resolved.extend(e.code for e in entries) or real_resolve(self, entries, heights)
    )
    try:
        with qtbot.waitSignal(viewer.proxies.ready, timeout=60000):
            held.set()
        qtbot.waitUntil(lambda: viewer.displayed_position == entry.record_in + 13, timeout=10000)
    finally:
        CutSource._resolve = real_resolve
    assert resolved == ["001_0020"]  # not every shot of the cut
    after = shown_files(viewer)
    assert after["001_0020"] == str(viewer.proxies.target(take.media_hash))
    assert {c: p for c, p in after.items() if c != "001_0020"} == {
        c: p for c, p in before.items() if c != "001_0020"
    }
    assert index_shown(viewer) == 13  # the same frame, from the proxy
    fresh = Viewer(controller)  # what a viewer opened now shows: the proxy too
    qtbot.addWidget(fresh)
    assert shown_files(fresh) == after
    fresh.shutdown()
    viewer.shutdown()


def test_a_proxy_made_while_playing_is_shown_once_paused(qtbot, controller, video_take, held):
    session = controller.session
    video_take(session, "001_0010", 30)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.show()
    take = session.takes("001_0010")[0]
    viewer.play()
    with qtbot.waitSignal(viewer.proxies.ready, timeout=60000):
        held.set()
    assert shown_files(viewer)["001_0010"] == str(session.media.path(take.media_hash, take.ext))
    viewer.pause()
    assert shown_files(viewer)["001_0010"] == str(viewer.proxies.target(take.media_hash))
    viewer.shutdown()
