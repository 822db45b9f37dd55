"""Imports take a writer's real files: no cosmetic refusals, dry runs that tell the truth, capped input.

Each test is one fault from the hardening issue, checked by what a user sees: rows in the project, the
summary, the exact message.
"""

import json
import zipfile

import pytest

from helpers import dump
from previz.cli import main
from previz.core.errors import ImportFileError
from previz.core.session import ProjectSession
from previz.ingest import shotlist
from previz.ingest.apply import import_path


@pytest.fixture
def project(tmp_path):
    with ProjectSession.create(tmp_path / "film") as s:
        yield s


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


LONG_PLACE = "ABANDONED " + " ".join(["LIGHTHOUSE KEEPER'S COTTAGE ON THE NORTHERN CLIFF"] * 5)


def test_a_278_character_heading_is_kept_whole(project, tmp_path):
    heading = f"INT. {LONG_PLACE} - NIGHT"
    assert len(heading) > 255 and len(LONG_PLACE) > 255
    import_path(project, write(tmp_path, "long.fountain", f"{heading} #1#\n\nWaves.\n"))
    scene = project.scene("1")
    assert (scene.heading, scene.location, scene.time_of_day) == (heading, LONG_PLACE, "NIGHT")


def test_a_400000_character_heading_is_an_error_naming_file_and_line(project, tmp_path):
    path = write(tmp_path, "huge.fountain", "INT. A - DAY\n\nx\n\nINT. " + "X" * 400_000 + " - DAY\n\ny\n")
    before = dump(project)
    for dry_run in (True, False):
        with pytest.raises(ImportFileError) as err:
            import_path(project, path, dry_run=dry_run)
        assert err.value.line == 5 and str(err.value).startswith(f"{path}, line 5: ")
        assert "characters long" in str(err.value) and len(str(err.value)) < 300
    assert dump(project) == before


def test_numbers_differing_in_case_are_two_scenes_and_a_repeat_is_renamed_with_a_warning(project, tmp_path):
    script = (
        "INT. HALL - DAY #1A#\n\nOne.\n\nINT. HALL - NIGHT #1a#\n\nTwo.\n\n"
        "EXT. YARD - DAY #2#\n\nThree.\n\nEXT. YARD - NIGHT #2#\n\nFour.\n"
    )
    path = write(tmp_path, "nums.fountain", script)
    summary = import_path(project, path)
    assert [s.number for s in project.scenes()] == ["1A", "1a", "2", "2-2"]
    assert project.scene("2-2").heading == "EXT. YARD - NIGHT"
    assert project.shots("1a")[0].code == "001a_0010" and project.shots("1A")[0].code == "001A_0010"
    assert summary.warnings == [
        f"{path}, line 13: scene number 2 is used twice (first at line 9); this scene is imported as 2-2"
    ]
    # The same script again matches every scene by its number: nothing changes.
    before = dump(project)
    again = import_path(project, path)
    assert again.scenes_unchanged == 4 and not again.scenes_added and dump(project) == before


def test_into_a_project_with_scenes_1_2_3_dry_run_and_import_agree(project, tmp_path):
    for n in (1, 2, 3):
        project.add_scene(f"INT. OFFICE {n} - DAY", number=str(n))
    path = write(tmp_path, "new.fountain", "INT. KITCHEN - DAY\n\nEggs.\n\nEXT. GARDEN - DAY\n\nBees.\n")
    before = dump(project)
    dry = import_path(project, path, dry_run=True)
    assert dump(project) == before
    real = import_path(project, path)
    assert real.as_dict() == {**dry.as_dict(), "dry_run": False}
    assert [s.number for s in project.scenes()] == ["1", "2", "3", "4", "5"]  # omitted stay first
    assert project.scene("4").heading == "INT. KITCHEN - DAY" and project.scene("1").omitted


def test_a_dry_run_refuses_what_the_import_refuses(project, tmp_path):
    """The dry run runs the project's own checks in the transaction it rolls back: a 3 mm lens passes
    the shot list's reading (1-2000 mm) but not the project's (4-2000 mm); both runs say so the same way."""
    project.add_scene("INT. OFFICE - DAY", number="1b")
    bad = write(tmp_path, "bad.csv", "scene,shot,lens\n1b,10,35\n1b,20,3mm\n")
    before = dump(project)
    for dry_run in (True, False):
        message = r"bad.csv, line 3, column 'lens': lens_mm: 3.0 is out of range"
        with pytest.raises(ImportFileError, match=message):
            import_path(project, bad, dry_run=dry_run)
    assert dump(project) == before


