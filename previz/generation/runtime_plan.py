"""The plan for the GPU runtime: which torch build for this machine, which packages, which Python.

``detect_gpus`` reads the driver and GPUs from ``nvidia-smi``; ``make_plan`` chooses the torch build from a
table, not an if-chain (``CUDA_BUILDS``: CUDA variant → the driver it needs on Linux and Windows → its
PyTorch wheel index) and lists the packages (kept to ``pyproject.toml``'s ranges by a test);
``find_base_python`` finds the Python the environment is made from. A driver too old for any build (or for
the one ``--cuda`` forces) is refused naming the driver found and the one needed.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from previz.generation.runtime import RuntimeSetupError, env_dir, runtime_root, version_tuple

#: The Python a bundle builds the runtime with (a bundle is not a Python that can make a venv).
PYTHON_ENV = "PREVIZ_PYTHON"
TORCH_INDEX = "https://download.pytorch.org/whl/"
MIN_PYTHON = (3, 10)


@dataclass(frozen=True)
class CudaBuild:
    """A CUDA variant of the PyTorch wheels and the NVIDIA driver its CUDA toolkit needs."""

    tag: str  # the wheel index's name, e.g. "cu128"
    cuda: str  # "12.8"
    linux_driver: str  # the minimum driver version (NVIDIA's CUDA toolkit release notes, table 3)
    windows_driver: str
    torch_min: str  # the first torch release with wheels for this variant

    def min_driver(self, system: str) -> str:
        return self.windows_driver if system == "Windows" else self.linux_driver

    @property
    def index_url(self) -> str:
        return TORCH_INDEX + self.tag


#: Oldest first. ``make_plan`` takes the newest build the driver runs.
CUDA_BUILDS: tuple[CudaBuild, ...] = (
    CudaBuild("cu126", "12.6", "560.28.03", "560.76", "2.6"),
    CudaBuild("cu128", "12.8", "570.26", "570.65", "2.7"),
    CudaBuild("cu130", "13.0", "580.65.06", "580.88", "2.9"),
)
CPU_INDEX = TORCH_INDEX + "cpu"

#: torch, and what the worker imports when it runs a job (kept to pyproject.toml's ranges by a test).
TORCH_REQUIREMENT = "torch>=2.4"
LIBRARIES: tuple[str, ...] = (
    "diffusers>=0.35",
    "transformers>=4.50",
    "accelerate>=1.0",
    "safetensors>=0.4",
    "huggingface_hub>=0.25",
    "sentencepiece>=0.2",
    "ftfy>=6",
    "numpy>=1.26",
    "opencv-python-headless>=4.9",
    "Pillow>=10",
    "av>=14",
    "platformdirs>=4",
)


#: Free space an install needs (MiB): the environment plus pip's unpacking room. A CPU runtime measured
#: 1.6 GB on Linux; a CUDA one is about 6 GB (torch and NVIDIA's CUDA libraries).
DISK_NEEDED_MIB = {"cpu": 3 * 1024, "cuda": 10 * 1024}


# -- what the machine has ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gpu:
    name: str
    memory_mib: int | None


@dataclass(frozen=True)
class GpuReport:
    """What ``nvidia-smi`` said: nothing (``smi`` None), a driver and GPUs, or an error."""

    smi: str | None = None  # the nvidia-smi that answered
    driver: str | None = None
    gpus: tuple[Gpu, ...] = ()
    error: str | None = None

    def describe(self) -> str:
        if self.smi is None:
            return "no NVIDIA GPU (nvidia-smi not found)"
        if self.error:
            return f"nvidia-smi failed: {self.error}"
        names = ", ".join(f"{g.name} ({g.memory_mib} MiB)" for g in self.gpus) or "no GPU listed"
        return f"NVIDIA driver {self.driver}: {names}"


SMI_QUERY = ["--query-gpu=driver_version,name,memory.total", "--format=csv,noheader"]


def parse_nvidia_smi(text: str) -> tuple[str | None, tuple[Gpu, ...]]:
    """``driver, gpus`` from the CSV lines of ``SMI_QUERY`` (``575.57.08, NVIDIA H200, 143771 MiB``)."""
    driver, gpus = None, []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split(",")]
        if len(cells) < 3 or not version_tuple(cells[0]):
            continue
        driver = driver or cells[0]
        memory = cells[-1].split()[0] if cells[-1] else ""
        name = ",".join(cells[1:-1]).strip()  # a name holding a comma keeps it
        gpus.append(Gpu(name, int(memory) if memory.isdigit() else None))
    return driver, tuple(gpus)


def detect_gpus(timeout_s: float = 20.0) -> GpuReport:
    """Ask ``nvidia-smi`` (on PATH) for the driver and GPUs."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return GpuReport()
    try:
        done = subprocess.run([smi, *SMI_QUERY], capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return GpuReport(smi, error=f"{type(exc).__name__}: {exc}")
    out = (done.stdout or "") + (done.stderr or "")
    driver, gpus = parse_nvidia_smi(done.stdout or "")
    if done.returncode != 0 or driver is None:
        first = next((ln.strip() for ln in out.splitlines() if ln.strip()), "no output")
        return GpuReport(smi, error=f"exit code {done.returncode}: {first}")
    return GpuReport(smi, driver, gpus)


# -- the plan --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PipStep:
    label: str
    requirements: tuple[str, ...]
    index_url: str | None = None  # None: the default index (PyPI)


@dataclass(frozen=True)
class BasePython:
    """The interpreter the runtime's venv is made from."""

    path: str
    version: str


@dataclass(frozen=True)
class RuntimePlan:
    """What ``previz runtime install`` would do on this machine."""

    build: str  # "cu128", "cpu"
    cuda: str | None
    reason: str
    gpus: GpuReport
    system: str
    root: Path
    python: BasePython
    steps: tuple[PipStep, ...]
    notes: tuple[str, ...] = field(default=())
    #: Free space the install needs where the runtime goes (the environment plus pip's unpacking).
    disk_needed_mib: int = 0

    @property
    def env(self) -> Path:
        return env_dir(self.root)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["root"], data["env"] = str(self.root), str(self.env)
        return data

    def lines(self) -> list[str]:
        out = [
            f"machine     {self.gpus.describe()} ({self.system})",
            f"torch build {self.build}" + (f" (CUDA {self.cuda})" if self.cuda else "") + f": {self.reason}",
            f"python      {self.python.path} ({self.python.version})",
            f"runtime     {self.env}",
        ]
        for n, step in enumerate(self.steps, 1):
            where = f" from {step.index_url}" if step.index_url else ""
            out.append(f"step {n}      pip install {' '.join(step.requirements)}{where}")
        out += [f"note        {note}" for note in self.notes]
        return out


def find_build(version: str) -> CudaBuild:
    """The build named by ``--cuda``: ``12.8``, ``cu128`` or ``128``."""
    wanted = version.strip().lower().removeprefix("cu").replace(".", "")
    for build in CUDA_BUILDS:
        if build.tag.removeprefix("cu") == wanted:
            return build
    known = ", ".join(b.cuda for b in CUDA_BUILDS)
    raise RuntimeSetupError(f"--cuda {version}: Previz installs CUDA {known} builds of torch")


def torch_requirement(build: CudaBuild | None) -> str:
    floor = version_tuple(TORCH_REQUIREMENT.split(">=")[1])
    if build is not None and version_tuple(build.torch_min) > floor:
        return f"torch>={build.torch_min}"
    return TORCH_REQUIREMENT


def _driver_too_old(report: GpuReport, system: str, build: CudaBuild, what: str) -> RuntimeSetupError:
    return RuntimeSetupError(
        f"{what} needs NVIDIA driver {build.min_driver(system)} or newer on {system}; this machine has "
        f"driver {report.driver} ({', '.join(g.name for g in report.gpus) or 'no GPU listed'}): update the "
        "driver, or pass --cpu for a CPU-only runtime (very slow for video models)"
    )


def choose_build(
    report: GpuReport, system: str, *, cuda: str | None = None, cpu: bool = False
) -> tuple[CudaBuild | None, str]:
    """The build for this driver (None: CPU) and why; refused when the driver cannot run any (or the forced
    one), naming the driver found and the one needed."""
    if cpu and cuda:
        raise RuntimeSetupError("--cpu and --cuda: choose one")
    if cpu:
        return None, "--cpu was given"
    if system == "Darwin":
        if cuda:
            raise RuntimeSetupError(f"--cuda {cuda}: CUDA builds of torch are not made for macOS")
        return None, "macOS: the PyPI build of torch (Apple GPUs through MPS)"
    if report.smi is None:
        if cuda:
            raise RuntimeSetupError(f"--cuda {cuda}: no NVIDIA driver found (nvidia-smi is not on PATH)")
        return None, "no NVIDIA GPU found (nvidia-smi is not on PATH): a CPU-only runtime"
    if report.error or report.driver is None:
        raise RuntimeSetupError(
            f"nvidia-smi is installed but failed ({report.error}): repair the NVIDIA driver, or pass --cpu "
            "for a CPU-only runtime"
        )
    have = version_tuple(report.driver)
    if cuda:
        build = find_build(cuda)
        if have < version_tuple(build.min_driver(system)):
            raise _driver_too_old(report, system, build, f"--cuda {build.cuda} (torch {build.tag})")
        return build, f"--cuda {build.cuda} was given; driver {report.driver} runs it"
    fitting = [b for b in CUDA_BUILDS if have >= version_tuple(b.min_driver(system))]
    if not fitting:
        oldest = CUDA_BUILDS[0]
        raise _driver_too_old(report, system, oldest, f"the oldest CUDA build Previz installs ({oldest.tag})")
    build = fitting[-1]
    return build, f"the newest CUDA build driver {report.driver} runs (it needs {build.min_driver(system)})"


def make_plan(
    *,
    cuda: str | None = None,
    cpu: bool = False,
    root: str | os.PathLike | None = None,
    gpus: GpuReport | None = None,
    system: str | None = None,
    python: str | None = None,
) -> RuntimePlan:
    """The install plan for this machine (``gpus``, ``system`` and ``python`` given in tests)."""
    system = system or platform.system()
    gpus = detect_gpus() if gpus is None else gpus
    build, reason = choose_build(gpus, system, cuda=cuda, cpu=cpu)
    index = build.index_url if build else (None if system == "Darwin" else CPU_INDEX)
    steps = (
        PipStep("torch", (torch_requirement(build),), index),
        PipStep("libraries", LIBRARIES),
    )
    notes = []
    if build is None and system != "Darwin":
        notes.append("CPU only: video models run, but a shot takes minutes to hours")
    disk = DISK_NEEDED_MIB["cuda" if build else "cpu"]
    notes.append(f"needs about {disk / 1024:.0f} GB free in {runtime_root(root)}")
    return RuntimePlan(
        build.tag if build else "cpu",
        build.cuda if build else None,
        reason,
        gpus,
        system,
        runtime_root(root),
        find_base_python(python),
        steps,
        tuple(notes),
        disk,
    )


def find_base_python(explicit: str | None = None) -> BasePython:
    """The Python the venv is made from: ``explicit`` or ``PREVIZ_PYTHON``; in a source install this
    interpreter's base; in a bundle a ``python3`` on PATH. It must be 3.10+ with ``venv`` and
    ``ensurepip``."""
    frozen = bool(getattr(sys, "frozen", False))
    candidates = [explicit or os.environ.get(PYTHON_ENV) or ""]
    if not candidates[0]:
        if not frozen:
            candidates = [getattr(sys, "_base_executable", "") or sys.executable]
        else:
            names = ("python3.13", "python3.12", "python3.11", "python3.10", "python3", "python")
            candidates = [p for p in (shutil.which(n) for n in names) if p]
            if not candidates:
                raise RuntimeSetupError(
                    f"no Python found to build the runtime with: install Python 3.10 or newer, or set "
                    f"{PYTHON_ENV} to one"
                )
    problems = []
    for candidate in candidates:
        problem, version = _python_problem(candidate)
        if problem is None:
            return BasePython(str(candidate), version)
        problems.append(problem)
    raise RuntimeSetupError(problems[0] if len(problems) == 1 else "; ".join(problems))


_PYTHON_PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3]); import venv, ensurepip  # noqa\n"


def _python_problem(python: str) -> tuple[str | None, str]:
    try:
        command = [python, "-c", _PYTHON_PROBE]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{python}: cannot run it ({exc})", ""
    version = (done.stdout or "").strip().splitlines()[0] if (done.stdout or "").strip() else ""
    if not version:
        return f"{python}: not a Python ({(done.stderr or 'no output').strip().splitlines()[-1]})", ""
    if version_tuple(version) < MIN_PYTHON:
        return f"{python} is Python {version}; the runtime needs 3.10 or newer", version
    if done.returncode != 0:
        return (
            f"{python} (Python {version}) has no venv/ensurepip module: install it (Debian and Ubuntu: "
            f"apt install python3-venv), or set {PYTHON_ENV} to another Python",
            version,
        )
    return None, version


def with_steps(plan: RuntimePlan, *steps: PipStep) -> RuntimePlan:
    """``plan`` with other pip steps (tests install tiny packages from a local folder)."""
    return replace(plan, steps=tuple(steps))
