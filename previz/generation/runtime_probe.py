"""The probe ``previz runtime check`` runs in the runtime's Python: prints one JSON object on stdout.

A script on its own (standard library, then torch and whatever it finds), so that it runs in any runtime
without previz on its path, and the app never imports torch itself. Each test is guarded: a backend that
fails is reported with its error, never ends the probe.
"""

import importlib
import json
import platform
import sys
from importlib import metadata

LIBRARIES = ("diffusers", "transformers", "accelerate", "safetensors", "huggingface_hub", "numpy")
#: name, distribution, module
QUANTIZATION = (
    ("bitsandbytes", "bitsandbytes", "bitsandbytes"),
    ("torchao", "torchao", "torchao"),
    ("optimum-quanto", "optimum-quanto", "optimum.quanto"),
)


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _error(exc):
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _entry(name, dist, test):
    """``test()`` returns a detail string (it works) or raises (it does not)."""
    version = _version(dist)
    if version is None:
        return {"name": name, "ok": False, "version": None, "detail": "not installed"}
    try:
        return {"name": name, "ok": True, "version": version, "detail": test() or "works"}
    except Exception as exc:
        return {"name": name, "ok": False, "version": version, "detail": _error(exc)}


def _attention(torch, device):
    def qkv(layout="bhsd"):
        dtype = torch.float16 if device == "cuda" else torch.float32
        shape = (1, 2, 16, 64) if layout == "bhsd" else (1, 16, 2, 64)
        return [torch.randn(shape, device=device, dtype=dtype) for _ in range(3)]

    def finite(out):
        if not bool(torch.isfinite(out.float()).all()):
            raise ValueError("the tiny call returned non-finite values")

    def needs_cuda():
        if device != "cuda":
            raise RuntimeError("imports, but needs a CUDA GPU")

    def sdpa():
        import torch.nn.functional as F

        finite(F.scaled_dot_product_attention(*qkv()))
        return f"works on {device}"

    def flash():
        from flash_attn import flash_attn_func

        needs_cuda()
        finite(flash_attn_func(*qkv("bshd")))

    def xformers():
        import xformers.ops

        finite(xformers.ops.memory_efficient_attention(*qkv("bshd")))
        return f"works on {device}"

    def sage():
        from sageattention import sageattn

        needs_cuda()
        finite(sageattn(*qkv(), tensor_layout="HND"))

    return [
        _entry("sdpa", "torch", sdpa),
        _entry("flash-attn", "flash-attn", flash),
        _entry("xformers", "xformers", xformers),
        _entry("sageattention", "sageattention", sage),
    ]


def _quantization():
    def importer(module):
        return lambda: importlib.import_module(module) and "imports"

    return [_entry(name, dist, importer(module)) for name, dist, module in QUANTIZATION]


def probe():
    report = {
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "torch": None,
        "torch_error": None,
        "cuda_available": False,
        "cuda": None,
        "device": "cpu",
        "gpus": [],
        "attention": [],
        "quantization": [],
    }
    try:
        import torch
    except Exception as exc:
        report["torch_error"] = _error(exc)
        report["quantization"] = _quantization()
        return report
    report["torch"] = torch.__version__
    report["cuda"] = torch.version.cuda
    try:
        report["cuda_available"] = bool(torch.cuda.is_available())
        for index in range(torch.cuda.device_count() if report["cuda_available"] else 0):
            props = torch.cuda.get_device_properties(index)
            report["gpus"].append(
                {
                    "name": props.name,
                    "memory_mib": int(props.total_memory // 2**20),
                    "capability": f"{props.major}.{props.minor}",
                }
            )
    except Exception as exc:
        report["torch_error"] = f"CUDA: {_error(exc)}"
    mps = getattr(torch.backends, "mps", None)
    if report["cuda_available"]:
        report["device"] = "cuda"
    elif mps is not None and mps.is_available():
        report["device"] = "mps"
    report["attention"] = _attention(torch, report["device"])
    report["quantization"] = _quantization()
    return report


if __name__ == "__main__":
    print(json.dumps(probe()))
