"""The PDF page every Previz document shares: A4, DejaVu fonts (so any script's text prints), JPEG images,
and a footer with the document's title and "page N of M"."""

from __future__ import annotations

from fpdf import FPDF

from previz.media.text import FONT_DIR, FONT_FILES

FONT = "DejaVu"


class PrevizPDF(FPDF):
    def __init__(
        self, title: str, kind: str, *, orientation: str, margin: float, footer: float, auto_break: bool
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.title_text = title
        self.kind = kind
        self.footer_h = footer
        self.set_auto_page_break(auto_break, margin=footer + 4 if auto_break else 0)
        self.set_margins(margin, margin, margin)
        self.add_font(FONT, "", str(FONT_DIR / FONT_FILES["regular"]))
        self.add_font(FONT, "B", str(FONT_DIR / FONT_FILES["bold"]))
        self.set_image_filter("DCTDecode")
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-self.footer_h)
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.title_text} — {self.kind}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"page {self.page_no()} of {{nb}}", align="R")
