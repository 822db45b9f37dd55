"""One entry point for every export: pick the format, check the output, build the cut, check licences,
write, and report what was written (path, duration, models and licences).

``export_project`` is a job body: it takes ``progress(done, total, message)`` and a ``CancelToken``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from previz.core.errors import ExportError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.core.timecode import frames_to_timecode
from previz.export.credentials import Sealer
from previz.export.files import check_output, check_replaceable
from previz.export.licences import ModelLicence, check_commercial, licence_report
from previz.export.provenance import read_provenance
from previz.export.reel import EncodeOptions, write_clips, write_frames, write_movie
from previz.export.render import CutRenderer, MissingMedia, RenderOptions

FORMATS = ("mp4", "mov", "frames", "clips", "otio", "otioz", "edl", "fcp7xml", "aaf", "pdf")
#: Other names a format is asked for by (``fcpxml``: what earlier versions called FCP 7 XML).
ALIASES = {"fcpxml": "fcp7xml"}
SUFFIXES = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".otio": "otio",
    ".otioz": "otioz",
    ".edl": "edl",
    ".xml": "fcp7xml",
    ".aaf": "aaf",
    ".pdf": "pdf",
}
FOLDER_FORMATS = ("frames", "clips")
EDITORIAL_FORMATS = ("otio", "otioz", "edl", "fcp7xml", "aaf")
FRAME_NAMES = r"\d{6}\.png"
CLIP_NAMES = r"[^/]+\.(mp4|mov)"


@dataclass
class ExportResult:
    path: Path
    format: str
    frames: int
    duration: str  # timecode of the duration
    seconds: float
    licences: list[ModelLicence]
    files: list[Path] = field(default_factory=list)  # what else was written (media folders, clips)
    pages: int | None = None
    wall_s: float = 0.0
    missing: list[MissingMedia] = field(default_factory=list)  # placeholders shown (allow_missing)
    credentials: dict | None = None  # content credentials of the movies written (None: no movie)
    clips_rendered: int | None = None  # editorial: per-shot clips rendered now
    clips_reused: int | None = None  # editorial: per-shot clips unchanged since a past export (cached)

    def to_dict(self) -> dict:
        return {
            "path": str(self.path),
            "format": self.format,
            "frames": self.frames,
            "duration": self.duration,
            "seconds": round(self.seconds, 3),
            "licences": [g.to_dict() for g in self.licences],
            "files": [str(p) for p in self.files],
            "pages": self.pages,
            "wall_s": round(self.wall_s, 3),
            "missing": [m.to_dict() for m in self.missing],
            "credentials": self.credentials,
            "clips_rendered": self.clips_rendered,
            "clips_reused": self.clips_reused,
        }


def detect_format(out: str | Path, fmt: str | None = None) -> str:
    """The export format: ``fmt`` when given, else from the output's suffix. A ``.fcpxml`` name is
    refused: that is Final Cut Pro X's format, and Previz writes FCP 7 XML (as ``.xml``)."""
    listing = ", ".join(f"{s} ({f})" for s, f in SUFFIXES.items())
    if Path(out).suffix.lower() == ".fcpxml":
        raise ExportError(
            f"{out}: .fcpxml is Final Cut Pro X's format, which Previz does not write; Previz writes "
            f"FCP 7 XML as .xml, which Premiere Pro and DaVinci Resolve read: name it "
            f"{Path(out).with_suffix('.xml').name}"
        )
    if fmt:
        fmt = ALIASES.get(fmt.lower(), fmt.lower())
        if fmt not in FORMATS:
            raise ExportError(f"format: {fmt!r} is not an export format; use one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(out).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    raise ExportError(
        f"{out}: no export format matches the suffix {suffix or '(none)'}; name the output with one of "
        f"{listing}, or pass --format frames|clips for a folder"
    )