SHOTS = "scene,shot,size,move,duration,description\n" + "".join(
    f"{1 + i % 2},{10 * (i // 2 + 1)},ms,static,48,Shot {i}\n" for i in range(300)
)


def test_a_shot_list_adds_in_file_order_and_an_unchanged_reimport_writes_nothing(project, tmp_path):
    project.add_scene("INT. A - DAY", number="1")
    project.add_scene("INT. B - DAY", number="2")
    path = write(tmp_path, "list.csv", SHOTS)
    first = import_path(project, path)
    assert (first.shots_added, first.shots_updated, first.shots_unchanged) == (300, 0, 0)
    shots = project.shots("2")
    assert [s.position for s in shots] == list(range(150)) and shots[0].action == "Shot 1"
    assert shots[-1].code == "002_1500" and project.undo_name() == "Import list.csv"
    before = dump(project)
    again = import_path(project, path)
    assert (again.shots_added, again.shots_updated, again.shots_unchanged) == (0, 0, 300)
    assert dump(project) == before
    changed = write(tmp_path, "list.csv", SHOTS.replace("Shot 7\n", "Shot 7 wider\n"))
    third = import_path(project, changed)
    assert (third.shots_updated, third.shots_unchanged) == (1, 299)
    assert project.shot("002_0040").action == "Shot 7 wider"
    # Many changed rows are one edit (one executemany); undo puts every row back.
    longer = write(tmp_path, "list.csv", SHOTS.replace(",48,", ",50,"))
    fourth = import_path(project, longer)
    assert (fourth.shots_updated, fourth.shots_unchanged) == (300, 0)
    assert {s.duration_frames for s in project.shots()} == {50}
    project.undo()
    assert {s.duration_frames for s in project.shots()} == {48}
    assert project.shot("002_0040").action == "Shot 7 wider"


