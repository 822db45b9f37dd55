"""Export speed and memory: a 60 s 1920x1080 24 fps reel cut from 20 clips, with burn-ins and the
watermark, through ``previz.export`` against the FFmpeg command line doing the same work (decode and
concatenate the 20 clips, draw the same fields, libx264 at the same preset and CRF), side by side in
one run. Target (issue 6): ratio <= 1.15. Also prints the export's peak memory (RSS high-water of a
fresh process) for a 30 s and a 60 s reel, which must stay flat (frames are streamed).

With ``--credentials`` it measures instead the cost of content credentials (issue 16): the same export
with and without C2PA signing, alternated ``--repeat`` times, best of each compared (target: signing adds
at most 5 %). Signing uses a throwaway local identity in a temporary config folder.

With ``--editorial`` it measures the per-shot media cache (issue 15): the demo project (15 shots, animatic
takes) exported to an EDL with its per-shot media twice in a row; the second export finds every clip
unchanged in the project's cache and renders none.

    .venv/bin/python benchmarks/bench_export.py [--seconds 60] [--clips 20] [--size 1920x1080]
                                                [--preset medium] [--crf 20] [--repeat 1]
                                                [--credentials] [--editorial]

The ``ffmpeg`` binary comes from imageio-ffmpeg and serves in this benchmark only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

FPS = 24


def clip_frames(index: int, frames: int, width: int, height: int):
    """A textured picture panning sideways with a moving block: real work for the encoder."""
    rng = np.random.default_rng(index)
    small = rng.integers(0, 255, (height // 24, width // 24, 3), dtype=np.uint8)
    base = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    tint = np.array([(index * 53) % 255, (index * 97) % 255, (index * 31) % 255], np.uint16)
    base = ((base.astype(np.uint16) + tint) // 2).astype(np.uint8)
    for i in range(frames):
        frame = np.roll(base, 6 * i, axis=1)
        x = (i * 17) % (width - 200)
        frame[height // 3 : height // 3 + 160, x : x + 200] = 255 - tint.astype(np.uint8)
        yield frame


def build_project(root: Path, seconds: int, clips: int, width: int, height: int):
    from previz.core.session import ProjectSession
    from previz.media.library import register_encoded
    from previz.media.video import VideoWriter

    session = ProjectSession.create(root / "bench", name="Bench", fps=str(FPS), size=f"{width}x{height}")
    per_clip = seconds * FPS // clips
    session.add_scene("FIRST HALF", number="1")
    session.add_scene("SECOND HALF", number="2")
    for i in range(clips):
        scene = "1" if i < clips // 2 else "2"
        code = f"{scene.zfill(3)}_{(i + 1) * 10:04d}"
        session.add_shot(scene, code=code, duration_frames=per_clip, status="ready")
        temp = session.media.new_temp_path("mp4")
        with VideoWriter(temp, width, height, Fraction(FPS), crf=16, preset="ultrafast") as writer:
            for frame in clip_frames(i, per_clip, width, height):
                writer.write(frame)
        info = register_encoded(session, temp)
        provenance = {
            "backend": "diffusers",
            "model": "ltx-video",
            "licence": "LTXV OW",
            "commercial_use": True,
        }
        session.add_take(code, kind="generated", media_hash=info.hash, provenance=provenance)
    return session


# ------------------------------------------------------------------------------------ ffmpeg side
def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'").replace("%", "\\%")


def ffmpeg_command(session, out: Path, preset: str, crf: int) -> list[str]:
    """FFmpeg doing the same work: per clip trim + shot/take, status/model and SRC fields; concat;
    record timecode and watermark over the whole; libx264 yuv420p faststart."""
    import imageio_ffmpeg

    from previz.media.burnin import WATERMARK
    from previz.media.text import FONT_DIR

    project = session.project()
    w, h = project.width, project.height
    font = str(FONT_DIR / "DejaVuSans-Bold.ttf")
    size = max(10, round(h * 0.028))
    pad = max(2, round(size * 0.45))
    mx, my = round(w * 0.035), round(h * 0.035)
    box = f"fontfile={font}:fontsize={size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw={pad}"
    cut = session.cut()
    inputs, chains = [], []
    for i, entry in enumerate(cut.entries):
        inputs += ["-i", str(session.media_path(entry.media_hash))]
        top_right = f"{entry.status.upper()} · {entry.model}"
        chains.append(
            f"[{i}:v]trim=start_frame={entry.source_in}:end_frame={entry.source_out},setpts=PTS-STARTPTS,"
            f"drawtext={box}:text='{_esc(f'{entry.code}  T{entry.take_number}')}':x={mx + pad}:y={my + pad},"
            f"drawtext={box}:text='{_esc(top_right)}':x=w-tw-{mx + pad}:y={my + pad},"
            f"drawtext={box}:text='SRC %{{eif\\:n+{entry.source_in}\\:d\\:4}}':"
            f"x=w-tw-{mx + pad}:y=h-th-{my + pad}"
            f"[v{i}]"
        )
    n = len(cut.entries)
    wm_size = max(12, round(h * 0.045))
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[cat];"
    graph += (
        f"[cat]drawtext={box}:timecode='{_esc(cut.start_timecode)}':timecode_rate={FPS}:"
        f"x={mx + pad}:y=h-th-{my + pad},"
        f"drawtext=fontfile={font}:fontsize={wm_size}:fontcolor=white@0.3:shadowcolor=black@0.39:"
        f"shadowx=2:shadowy=2:text='{_esc(WATERMARK)}':x=(w-tw)/2:y={round(h * 0.62)}[out]"
    )
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(FPS),
        "-movflags",
        "+faststart",
        str(out),
    ]


# ------------------------------------------------------------------------------------ previz side
def child(project: str, out: str, scenes: list[str], preset: str, crf: int, credentials: bool = True) -> None:
    """Run in a fresh process so ru_maxrss is this export's high-water mark alone."""
    from previz.core.session import ProjectSession
    from previz.export.api import export_project
    from previz.export.reel import EncodeOptions
    from previz.export.render import RenderOptions

    with ProjectSession.open(project, readonly=True) as session:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        baseline = usage.ru_maxrss
        cpu0 = usage.ru_utime + usage.ru_stime
        started = time.perf_counter()
        result = export_project(
            session,
            out,
            scenes=scenes or None,
            options=RenderOptions(burnins=True),
            encode=EncodeOptions(crf=crf, preset=preset),
            credentials=credentials,
        )
        wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "frames": result.frames,
                "rss_before_kb": baseline,
                "peak_kb": usage.ru_maxrss,
            }
        )
    )


