"""Preferences → Runtime: the check report of this environment, and the install run off the UI thread with
a progress bar and Cancel (a real venv and pip from a local folder of tiny wheels)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from runtime_support import FAKE_TORCH_VERSION, fake_nvidia_smi, isolate_pip, pip_args, tiny_plan, wheelhouse

from previz.generation.runtime import env_dir
from previz.ui.dialogs.runtime_page import RuntimePage

SHOTS = Path(os.environ.get("PREVIZ_SCREENSHOTS", "")) if os.environ.get("PREVIZ_SCREENSHOTS") else None


def rows(page: RuntimePage) -> dict[str, list[str]]:
    tree = page.backends
    return {
        tree.topLevelItem(i).text(0): [tree.topLevelItem(i).text(c) for c in range(1, 4)]
        for i in range(tree.topLevelItemCount())
    }


@pytest.fixture
def page(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_RUNTIME_DIR", str(tmp_path / "runtime"))
    widget = RuntimePage(check=False)
    qtbot.addWidget(widget)
    widget.resize(760, 520)
    yield widget
    widget.shutdown()


def grab(widget, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def test_page_shows_the_check_of_this_environment(qtbot, page):
    import torch

    assert page.managed.text() == f"not installed ({env_dir(Path(os.environ['PREVIZ_RUNTIME_DIR']))})"
    with qtbot.waitSignal(page.checkFinished, timeout=120_000) as finished:
        page.start_check()
        assert not page.check_button.isEnabled()  # the probe runs off the UI thread
    assert finished.args == [True]
    assert page.interpreter.text() == "the current environment (source install)"
    assert page.fields["torch"].text() == torch.__version__
    assert page.fields["cuda"].text() == "none (a CPU build)"
    assert page.fields["gpus"].text() == "none: generation runs on cpu"
    found = rows(page)
    assert found["sdpa"][:1] == ["yes"] and found["sdpa"][2] == "works on cpu"
    assert found["flash-attn"] == ["no", "", "not installed"]
    assert {"xformers", "sageattention", "bitsandbytes", "torchao", "optimum-quanto"} <= set(found)
    assert page.check_button.isEnabled() and page.install_button.isEnabled()
    assert page.status.text() == ""  # nothing to warn about: no NVIDIA GPU here, every library present
    grab(page, "runtime_page_check.png")


def test_cpu_torch_on_a_gpu_machine_is_flagged(qtbot, page, tmp_path, monkeypatch):
    fake_nvidia_smi(tmp_path / "bin", "575.57.08, NVIDIA L40S, 46068 MiB")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with qtbot.waitSignal(page.checkFinished, timeout=120_000):
        page.start_check()
    assert page.status.objectName() == "banner"
    assert "is a CPU build, but this machine has NVIDIA driver 575.57.08: NVIDIA L40S" in page.status.text()
    grab(page, "runtime_page_warning.png")


def test_old_driver_refusal_is_shown_and_nothing_starts(qtbot, page, tmp_path, monkeypatch):
    fake_nvidia_smi(tmp_path / "bin", "535.183.01, NVIDIA RTX A5000, 24564 MiB")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    asked = []
    page.confirm = lambda plan: asked.append(plan) or False
    page.install_button.click()
    assert page.wait(60_000)
    text = page.status.text()
    assert "driver 535.183.01" in text and "560.28.03" in text and page.status.objectName() == "error"
    assert asked == [] and not (tmp_path / "runtime").exists()


@pytest.fixture
def wheels(tmp_path_factory, monkeypatch):
    isolate_pip(monkeypatch)
    folder = tmp_path_factory.getbasetemp() / "page-wheels"
    if not (folder / "done").exists():
        wheelhouse(folder)
        (folder / "done").touch()
    return folder


@pytest.mark.slow
def test_install_runs_off_the_ui_thread_with_progress(qtbot, page, wheels, tmp_path):
    root = tmp_path / "runtime"
    page.pip_args = pip_args(wheels)
    values = []
    page.bar.valueChanged.connect(values.append)
    with qtbot.waitSignal(page.installFinished, timeout=300_000) as finished:
        page.start_install(tiny_plan(root))
        assert not page.install_button.isEnabled() and page.cancel_button.isEnabled()
        qtbot.waitUntil(lambda: page.bar.value() >= 1, timeout=120_000)
        grab(page, "runtime_page_installing.png")
    assert finished.args == [True]
    assert page.bar.value() == page.bar.maximum() == 6 and values == sorted(values)
    assert page.status.text().startswith(f"Runtime installed in {root / 'env'} (")
    assert page.managed.text() == f"cpu build, torch {FAKE_TORCH_VERSION}, in {root / 'env'}"
    assert not page.cancel_button.isEnabled() and page.install_button.isEnabled()
    grab(page, "runtime_page_installed.png")


@pytest.mark.slow
def test_cancel_stops_the_install_and_leaves_nothing(qtbot, page, wheels, tmp_path):
    root = tmp_path / "runtime"
    page.pip_args = pip_args(wheels)
    with qtbot.waitSignal(page.installFinished, timeout=300_000) as finished:
        page.start_install(tiny_plan(root))
        qtbot.waitUntil(lambda: page.status.text().startswith("installing torch"), timeout=120_000)
        page.cancel_button.click()
    assert finished.args == [False]
    assert page.status.text() == "runtime install cancelled by the user; nothing was installed"
    assert sorted(p.name for p in root.iterdir()) == ["logs"] and not page.bar.isVisible()
    assert page.managed.text().startswith("not installed")
