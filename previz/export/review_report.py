"""The review report: a PDF (fpdf2) for the producer and the artist, and a CSV of the notes.

PDF: a title page (project, date, shots by status, open and resolved notes), then one page per shot
(more when its notes overflow): the shot's picture (the selected take's first frame, else its board),
status, take, duration, and its notes with author, time and resolved state, each drawn note shown as the
frame it is on (from the note's take, else the selected take, else the board) with its strokes drawn;
page numbers in the footer. Text is set in the bundled DejaVu Sans.

Both are written to a temporary name beside the output and renamed, so a failed report leaves no
partial file; an output that cannot be written is an ExportError naming it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image

from previz.core.errors import ExportError, PrevizError
from previz.core.jobs import CancelToken, ProgressFn, no_progress
from previz.core.review import NoteRow, note_rows, read_notes
from previz.core.snapshots import NoteInfo, ShotInfo
from previz.export.files import atomic_file, check_output, write_error
from previz.export.pdf import FONT, PrevizPDF
from previz.export.safe_text import spreadsheet_cell
from previz.media.images import fit, load_image, thumbnail
from previz.media.reader import read_frame
from previz.media.strokes_draw import draw_strokes

MARGIN = 15.0
FOOTER = 12.0
CSV_COLUMNS = [
    "note",
    "shot",
    "take",
    "frame",
    "timecode",
    "author",
    "created",
    "resolved",
    "resolved_by_take",
    "text",
]
STATUS_COLOURS = {
    "approved": (30, 140, 60),
    "needs_changes": (200, 60, 30),
    "omitted": (120, 120, 120),
    "ready": (40, 90, 170),
}


@dataclass
class ReviewReport:
    path: Path
    kind: str  # "pdf" or "csv"
    pages: int = 0
    rows: int = 0
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- pictures
def _blank(session, label: str) -> np.ndarray:
    from previz.media.burnin import slug_card

    project = session.project()
    try:
        return slug_card(project.width, project.height, label)
    except Exception:  # a slug card is decoration; a grey frame does as well
        return np.full((project.height, project.width, 3), 48, np.uint8)


def _board(session, shot: ShotInfo) -> np.ndarray | None:
    if not shot.board_hash:
        return None
    project = session.project()
    try:
        return fit(load_image(session.media_path(shot.board_hash)), project.width, project.height)
    except (PrevizError, OSError):
        return None


def _take_frame(session, shot: ShotInfo, take_id: int | None, frame: int) -> np.ndarray | None:
    if take_id is None:
        return None
    try:
        take = session.take(take_id)
        path = session.media_path(take.media_hash)
        if take.ext in ("png", "jpg", "jpeg"):
            return load_image(path)
        index = shot.trim_in + frame
        if take.frames:
            index = min(index, take.frames - 1)
        return read_frame(path, max(0, index))
    except (PrevizError, OSError):
        return None


def note_frame(session, note: NoteInfo, shot: ShotInfo | None = None) -> np.ndarray:
    """The picture a note is on: its take's frame (the shot's trim in + the note's frame; a short take
    holds its last), else the selected take's, else the board, else a slug card."""
    shot = shot or session.shot(note.shot_id)
    for take_id in dict.fromkeys([note.take_id, shot.selected_take_id]):
        image = _take_frame(session, shot, take_id, note.frame)
        if image is not None:
            return image
    board = _board(session, shot)
    return board if board is not None else _blank(session, shot.code)


def annotated_frame(session, note: NoteInfo, shot: ShotInfo | None = None) -> np.ndarray:
    """The note's frame with its strokes drawn."""
    return draw_strokes(note_frame(session, note, shot), note.strokes, copy=False)


def shot_thumbnail(session, shot: ShotInfo) -> np.ndarray:
    image = _take_frame(session, shot, shot.selected_take_id, 0)
    if image is None:
        image = _board(session, shot)
    return image if image is not None else _blank(session, shot.code)