def run_previz(
    project: Path, out: Path, scenes: list[str], preset: str, crf: int, credentials: bool = True
) -> dict:
    flag = "1" if credentials else "0"
    cmd = [sys.executable, __file__, "--child", str(project), str(out), preset, str(crf), flag, *scenes]
    env = dict(os.environ, PREVIZ_CONFIG_DIR=str(project.parent / "config"))  # never the user's identity
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode:
        raise SystemExit(f"previz export failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_ffmpeg(cmd: list[str]) -> dict:
    """Wall time, CPU time and peak RSS of one ffmpeg run (os.wait4 reports this child alone)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode:
        raise SystemExit(f"ffmpeg failed:\n{error}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_kb": usage.ru_maxrss}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        project, out, preset, crf, flag, *scenes = sys.argv[2:]
        child(project, out, scenes, preset, int(crf), flag == "1")
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--crf", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1, help="alternate runs; the best of each is compared")
    parser.add_argument("--no-memory", action="store_true", help="skip the 30 s memory run")
    parser.add_argument(
        "--credentials",
        action="store_true",
        help="only compare the export with and without content credentials",
    )
    parser.add_argument(
        "--editorial",
        action="store_true",
        help="only compare a first and a second editorial export of the demo",
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    if args.editorial:
        compare_editorial(args)
        return

    from previz.media.video import probe

    with tempfile.TemporaryDirectory(prefix="previz-bench-export-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        session = build_project(root, args.seconds, args.clips, width, height)
        cmd = ffmpeg_command(session, root / "ffmpeg.mp4", args.preset, args.crf)
        project_path = session.root
        session.close()
        print(
            f"source: {args.clips} clips, {args.seconds} s at {width}x{height} {FPS} fps "
            f"(made in {time.perf_counter() - t0:.1f} s); x264 preset {args.preset}, crf {args.crf}"
        )
        if args.credentials:
            compare_credentials(project_path, root, args)
            return
        ours, theirs = [], []
        for _ in range(args.repeat):
            ours.append(run_previz(project_path, root / "previz.mp4", [], args.preset, args.crf))
            theirs.append(run_ffmpeg(cmd))
        best = min(ours, key=lambda r: r["wall_s"])
        ff = min(theirs, key=lambda r: r["wall_s"])
        frames_ours, frames_ffmpeg = probe(root / "previz.mp4").frames, probe(root / "ffmpeg.mp4").frames
        for name, run, frames in (("previz export", best, frames_ours), ("ffmpeg CLI", ff, frames_ffmpeg)):
            print(
                f"{name:14s}: {run['wall_s']:7.2f} s wall, {run['cpu_s']:7.2f} s CPU  ({frames} frames, "
                f"{frames / run['wall_s']:.1f} fps, peak RSS {run['peak_kb'] / 1024:.0f} MiB)"
            )
        if args.repeat > 1:
            walls = ", ".join(f"{a['wall_s']:.1f}/{b['wall_s']:.1f}" for a, b in zip(ours, theirs))
            print(f"all runs, previz/ffmpeg wall s (alternated; best of each compared): {walls}")
        ratio = best["wall_s"] / ff["wall_s"]
        verdict = "PASS" if ratio <= 1.15 else "FAIL"
        print(f"ratio previz/ffmpeg (wall): {ratio:.3f}  (target <= 1.15: {verdict})")
        print(f"ratio previz/ffmpeg (CPU) : {best['cpu_s'] / ff['cpu_s']:.3f}")
        if not args.no_memory:
            half = run_previz(project_path, root / "half.mp4", ["1"], args.preset, args.crf)
            print(
                f"peak RSS, {args.seconds} s reel: {best['peak_kb'] / 1024:.0f} MiB ({best['frames']} frames)"
            )
            print(
                f"peak RSS, {args.seconds // 2} s reel: {half['peak_kb'] / 1024:.0f} MiB "
                f"({half['frames']} frames; after imports {half['rss_before_kb'] / 1024:.0f} MiB)"
            )
            growth = best["peak_kb"] / half["peak_kb"]
            print(f"memory growth from {args.seconds // 2} s to {args.seconds} s: x{growth:.2f} (flat ~ 1.0)")


def compare_credentials(project_path: Path, root: Path, args) -> None:
    """The export with content credentials against the same export without, alternated, best of each."""
    from previz.export.credentials import current_identity, manifest, sign_movie
    from previz.export.verify import verify_file

    os.environ["PREVIZ_CONFIG_DIR"] = str(root / "config")  # what run_previz gives its children
    current_identity()  # makes the local identity before the first timed run
    signed, plain = [], []
    for _ in range(args.repeat):
        signed.append(run_previz(project_path, root / "signed.mp4", [], args.preset, args.crf, True))
        plain.append(run_previz(project_path, root / "plain.mp4", [], args.preset, args.crf, False))
    state = verify_file(root / "signed.mp4").state
    a = min(signed, key=lambda r: r["wall_s"])
    b = min(plain, key=lambda r: r["wall_s"])
    for name, run in (("with credentials", a), ("without", b)):
        print(f"{name:16s}: {run['wall_s']:7.2f} s wall, {run['cpu_s']:7.2f} s CPU ({run['frames']} frames)")
    if args.repeat > 1:
        walls = ", ".join(f"{x['wall_s']:.1f}/{y['wall_s']:.1f}" for x, y in zip(signed, plain))
        print(f"all runs, with/without wall s (alternated; best of each compared): {walls}")
    size = (root / "signed.mp4").stat().st_size - (root / "plain.mp4").stat().st_size
    print(f"signed reel verifies: {state}; manifest adds {size} bytes")
    ratio = a["wall_s"] / b["wall_s"]
    verdict = "PASS" if ratio <= 1.05 else "FAIL"
    print(f"ratio with/without credentials (wall): {ratio:.3f}  (target <= 1.05: {verdict})")
    print(f"ratio with/without credentials (CPU) : {a['cpu_s'] / b['cpu_s']:.3f}")
    # The signing step alone on the unsigned reel (load on a shared machine swamps the difference above).
    identity, claim = current_identity(), manifest("signed.mp4", [])
    times = []
    for _ in range(5):
        started = time.perf_counter()
        sign_movie(identity, root / "plain.mp4", root / "again.mp4", claim)
        times.append(time.perf_counter() - started)
    mib = (root / "plain.mp4").stat().st_size / 2**20
    sign = min(times)
    print(
        f"signing alone: {sign * 1000:.0f} ms for a {mib:.1f} MiB reel (best of 5); "
        f"ratio (export without + signing) / export without: {(b['wall_s'] + sign) / b['wall_s']:.3f}"
    )


def compare_editorial(args) -> None:
    """The demo's editorial export (EDL and per-shot media) run twice: the second reuses cached clips."""
    from previz.core.session import ProjectSession
    from previz.demo import build_sample, generate_all
    from previz.export.api import export_project
    from previz.export.reel import EncodeOptions

    with tempfile.TemporaryDirectory(prefix="previz-bench-editorial-") as tmp:
        root = Path(tmp)
        os.environ["PREVIZ_CONFIG_DIR"] = str(root / "config")  # never the user's signing identity
        t0 = time.perf_counter()
        with build_sample(root / "demo") as session:
            generate_all(session, lambda line: None)
            project = session.root
            shots = len(session.cut().entries)
        print(f"demo: {shots} shots with animatic takes (made in {time.perf_counter() - t0:.1f} s)")
        runs = []
        with ProjectSession.open(project, readonly=True) as session:
            for name in ("first.edl", "second.edl"):
                cpu0 = time.process_time()
                started = time.perf_counter()
                result = export_project(
                    session, root / name, encode=EncodeOptions(crf=args.crf, preset=args.preset)
                )
                runs.append((time.perf_counter() - started, time.process_time() - cpu0, result))
        for label, (wall, cpu, result) in zip(("first export", "second export"), runs):
            print(
                f"{label:13s}: {wall:6.2f} s wall, {cpu:6.2f} s CPU (this process); per-shot clips "
                f"{result.clips_rendered} rendered, {result.clips_reused} reused"
            )
        print(f"ratio first/second (wall): {runs[0][0] / runs[1][0]:.1f}x")


if __name__ == "__main__":
    main()
