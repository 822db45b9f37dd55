"""``copy_project``: a project copied bundle → PostgreSQL → bundle keeps every row (same ids, history and undo
steps), every media file, and takes new edits without id collisions; a refused or failed copy leaves the
source unchanged and no destination behind."""

import sqlite3

import pytest
from sqlalchemy import inspect

from helpers import dump
from previz.core.errors import MediaError, ProjectError, ServerUnreachableError, ValidationError
from previz.core.project_copy import ORDER, CopyCheckError, compare_projects, copy_project, same_value
from previz.core.session import ProjectSession

PEN = {"kind": "pen", "colour": "red", "width": 6, "points": [[0.1, 0.1], [0.5, 0.5], [0.9, 0.2]]}


def _media(session, folder, name, kind, ext, payload, **info):
    source = folder / f"{name}.{ext}"
    source.write_bytes(payload)
    digest, path = session.media.put_file(source, ext)
    session.register_media(digest, ext, kind, path.stat().st_size, **info)
    return digest


@pytest.fixture
def source(tmp_path):
    """A bundle holding a bit of everything: characters, scenes, shots with exact floats, a take with its
    media and JSON request, a note with strokes, audio, a job, undo steps and a pending redo."""
    stand_ins = tmp_path / "stand-ins"
    stand_ins.mkdir()
    s = ProjectSession.create(tmp_path / "film", name="Film", author="ana", style_prompt="moody")
    s.add_character("Mara", "the keeper")
    s.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    s.add_scene("INT. LANTERN ROOM - CONTINUOUS", number="2A")
    for scene, n in (("1", 3), ("2A", 2)):
        for i in range(n):
            s.add_shot(scene, action=f"beat {i}", duration_frames=24 + i, lens_mm=35.123456789012345 + i)
    codes = [sh.code for sh in s.shots()]
    s.set_shot(codes[1], guidance=7.1, steps=30, seed=2**32 - 1, characters=["Mara"])
    video = _media(
        s, stand_ins, "take", "video", "mp4", b"video bytes " * 500, width=64, height=64, frames=48
    )
    s.add_take(
        codes[0],
        kind="imported",
        media_hash=video,
        request={"prompt": "a lighthouse", "guidance": 0.1, "extras": {"b": [1.5, True, None], "a": 1}},
        provenance={"backend": "animatic", "wall_s": 1e-7},
    )
    s.add_note(codes[0], 3, "push in slower", author="dir", strokes=[PEN])
    audio = _media(s, stand_ins, "music", "audio", "wav", b"RIFF temp music", frames=None)
    s.add_audio_clip(audio, start_frame=12, gain_db=-3.25, name="temp")
    s.add_job("generate", {"request": {"seed": 7, "frames": 49}}, shot=codes[2])
    added = s.add_shot("2A", action="to be undone")
    s.undo()  # a redo step for ana; the shot's id was handed out once and must never be again
    yield {"path": tmp_path / "film.previz", "codes": codes, "undone_id": added.id}
    s.close()


def _open(where, **kw):
    return ProjectSession.open(where, **kw)


def _everything(session) -> dict:
    rows = dump(session)
    assert set(rows) == set(ORDER)  # dump covers every table
    return rows


def _files(session) -> dict:
    return {
        r["hash"]: session.media.path(r["hash"], r["ext"]).read_bytes() for r in session.table_rows("media")
    }


