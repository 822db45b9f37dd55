"""Schema 0004 (speed presets, draft → final links): an older project keeps every row and every link to
its takes, and never reuses a take or job id, on both backends."""

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from previz.core import database, schema
from previz.core.session import ProjectSession


def _downgrade(s: ProjectSession, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(schema.MIGRATIONS_DIR))
    cfg.attributes["connection"] = s.conn
    command.downgrade(cfg, revision)
    s.conn.commit()


def _old_project(s: ProjectSession) -> dict:
    s.add_scene("INT. ROOM - DAY", number="1")
    s.add_shot("1", duration_frames=12)
    for n in range(3):
        s.register_media(f"{n:064x}", "mp4", "video", 10, frames=12)
        s.add_take("001_0010", kind="generated", media_hash=f"{n:064x}", request={"seed": n})
    takes = s.takes("001_0010")
    note = s.add_note("001_0010", 0, "too dark", take_number=2)
    job = s.add_job("generate", {"key": "k"}, shot="001_0010")
    s.update_job(job.id, take_id=takes[2].id)
    marks = database.id_marks(s.conn)
    s.conn.commit()
    return {"takes": [t.id for t in takes], "note": note.id, "job": job.id, "marks": marks}


def _check_after(s: ProjectSession, before: dict) -> None:
    assert schema.current_revision(s.conn) == schema.HEAD_REVISION
    takes = s.takes("001_0010")
    assert [t.id for t in takes] == before["takes"]
    assert [t.request["seed"] for t in takes] == [0, 1, 2]
    assert all(t.finalizes_take_id is None for t in takes)
    assert s.notes("001_0010")[0].take_id == before["takes"][1]  # not cleared by the table copy
    job = s.job(before["job"])
    assert (job.take_id, job.finalizes_take_id) == (before["takes"][2], None)
    assert s.project().default_preset == "final"
    assert s.shot("001_0010").preset == ""
    marks = database.id_marks(s.conn)
    s.conn.commit()
    for table in ("take", "job", "note"):
        assert marks[table] >= before["marks"][table]


def test_a_schema_0003_bundle_gains_the_preset_columns_and_keeps_its_take_links(tmp_path):
    with ProjectSession.create(tmp_path / "film") as s:
        before = _old_project(s)
        _downgrade(s, "0003")
        columns = {c["name"] for c in s.conn.exec_driver_sql("PRAGMA table_info(take)").mappings()}
        assert "finalizes_take_id" not in columns
        # A take deleted since: its id must never be handed out again after the migration copies the table.
        s.conn.execute(text("UPDATE sqlite_sequence SET seq = 40 WHERE name = 'take'"))
        s.conn.commit()
        before["marks"]["take"] = 40
    root = tmp_path / "film.previz"
    with ProjectSession.open(root) as s:
        _check_after(s, before)
        assert s.conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        s.conn.commit()
        s.register_media("f" * 64, "mp4", "video", 10, frames=12)
        assert s.add_take("001_0010", kind="generated", media_hash="f" * 64).id == 41
    assert len(list((root / "backups").glob("project-schema0003-*.sqlite"))) == 1


def test_a_schema_0003_server_project_is_migrated_in_place(pg_url, tmp_path):
    with ProjectSession.create(pg_url, media=tmp_path / "media") as s:
        before = _old_project(s)
        _downgrade(s, "0003")
    with ProjectSession.open(pg_url, media=tmp_path / "media") as s:
        _check_after(s, before)


def test_deleting_a_draft_leaves_the_final_take_and_its_job_unlinked(session):
    session.add_scene("INT. ROOM - DAY", number="1")
    session.add_shot("1", duration_frames=12)
    for n in range(2):
        session.register_media(f"{n:064x}", "mp4", "video", 10, frames=12)
        session.add_take("001_0010", kind="generated", media_hash=f"{n:064x}")
    draft, final = session.takes("001_0010")
    job = session.add_job("generate", {"key": "k"}, shot="001_0010")
    session.conn.execute(
        text("UPDATE take SET finalizes_take_id = :d WHERE id = :f"), {"d": draft.id, "f": final.id}
    )
    session.conn.execute(
        text("UPDATE job SET finalizes_take_id = :d WHERE id = :j"), {"d": draft.id, "j": job.id}
    )
    session.conn.commit()
    assert session.take(final.id).finalizes_take_id == draft.id
    assert session.job(job.id).finalizes_take_id == draft.id
    session.conn.execute(text("DELETE FROM take WHERE id = :d"), {"d": draft.id})
    session.conn.commit()
    assert session.take(final.id).finalizes_take_id is None
    assert session.job(job.id).finalizes_take_id is None