# ---------------------------------------------------------------------------- PDF
class _ReportPDF(PrevizPDF):
    def __init__(self, title: str) -> None:
        super().__init__(
            title, "review report", orientation="P", margin=MARGIN, footer=FOOTER, auto_break=True
        )

    @property
    def usable_w(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def room(self) -> float:
        return self.h - self.b_margin - self.get_y()


def _image(pdf: _ReportPDF, image: np.ndarray, x: float, y: float, w: float) -> float:
    """Place ``image`` ``w`` mm wide; returns its height in mm."""
    h = w * image.shape[0] / image.shape[1]
    pdf.image(Image.fromarray(thumbnail(image, 1000)), x=x, y=y, w=w, h=h)
    pdf.set_draw_color(70, 70, 70)
    pdf.rect(x, y, w, h)
    return h


def _title_page(pdf: _ReportPDF, session, shots: list[ShotInfo], notes: list[NoteInfo]) -> None:
    project = session.project()
    pdf.add_page()
    pdf.set_y(55)
    pdf.set_font(FONT, "B", 28)
    pdf.multi_cell(0, 12, project.name, align="C")
    pdf.ln(3)
    pdf.set_font(FONT, "", 16)
    pdf.cell(0, 9, "Review report", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    counts: dict[str, int] = {}
    for s in shots:
        counts[s.status] = counts.get(s.status, 0) + 1
    open_notes = sum(1 for n in notes if not n.resolved)
    rows = [
        ("Date", date.today().isoformat()),
        ("Shots", str(len(shots))),
        ("By status", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(counts.items())) or "—"),
        ("Notes", f"{len(notes)} ({open_notes} open, {len(notes) - open_notes} resolved)"),
        ("Format", f"{project.width}×{project.height} at {project.rate.label} fps"),
    ]
    pdf.set_font(FONT, "", 11)
    for label, value in rows:
        pdf.set_x(pdf.w / 2 - 65)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(35, 7, label)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(95, 7, value, new_x="LMARGIN", new_y="NEXT")


def _shot_header(pdf: _ReportPDF, session, shot: ShotInfo, takes: dict[int, int]) -> None:
    pdf.set_font(FONT, "B", 15)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(pdf.usable_w * 0.6, 8, f"{shot.code}   scene {shot.scene_number}")
    colour = STATUS_COLOURS.get(shot.status, (60, 60, 60))
    pdf.set_text_color(*colour)
    pdf.cell(pdf.usable_w * 0.4, 8, shot.status.replace("_", " ").upper(), align="R")
    pdf.ln(10)
    top = pdf.get_y()
    thumb_w = pdf.usable_w * 0.45
    h = _image(pdf, shot_thumbnail(session, shot), pdf.l_margin, top, thumb_w)
    x = pdf.l_margin + thumb_w + 6
    width = pdf.usable_w - thumb_w - 6
    take = takes.get(shot.selected_take_id) if shot.selected_take_id is not None else None
    seconds = shot.duration_frames / float(session.project().rate.fraction)
    facts = [
        ("Take", f"take {take}" if take is not None else "board (no take)"),
        ("Duration", f"{shot.duration_frames} frames ({seconds:.1f}s)"),
        ("Size / move", f"{shot.size.upper()} / {shot.move.replace('_', ' ')}"),
    ]
    pdf.set_xy(x, top)
    pdf.set_font(FONT, "", 9.5)
    for label, value in facts:
        pdf.set_x(x)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(24, 5.5, label)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(width - 24, 5.5, value, new_x="LMARGIN", new_y="NEXT")
    if shot.action:
        pdf.set_x(x)
        pdf.set_text_color(60, 60, 60)
        pdf.multi_cell(width, 4.8, " ".join(shot.action.split())[:400], new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + h) + 5)


