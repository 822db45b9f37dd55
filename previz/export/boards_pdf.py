"""Boards PDF (fpdf2): a title page, then the cut's shots as panels in a grid (1, 2x2 or 3x2 per page),
each with its picture, shot code, record timecode, duration, action and dialogue; page numbers.

The picture is the shot's board, else the selected take's first frame, else a slug card. Text is set in
the bundled DejaVu Sans (previz/media/fonts), so accents, em dashes and Cyrillic print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from fpdf import FPDF
from PIL import Image

from previz.core.errors import ExportError, PrevizError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.core.timecode import frames_to_timecode
from previz.export.files import atomic_file, write_error
from previz.export.pdf import FONT, PrevizPDF
from previz.export.render import CutRenderer, ShotSource
from previz.media.images import fit, load_image, thumbnail

LAYOUTS = {1: (1, 1), 4: (2, 2), 6: (3, 2)}  # panels per page -> (columns, rows)
MARGIN = 12.0
HEADER = 10.0
FOOTER = 10.0
GUTTER = 6.0


@dataclass(frozen=True)
class _Panel:
    code: str
    timecode: str
    duration: str
    action: str
    dialogue: str
    image: np.ndarray


class _BoardsPDF(PrevizPDF):
    def __init__(self, title: str) -> None:
        super().__init__(title, "boards", orientation="L", margin=MARGIN, footer=FOOTER, auto_break=False)


def _fit_lines(pdf: FPDF, text: str, width: float, line_h: float, max_lines: int) -> str:
    if not text or max_lines <= 0:
        return ""
    lines = pdf.multi_cell(width, line_h, text, dry_run=True, output="LINES")
    if len(lines) <= max_lines:
        return "\n".join(lines)
    kept = lines[:max_lines]
    kept[-1] = kept[-1].rstrip()[: max(0, len(kept[-1]) - 2)] + "…"
    return "\n".join(kept)


def _picture(renderer: CutRenderer, source: ShotSource, max_side: int) -> np.ndarray:
    entry = source.entry
    image = None
    if entry.board_hash:
        try:
            image = fit(
                load_image(renderer.session.media_path(entry.board_hash)), renderer.width, renderer.height
            )
        except (PrevizError, OSError):  # a missing board: fall back to the take or a slug card
            image = None
    if image is None:
        image = next(iter(renderer.picture(source, 0, 1)))
    return thumbnail(image, max_side)


def _draw_panel(pdf: _BoardsPDF, panel: _Panel, x: float, y: float, w: float, h: float, aspect: float):
    big = w > 150
    text_h = 40.0 if big else 24.0
    img_h = min(h - text_h, w / aspect)
    img_w = img_h * aspect
    pdf.set_draw_color(60, 60, 60)
    ix = x + (w - img_w) / 2
    pdf.rect(ix, y, img_w, img_h)
    pdf.image(Image.fromarray(panel.image), x=ix, y=y, w=img_w, h=img_h)
    ty = y + img_h + 1.5
    size = 11 if big else 8.5
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", size)
    pdf.set_xy(x, ty)
    pdf.cell(w * 0.45, size * 0.5, panel.code)
    pdf.set_font(FONT, "", size - 1)
    pdf.cell(w * 0.55, size * 0.5, f"{panel.timecode}   {panel.duration}", align="R")
    line_h = (size - 1) * 0.45
    top = ty + size * 0.55 + 0.5
    lines_left = max(0, int((y + h - top) // line_h))
    action = _fit_lines(pdf, panel.action, w, line_h, lines_left - (1 if panel.dialogue else 0))
    pdf.set_xy(x, top)
    if action:
        pdf.multi_cell(w, line_h, action)
        lines_left -= action.count("\n") + 1
    if panel.dialogue and lines_left > 0:
        pdf.set_text_color(70, 70, 110)
        pdf.set_x(x)
        pdf.multi_cell(w, line_h, _fit_lines(pdf, f"“{panel.dialogue}”", w, line_h, lines_left))


def _title_page(pdf: _BoardsPDF, session, renderer: CutRenderer, scenes: list[str] | None) -> None:
    project = session.project()
    cut = renderer.cut
    pdf.add_page()
    pdf.set_y(60)
    pdf.set_font(FONT, "B", 30)
    pdf.multi_cell(0, 13, project.name, align="C")
    pdf.set_font(FONT, "", 16)
    pdf.ln(4)
    pdf.cell(0, 9, "Storyboards", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, "", 11)
    rows = [
        ("Date", date.today().isoformat()),
        ("Shots", str(len(cut.entries))),
        ("Duration", f"{frames_to_timecode(cut.duration, cut.rate)} ({cut.duration} frames)"),
        ("Format", f"{project.width}×{project.height} at {cut.rate.label} fps"),
        ("Start timecode", cut.start_timecode),
    ]
    if scenes:
        rows.append(("Scenes", ", ".join(scenes)))
    for label, value in rows:
        pdf.set_x(pdf.w / 2 - 60)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(40, 7, label)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(80, 7, value, new_x="LMARGIN", new_y="NEXT")


def write_boards_pdf(
    session,
    renderer: CutRenderer,
    path: Path,
    *,
    per_page: int = 4,
    scenes: list[str] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Write the boards PDF; returns its page count (title page included)."""
    if per_page not in LAYOUTS:
        raise ExportError(f"layout: {per_page} panels per page is not offered; use 1, 4 (2x2) or 6 (3x2)")
    cancel = cancel or CancelToken()
    cols, rows = LAYOUTS[per_page]
    project = session.project()
    shots = {s.id: s for s in session.shots()}
    pdf = _BoardsPDF(project.name)
    _title_page(pdf, session, renderer, scenes)
    cell_w = (pdf.w - 2 * MARGIN - (cols - 1) * GUTTER) / cols
    cell_h = (pdf.h - 2 * MARGIN - HEADER - FOOTER - (rows - 1) * GUTTER) / rows
    aspect = renderer.width / renderer.height
    max_side = 1400 if per_page == 1 else 800
    total = len(renderer.sources)
    for index, source in enumerate(renderer.sources):
        cancel.raise_if_cancelled()
        entry = source.entry
        slot = index % per_page
        if slot == 0:
            pdf.add_page()
            pdf.set_font(FONT, "B", 10)
            pdf.set_text_color(0, 0, 0)
            pdf.set_xy(MARGIN, MARGIN)
            numbers = dict.fromkeys(s.entry.scene_number for s in renderer.sources[index : index + per_page])
            label = "scene" if len(numbers) == 1 else "scenes"
            pdf.cell(0, 6, f"{project.name} — {label} {', '.join(numbers)}")
        shot = shots.get(entry.shot_id)
        seconds = entry.duration / renderer.fps
        panel = _Panel(
            code=entry.code,
            timecode=renderer.cut.timecode(entry.record_in),
            duration=f"{float(seconds):.1f}s ({entry.duration} fr)",
            action=" ".join((shot.action if shot else "").split()),
            dialogue=" ".join((shot.dialogue if shot else "").split()),
            image=_picture(renderer, source, max_side),
        )
        col, row = slot % cols, slot // cols
        x = MARGIN + col * (cell_w + GUTTER)
        y = MARGIN + HEADER + row * (cell_h + GUTTER)
        _draw_panel(pdf, panel, x, y, cell_w, cell_h, aspect)
        progress(index + 1, total, f"{path.name}: panel {index + 1} of {total}")
    pages = pdf.page_no()
    with atomic_file(path) as temp:
        try:
            pdf.output(str(temp))
        except OSError as exc:
            raise write_error(path, exc) from exc
    return pages
