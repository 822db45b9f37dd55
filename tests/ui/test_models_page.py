"""Preferences → Models: the available list, Download with progress and Cancel off the UI thread, Import."""

from __future__ import annotations

import shutil
import threading

import pytest
from generation.fake_hub import FakeHub, serving

from previz.generation.known_models import KNOWN_MODELS

REPO = "Lightricks/LTX-Video-0.9.5"  # ltx-video-2b-dev
VAE = "vae/diffusion_pytorch_model.safetensors"


@pytest.fixture
def hub(tiny_ltx, tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PREVIZ_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-gpu"))
    server = FakeHub()
    server.add_folder(REPO, tiny_ltx)
    with serving(server, monkeypatch):
        yield server


@pytest.fixture
def asked(monkeypatch):
    """QMessageBox.question never blocks: each call is recorded and answered with ``asked.answer``."""
    from PySide6.QtWidgets import QMessageBox

    class Asked(list):
        answer = QMessageBox.StandardButton.Yes

    record = Asked()

    def question(parent, title, text, *args, **kwargs):
        record.append((title, text))
        return record.answer

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return record


@pytest.fixture
def page(qtbot, hub, asked):
    from previz.ui.dialogs.models_page import ModelsPage

    widget = ModelsPage()
    qtbot.addWidget(widget)
    widget.resize(1400, 760)
    yield widget
    widget.cancel_all()
    widget.wait_idle()


def _cell(page, name: str, column: str) -> str:
    from previz.ui.dialogs.models_page import COLUMNS

    row = [m.name for m in KNOWN_MODELS].index(name)
    return page.table.item(row, COLUMNS.index(column)).text()


def _here(page) -> list[str]:
    return [page.local.topLevelItem(i).text(0) for i in range(page.local.topLevelItemCount())]


def test_lists_licence_commercial_use_size_and_gpu_memory(page, qtbot, tmp_path):
    assert page.table.rowCount() == len(KNOWN_MODELS)
    assert _cell(page, "svd-xt", "Licence") == "Stable Video Diffusion Non-Commercial Community License"
    assert _cell(page, "svd-xt", "Commercial") == "No"
    assert _cell(page, "wan2.1-t2v-1.3b", "Commercial") == "Yes"
    assert _cell(page, "svd-xt", "Size") == "~10 GB"
    # no GPU here: every model's GPU memory is marked as more than the machine has
    qtbot.waitUntil(lambda: _cell(page, "svd-xt", "GPU memory") == "~16 GB ⚠", timeout=20_000)
    assert page.grab().save(str(tmp_path / "models_page.png"))


def test_download_shows_progress_and_lists_the_model(page, qtbot, hub, tmp_path):
    row = page.rows["ltx-video-2b-dev"]
    values = []
    row.bar.valueChanged.connect(values.append)
    row.button.click()
    assert row.button.text() == "Cancel"
    qtbot.waitUntil(lambda: "ltx-video-2b-dev" not in page.threads, timeout=60_000)
    assert row.status.text() == "On this machine" and not row.button.isEnabled()
    assert values[-1] == 1000 and values == sorted(values) and len(values) > 5
    assert _here(page) == ["ltx-video-2b-dev"]
    assert (tmp_path / "models" / "ltx-video-2b-dev" / VAE).is_file()
    assert page.warning.text().startswith("Warning: no NVIDIA GPU found (nvidia-smi is not installed)")
    assert page.notes.text() == "1 usable model(s) on this machine."


def test_cancel_keeps_the_partial_unlisted_and_resume_finishes(page, qtbot, hub, tiny_ltx, tmp_path):
    release = threading.Event()
    hub.hold_at[VAE] = (100_000, release)
    row = page.rows["ltx-video-2b-dev"]
    row.button.click()
    qtbot.waitUntil(hub.holding.is_set, timeout=60_000)
    qtbot.waitUntil(lambda: row.bar.value() > 0, timeout=60_000)
    row.button.click()  # Cancel
    assert row.status.text() == "Cancelling…"
    release.set()
    qtbot.waitUntil(lambda: "ltx-video-2b-dev" not in page.threads, timeout=60_000)
    assert row.status.text() == "Cancelled; Resume continues it" and row.button.text() == "Resume"
    assert (tmp_path / "models" / "ltx-video-2b-dev.partial").is_dir()
    assert "ltx-video-2b-dev" not in _here(page)

    row.button.click()  # Resume
    qtbot.waitUntil(lambda: "ltx-video-2b-dev" not in page.threads, timeout=60_000)
    assert row.status.text() == "On this machine" and "ltx-video-2b-dev" in _here(page)
    assert hub.served[VAE] < 2 * (tiny_ltx / VAE).stat().st_size


def test_import_folder_and_refused_import(page, qtbot, tiny_ltx, tmp_path):
    import json

    odd = shutil.copytree(tiny_ltx, tmp_path / "odd")
    index = json.loads((odd / "model_index.json").read_text())
    (odd / "model_index.json").write_text(json.dumps({**index, "_class_name": "AnimateDiffPipeline"}))
    page.import_path(odd)
    qtbot.waitUntil(lambda: "import" not in page.threads, timeout=60_000)
    assert "'AnimateDiffPipeline' is not a supported video family" in page.import_status.text()
    assert page.import_folder_button.isEnabled() and _here(page) == []

    page.import_path(tiny_ltx)
    qtbot.waitUntil(lambda: "import" not in page.threads, timeout=60_000)
    assert page.import_status.text().startswith("Imported: ")
    assert _here(page) == ["my-ltx"]


def test_a_model_the_gpu_is_short_of_or_non_commercial_is_confirmed_first(page, qtbot, hub, asked, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    qtbot.waitUntil(lambda: "ltx-video-2b-dev" in page.gpu_note, timeout=20_000)
    asked.answer = QMessageBox.StandardButton.No
    page.rows["ltx-video-2b-dev"].button.click()
    assert "ltx-video-2b-dev" not in page.threads and not (tmp_path / "models").exists()
    title, text = asked[-1]
    assert title == "Download this model?"
    assert "It needs ~16 GB of GPU memory at 704x480, 121 frames; no NVIDIA GPU found." in text
    assert hub.requests == []  # nothing asked of the hub

    page.rows["svd-xt"].button.click()
    assert "does not allow commercial use" in asked[-1][1] and "svd-xt" not in page.threads