def test_a_shot_list_larger_than_a_screenplay_may_be_is_read(tmp_path):
    """Shot lists have their own size cap: 100,000 described rows pass the 10 MiB screenplay limit."""
    notes = "n" * 6000
    path = write(tmp_path, "big.csv", "scene,shot,notes\n" + "".join(f"1,{i},{notes}\n" for i in range(2000)))
    assert path.stat().st_size > 11 * 2**20
    assert len(shotlist.load_shot_list(path, fps=24).rows) == 2000
    path.write_bytes(b"scene,shot\n" + b"1,10\n" * (shotlist.MAX_SHOT_LIST_BYTES // 5))
    with pytest.raises(ImportFileError, match="big.csv: file is larger than the 64 MB import limit"):
        shotlist.load_shot_list(path, fps=24)


def test_boards_dry_run_matches_the_import_and_an_unchanged_panel_writes_nothing(project, tmp_path):
    import cv2
    import numpy as np

    project.add_scene("INT. A - DAY", number="1A")
    project.add_shot("1A", code="001A_0010")
    boards = tmp_path / "boards"
    boards.mkdir()
    cv2.imwrite(str(boards / "sc1a_sh010.png"), np.full((36, 64, 3), 90, np.uint8))  # case differs
    cv2.imwrite(str(boards / "sc1a_sh020.png"), np.full((36, 64, 3), 120, np.uint8))
    before, media_before = dump(project), sorted(project.media.all_files())
    dry = import_path(project, boards, dry_run=True)
    assert dump(project) == before and sorted(project.media.all_files()) == media_before
    real = import_path(project, boards)
    assert real.as_dict() == {**dry.as_dict(), "dry_run": False}
    assert (real.shots_added, real.shots_updated, real.boards_attached) == (1, 1, 2)
    assert [s.code for s in project.shots("1a")] == ["001A_0010", "001A_0020"]  # "1a" finds scene 1A
    before = dump(project)
    again = import_path(project, boards)
    assert (again.shots_added, again.shots_updated, again.shots_unchanged) == (0, 0, 2)
    assert dump(project) == before


def _xlsx_bomb(path, inflated_mib: int) -> None:
    """A workbook whose sheet part inflates to ``inflated_mib`` MiB of blank rows (small on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"<row/>" * (2**20 // 6)
            for _ in range(inflated_mib):
                part.write(chunk)


def test_an_xlsx_that_inflates_past_the_cap_is_refused_before_it_is_opened(project, tmp_path):
    project.add_scene("INT. A - DAY", number="1")
    path = tmp_path / "bomb.xlsx"
    _xlsx_bomb(path, 300)
    assert path.stat().st_size < 2 * 2**20
    before = dump(project)
    with pytest.raises(ImportFileError, match=r"bomb.xlsx: workbook inflates to 300 MiB, over the 256 MiB"):
        import_path(project, path)
    assert dump(project) == before


def test_an_xlsx_with_too_many_cells_is_refused_naming_the_row(project, tmp_path, monkeypatch):
    import openpyxl

    project.add_scene("INT. A - DAY", number="1")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["scene", "shot", "notes"])
    for i in range(1, 50):
        ws.append([1, i * 10, "x"])
    wb.save(tmp_path / "many.xlsx")
    summary = import_path(project, tmp_path / "many.xlsx")
    assert summary.warnings == [
        f"{tmp_path / 'many.xlsx'}, line 1: column(s) notes not imported (not a shot field)"
    ]
    monkeypatch.setattr(shotlist, "MAX_XLSX_CELLS", 60)
    with pytest.raises(ImportFileError, match=r"many.xlsx, line 21: the first sheet has more than 60 cells"):
        import_path(project, tmp_path / "many.xlsx", dry_run=True)


FDX = """<?xml version="1.0" standalone="no" ?>
<FinalDraft DocumentType="Script" Template="No" Version="5">
<Content>
<Paragraph Type="Scene Heading" Number="1"><Text>INT. CAF\xc9 - DAY</Text></Paragraph>
<Paragraph Type="Action"><Text>Ren\xe9e orders a cr\xeape.</Text></Paragraph>
</Content>
</FinalDraft>
"""


def test_a_latin1_fdx_says_it_is_not_utf8_and_imports_with_encoding(project, tmp_path):
    path = write(tmp_path, "cafe.fdx", FDX, encoding="latin-1")
    with pytest.raises(ImportFileError) as err:
        import_path(project, path)
    assert str(err.value).startswith(f"{path}, line 4: is not UTF-8")
    assert "try --encoding latin-1" in str(err.value)
    import_path(project, path, encoding="latin-1")
    assert project.scene("1").heading == "INT. CAFÉ - DAY"
    assert "Renée orders a crêpe." in project.scene("1").script_text


def test_a_declared_latin1_fdx_imports_without_the_option(project, tmp_path):
    text = FDX.replace('standalone="no"', 'encoding="ISO-8859-1" standalone="no"')
    import_path(project, write(tmp_path, "cafe.fdx", text, encoding="latin-1"))
    assert project.scene("1").location == "CAFÉ"


def test_cli_shows_warnings_in_text_and_json(tmp_path, capsys):
    assert main(["new", str(tmp_path / "film")]) == 0
    project = str(tmp_path / "film.previz")
    script = write(tmp_path, "dup.fountain", "INT. A - DAY #1#\n\nx\n\nINT. B - DAY #1#\n\ny\n")
    capsys.readouterr()
    assert main(["import", project, str(script), "--dry-run", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dry_run"] and data["warnings"] == [
        f"{script}, line 5: scene number 1 is used twice (first at line 1); this scene is imported as 1-2"
    ]
    assert main(["scene", "list", project, "--json"]) == 0 and json.loads(capsys.readouterr().out) == []
    assert main(["import", project, str(script)]) == 0
    out = capsys.readouterr().out
    assert f"  warning: {script}, line 5: scene number 1 is used twice" in out
    assert "scenes: 2 added" in out


def test_cli_scene_add_splits_the_heading_like_the_importer(tmp_path, capsys):
    assert main(["new", str(tmp_path / "film")]) == 0
    project = str(tmp_path / "film.previz")
    capsys.readouterr()
    heading = "I/E. VAN - MOVING - NIGHT"
    assert main(["scene", "add", project, "--heading", heading, "--number", "7b"]) == 0
    with ProjectSession.open(project, readonly=True) as s:
        scene = s.scene("7b")
    fields = (scene.number, scene.int_ext, scene.location, scene.time_of_day)
    assert fields == ("7b", "INT/EXT", "VAN - MOVING", "NIGHT")
