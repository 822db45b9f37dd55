"""Imports applied to a project: one transaction each, revisions that never delete work, clear errors."""

import os

import cv2
import numpy as np
import pytest

from helpers import dump
from previz.cli import main
from previz.core.errors import ImportFileError, PrevizError
from previz.core.session import ProjectSession
from previz.ingest.apply import import_path

SCRIPT = """Title: Test

INT. KITCHEN - NIGHT #1#

Mara fills a kettle.

MARA
(quietly)
Not tonight.

EXT. HARBOUR - DAY #2#

Boats rock at the quay.

INT. CELLAR - NIGHT #3#

Something moves in the dark.
"""


@pytest.fixture
def project(tmp_path):
    with ProjectSession.create(tmp_path / "film") as s:
        yield s


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_screenplay_becomes_scenes_with_a_breakdown_and_characters(project, tmp_path):
    summary = import_path(project, write(tmp_path, "a.fountain", SCRIPT))
    assert [s.number for s in project.scenes()] == ["1", "2", "3"]
    assert project.scene("1").location == "KITCHEN" and project.scene("1").time_of_day == "NIGHT"
    shots = project.shots("1")
    assert summary.shots_added == len(project.shots()) and len(shots) >= 2
    assert shots[0].code == "001_0010" and shots[0].size in ("ws", "ews")
    assert any("Not tonight." in s.dialogue for s in shots)
    assert [c.name for c in project.characters()] == ["MARA"]
    assert project.undo_name() == "Import a.fountain"


def test_a_revised_screenplay_updates_marks_stale_and_omits_without_deleting(project, tmp_path):
    import_path(project, write(tmp_path, "a.fountain", SCRIPT))
    digest, path = project.media.put_file(write(tmp_path, "t.mp4", "x"), "mp4")
    project.register_media(digest, "mp4", "video", 1, frames=24)
    project.add_take("001_0010", kind="animatic", media_hash=digest)
    project.add_take("003_0010", kind="generated", media_hash=digest)
    project.add_note("003_0010", 0, "keep this")
    revised = SCRIPT.replace("Mara fills a kettle.", "Mara drops the kettle.").replace(
        "INT. CELLAR - NIGHT #3#\n\nSomething moves in the dark.\n", "EXT. CLIFF - DAWN #4#\n\nWind.\n"
    )
    before = dump(project)
    dry = import_path(project, write(tmp_path, "b.fountain", revised), dry_run=True)
    assert dump(project) == before
    summary = import_path(project, tmp_path / "b.fountain")
    assert summary.as_dict() == {**dry.as_dict(), "dry_run": False}
    assert summary.scenes_changed == ["1 INT. KITCHEN - NIGHT"] and summary.scenes_added == [
        "4 EXT. CLIFF - DAWN"
    ]
    assert summary.scenes_omitted == ["3 INT. CELLAR - NIGHT"] and summary.takes_marked_stale == 1
    assert project.takes("001_0010")[0].stale and not project.takes("003_0010")[0].stale
    assert project.scene("3").omitted and project.shot("003_0010") and project.notes("003_0010")
    assert "003_0010" not in [e.code for e in project.cut().entries]
    assert [s.number for s in project.scenes()] == ["1", "2", "3", "4"]
    project.undo()
    assert dump(project, history=False) == {k: v for k, v in before.items() if k != "history"}


def test_reimporting_an_unchanged_screenplay_changes_nothing(project, tmp_path):
    path = write(tmp_path, "a.fountain", SCRIPT)
    import_path(project, path)
    before = dump(project)
    summary = import_path(project, path)
    assert summary.scenes_unchanged == 3 and not summary.scenes_added and summary.shots_added == 0
    assert dump(project) == before


def test_shot_lists_update_and_add_shots_with_boards(project, tmp_path):
    import_path(project, write(tmp_path, "a.fountain", SCRIPT), breakdown=False)
    cv2.imwrite(str(tmp_path / "p.png"), np.zeros((36, 64, 3), np.uint8))
    csv = write(
        tmp_path,
        "list.csv",
        "Scene,Shot #,Framing,Camera Move,Lens,Dur,Action,Board\n"
        "1,10,CU,push in,85,2s,Kettle boils.,p.png\n2,10,WS,static,24,48,Boats.,\n",
    )
    summary = import_path(project, csv)
    assert (summary.shots_added, summary.boards_attached) == (2, 1)
    shot = project.shot("001_0010")
    assert (shot.size, shot.move, shot.lens_mm, shot.duration_frames, shot.action) == (
        "cu",
        "push_in",
        85.0,
        48,
        "Kettle boils.",
    )
    assert project.media_path(shot.board_hash).is_file()


