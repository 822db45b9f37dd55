"""Board folders: natural sort, name matching, real decoding, corrupt images and escaping symlinks."""

from __future__ import annotations

import pytest
from PIL import Image

from previz.core.errors import ImportFileError
from previz.ingest.boards import match_board_name, natural_key, scan_board_folder


def make_image(path, fmt: str, size=(32, 18)):
    Image.new("RGB", size, (200, 40, 40)).save(path, format=fmt)


@pytest.mark.parametrize(
    "stem, expected",
    [
        ("012A_0010", ("12A", 10)),
        ("sc12A_sh010", ("12A", 10)),
        ("SC12a-SH10", ("12a", 10)),  # case kept; the import resolves it
        ("scene3_shot20", ("3", 20)),
        ("001_0020", ("1", 20)),
        ("panel2", (None, None)),
        ("establishing", (None, None)),
    ],
)
def test_match_board_name(stem, expected):
    assert match_board_name(stem) == expected


def test_natural_key():
    names = ["panel10.png", "panel2.png", "Panel1.png", "panel2b.png"]
    assert sorted(names, key=natural_key) == ["Panel1.png", "panel2.png", "panel2b.png", "panel10.png"]


def test_scan_sorts_matches_and_decodes(tmp_path):
    make_image(tmp_path / "panel10.png", "PNG")
    make_image(tmp_path / "panel2.jpg", "JPEG")
    make_image(tmp_path / "012A_0010.webp", "WEBP", (64, 36))
    make_image(tmp_path / "sc1_sh020.tiff", "TIFF")
    (tmp_path / "notes.txt").write_text("not a board")
    (tmp_path / ".hidden.png").write_bytes(b"junk")
    (tmp_path / "sub").mkdir()
    scan = scan_board_folder(tmp_path)
    assert [(im.name, im.scene, im.shot) for im in scan.images] == [
        ("012A_0010.webp", "12A", 10),
        ("panel2.jpg", None, None),
        ("panel10.png", None, None),
        ("sc1_sh020.tiff", "1", 20),
    ]
    assert scan.images[0].width == 64 and scan.images[0].height == 36
    assert [im.name for im in scan.unmatched] == ["panel2.jpg", "panel10.png"]
    assert {p.name for p in scan.skipped} == {"notes.txt", ".hidden.png", "sub"}


def test_corrupt_image_named(tmp_path):
    make_image(tmp_path / "panel1.png", "PNG")
    good = (tmp_path / "panel1.png").read_bytes()
    (tmp_path / "panel2.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(ImportFileError, match="corrupt") as err:
        scan_board_folder(tmp_path)
    assert "panel2.png" in str(err.value)


def test_not_an_image_named(tmp_path):
    (tmp_path / "panel1.jpg").write_bytes(b"hello, I am text")
    with pytest.raises(ImportFileError, match="not a readable image") as err:
        scan_board_folder(tmp_path)
    assert "panel1.jpg" in str(err.value)


def test_symlink_outside_refused_inside_allowed(tmp_path):
    boards = tmp_path / "boards"
    boards.mkdir()
    make_image(boards / "panel1.png", "PNG")
    (boards / "again.png").symlink_to(boards / "panel1.png")
    assert [im.name for im in scan_board_folder(boards).images] == ["again.png", "panel1.png"]
    make_image(tmp_path / "secret.png", "PNG")
    (boards / "panel2.png").symlink_to(tmp_path / "secret.png")
    with pytest.raises(ImportFileError, match="outside the board folder") as err:
        scan_board_folder(boards)
    assert "panel2.png" in str(err.value)


def test_missing_empty_and_file_instead_of_folder(tmp_path):
    with pytest.raises(ImportFileError, match="not found"):
        scan_board_folder(tmp_path / "nope")
    with pytest.raises(ImportFileError, match="no PNG"):
        scan_board_folder(tmp_path)
    f = tmp_path / "a.png"
    make_image(f, "PNG")
    with pytest.raises(ImportFileError, match="not a folder"):
        scan_board_folder(f)


def test_broken_link_named(tmp_path):
    make_image(tmp_path / "panel1.png", "PNG")
    (tmp_path / "panel2.png").symlink_to(tmp_path / "gone.png")
    with pytest.raises(ImportFileError, match="broken or looping link") as err:
        scan_board_folder(tmp_path)
    assert "panel2.png" in str(err.value)