def export_project(
    session,
    out: str | Path,
    fmt: str | None = None,
    *,
    scenes: list[str] | None = None,
    options: RenderOptions = RenderOptions(),
    encode: EncodeOptions = EncodeOptions(),
    commercial: bool = False,
    clip_codec: str = "h264",
    per_page: int = 4,
    start_timecode: str | None = None,
    credentials: bool = True,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Export the cut (or some scenes of it) of ``session`` to ``out``; MP4/MOV reels and clips are signed
    with content credentials unless ``credentials`` is False."""
    started = time.perf_counter()
    cancel = cancel or CancelToken()
    fmt = detect_format(out, fmt)
    path = check_output(Path(out), folder=fmt in FOLDER_FORMATS)
    if fmt in FOLDER_FORMATS:
        check_replaceable(path, FRAME_NAMES if fmt == "frames" else CLIP_NAMES)
    if fmt in ("mp4", "mov", "frames", "clips") + EDITORIAL_FORMATS:
        encode.check()
    if clip_codec not in ("h264", "prores"):
        raise ExportError(f"clip codec: {clip_codec!r} is not offered; use h264 or prores")
    # Scenes by session.scene, the one lookup (case as written; NotFoundError for an unknown one).
    scene_numbers = [session.scene(s).number for s in scenes] if scenes else None
    cut = session.cut(scene_numbers)
    if not cut.entries:
        which = f"scenes {', '.join(scene_numbers)} have" if scene_numbers else "the project has"
        raise ExportError(f"the cut is empty: {which} no shots that are not omitted; add shots, then export")
    shots = read_provenance(session, cut)  # one reader: the licence report and the credentials agree
    licences = licence_report(session, cut, shots)
    if commercial:
        check_commercial(licences)
    movies = fmt in ("mp4", "mov", "frames", "clips") + EDITORIAL_FORMATS  # editorial files come with clips
    seal = Sealer.for_export(credentials and movies, shots, session.project().name)
    if fmt in ("pdf",) + EDITORIAL_FORMATS or fmt == "clips":
        options = RenderOptions(
            burnins=options.burnins,
            watermark=options.watermark,
            slate=False,
            allow_missing=options.allow_missing,
            audio=False,
        )
    renderer = CutRenderer(session, cut, options)
    files: list[Path] = []
    pages = None
    rendered = reused = None
    frames = cut.duration
    if fmt in ("mp4", "mov"):
        with seal.sealing(path) as target:
            frames = write_movie(renderer, target, fmt, encode, progress, cancel)
    elif fmt == "frames":
        frames = write_frames(renderer, path, progress, cancel, seal=seal)
    elif fmt == "clips":
        files = write_clips(renderer, path, clip_codec, encode, progress, cancel, seal=seal)
    elif fmt == "pdf":
        from previz.export.boards_pdf import write_boards_pdf

        pages = write_boards_pdf(
            session, renderer, path, per_page=per_page, scenes=scene_numbers, progress=progress, cancel=cancel
        )
    else:
        from previz.export.editorial import export_editorial

        editorial = export_editorial(
            session,
            renderer,
            path,
            fmt,
            codec=clip_codec,
            encode=encode,
            start_timecode=start_timecode,
            progress=progress,
            cancel=cancel,
            seal=seal,
        )
        files = [editorial.media] if editorial.media is not None else []
        rendered, reused = editorial.rendered, editorial.reused
    return ExportResult(
        path=path,
        format=fmt,
        frames=frames,
        duration=frames_to_timecode(frames, cut.rate),
        seconds=float(frames / cut.rate.fraction),
        licences=licences,
        files=files,
        pages=pages,
        wall_s=time.perf_counter() - started,
        missing=list(renderer.missing),
        credentials=seal.report() if movies else None,
        clips_rendered=rendered,
        clips_reused=reused,
    )


def export_review_package(
    session,
    folder: str | Path,
    *,
    stem: str | None = None,
    encode: EncodeOptions = EncodeOptions(crf=20, preset="veryfast"),
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> list[ExportResult]:
    """What ``previz demo`` ends with: the reel (MP4 with burn-ins), the OTIO timeline, the EDL and
    the boards PDF, written into ``folder`` as ``STEM_reel.mp4``, ``STEM.otio``, ``STEM.edl`` and
    ``STEM_boards.pdf`` (STEM from the project name)."""
    folder = Path(folder)
    if stem is None:
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in session.project().name).strip("_")
        stem = stem or "previz"
    jobs = [
        (f"{stem}_reel.mp4", RenderOptions(burnins=True)),
        (f"{stem}.otio", RenderOptions()),
        (f"{stem}.edl", RenderOptions()),
        (f"{stem}_boards.pdf", RenderOptions()),
    ]
    results = []
    for index, (name, options) in enumerate(jobs):

        def step(done: int, total: int, message: str = "", _i: int = index) -> None:
            progress(_i * 1000 + round(1000 * done / max(total, 1)), len(jobs) * 1000, message)

        results.append(
            export_project(
                session, folder / name, options=options, encode=encode, progress=step, cancel=cancel
            )
        )
    return results
