"""The GPU runtime: the plan (which torch build for which driver), nvidia-smi, the check through the real
probe, a real install from a local wheel folder, and the worker started in a managed runtime from a
"frozen" app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from runtime_support import (
    FAKE_TORCH_VERSION,
    fake_nvidia_smi,
    isolate_pip,
    pip_args,
    pip_wheel,
    quick_runtime,
    served,
    tiny_plan,
    wheelhouse,
)

from previz.core.errors import CancelledError, GenerationError
from previz.core.jobs import CancelToken
from previz.generation.runtime import (
    MANIFEST,
    RuntimeSetupError,
    env_dir,
    env_python,
    installed_runtime,
    runtime_root,
    worker_interpreter,
)
from previz.generation.runtime_check import check_runtime, gpu_warnings
from previz.generation.runtime_install import PipOutput, install_runtime
from previz.generation.runtime_plan import (
    CPU_INDEX,
    LIBRARIES,
    TORCH_REQUIREMENT,
    Gpu,
    GpuReport,
    detect_gpus,
    find_base_python,
    make_plan,
    parse_nvidia_smi,
)

ROOT = Path(__file__).resolve().parents[2]
H200 = (Gpu("NVIDIA H200", 143771),)


def gpus(driver: str) -> GpuReport:
    return GpuReport("/usr/bin/nvidia-smi", driver, H200)


def plan(driver: str | None, system: str = "Linux", **kw):
    report = GpuReport() if driver is None else gpus(driver)
    return make_plan(gpus=report, system=system, python=sys.executable, root="/tmp/rt", **kw)


# -- the plan -------------------------------------------------------------------------------------------
def test_no_gpu_plans_the_cpu_build():
    p = plan(None)
    assert (p.build, p.cuda) == ("cpu", None)
    assert p.steps[0].requirements == (TORCH_REQUIREMENT,) and p.steps[0].index_url == CPU_INDEX
    assert "no NVIDIA GPU" in p.reason and any("CPU only" in n for n in p.notes)


@pytest.mark.parametrize(
    "driver, system, build, torch_req",
    [
        ("565.57.01", "Linux", "cu126", "torch>=2.6"),  # fits cu126 (560.28.03) but not cu128 (570.26)
        ("570.26", "Linux", "cu128", "torch>=2.7"),  # exactly cu128's minimum
        ("575.57.08", "Linux", "cu128", "torch>=2.7"),
        ("580.95.05", "Linux", "cu130", "torch>=2.9"),  # new: the newest build
        ("566.36", "Windows", "cu126", "torch>=2.6"),  # Windows' own minimums (cu128: 570.65)
        ("572.16", "Windows", "cu128", "torch>=2.7"),
    ],
)
def test_driver_chooses_the_newest_build_it_runs(driver, system, build, torch_req):
    p = plan(driver, system)
    assert p.build == build
    assert p.steps[0].requirements == (torch_req,)
    assert p.steps[0].index_url == f"https://download.pytorch.org/whl/{build}"
    assert driver in p.reason and p.gpus.gpus == H200


def test_old_driver_is_refused_naming_what_it_found_and_needs():
    with pytest.raises(RuntimeSetupError) as err:
        plan("535.183.01")
    msg = err.value.one_line()
    assert "535.183.01" in msg and "560.28.03" in msg and "NVIDIA H200" in msg and "--cpu" in msg


def test_forced_cuda_too_new_for_the_driver_is_refused_naming_both_versions():
    with pytest.raises(RuntimeSetupError) as err:
        plan("565.57.01", cuda="12.8")
    msg = err.value.one_line()
    assert "--cuda 12.8" in msg and "570.26" in msg and "565.57.01" in msg


@pytest.mark.parametrize("spelling", ["12.6", "cu126", "126"])
def test_forced_older_cuda_is_taken(spelling):
    p = plan("580.95.05", cuda=spelling)
    assert p.build == "cu126" and p.steps[0].requirements == ("torch>=2.6",)


def test_unknown_cuda_and_cuda_without_driver_are_refused():
    with pytest.raises(RuntimeSetupError, match=r"--cuda 11\.2: Previz installs CUDA 12\.6, 12\.8, 13\.0"):
        plan("580.95.05", cuda="11.2")
    with pytest.raises(RuntimeSetupError, match="no NVIDIA driver found"):
        plan(None, cuda="12.8")
    with pytest.raises(RuntimeSetupError, match="not made for macOS"):
        plan(None, "Darwin", cuda="12.8")


def test_cpu_forced_on_a_gpu_machine_and_macos():
    p = plan("580.95.05", cpu=True)
    assert p.build == "cpu" and p.steps[0].index_url == CPU_INDEX and p.reason == "--cpu was given"
    mac = plan(None, "Darwin")
    assert mac.build == "cpu" and mac.steps[0].index_url is None and "MPS" in mac.reason


def test_broken_driver_is_refused_with_what_nvidia_smi_said():
    report = GpuReport("/usr/bin/nvidia-smi", error="exit code 9: NVIDIA-SMI has failed")
    with pytest.raises(RuntimeSetupError, match="nvidia-smi is installed but failed .*NVIDIA-SMI has failed"):
        make_plan(gpus=report, system="Linux", python=sys.executable)


def test_plan_packages_are_pyprojects_ranges_and_what_the_worker_imports():
    """Every runtime package has pyproject.toml's range; every distribution the worker's modules import
    is a planned package or one of their dependencies."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    ranges = {canonicalize_name(Requirement(d).name): str(Requirement(d).specifier) for d in deps}
    planned = [Requirement(r) for r in (TORCH_REQUIREMENT, *LIBRARIES)]
    for req in planned:
        assert ranges[canonicalize_name(req.name)] == str(req.specifier), req
    modules = [
        "previz.generation.worker",
        "previz.generation.diffusers_backend",
        "previz.generation.jobrun",
        "previz.generation.encode",
        "previz.generation.provenance",
        "previz.generation.execute",
        "diffusers",
        "transformers",
    ]
    code = (
        "import importlib, json, sys\n"
        "from importlib import metadata\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "dists = metadata.packages_distributions()\n"
        "tops = {m.split('.')[0] for m in list(sys.modules)} - set(sys.stdlib_module_names)\n"
        "print(json.dumps(sorted({d for t in tops for d in dists.get(t, [])})))\n"
    )
    imported = json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    )
    closure, todo = set(), [r.name for r in planned]
    from importlib import metadata

    while todo:
        name = canonicalize_name(todo.pop())
        if name in closure:
            continue
        closure.add(name)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    missing = {canonicalize_name(d) for d in imported} - closure - {"previz"}
    assert not missing, f"the worker imports {missing}, which the runtime plan does not install"


