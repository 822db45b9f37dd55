"""``previz runtime plan|install|check``: the Python environment the generation worker runs in.

``plan`` says what ``install`` would do on this machine (which torch build for the NVIDIA driver
``nvidia-smi`` reports, which packages, where); ``install`` makes that environment (progress lines; Ctrl+C
cancels and leaves nothing); ``check`` probes the worker's runtime: Python, torch, CUDA, GPUs, attention
backends and quantization packages. Exit 0 on success, 1 with one line when refused or not usable.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

from previz.cli.common import print_json
from previz.core.jobs import CancelToken


def _plan_options(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--cuda",
        metavar="VERSION",
        help="this CUDA build of torch (e.g. 12.8); refused for an older driver",
    )
    which.add_argument("--cpu", action="store_true", help="the CPU-only build of torch")
    _dir_option(p)
    p.add_argument("--python", metavar="PATH", help="the Python 3.10+ to build the runtime with")


def _dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dir",
        metavar="DIR",
        help="the runtime folder (default: $PREVIZ_RUNTIME_DIR, else the user data folder)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "runtime",
        help="the GPU runtime: the Python, torch and libraries generation runs with (plan, install, check)",
        description="The GPU runtime. In a source install the current environment is the runtime; the "
        "desktop bundle runs generation in an environment Previz manages, made by `previz runtime install`.",
    )
    rsub = p.add_subparsers(dest="runtime_command", metavar="ACTION", required=True)

    plan = rsub.add_parser("plan", help="what install would do here (changes nothing)")
    _plan_options(plan)
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(func=cmd_plan)

    install = rsub.add_parser(
        "install",
        help="make the runtime: torch for this machine's driver, diffusers and the rest",
        description="Create the runtime with `python -m venv` and pip (several GB for a CUDA build): the "
        "torch build that fits the NVIDIA driver (nvidia-smi), diffusers, transformers, accelerate and what "
        "the worker needs. It is built beside the runtime folder and put in place only when complete; Ctrl+C "
        "cancels and leaves nothing behind.",
    )
    _plan_options(install)
    install.set_defaults(func=cmd_install)

    check = rsub.add_parser(
        "check",
        help="Python, torch, CUDA, GPUs, attention backends and quantization packages of the runtime",
        description="Probe the runtime the generation worker uses (a subprocess): exit 0 when torch works.",
    )
    _dir_option(check)
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_check)


def _plan(args):
    from previz.generation.runtime_plan import make_plan

    return make_plan(cuda=args.cuda, cpu=args.cpu, root=args.dir, python=args.python)


def cmd_plan(args) -> int:
    plan = _plan(args)
    if args.json:
        print_json(plan.to_dict())
    else:
        print("\n".join(plan.lines()))
    return 0


class ProgressLines:
    """Progress as lines on ``stream``: each new message once, with the step count. A download's byte
    counts (``…: downloading NAME (X of Y)``, several a second) rewrite one line on a terminal, and
    elsewhere are printed once every ``every_s`` seconds."""

    def __init__(self, stream, every_s: float = 5.0, clock=time.monotonic) -> None:
        self.stream, self.every_s, self.clock = stream, every_s, clock
        self.tty = stream.isatty()
        self.last: str | None = None
        self.last_download = float("-inf")
        self.open_line = False  # a download line is on the terminal without its newline

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if not message or message == self.last:
            return
        self.last = message
        text = f"[{done}/{total}] {message}"
        if ": downloading " in message:
            if self.tty:
                self.stream.write(f"\r\x1b[2K{text}")
                self.open_line = True
            elif self.clock() - self.last_download >= self.every_s:
                self.last_download = self.clock()
                self.stream.write(text + "\n")
        else:
            self.stream.write(("\n" if self.open_line else "") + text + "\n")
            self.open_line = False
        self.stream.flush()


def cmd_install(args) -> int:
    from previz.generation.runtime import worker_interpreter
    from previz.generation.runtime_install import install_runtime

    plan = _plan(args)
    print("\n".join(plan.lines()), file=sys.stderr)
    token, outcome, finished = CancelToken(), {}, threading.Event()

    def work() -> None:
        try:
            outcome["result"] = install_runtime(plan, ProgressLines(sys.stderr), token)
        except BaseException as exc:  # noqa: BLE001 - raised again on the main thread
            outcome["error"] = exc
        finally:
            finished.set()

    # Waited on through an Event: a Thread.join interrupted by Ctrl+C can take the thread for ended.
    threading.Thread(target=work, name="previz-runtime-install", daemon=True).start()
    try:
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        print("previz: cancelling the runtime install…", file=sys.stderr)
        token.cancel()
        finished.wait()
        print("previz: runtime install cancelled; nothing was installed", file=sys.stderr)
        raise
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    print(
        f"runtime installed in {result.env} ({result.size_bytes / 2**30:.2f} GB, {result.seconds:.0f} s); "
        f"torch {result.report.torch if result.report else '?'}; log: {result.log}"
    )
    if not worker_interpreter().managed:
        print(
            "note: this is a source install, whose generation worker uses the current environment; the "
            "desktop bundle uses this runtime",
            file=sys.stderr,
        )
    return 0


def cmd_check(args) -> int:
    from previz.generation.runtime_check import check_runtime

    report = check_runtime(args.dir)
    if args.json:
        print_json(report.to_dict())
    else:
        print("\n".join(report.lines()))
    return 0 if report.usable else 1
