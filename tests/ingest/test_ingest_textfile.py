"""Bad screenplay files: empty, binary, too big, UTF-16/32 with a BOM, Latin-1 without one; plus fuzzing."""

from __future__ import annotations

import codecs
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from previz.core.errors import ImportFileError
from previz.ingest import load_screenplay
from previz.ingest.fountain import load_fountain, parse_fountain
from previz.ingest.textfile import MAX_TEXT_BYTES, read_text_file

SCRIPT = "Title: Café\n\nINT. CAFÉ - NIGHT #1#\n\nZOË\nNaïve crème brûlée.\n"


def test_utf8_with_and_without_bom(tmp_path):
    for data in (SCRIPT.encode("utf-8"), codecs.BOM_UTF8 + SCRIPT.encode("utf-8")):
        p = tmp_path / "s.fountain"
        p.write_bytes(data)
        play = load_fountain(p)
        assert play.title == "Café"
        assert play.scenes[0].elements[1].text == "Naïve crème brûlée."


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_bom(tmp_path, codec):
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[codec]
    p = tmp_path / "s.fountain"
    p.write_bytes(bom + SCRIPT.replace("\n", "\r\n").encode(codec))
    play = load_fountain(p)
    assert play.scenes[0].heading == "INT. CAFÉ - NIGHT"
    assert play.scenes[0].elements[0].character == "ZOË"
    assert play.scenes[0].line_start == 3


def test_latin1_without_bom_names_the_line_and_explicit_encoding_works(tmp_path):
    p = tmp_path / "latin.fountain"
    p.write_bytes(("INT. HOUSE - DAY\n\nPlain line.\n" + "Caf\u00e9 au lait.\n").encode("latin-1"))
    with pytest.raises(ImportFileError) as err:
        load_fountain(p)
    assert err.value.line == 4
    assert "latin.fountain, line 4" in str(err.value)
    assert "UTF-8" in str(err.value)
    play = load_fountain(p, encoding="latin-1")
    assert play.scenes[0].elements[0].text == "Plain line.\nCafé au lait."


def test_unknown_explicit_encoding(tmp_path):
    p = tmp_path / "s.fountain"
    p.write_text(SCRIPT, encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown text encoding"):
        load_fountain(p, encoding="klingon-8")


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n", codecs.BOM_UTF8])
def test_empty_files(tmp_path, data):
    p = tmp_path / "empty.fountain"
    p.write_bytes(data)
    with pytest.raises(ImportFileError, match="empty") as err:
        load_fountain(p)
    assert "empty.fountain" in str(err.value)


def test_binary_file(tmp_path):
    p = tmp_path / "photo.fountain"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ImportFileError, match="binary") as err:
        load_fountain(p)
    assert err.value.line == 3  # the NUL follows the PNG signature's two newlines


def test_20_mb_file_refused_without_reading_it(tmp_path, monkeypatch):
    p = tmp_path / "huge.fountain"
    with p.open("wb") as fh:  # sparse: 20 MB on paper, nothing written
        fh.truncate(20 * 1024 * 1024)
    opened = []
    real_open = type(p).open
    monkeypatch.setattr(
        type(p), "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k)
    )
    with pytest.raises(ImportFileError, match="10 MB import limit") as err:
        load_fountain(p)
    assert "huge.fountain" in str(err.value)
    assert opened == []
    assert os.path.getsize(p) > MAX_TEXT_BYTES


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImportFileError, match="not found"):
        load_screenplay(tmp_path / "nope.fountain")
    with pytest.raises(ImportFileError, match="folder"):
        read_text_file(tmp_path)


def test_lone_cr_and_crlf_normalised(tmp_path):
    p = tmp_path / "s.txt"
    p.write_bytes(b"a\r\nb\rc\n")
    assert read_text_file(p) == "a\nb\nc\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "INT. HOUSE - DAY #1#",
                    ".FORCED",
                    "@bob ^",
                    "BOB (V.O.)",
                    "(beat)",
                    "> CUT TO:",
                    "> centred <",
                    "CUT TO:",
                    "/*",
                    "*/",
                    "[[",
                    "]]",
                    "===",
                    "# Act",
                    "= syn",
                    "~la",
                    "!BANG",
                    "Title: X",
                    "  ",
                    "",
                    "\t",
                    "\r",
                    "**bold** _u_ \\*",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_fuzz_fountain_parses_or_raises_import_error(lines):
    text = "\n".join(lines)
    try:
        play = parse_fountain(text, "fuzz.fountain")
    except ImportFileError:
        return
    n_lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for scene in play.scenes:
        assert 1 <= scene.line_start <= scene.line_end <= n_lines
        for el in scene.elements:
            assert scene.line_start <= el.line <= n_lines


def test_fifo_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.fountain"
    os.mkfifo(fifo)
    with pytest.raises(ImportFileError, match="not a regular file"):
        load_fountain(fifo)