# -- nvidia-smi ------------------------------------------------------------------------------------------
def test_parse_nvidia_smi_lines():
    text = "575.57.08, NVIDIA H200, 143771 MiB\n575.57.08, NVIDIA RTX 6000 Ada Generation, 49140 MiB\n"
    driver, found = parse_nvidia_smi(text)
    assert driver == "575.57.08"
    assert found == (Gpu("NVIDIA H200", 143771), Gpu("NVIDIA RTX 6000 Ada Generation", 49140))
    assert parse_nvidia_smi("No devices were found\n") == (None, ())


def test_detect_gpus_reads_a_fake_nvidia_smi_on_path(tmp_path, monkeypatch):
    fake_nvidia_smi(tmp_path / "bin", "565.57.01, NVIDIA GeForce RTX 4090, 24564 MiB")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    report = detect_gpus()
    assert report.driver == "565.57.01" and report.gpus == (Gpu("NVIDIA GeForce RTX 4090", 24564),)
    p = make_plan(system="Linux", python=sys.executable, root=tmp_path / "rt")
    assert p.build == "cu126" and "RTX 4090" in "\n".join(p.lines())


def test_detect_gpus_reports_a_failing_nvidia_smi(tmp_path, monkeypatch):
    msg = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
    fake_nvidia_smi(tmp_path / "bin", msg, code=9)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    report = detect_gpus()
    assert report.driver is None and report.error == f"exit code 9: {msg}"
    with pytest.raises(RuntimeSetupError, match="couldn't communicate"):
        make_plan(system="Linux", python=sys.executable)


