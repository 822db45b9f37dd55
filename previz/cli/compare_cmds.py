"""``previz compare-takes``: what a draft costs, as PSNR and SSIM per frame between two takes of a shot."""

from __future__ import annotations

import argparse
import sys

from previz.cli.common import ProgressBar, open_project, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare-takes",
        help="PSNR and SSIM per frame between two takes of a shot",
        description=(
            "PSNR (dB, RGB) and SSIM (luma, 11x11 Gaussian window) per frame between takes A and B of a "
            "shot, e.g. a draft and the final of the same seed, with the mean and the worst frame. Frames "
            "are matched by index; takes of different sizes are compared at the smaller one, takes of "
            "different lengths over their common frames (both said in the output). Identical frames have "
            "an infinite PSNR (inf; null in --json)."
        ),
    )
    p.add_argument("project")
    p.add_argument("shot_code")
    p.add_argument("a", type=int, metavar="A", help="take number")
    p.add_argument("b", type=int, metavar="B", help="take number")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare_takes)


def cmd_compare_takes(args) -> int:
    from previz.media.compare import compare_takes, comparison_json, format_psnr

    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    with open_project(args.project, write=False) as session:
        code = session.shot(args.shot_code).code
        kwargs = {"progress": progress} if progress else {}
        result = compare_takes(session, code, args.a, args.b, **kwargs)
    if args.json:
        print_json({"shot": code, "takes": [args.a, args.b], **comparison_json(result)})
        return 0
    w, h = result.size
    print(f"{code}: take {args.a} vs take {args.b}, {len(result.scores)} frames at {w}x{h}")
    for note in result.notes:
        print(f"note: {note}")
    rows = [[s.frame, format_psnr(s.psnr), f"{s.ssim:.4f}"] for s in result.scores]
    rows.append(["mean", format_psnr(result.psnr_mean), f"{result.ssim_mean:.4f}"])
    rows.append(["min", format_psnr(result.psnr_min), f"{result.ssim_min:.4f}"])
    print_table(["frame", "psnr_db", "ssim"], rows)
    return 0