def test_board_folders_attach_by_name_and_append_the_rest(project, tmp_path):
    import_path(project, write(tmp_path, "a.fountain", SCRIPT), breakdown=False)
    project.add_shot("1", code="001_0010")
    boards = tmp_path / "boards"
    boards.mkdir()
    for value, name in enumerate(("sc1_sh010.png", "panel10.png", "panel2.png")):
        cv2.imwrite(str(boards / name), np.full((36, 64, 3), 100 + value, np.uint8))
    summary = import_path(project, boards, scene="2")
    assert (summary.boards_attached, summary.shots_added) == (3, 2)
    assert project.shot("001_0010").board_hash
    assert [s.code for s in project.shots("2")] == ["002_0010", "002_0020"]
    first_panel = project.media_info(project.shot("002_0010").board_hash).original_name
    assert first_panel == "panel2.png"  # natural sort: panel2 before panel10


BAD = [
    ("empty.fountain", b"", "empty"),
    ("binary.fountain", b"\x00\x01\x02PK\x03\x04" * 50, "binary"),
    ("latin1.fountain", "INT. CAF\xc9 - DAY\n\nCaf\xe9.\n".encode("latin-1"), "line 1"),
    ("missing.csv", b"scene,description\n1,hello\n", "shot"),
    ("badduration.csv", b"scene,shot,duration\n1,10,soon\n", "line 2, column 'duration'"),
    ("unknownscene.csv", b"scene,shot\n9,10\n", "scene 9 is not in the project"),
]


@pytest.mark.parametrize("name, content, message", BAD, ids=[b[0] for b in BAD])
def test_bad_files_get_a_clear_error_naming_the_file_and_change_nothing(
    project, tmp_path, name, content, message
):
    import_path(project, write(tmp_path, "a.fountain", SCRIPT), breakdown=False)
    before = dump(project)
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PrevizError) as info:
        import_path(project, path)
    assert name in str(info.value) and message in str(info.value)
    assert dump(project) == before


def test_utf16_with_a_bom_imports(project, tmp_path):
    path = tmp_path / "u16.fountain"
    path.write_bytes(SCRIPT.encode("utf-16"))
    assert len(import_path(project, path).scenes_added) == 3


def test_a_board_folder_with_a_corrupt_image_or_an_outside_symlink_changes_nothing(project, tmp_path):
    import_path(project, write(tmp_path, "a.fountain", SCRIPT), breakdown=False)
    before = dump(project)
    boards = tmp_path / "boards"
    boards.mkdir()
    cv2.imwrite(str(boards / "001_0010.png"), np.zeros((8, 8, 3), np.uint8))
    (boards / "001_0020.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(ImportFileError, match="001_0020.png"):
        import_path(project, boards)
    (boards / "001_0020.png").unlink()
    outside = tmp_path / "secret.png"
    cv2.imwrite(str(outside), np.zeros((8, 8, 3), np.uint8))
    os.symlink(outside, boards / "001_0030.png")
    with pytest.raises(ImportFileError, match="001_0030.png"):
        import_path(project, boards)
    assert dump(project) == before


def test_cli_import_dry_run_json_and_prompt(tmp_path, capsys):
    assert main(["new", str(tmp_path / "film")]) == 0
    project = str(tmp_path / "film.previz")
    script = write(tmp_path, "a.fountain", SCRIPT)
    assert main(["import", project, str(script), "--dry-run", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"scenes_added": [' in out and '"dry_run": true' in out
    assert main(["info", project, "--json"]) == 0 and '"scenes": []' in capsys.readouterr().out
    assert main(["import", project, str(script)]) == 0
    capsys.readouterr()
    assert main(["prompt", project, "001_0010", "--family", "wan"]) == 0
    out = capsys.readouterr().out
    assert "kitchen" in out.lower() and "night" in out.lower()
    assert main(["import", project, str(tmp_path / "nope.fountain")]) == 1
    assert "nope.fountain: no such file" in capsys.readouterr().err
