"""A project in PostgreSQL: created with a media root on shared storage, opened from any machine that
mounts it, refused with one clear line when the server, the database or the media root is wrong."""

import json
import os

import pytest
from sqlalchemy import text

from previz.cli import main
from previz.core import database
from previz.core.errors import ProjectError, ProjectReadOnlyError, ValidationError
from previz.core.session import ProjectSession


def test_a_new_project_lives_in_the_database_and_its_media_in_the_media_root(pg_url, tmp_path):
    with ProjectSession.create(pg_url, media=tmp_path / "share" / "film", name="Film", author="alice") as s:
        s.add_scene("INT. ROOM - DAY")
        s.add_shot("1", action="a look")
        info = s.project()
        assert s.location == database.display_url(pg_url)
        assert s.root == (tmp_path / "share" / "film").resolve() and (s.root / "media").is_dir()
        marker = json.loads((s.root / "previz-media.json").read_text())
        assert marker == {"project": info.uuid, "database": s.location}
        assert info.media_root == str(s.root)
    with ProjectSession.open(pg_url, author="bob") as s:
        assert [x.code for x in s.shots()] == ["001_0010"]
        assert s.history_after(0)[-1].author == "alice"


def test_a_missing_database_is_created_and_a_non_empty_one_is_refused(pg_server, tmp_path):
    url = pg_server.url("made_by_previz_new")
    try:
        ProjectSession.create(url, media=tmp_path / "m1").close()
        with pytest.raises(ProjectError, match="already holds a Previz project; create the project in an"):
            ProjectSession.create(url, media=tmp_path / "m2")
        assert not (tmp_path / "m2").exists()  # nothing made for the refused one
    finally:
        pg_server.drop_database("made_by_previz_new")


def test_a_database_of_something_else_is_left_alone(pg_url, tmp_path):
    engine = database.server_engine(pg_url)
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE invoices (id integer)"))
        conn.commit()
    with pytest.raises(ProjectError, match="already holds 1 tables of something else"):
        ProjectSession.create(pg_url, media=tmp_path / "m")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM invoices")).scalar() == 0
    engine.dispose()


def test_a_postgresql_project_needs_a_media_root_and_a_bundle_takes_none(pg_url, tmp_path):
    with pytest.raises(ValidationError, match="needs a media root every machine mounts"):
        ProjectSession.create(pg_url)
    with pytest.raises(ValidationError, match="a bundle keeps its media inside itself"):
        ProjectSession.create(tmp_path / "film", media=tmp_path / "m")


def test_the_media_root_is_found_per_machine_and_checked(pg_url, tmp_path, monkeypatch):
    ProjectSession.create(pg_url, media=tmp_path / "m").close()
    # Another machine mounts it elsewhere: PREVIZ_MEDIA_ROOT (or --media) says where.
    moved = tmp_path / "mnt" / "film"
    moved.parent.mkdir()
    os.rename(tmp_path / "m", moved)
    with pytest.raises(ProjectError, match=r"the media root of .* is missing; mount the shared folder"):
        ProjectSession.open(pg_url)
    monkeypatch.setenv("PREVIZ_MEDIA_ROOT", str(moved))
    with ProjectSession.open(pg_url) as s:
        assert s.root == moved.resolve()
    # A folder that is not this project's media root.
    other = tmp_path / "other"
    other.mkdir()
    (other / "previz-media.json").write_text('{"project": "someone-else", "database": "postgresql://h/x"}')
    with pytest.raises(ProjectError, match=r"the media root of another project \(postgresql://h/x\)"):
        ProjectSession.open(pg_url, media=other)
    with pytest.raises(ProjectError, match="not a Previz media root"):
        ProjectSession.open(pg_url, media=tmp_path)


def test_a_read_only_media_root_opens_for_reading_only(pg_url, tmp_path, monkeypatch):
    ProjectSession.create(pg_url, media=tmp_path / "m").close()
    real = os.access
    media = str(tmp_path / "m" / "media")
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == media else real(p, mode, **kw))
    with pytest.raises(ProjectReadOnlyError, match="its media folder is not writable from this machine"):
        ProjectSession.open(pg_url)
    with ProjectSession.open(pg_url, readonly=True) as s:
        assert s.project().name


def test_the_cli_creates_and_changes_a_postgresql_project(pg_url, tmp_path, capsys):
    plain = database.display_url(pg_url)  # postgresql://user@host:port/db, as a user types it
    assert main(["new", plain, "--media", str(tmp_path / "m"), "--name", "Film"]) == 0
    assert capsys.readouterr().out.startswith(f"created {plain}, media in ")
    assert main(["scene", "add", plain, "--heading", "INT. ROOM - DAY"]) == 0
    assert main(["shot", "add", plain, "--scene", "1"]) == 0
    with ProjectSession.open(plain) as s:
        assert [x.code for x in s.shots()] == ["001_0010"]
    with_password = plain.replace(plain.split("@")[0], "postgresql://previz:secret")
    assert main(["new", with_password, "--media", "x"]) == 1
    assert "the URL holds a password" in capsys.readouterr().err


def test_after_a_server_restart_the_next_edit_reconnects_and_is_not_lost(pg_server, pg_url, tmp_path):
    s = ProjectSession.create(pg_url, media=tmp_path / "m")
    other = ProjectSession.open(pg_url, author="bob")
    s.add_scene("INT. ROOM - DAY")
    pg_server.restart()
    s.add_shot("1", action="made right after the restart")  # the lost connection is replaced, the edit made
    assert [x.action for x in s.shots()] == ["made right after the restart"]
    with pytest.raises(ProjectError, match="lost the connection to the PostgreSQL server"):
        other.last_history_id()  # a read on a connection the restart killed says so, once
    assert other.last_history_id() == s.last_history_id()  # the next poll has reconnected
    other.close()
    s.close()


def test_ages_are_told_on_the_server_clock_even_when_this_machine_is_wrong(pg_url, tmp_path, monkeypatch):
    from datetime import datetime, timedelta, timezone

    import previz.core.feed as feed_module
    import previz.core.server_project as server_module
    import previz.core.session as session_module
    from previz.core.feed import FeedWatcher

    class Ahead(datetime):  # this machine's clock runs an hour ahead of the server's
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(hours=1)

    for module in (session_module, server_module, feed_module):
        monkeypatch.setattr(module, "datetime", Ahead)
    with ProjectSession.create(pg_url, media=tmp_path / "m") as alice:
        assert abs(alice.clock_offset + timedelta(hours=1)) < timedelta(minutes=5)
        assert abs(alice.now() - datetime.now(timezone.utc)) < timedelta(minutes=5)
        alice.add_scene("INT. ROOM - DAY")
        watcher = FeedWatcher(alice)
        with ProjectSession.open(pg_url, author="bob") as bob:
            bob.add_shot("1")
        update = watcher.poll()
        assert update.summary() == "bob: Add shot 001_0010 · just now"  # not "1 hour ago"
