"""``previz runtime check``: run ``runtime_probe`` in the runtime's Python and read its report.

The probe is a subprocess, so the app never imports torch: Python, torch and its CUDA, the GPUs, which
attention backends work (a tiny call each) and which quantization packages import.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from previz.generation.runtime import RuntimeSetupError, previz_sources, worker_interpreter
from previz.generation.runtime_plan import CUDA_BUILDS, GpuReport, detect_gpus


@dataclass(frozen=True)
class Backend:
    name: str
    ok: bool
    version: str | None
    detail: str


@dataclass(frozen=True)
class GpuDevice:
    name: str
    memory_mib: int
    capability: str


@dataclass(frozen=True)
class RuntimeReport:
    interpreter: str  # which runtime, in words
    executable: str
    python: str
    platform: str
    torch: str | None
    torch_error: str | None
    cuda_available: bool
    cuda: str | None
    device: str
    gpus: tuple[GpuDevice, ...] = ()
    attention: tuple[Backend, ...] = ()
    quantization: tuple[Backend, ...] = ()
    libraries: dict[str, str | None] = field(default_factory=dict)
    machine: str = ""  # what nvidia-smi says about this machine
    #: The runtime works but cannot use this machine's GPU (a CPU build, or a driver too old for its CUDA).
    warnings: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """torch imports and the model libraries are there: the worker can run models (on ``device``)."""
        return self.torch is not None and all(self.libraries.values())

    def problems(self) -> list[str]:
        out = []
        if self.torch is None:
            out.append(f"torch does not import: {self.torch_error}")
        elif self.torch_error:
            out.append(self.torch_error)
        missing = [name for name, version in self.libraries.items() if version is None]
        if missing:
            out.append(f"not installed: {', '.join(missing)}")
        return out

    def to_dict(self) -> dict:
        data = asdict(self)
        data["usable"], data["problems"] = self.usable, self.problems()
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def lines(self) -> list[str]:
        if self.cuda_available:
            cuda = f"CUDA {self.cuda}: available"
        elif self.cuda:
            cuda = f"CUDA {self.cuda} build, but no CUDA GPU is available"
        else:
            cuda = "no CUDA (a CPU build)" if self.torch else "-"
        gpus = ", ".join(f"{g.name} ({g.memory_mib} MiB, sm {g.capability})" for g in self.gpus) or "none"
        out = [
            f"runtime       {self.interpreter}",
            f"python        {self.python} ({self.executable})",
            f"torch         {self.torch or 'not importable'}",
            f"cuda          {cuda}",
            f"gpus          {gpus}",
            f"device        {self.device}",
        ]
        for title, entries in (("attention", self.attention), ("quantization", self.quantization)):
            for n, b in enumerate(entries):
                state = "yes" if b.ok else "no "
                version = f" {b.version}" if b.version else ""
                out.append(f"{title if n == 0 else '':<13} {state} {b.name}{version}: {b.detail}")
        libs = ", ".join(f"{k} {v or 'missing'}" for k, v in self.libraries.items())
        out.append(f"libraries     {libs}")
        out.append(f"machine       {self.machine}")
        out += [f"warning       {w}" for w in self.warnings]
        out += [f"problem       {p}" for p in self.problems()]
        return out


def probe_script() -> Path:
    return previz_sources() / "previz" / "generation" / "runtime_probe.py"


def check_runtime(
    root: str | os.PathLike | None = None, *, python: str | os.PathLike | None = None, timeout_s: float = 600
) -> RuntimeReport:
    """Probe the worker's runtime (``worker_interpreter``; ``root``: a managed runtime there; ``python``:
    that interpreter, as the install checks its environment before it is renamed into place)."""
    if python is not None:
        executable, described = Path(python), f"{python}"
    else:
        interpreter = worker_interpreter(root)
        executable, described = interpreter.python, interpreter.description
    env = {**os.environ, "PYTHONNOUSERSITE": "1"}
    command = [str(executable), "-I", str(probe_script())]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, env=env, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeSetupError(
            f"the runtime check in {executable} did not finish in {timeout_s:.0f} s"
        ) from exc
    except OSError as exc:
        raise RuntimeSetupError(f"cannot run the runtime's Python {executable}: {exc}") from exc
    try:
        data = json.loads((done.stdout or "").strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = " | ".join((done.stderr or "no output").strip().splitlines()[-3:])
        raise RuntimeSetupError(
            f"the runtime check in {executable} failed (exit code {done.returncode}): {tail}"
        ) from None
    report = report_from_dict(data, described)
    machine = detect_gpus()
    return replace(report, machine=machine.describe(), warnings=tuple(gpu_warnings(report, machine)))


def gpu_warnings(report: RuntimeReport, machine: GpuReport, system: str | None = None) -> list[str]:
    """Why a runtime whose torch imports cannot use the NVIDIA GPU this machine has."""
    if report.torch is None or machine.driver is None or report.cuda_available:
        return []
    if not report.cuda:
        return [
            f"torch {report.torch} is a CPU build, but this machine has {machine.describe()}: install the "
            "CUDA build for it (`previz runtime install`)"
        ]
    build = next((b for b in CUDA_BUILDS if b.cuda == report.cuda), None)
    system = system or platform.system()
    needs = f"; CUDA {report.cuda} needs driver {build.min_driver(system)} or newer" if build else ""
    return [
        f"torch {report.torch} is built for CUDA {report.cuda} but cannot use this machine's GPU "
        f"({machine.describe()}{needs}): see `previz runtime plan`"
    ]


def report_from_dict(data: dict, interpreter: str) -> RuntimeReport:
    def backends(key: str) -> tuple[Backend, ...]:
        return tuple(
            Backend(b["name"], bool(b["ok"]), b.get("version"), b["detail"]) for b in data.get(key, [])
        )

    return RuntimeReport(
        interpreter=interpreter,
        executable=data["executable"],
        python=data["python"],
        platform=data["platform"],
        torch=data.get("torch"),
        torch_error=data.get("torch_error"),
        cuda_available=bool(data.get("cuda_available")),
        cuda=data.get("cuda"),
        device=data.get("device", "cpu"),
        gpus=tuple(GpuDevice(g["name"], int(g["memory_mib"]), g["capability"]) for g in data.get("gpus", [])),
        attention=backends("attention"),
        quantization=backends("quantization"),
        libraries=dict(data.get("libraries", {})),
    )
