"""Model commands: list, add or remove the model folders Previz searches."""

from __future__ import annotations

import argparse

from previz.cli.common import print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="list, add or remove the model folders Previz searches")
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