def test_bundle_to_postgresql_to_bundle_keeps_every_row_and_media_file(source, pg_url, tmp_path):
    src_db_bytes = (source["path"] / "project.sqlite").read_bytes()
    with _open(source["path"], readonly=True) as s:
        before, before_files = _everything(s), _files(s)
    seen = []
    report = copy_project(
        source["path"], pg_url, media=tmp_path / "pg-media", progress=lambda *a: seen.append(a)
    )
    assert report.rows == {t: len(before[t]) for t in ORDER}
    assert report.media_files == 2 and report.media_bytes == sum(len(b) for b in before_files.values())
    assert seen[-1][0] == seen[-1][1] and [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    back = copy_project(pg_url, tmp_path / "back", progress=lambda *a: None)
    assert back.rows == report.rows and back.destination == str((tmp_path / "back.previz").resolve())

    with _open(pg_url) as pg:
        on_pg = _everything(pg)
        assert on_pg["project"][0]["media_root"] == str((tmp_path / "pg-media").resolve())
        assert _files(pg) == before_files
    with _open(tmp_path / "back.previz") as b:
        assert _everything(b) == before  # identical rows: same ids, values, history, undo steps
        assert _files(b) == before_files  # identical bytes
    on_pg["project"][0]["media_root"] = ""
    assert on_pg == before
    # the source was only read
    with _open(source["path"], readonly=True) as s:
        assert _everything(s) == before
    assert (source["path"] / "project.sqlite").read_bytes() == src_db_bytes


def test_copies_take_edits_and_undo_without_id_collisions(source, pg_url, tmp_path):
    copy_project(source["path"], pg_url, media=tmp_path / "pg-media")
    copy_project(pg_url, tmp_path / "back")
    with _open(source["path"], readonly=True, author="ana") as s:
        undo_name, redo_name = s.undo_name(), s.redo_name()
        names = s.history_names()
        shot_ids = {sh.id for sh in s.shots()}
    assert redo_name == "Add shot 002A_0030" and len(names[0]) > 8
    for where in (pg_url, tmp_path / "back.previz"):
        # someone else adds a shot first: it must not take the id of ana's undone shot
        with _open(where, author="ben") as other:
            new = other.add_shot("1", action="added on the copy")
            assert new.id not in shot_ids and new.id != source["undone_id"]
        with _open(where, author="ana") as copy:
            assert (copy.undo_name(), copy.redo_name()) == (undo_name, redo_name)
            assert copy.history_names() == names
            copy.redo()  # re-inserts the shot with its old id
            assert copy.shot(source["undone_id"]).action == "to be undone"
            copy.undo()
            while copy.undo_name() != f"Change {source['codes'][1]}":
                copy.undo()  # back through the history made before the copy
            copy.undo()
            assert copy.shot(source["codes"][1]).guidance is None and copy.audio_clips() == []
            mine = copy.add_shot("2A", action="ana's new shot")
            assert mine.id not in shot_ids | {new.id, source["undone_id"]}
            assert copy.undo_name() == f"Add shot {mine.code}"
            copy.undo()
            assert mine.code not in {sh.code for sh in copy.shots()}


def test_a_database_that_is_not_empty_is_refused_and_left_as_it_was(source, pg_url, tmp_path):
    with ProjectSession.create(pg_url, media=tmp_path / "theirs", name="Theirs") as other:
        other.add_scene("INT. OFFICE - DAY", number="1")
        before = dump(other)
    with pytest.raises(ProjectError, match="already holds a Previz project; nothing was copied"):
        copy_project(source["path"], pg_url, media=tmp_path / "mine")
    assert not (tmp_path / "mine").exists()
    with _open(pg_url) as other:
        assert dump(other) == before


def test_a_bundle_that_exists_is_refused_and_left_as_it_was(source, tmp_path):
    target = tmp_path / "taken.previz"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ProjectError, match="already exists and is not empty"):
        copy_project(source["path"], target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def _damage_take_media(path):
    with _open(path, readonly=True) as s:
        row = next(r for r in s.table_rows("media") if r["kind"] == "video")
        stored = s.media.path(row["hash"], row["ext"])
    stored.chmod(0o644)
    stored.write_bytes(b"truncated")
    return stored


def test_damaged_source_media_is_refused_and_no_bundle_is_left(source, tmp_path):
    stored = _damage_take_media(source["path"])
    with pytest.raises(MediaError, match=f"{stored}: its content does not match its name"):
        copy_project(source["path"], tmp_path / "copy")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.previz", "stand-ins"]  # no copy, no partial


def test_damaged_source_media_is_refused_and_the_database_rolled_back(source, pg_url, tmp_path):
    stored = _damage_take_media(source["path"])
    with pytest.raises(MediaError, match=str(stored)):
        copy_project(source["path"], pg_url, media=tmp_path / "pg-media")
    assert not (tmp_path / "pg-media").exists()
    from previz.core.database import server_engine

    engine = server_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()
    # an empty folder given as the media root stays, emptied again
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError):
        copy_project(source["path"], pg_url, media=tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == []


def test_bad_sources_destinations_and_options_say_what_is_wrong(source, tmp_path):
    with pytest.raises(ProjectError, match="no such project"):
        copy_project(tmp_path / "nothing.previz", tmp_path / "copy")
    (tmp_path / "folder").mkdir()
    with pytest.raises(ProjectError, match="not a Previz project"):
        copy_project(tmp_path / "folder", tmp_path / "copy")
    with pytest.raises(ValidationError, match="media: a bundle keeps its media inside itself"):
        copy_project(source["path"], tmp_path / "copy", media=tmp_path / "m")
    with pytest.raises(ValidationError, match=r"needs a media root every machine mounts \(--media DIR\)"):
        copy_project(source["path"], "postgresql://previz@127.0.0.1:1/film")
    with pytest.raises(ServerUnreachableError, match="cannot reach the PostgreSQL server at 127.0.0.1:1"):
        copy_project(source["path"], "postgresql://previz@127.0.0.1:1/film", media=tmp_path / "m")
    assert not (tmp_path / "m").exists() and not (tmp_path / "copy.previz").exists()


def test_the_check_names_the_table_row_and_column_that_differ(source, tmp_path):
    copy_project(source["path"], tmp_path / "copy")
    copy_db = tmp_path / "copy.previz" / "project.sqlite"

    def change(sql):
        db = sqlite3.connect(copy_db)
        with db:
            db.execute(sql)
        db.close()

    def check():
        with _open(source["path"], readonly=True) as a, _open(tmp_path / "copy.previz", readonly=True) as b:
            return compare_projects(a.conn, b.conn)

    # JSON compares as parsed values: the same document written with its keys in another order is the same
    change(
        'UPDATE take SET request = \'{"extras": {"a": 1, "b": [1.5, true, null]}, '
        '"guidance": 0.1, "prompt": "a lighthouse"}\''
    )
    assert check()["take"] == 1
    change("UPDATE shot SET lens_mm = lens_mm + 1e-12 WHERE id = 2")
    with pytest.raises(CopyCheckError, match=r"table shot, row id=2, column lens_mm: 36\.12345678901"):
        check()
    change("UPDATE shot SET lens_mm = lens_mm - 1e-12 WHERE id = 2")
    check()
    change("UPDATE take SET request = json_set(request, '$.guidance', 0.1000001)")
    with pytest.raises(CopyCheckError, match="table take, row id=1, column request"):
        check()
    change("UPDATE take SET request = json_set(request, '$.guidance', 0.1)")
    change("DELETE FROM note")
    with pytest.raises(CopyCheckError, match="table note, row id=1: missing from the copy"):
        check()


def test_values_compare_by_type_and_exactly():
    assert same_value({"a": [1.5, True, None]}, {"a": [1.5, True, None]})
    assert not same_value(True, 1) and not same_value(0.1, 0.1000000000000001 + 1e-16)
    assert same_value(float("nan"), float("nan")) and same_value(2, 2.0)
    assert not same_value("1", 1) and not same_value({"a": 1}, {"a": 1, "b": 2})
