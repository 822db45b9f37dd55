"""``previz runtime plan|install|check`` end to end: what they print, exit codes, one-line refusals, an
install of the real plan from a local folder of stand-in wheels, and Ctrl+C during pip leaving nothing."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from runtime_support import FAKE_TORCH_VERSION, fake_nvidia_smi, fake_release, isolate_pip

from previz.cli import main
from previz.cli.runtime_cmds import ProgressLines


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def driver(tmp_path, monkeypatch):
    """A machine whose nvidia-smi reports driver 565.57.01 (CUDA 12.6 builds, not 12.8)."""
    fake_nvidia_smi(tmp_path / "bin", "565.57.01, NVIDIA RTX A6000, 49140 MiB")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PREVIZ_RUNTIME_DIR", str(tmp_path / "runtime"))
    return tmp_path / "runtime"


def test_plan_names_the_build_for_the_driver(driver, capsys):
    code, out, err = run(capsys, "runtime", "plan")
    assert code == 0, err
    assert "NVIDIA driver 565.57.01: NVIDIA RTX A6000 (49140 MiB)" in out
    assert "torch build cu126 (CUDA 12.6)" in out
    assert "pip install torch>=2.6 from https://download.pytorch.org/whl/cu126" in out
    assert f"runtime     {driver / 'env'}" in out
    code, out, _ = run(capsys, "runtime", "plan", "--json", "--cpu")
    data = json.loads(out)
    assert code == 0 and data["build"] == "cpu" and data["env"] == str(driver / "env")
    assert data["gpus"]["driver"] == "565.57.01" and data["steps"][1]["requirements"][0].startswith(
        "diffusers"
    )
    assert not driver.exists()  # a plan changes nothing


def test_forced_cuda_too_new_is_refused_in_one_line(driver, capsys):
    code, out, err = run(capsys, "runtime", "install", "--cuda", "12.8")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(
        "previz: error: --cuda 12.8 (torch cu128) needs NVIDIA driver"
    )
    assert "570.26 or newer on Linux" in err and "driver 565.57.01 (NVIDIA RTX A6000)" in err
    assert not driver.exists()


def test_cuda_and_cpu_together_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["runtime", "install", "--cpu", "--cuda", "12.8"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_check_reports_this_environment(capsys):
    import torch

    code, out, err = run(capsys, "runtime", "check", "--json")
    data = json.loads(out)
    assert code == 0, err
    assert data["torch"] == torch.__version__ and data["cuda_available"] is False and data["usable"] is True
    assert data["interpreter"] == "the current environment (source install)"
    code, out, _ = run(capsys, "runtime", "check")
    assert code == 0 and f"torch         {torch.__version__}" in out and "yes sdpa" in out


def test_check_of_a_missing_runtime_says_what_to_do(tmp_path, capsys):
    code, out, err = run(capsys, "runtime", "check", "--dir", tmp_path / "nothing")
    assert code == 1 and out == ""
    assert err == (
        f"previz: error: the GPU runtime is not installed (looked in {tmp_path / 'nothing' / 'env'}): run "
        "`previz runtime install`, or Preferences → Runtime → Install runtime…\n"
    )


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_download_bytes_are_throttled_off_a_terminal_and_rewrite_one_line_on_it():
    now = [0.0]
    messages = [(2, "installing torch")]
    download = "installing torch: downloading torch-2.9.0 ({} MB of 900 MB)"
    messages += [(2, download.format(n * 100)) for n in range(10)]
    messages += [(3, "installing libraries")]
    plain = ProgressLines(Stream(False), every_s=5.0, clock=lambda: now[0])
    for n, (done, message) in enumerate(messages):
        now[0] = n * 1.0  # one message a second
        plain(done, 6, message)
    assert plain.stream.getvalue().splitlines() == [
        "[2/6] installing torch",
        "[2/6] installing torch: downloading torch-2.9.0 (0 MB of 900 MB)",
        "[2/6] installing torch: downloading torch-2.9.0 (500 MB of 900 MB)",
        "[3/6] installing libraries",
    ]
    tty = ProgressLines(Stream(True))
    for done, message in messages:
        tty(done, 6, message)
    out = tty.stream.getvalue()
    assert out.count("\n") == 3 and out.count("\r\x1b[2K") == 10
    assert out.endswith("(900 MB of 900 MB)\n[3/6] installing libraries\n")


@pytest.fixture
def offline_release(tmp_path_factory, monkeypatch):
    """pip reads only a local folder of stand-ins for torch and every planned library."""
    isolate_pip(monkeypatch)
    folder = tmp_path_factory.getbasetemp() / "release-wheels"
    if not (folder / "done").exists():
        fake_release(folder)
        (folder / "done").touch()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def cli(*argv) -> list[str]:
    return [sys.executable, "-m", "previz", *map(str, argv)]


@pytest.mark.slow
def test_install_then_check_the_installed_runtime(offline_release, tmp_path, capsys):
    root = tmp_path / "runtime"
    done = subprocess.run(cli("runtime", "install", "--cpu", "--dir", root), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "[0/6] creating the Python environment" in done.stderr
    assert "[1/6] updating pip: " in done.stderr and "[2/6] installing torch: " in done.stderr
    assert "[3/6] installing libraries: " in done.stderr
    assert "[5/6] putting the runtime in place" in done.stderr
    assert done.stdout.startswith(f"runtime installed in {root / 'env'} (")
    assert f"torch {FAKE_TORCH_VERSION}; log: {root / 'logs'}" in done.stdout
    assert "note: this is a source install" in done.stderr
    assert sorted(p.name for p in root.iterdir()) == ["env", "logs"]
    code, out, err = run(capsys, "runtime", "check", "--dir", root, "--json")
    data = json.loads(out)
    assert code == 0, err
    assert (
        data["torch"] == FAKE_TORCH_VERSION and data["interpreter"] == f"the Previz runtime at {root / 'env'}"
    )
    assert data["libraries"]["diffusers"] == "0.35" and data["executable"].startswith(str(root / "env"))


@pytest.mark.slow
def test_ctrl_c_during_pip_cancels_and_leaves_nothing(offline_release, tmp_path):
    root = tmp_path / "runtime"
    proc = subprocess.Popen(
        cli("runtime", "install", "--cpu", "--dir", root),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("[2/6] installing torch: "):  # a line from pip: pip runs
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, "".join(seen) + rest
    assert "runtime install cancelled; nothing was installed" in rest
    assert sorted(p.name for p in root.iterdir()) == ["logs"]
    log = next((root / "logs").iterdir()).read_text()
    assert "-- cancelled by the user" in log
    assert not any(Path(f"/proc/{pid}").exists() for pid in _pips(root))


def _pips(root: Path) -> list[int]:
    """Processes still running a Python from under ``root`` (a pip that outlived the cancel)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(root).encode() in (entry / "cmdline").read_bytes():
                    out.append(int(entry.name))
            except OSError:
                pass
    return out
