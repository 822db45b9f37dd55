"""Helpers for the runtime tests: tiny wheels in a local folder (a fake ``torch`` among them), a plan that
installs them, a fake ``nvidia-smi``, and a runtime made in an instant over this environment's packages."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import site
import stat
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from previz.generation.runtime import MANIFEST, env_dir, env_python
from previz.generation.runtime_plan import LIBRARIES, GpuReport, PipStep, make_plan, with_steps

FAKE_TORCH_VERSION = "2.4.0+fake"  # meets the plan's torch>=2.4
#: A ``torch`` with what the probe reads: it imports, has no CUDA, and fails the attention call.
FAKE_TORCH = f'''__version__ = "{FAKE_TORCH_VERSION}"


class version:
    cuda = None


class cuda:
    @staticmethod
    def is_available():
        return False


class backends:
    mps = None
'''


def make_wheel(
    folder: Path, name: str, version: str, module: str, body: str, requires=(), extra: dict | None = None
) -> Path:
    """A pure-Python wheel holding ``module/__init__.py`` = ``body`` (and ``extra``: path -> bytes)."""
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        **(extra or {}),
        f"{module}/__init__.py": body,
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: previz-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        data = text if isinstance(text, bytes) else text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


def pip_wheel(folder: Path) -> Path:
    """A wheel of the pip this environment has (newer than the one ``venv`` puts in a new environment, and
    one that reports downloads with ``--progress-bar raw``)."""
    from importlib import metadata

    dist = metadata.distribution("pip")
    files = {}
    for item in dist.files or []:
        if item.parts[0] == ".." or "__pycache__" in item.parts or item.name in ("RECORD", "INSTALLER"):
            continue
        if item.name in ("REQUESTED", "direct_url.json"):
            continue
        files[str(item)] = Path(dist.locate_file(item)).read_bytes()
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    info = next(p for p in files if p.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / f"pip-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1 (a page of links pip reads with ``--find-links URL``): pip then
    downloads, as from an index, with its progress."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass


def wheelhouse(folder: Path) -> Path:
    # Over 512 kB, and incompressible: pip shows the progress of downloads that size.
    blob = {"torch/_weights.bin": os.urandom(600 * 1024)}
    make_wheel(folder, "torch", FAKE_TORCH_VERSION, "torch", FAKE_TORCH, extra=blob)
    make_wheel(folder, "previz-tiny-lib", "1.0", "previz_tiny_lib", "VERSION = '1.0'\n", ["previz-tiny-dep"])
    make_wheel(folder, "previz-tiny-dep", "2.0", "previz_tiny_dep", "VERSION = '2.0'\n")
    return folder


def fake_release(folder: Path) -> Path:
    """``wheelhouse`` plus a tiny stand-in for every library the real plan names (at its minimum version),
    so that ``previz runtime install`` runs its real plan offline (``PIP_NO_INDEX``, ``PIP_FIND_LINKS``)."""
    from packaging.requirements import Requirement

    wheelhouse(folder)
    for text in LIBRARIES:
        req = Requirement(text)
        version = str(next(iter(req.specifier)).version)
        module = "fake_" + req.name.lower().replace("-", "_")
        make_wheel(folder, req.name, version, module, f"VERSION = {version!r}\n")
    return folder


def tiny_plan(root: Path, *requirements: str):
    """A CPU plan for ``root`` that installs the fake torch and a tiny library (with a dependency)."""
    plan = make_plan(cpu=True, root=root, gpus=GpuReport(), python=sys.executable)
    libraries = requirements or ("previz-tiny-lib",)
    plan = with_steps(
        plan, PipStep("torch", (f"torch=={FAKE_TORCH_VERSION}",)), PipStep("libraries", libraries)
    )
    return replace(plan, disk_needed_mib=0)


def isolate_pip(monkeypatch) -> None:
    """pip in these tests reads no configuration (this machine's names local wheel folders and indexes)."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(name, raising=False)


def pip_args(folder: Path) -> tuple[str, ...]:
    return ("--no-index", "--find-links", str(folder))


def fake_nvidia_smi(bin_dir: Path, output: str, code: int = 0) -> Path:
    """An ``nvidia-smi`` that prints ``output`` and exits ``code`` (only for the query Previz sends)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in --query-gpu=driver_version,name,memory.total) ;; '
        '*) echo "unexpected: $*" >&2; exit 64;; esac\n'
        f"cat <<'EOF'\n{output}\nEOF\nexit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def quick_runtime(root: Path) -> Path:
    """A managed runtime under ``root`` in a second: a venv without pip whose site-packages reach this
    environment's packages through a ``.pth`` file (not its ``.pth`` hooks: previz itself is not importable
    there unless the worker's PYTHONPATH names the sources), with its manifest written."""
    env = env_dir(root)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env_python(env)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    here = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "previz-test-parent.pth").write_text("\n".join(here) + "\n")
    (env / MANIFEST).write_text(json.dumps({"plan": {"build": "cpu"}, "test": True}))
    return python