def _note_block(pdf: _ReportPDF, session, row: NoteRow, shot: ShotInfo) -> None:
    note = row.note
    frame_w = pdf.usable_w * 0.62
    frame_h = frame_w * session.project().height / session.project().width if note.strokes else 0
    if pdf.room() < 22 + frame_h:
        pdf.add_page()
    state = (
        "resolved" + (f" by take {row.resolved_by_take_number}" if row.resolved_by_take_number else "")
        if note.resolved
        else "open"
    )
    where = f"frame {note.frame}" + (f" · {row.timecode}" if row.timecode else "")
    take = f" · take {row.take_number}" if row.take_number is not None else ""
    pdf.set_font(FONT, "B", 10)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(pdf.usable_w * 0.7, 6, f"Note {note.id} · {where}{take}")
    pdf.set_text_color(*((30, 140, 60) if note.resolved else (200, 60, 30)))
    pdf.cell(pdf.usable_w * 0.3, 6, state, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(110, 110, 110)
    when = note.created_at.replace("T", " ")[:16] + " UTC" if note.created_at else ""
    pdf.cell(0, 4.5, f"{note.author or 'anonymous'} · {when}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 5, note.text, new_x="LMARGIN", new_y="NEXT")
    if note.strokes:
        pdf.ln(1.5)
        if pdf.room() < frame_h + 2:
            pdf.add_page()
        y = pdf.get_y()
        _image(pdf, annotated_frame(session, note, shot), pdf.l_margin, y, frame_w)
        pdf.set_y(y + frame_h)
    pdf.ln(4)


def _write_pdf(session, temp: Path, shots, rows: list[NoteRow], progress, cancel) -> int:
    pdf = _ReportPDF(session.project().name)
    _title_page(pdf, session, shots, [r.note for r in rows])
    takes = {t.id: t.number for t in session.takes()}
    by_shot: dict[int, list[NoteRow]] = {}
    for row in rows:
        by_shot.setdefault(row.note.shot_id, []).append(row)
    for i, shot in enumerate(shots):
        cancel.raise_if_cancelled()
        pdf.add_page()
        _shot_header(pdf, session, shot, takes)
        notes = by_shot.get(shot.id, [])
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(0, 7, f"Notes ({len(notes)})" if notes else "No notes", new_x="LMARGIN", new_y="NEXT")
        for row in notes:
            _note_block(pdf, session, row, shot)
        progress(i + 1, len(shots), f"{shot.code}: {len(notes)} notes")
    pdf.output(str(temp))
    return pdf.pages_count


def _write_csv(session, temp: Path, rows: list[NoteRow]) -> int:
    """The notes as CSV; text that a spreadsheet would run as a formula is quoted as text."""
    with open(temp, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            note = row.note
            cells = (
                note.id,
                row.shot_code,
                "" if row.take_number is None else row.take_number,
                note.frame,
                row.timecode,
                note.author,
                note.created_at,
                "yes" if note.resolved else "no",
                "" if row.resolved_by_take_number is None else row.resolved_by_take_number,
                note.text,
            )
            writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return len(rows)


def write_review_report(
    session,
    path: str | Path,
    *,
    shots: list[str] | None = None,
    open_only: bool = False,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> ReviewReport:
    """Write the review report PDF or the notes CSV (by the suffix of ``path``), of every shot in story
    order or only ``shots`` (codes); returns its pages or rows and the warnings about damaged drawings."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("pdf", "csv"):
        raise ExportError(f"{path}: a review report is a .pdf or a .csv; choose one of those names")
    path = check_output(path)
    cancel = cancel or CancelToken()
    all_shots = session.shots()
    if shots:
        wanted = [session.shot(code).id for code in shots]
        chosen = [s for s in all_shots if s.id in wanted]
    else:
        chosen = all_shots
    notes, warnings = read_notes(session, open_only=open_only)
    ids = {s.id for s in chosen}
    rows = note_rows(session, [n for n in notes if n.shot_id in ids])
    report = ReviewReport(path, kind, warnings=warnings)
    try:
        with atomic_file(path) as temp:
            if kind == "pdf":
                report.pages = _write_pdf(session, temp, chosen, rows, progress, cancel)
            else:
                report.rows = _write_csv(session, temp, rows)
    except PrevizError:
        raise
    except OSError as exc:
        raise write_error(path, exc) from exc
    return report


__all__ = [
    "CSV_COLUMNS",
    "ReviewReport",
    "annotated_frame",
    "note_frame",
    "shot_thumbnail",
    "write_review_report",
]