def test_no_nvidia_smi_means_no_gpu(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert detect_gpus() == GpuReport()


# -- where, and which Python -------------------------------------------------------------------------------
def test_runtime_root_from_env_and_override(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZ_RUNTIME_DIR", str(tmp_path / "a"))
    assert runtime_root() == tmp_path / "a" and runtime_root(tmp_path / "b") == tmp_path / "b"
    monkeypatch.delenv("PREVIZ_RUNTIME_DIR")
    assert runtime_root().parts[-2:] == ("previz", "runtime")


@pytest.mark.parametrize(
    "script, message",
    [
        ("echo 3.8.10", "is Python 3.8.10; the runtime needs 3.10 or newer"),
        ("echo 3.11.2; exit 1", "has no venv/ensurepip module: install it (Debian and Ubuntu: apt install"),
        ("echo oops >&2; exit 3", "not a Python (oops)"),
    ],
)
def test_base_python_without_venv_or_too_old_is_refused(tmp_path, script, message):
    fake = tmp_path / "python3"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    with pytest.raises(RuntimeSetupError, match=message.replace("(", r"\(").replace(")", r"\)")):
        find_base_python(str(fake))


def test_source_install_runs_the_worker_in_this_environment(monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    interpreter = worker_interpreter()
    assert interpreter.python == Path(sys.executable) and not interpreter.managed and not interpreter.env


# -- the check ---------------------------------------------------------------------------------------------
def test_check_runs_the_probe_on_this_machines_torch():
    import torch

    report = check_runtime()
    assert report.torch == torch.__version__ and report.cuda_available is False and report.device == "cpu"
    assert report.executable == sys.executable and report.usable and not report.problems()
    sdpa = {b.name: b for b in report.attention}["sdpa"]
    assert sdpa.ok and sdpa.detail == "works on cpu"
    assert {b.name for b in report.attention} == {"sdpa", "flash-attn", "xformers", "sageattention"}
    assert {b.name for b in report.quantization} == {"bitsandbytes", "torchao", "optimum-quanto"}
    data = json.loads(report.to_json())
    assert data["torch"] == torch.__version__ and data["usable"] is True
    assert any(line.startswith("torch") and torch.__version__ in line for line in report.lines())


def test_check_warns_when_a_cpu_torch_runs_on_a_machine_with_an_nvidia_gpu(tmp_path, monkeypatch):
    import torch

    fake_nvidia_smi(tmp_path / "bin", "575.57.08, NVIDIA L40S, 46068 MiB")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    report = check_runtime()
    assert report.usable and report.machine == "NVIDIA driver 575.57.08: NVIDIA L40S (46068 MiB)"
    assert report.warnings == (
        f"torch {torch.__version__} is a CPU build, but this machine has NVIDIA driver 575.57.08: "
        "NVIDIA L40S (46068 MiB): install the CUDA build for it (`previz runtime install`)",
    )
    assert f"warning       {report.warnings[0]}" in report.lines()
    # A CUDA build the driver cannot run names the driver it needs.
    cuda_build = replace(report, cuda="12.8", warnings=())
    old_driver = GpuReport("/usr/bin/nvidia-smi", "550.54.14", (Gpu("NVIDIA L40S", 46068),))
    assert gpu_warnings(cuda_build, old_driver, "Linux") == [
        f"torch {torch.__version__} is built for CUDA 12.8 but cannot use this machine's GPU (NVIDIA "
        "driver 550.54.14: NVIDIA L40S (46068 MiB); CUDA 12.8 needs driver 570.26 or newer): see "
        "`previz runtime plan`"
    ]
    assert gpu_warnings(cuda_build, GpuReport()) == []  # no NVIDIA GPU: nothing to say


def test_check_of_a_runtime_that_is_not_installed_says_what_to_do(tmp_path):
    with pytest.raises(RuntimeSetupError, match="not installed .*run `previz runtime install`"):
        check_runtime(tmp_path / "none")


# -- the install (real: venv and pip, from a local wheel folder) -------------------------------------------
@pytest.fixture
def wheels(tmp_path_factory, monkeypatch):
    isolate_pip(monkeypatch)
    folder = tmp_path_factory.getbasetemp() / "wheels"
    if not (folder / "done").exists():
        pip_wheel(wheelhouse(folder))
        (folder / "done").touch()
    return folder


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name != "logs") if root.exists() else []


@pytest.mark.slow
def test_install_builds_checks_and_renames_into_place(tmp_path, wheels):
    root = tmp_path / "runtime"
    events = []
    seen_env_during_install = []

    def progress(done, total, message):
        events.append((done, total, message))
        seen_env_during_install.append(env_dir(root).exists())

    with served(wheels) as url:  # downloaded as from an index: pip reports the bytes
        result = install_runtime(tiny_plan(root), progress, pip_args=("--no-index", "--find-links", url))
    assert result.env == env_dir(root) and result.python == env_python(result.env)
    assert not any(seen_env_during_install[:-1])  # nothing at the final path until the rename
    assert leftovers(root) == ["env"]  # no partial folder, no lock
    total = events[0][1]
    assert total == 6 and events[-1] == (6, 6, f"runtime installed in {result.env}")
    dones = [d for d, _, _ in events]
    assert dones == sorted(dones)
    messages = [m for _, _, m in events]
    assert "creating the Python environment" in messages and "checking the new runtime" in messages
    assert any(m.startswith("installing libraries: ") and "previz-tiny-dep" in m for m in messages)
    assert any(m.startswith("updating pip: Successfully installed pip-") for m in messages)
    downloads = [m for m in messages if m.startswith("installing torch: downloading ")]
    size = f"{(wheels / f'torch-{FAKE_TORCH_VERSION}-py3-none-any.whl').stat().st_size / 1024:.0f} kB"
    assert downloads[-1] == f"installing torch: downloading torch-{FAKE_TORCH_VERSION} ({size} of {size})"
    assert "Progress " not in result.log.read_text()  # the byte counts stay out of the log
    assert result.report.torch == FAKE_TORCH_VERSION and result.report.device == "cpu"
    sdpa = {b.name: b for b in result.report.attention}["sdpa"]
    assert not sdpa.ok and "torch.nn" in sdpa.detail  # the fake torch fails the call: reported, no crash
    code = "import previz_tiny_lib, previz_tiny_dep; print(previz_tiny_lib.VERSION, previz_tiny_dep.VERSION)"
    out = subprocess.run([str(result.python), "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1.0", "2.0"]
    installed = installed_runtime(root)
    assert installed.build == "cpu" and installed.manifest["torch"] == FAKE_TORCH_VERSION
    assert Path(installed.manifest["log"]) == result.log and "previz-tiny-dep" in result.log.read_text()
    checked = check_runtime(root)  # the check of the installed runtime, which lacks the model libraries
    assert checked.torch == FAKE_TORCH_VERSION
    assert checked.interpreter == f"the Previz runtime at {result.env}"
    assert not checked.usable and checked.problems()[0].startswith("not installed: diffusers, transformers")

    # Installing again replaces the runtime only when the new one is complete.
    (result.env / "marker").touch()
    again = install_runtime(tiny_plan(root, "previz-tiny-dep"), pip_args=pip_args(wheels))
    assert not (again.env / "marker").exists() and leftovers(root) == ["env"]


@pytest.mark.slow
def test_cancel_during_pip_leaves_nothing(tmp_path, wheels):
    root = tmp_path / "runtime"
    token = CancelToken()
    pip_running = threading.Event()

    def progress(done, total, message):
        if message.startswith("installing torch: "):  # a line from pip: pip is running
            pip_running.set()
            token.cancel()

    with pytest.raises(CancelledError, match="nothing was installed"):
        install_runtime(tiny_plan(root), progress, token, pip_args=pip_args(wheels))
    assert pip_running.is_set()
    assert leftovers(root) == [] and installed_runtime(root) is None
    log = next((root / "logs").iterdir()).read_text()
    assert "-- cancelled by the user" in log


@pytest.mark.slow
def test_failing_pip_leaves_nothing_and_names_the_log(tmp_path, wheels):
    root = tmp_path / "runtime"
    with pytest.raises(RuntimeSetupError) as err:
        install_runtime(tiny_plan(root, "previz-not-a-package>=1"), pip_args=pip_args(wheels))
    msg = err.value.one_line()
    log = next((root / "logs").iterdir())
    assert msg.startswith("installing libraries failed (exit code 1): ")
    assert "previz-not-a-package" in msg and msg.endswith(f"full log: {log}")
    assert leftovers(root) == [] and installed_runtime(root) is None


def test_pip_output_becomes_progress_messages():
    seen = []
    out = PipOutput("installing torch", seen.append)
    lines = [
        "Looking in indexes: https://download.pytorch.org/whl/cu128",
        "Collecting torch>=2.7",
        "Downloading https://download.pytorch.org/whl/cu128/torch-2.9.0%2Bcu128-cp311-cp311-manylinux_2_28"
        "_x86_64.whl (899.7 MB)",
        "Progress 0 of 943405056",
        "Progress 471702528 of 943405056",
        "  Attempting uninstall: numpy",
    ]
    logged = [out(line) for line in lines]
    assert logged == [True, True, True, False, False, True]
    assert seen == [
        "installing torch: Collecting torch>=2.7",
        "installing torch: Downloading https://download.pytorch.org/whl/cu128/torch-2.9.0%2Bcu128-cp311-cp311-"
        "manylinux_2_28_x86_64.whl (899.7 MB)",
        "installing torch: downloading torch-2.9.0+cu128 (0 kB of 900 MB)",
        "installing torch: downloading torch-2.9.0+cu128 (450 MB of 900 MB)",
    ]


def test_install_refusals_change_nothing(tmp_path):
    root = tmp_path / "runtime"
    with pytest.raises(RuntimeSetupError, match=r"GB free; the cpu runtime needs about 9537 GB"):
        install_runtime(replace(tiny_plan(root), disk_needed_mib=9537 * 1024))
    assert leftovers(root) == []
    (root / "install.lock").write_text(str(os.getppid()))  # a live process holds the lock
    with pytest.raises(
        RuntimeSetupError, match=f"another runtime install is running .*process {os.getppid()}"
    ):
        install_runtime(tiny_plan(root))
    assert leftovers(root) == ["install.lock"]


def test_a_partial_folder_is_never_taken_for_a_runtime(tmp_path):
    root = tmp_path / "runtime"
    quick_runtime(root)
    (env_dir(root) / MANIFEST).unlink()  # an environment whose install did not finish
    assert installed_runtime(root) is None


# -- the worker from a bundle ------------------------------------------------------------------------------
@pytest.fixture
def frozen_app(tmp_path, monkeypatch):
    """This process as a bundle would be: ``sys.frozen``, the previz sources in ``_MEIPASS/previz-src``."""
    meipass = tmp_path / "bundle"
    (meipass / "previz-src").mkdir(parents=True)
    (meipass / "previz-src" / "previz").symlink_to(ROOT / "previz", target_is_directory=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(meipass), raising=False)
    monkeypatch.setenv("PREVIZ_RUNTIME_DIR", str(tmp_path / "runtime"))
    return meipass


def test_bundle_without_runtime_fails_the_job_saying_what_to_do(frozen_app, tmp_path):
    from previz.generation.worker import WorkerClient

    client = WorkerClient()
    with pytest.raises(GenerationError, match="GPU runtime is not installed .*run `previz runtime install`"):
        client.start()
    assert not client.alive()


@pytest.mark.slow
def test_bundle_starts_the_worker_in_the_managed_runtime(frozen_app, tmp_path, models_root):
    from previz.generation.execute import execute
    from previz.generation.request import GenerationRequest
    from previz.generation.worker import WorkerClient
    from previz.media.video import probe

    python = quick_runtime(tmp_path / "runtime")
    interpreter = worker_interpreter()
    assert interpreter.managed and interpreter.python == python
    assert interpreter.env["PYTHONPATH"] == str(frozen_app / "previz-src")
    import torch

    report = check_runtime()  # the bundle's check: the managed runtime, the probe from previz-src
    assert report.interpreter == f"the Previz runtime at {python.parents[1]}" and report.usable
    assert report.torch == torch.__version__ and report.executable == str(python)
    with WorkerClient(cancel_grace_s=5.0) as client:
        client.start()
        argv = Path(f"/proc/{client.pid}/cmdline").read_bytes().split(b"\0")
        environ = Path(f"/proc/{client.pid}/environ").read_bytes().split(b"\0")
        assert argv[0].decode() == str(python)
        assert f"PYTHONPATH={frozen_app / 'previz-src'}".encode() in environ
        request = GenerationRequest(
            backend="diffusers", model="tiny-ltx-video", prompt="a door opens", width=32, height=32,
            frames=9, steps=2, fps="24", seed=3,
        )  # fmt: skip
        out = tmp_path / "take.mp4"
        events = []
        result = execute(
            request, {}, out, lambda *e: events.append(e), worker=client,
            model_folders=[models_root], include_hf_cache=False,
        )  # fmt: skip
        assert probe(out).frames == result.frames == 9 and result.provenance["pid"] == client.pid
        assert [e[:2] for e in events if e[2].startswith("step")] == [(1, 2), (2, 2)]
    assert not client.alive()


@pytest.mark.slow
def test_bundle_worker_over_the_named_pipe_transport(frozen_app, tmp_path, monkeypatch):
    """The transport Windows uses (the worker connects back to an authenticated listener), run here."""
    from previz.generation import runtime_launch
    from previz.generation.worker import WorkerClient

    monkeypatch.setattr(runtime_launch, "POSIX", False)
    python = quick_runtime(tmp_path / "runtime")
    client = WorkerClient(stop_timeout_s=60.0)
    client.start()  # returns once the worker has connected back and said it is ready
    try:
        pid = client.pid
        assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode() == str(python)
        names = {v.split(b"=")[0] for v in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")}
        assert b"PREVIZ_WORKER_ADDRESS" in names and b"PREVIZ_WORKER_FD" not in names
    finally:
        client.stop()
    assert not client.alive() and not Path(f"/proc/{pid}").exists()
