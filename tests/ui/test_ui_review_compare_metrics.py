"""The compare view's PSNR / SSIM figures: measured off the UI thread, the same as `previz compare-takes`."""

from __future__ import annotations

import math
import shutil
import threading

import pytest
from ui.ui_review_support import CODES, build_review_project

import previz.media.compare as compare_module
from previz.media.compare import compare_takes
from previz.ui.controller import ProjectController
from previz.ui.review.compare import CompareView


@pytest.fixture
def review(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_SETTINGS_DIR", str(tmp_path / "settings"))
    session = build_review_project(tmp_path / "film")
    yield session
    session.close()


def open_view(qtbot, session, **takes) -> CompareView:
    view = CompareView(ProjectController(session), CODES[0], **takes)
    qtbot.addWidget(view)
    view.resize(1000, 460)
    view.show()
    return view


def test_figures_for_the_two_takes_are_measured_off_the_ui_thread(review, qtbot, monkeypatch, tmp_path):
    threads: list[threading.Thread] = []
    real = compare_module.compare_videos

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_module, "compare_videos", recording)
    view = open_view(qtbot, review)
    try:
        qtbot.waitUntil(lambda: view.metrics.comparison is not None, timeout=20_000)
        assert threads and all(t is not threading.main_thread() for t in threads)
        expected = compare_takes(review, CODES[0], 1, 2)
        got = view.metrics.comparison
        assert got.labels == ("take 1", "take 2")
        assert [(s.psnr, s.ssim) for s in got.scores] == [(s.psnr, s.ssim) for s in expected.scores]
        assert 0 < got.ssim_mean < 0.99 and not math.isinf(got.psnr_mean)  # push in against pull out
        text = view.metrics_label.text()
        assert f"PSNR {got.psnr_mean:.2f} dB" in text and f"SSIM {got.ssim_mean:.4f}" in text
        assert "over 12 frames" in text
        assert view.player.wait_displayed(0)
        view.player.step(1)
        assert view.player.wait_displayed(1)
        qtbot.waitUntil(
            lambda: (
                view.frame_metrics.text() == f"frame 2: PSNR {got.scores[1].psnr:.2f} dB · "
                f"SSIM {got.scores[1].ssim:.4f}"
            ),
            timeout=5000,
        )
        view.grab().save(str(tmp_path / "compare_metrics.png"))

        # choosing take 1 on both sides: identical pictures
        view.combos[1].setCurrentIndex(0)
        assert view.metrics_label.text() == "Measuring PSNR / SSIM…"
        qtbot.waitUntil(lambda: view.metrics.comparison is not None, timeout=20_000)
        assert view.metrics.pair == (1, 1)
        assert "PSNR inf dB (worst inf) · SSIM 1.0000 (worst 1.0000)" in view.metrics_label.text()
    finally:
        view.shutdown()


def test_a_take_whose_media_is_missing_is_named(review, qtbot):
    take = review.takes(CODES[0])[1]
    path = review.media.path(take.media_hash, take.ext)
    shutil.move(path, path.with_name("aside"))
    view = open_view(qtbot, review)
    try:
        assert view.metrics.comparison is None
        assert view.metrics_label.text() == (
            f"PSNR / SSIM: {CODES[0]} take 2: its media file {path} is missing; restore it from a backup or "
            "generate the take again"
        )
    finally:
        view.shutdown()
