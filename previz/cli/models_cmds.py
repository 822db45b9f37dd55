"""Model commands: the models on this machine and their folders; the models Previz knows how to get,
downloading one (only when asked) or importing one copied from another machine."""

from __future__ import annotations

import argparse
import signal
import sys

from previz.cli.common import print_json, print_table

_TO_HELP = (
    "where to put it (default: $PREVIZ_MODELS_DIR, else your first model folder, else Previz's data folder)"
)


def register(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser(
        "models", help="models on this machine and their folders; get or import the ones Previz supports"
    )
    msub = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = msub.add_parser("list", help="models found in your folders and the Hugging Face cache")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models_list)
    for name, func, text in (
        ("add", cmd_models_add, "add a folder of models (or one model folder)"),
        ("remove", cmd_models_remove, "stop searching a folder"),
    ):
        p = msub.add_parser(name, help=text)
        p.add_argument("path")
        p.set_defaults(func=func)
    p = msub.add_parser(
        "available",
        help="the checkpoints Previz supports: licence, commercial use, size, GPU memory, model card",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models_available)
    p = msub.add_parser(
        "get",
        help="download a model from `models available` (Ctrl+C stops; run again to resume)",
        description="Downloads safetensors and configuration files only, from HF_ENDPOINT if set.",
    )
    p.add_argument("name", help="a name from `previz models available`")
    p.add_argument("--to", metavar="FOLDER", help=_TO_HELP)
    p.set_defaults(func=cmd_models_get)
    p = msub.add_parser("import", help="add a model folder or archive (.zip, .tar, .tar.gz) copied here")
    p.add_argument("source", metavar="ARCHIVE_OR_FOLDER")
    p.add_argument("--to", metavar="FOLDER", help=_TO_HELP)
    p.set_defaults(func=cmd_models_import)


def cmd_models_list(args) -> int:
    from previz.generation.catalog import scan_models
    from previz.generation.model_folders import list_model_folders

    folders = list_model_folders()
    scan = scan_models(folders)
    if args.json:
        print_json(
            {
                "folders": [str(f) for f in folders],
                "models": [m.to_dict() for m in scan.models],
                "refused": [{"path": str(p), "reason": r} for p, r in scan.problems],
            }
        )
        return 0
    listed = ", ".join(str(f) for f in folders) or "none (add one with `previz models add PATH`)"
    print(f"model folders: {listed}")
    if scan.models:
        print_table(
            ["id", "family", "modes", "licence", "size", "path"],
            [
                [
                    m.id,
                    m.family_name,
                    ",".join(m.modes),
                    m.licence + ("" if m.commercial_use else " (non-commercial)"),
                    f"{m.size_bytes / 1e9:.1f} GB",
                    m.path,
                ]
                for m in scan.models
            ],
        )
    else:
        print("no models found; the animatic backend needs none")
    for _path, reason in scan.problems:
        print(f"refused: {reason}")
    return 0


def cmd_models_add(args) -> int:
    from previz.generation.model_folders import add_model_folder

    print(f"added model folder {add_model_folder(args.path)}")
    return 0


def cmd_models_remove(args) -> int:
    from previz.generation.model_folders import remove_model_folder

    print(f"removed model folder {remove_model_folder(args.path)}")
    return 0


# ---------------------------------------------------------------------------- available, get, import
def cmd_models_available(args) -> int:
    from previz.generation.catalog import scan_models
    from previz.generation.known_models import KNOWN_MODELS, on_this_machine
    from previz.generation.model_folders import list_model_folders

    here = on_this_machine(scan_models(list_model_folders()).models)
    if args.json:
        print_json(
            [
                {**m.to_dict(), "on_this_machine": str(here[m.name].path) if m.name in here else None}
                for m in KNOWN_MODELS
            ]
        )
        return 0
    print_table(
        ["name", "family", "modes", "size", "GPU memory", "licence", "commercial use", "here", "model card"],
        [
            [
                m.name,
                m.family_info.name,
                ",".join(m.modes),
                m.figure(m.size_gb),
                m.figure(m.gpu_gb),
                m.licence,
                "yes" if m.commercial_use else "no",
                "yes" if m.name in here else "-",
                m.card_url,
            ]
            for m in KNOWN_MODELS
        ],
    )
    print(
        "~ approximate. GPU memory: at the family's default size in bf16 without offload. "
        "Read the licence on the model card before production use; get one with `previz models get NAME`."
    )
    return 0


class ByteProgress:
    """A progress bar of bytes on a terminal; plain lines at 10% steps otherwise (both on stderr)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.step = -1

    def __call__(self, done: int, total: int, message: str = "") -> None:
        from previz.generation.model_manager import human_bytes

        pct = int(100 * done / total) if total else 100
        if self.tty:
            bar = "#" * (pct // 4) + "." * (25 - pct // 4)
            text = f"[{bar}] {pct:3d}% {human_bytes(done)} of {human_bytes(total)} {message}"
            self.stream.write("\r" + text[:110].ljust(110))
            self.stream.flush()
        elif pct // 10 != self.step:
            self.step = pct // 10
            self.stream.write(f"{pct}% {human_bytes(done)} of {human_bytes(total)} {message}\n")

    def end(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _cancel_on_ctrl_c():
    """A ``CancelToken`` the first Ctrl+C sets (the download stops at its next chunk, keeping what it
    has); a second Ctrl+C interrupts at once. Returns the token and a function restoring the handler."""
    from previz.core.jobs import CancelToken

    token = CancelToken()
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:
        return token, lambda: None

    def on_sigint(_signum, _frame):
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        print("\nstopping… (Ctrl+C again to stop at once)", file=sys.stderr)

    try:
        signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread
        return token, lambda: None
    return token, lambda: signal.signal(signal.SIGINT, previous)


def cmd_models_get(args) -> int:
    from previz.core.errors import CancelledError
    from previz.generation.known_models import known_model
    from previz.generation.model_manager import default_models_dir, get

    model = known_model(args.name)
    to = args.to or default_models_dir()
    print(
        f"{model.name}: {model.repo_id}, {model.licence}"
        f"{'' if model.commercial_use else ' (no commercial use)'}; model card {model.card_url}",
        file=sys.stderr,
    )
    token, restore = _cancel_on_ctrl_c()
    bar = ByteProgress()
    try:
        folder = get(
            model,
            to,
            progress=bar,
            cancel=token,
            warn=lambda text: print(f"warning: {text}", file=sys.stderr),
        )
    except (CancelledError, KeyboardInterrupt):
        bar.end()
        print(
            f"previz: download of {model.name} stopped; what it fetched is kept in "
            f"{to}/{model.name}.partial: run `previz models get {model.name}` again to resume",
            file=sys.stderr,
        )
        return 130
    finally:
        restore()
    bar.end()
    print(f"{model.name}: ready at {folder} (use it with --model {folder.name})")
    return 0


def cmd_models_import(args) -> int:
    from previz.generation.model_import import import_model

    token, restore = _cancel_on_ctrl_c()
    bar = ByteProgress()
    try:
        folder = import_model(args.source, args.to, progress=bar, cancel=token)
    finally:
        restore()
        bar.end()
    print(f"imported {folder.name}: ready at {folder} (use it with --model {folder.name})")
    return 0
