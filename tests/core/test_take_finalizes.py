"""A final take's link to the draft it finalizes (take.finalizes_take_id, job.finalizes_take_id), on both
backends: recorded with the take, swapped into the cut, and kept through removing the shot and undoing."""

from __future__ import annotations

import hashlib

from previz.core.errors import ValidationError


def _media(session, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(name.encode() * 64)
    digest, stored = session.media.put_file(path, "mp4")
    session.register_media(
        digest, "mp4", "video", stored.stat().st_size, width=64, height=64, frames=30, fps="24"
    )
    return digest


def test_a_final_replaces_its_draft_and_the_links_survive_remove_and_undo(populated, tmp_path, dump):
    session = populated
    draft_media, final_media = _media(session, tmp_path, "draft"), _media(session, tmp_path, "final")
    draft = session.add_take(
        "001_0010", kind="generated", media_hash=draft_media, request={"preset": "draft"}
    )
    other = session.add_take("001_0020", kind="generated", media_hash=draft_media)
    session.set_shot("001_0010", trim_in=4, duration_frames=20)
    job = session.add_job("generate", {"key": hashlib.sha256(b"f").hexdigest()}, shot="001_0010")
    session.update_job(job.id, finalizes_take_id=draft.id)

    final = session.add_take("001_0010", kind="generated", media_hash=final_media, finalizes_take_id=draft.id)
    shot = session.shot("001_0010")
    assert final.finalizes_take_id == draft.id and shot.selected_take_id == final.id
    assert (shot.trim_in, shot.duration_frames) == (4, 20)
    assert session.cut().entries[0].take_number == 2 and session.cut().entries[0].source_in == 4
    try:
        session.add_take("001_0010", kind="generated", media_hash=final_media, finalizes_take_id=other.id)
        raise AssertionError("another shot's take accepted as the draft")
    except ValidationError as exc:
        assert (
            exc.one_line() == f"finalizes_take_id: take {other.id} is a take of another shot, not of 001_0010"
        )

    before = dump(session, history=False)
    session.remove_shot("001_0010")
    assert session.job(job.id).finalizes_take_id is None  # the draft went with its shot
    session.undo()
    assert dump(session, history=False) == before  # takes, links and the job's link all back
    assert session.take(final.id).finalizes_take_id == draft.id
    assert session.job(job.id).finalizes_take_id == draft.id
    session.redo()
    session.undo()
    assert dump(session, history=False) == before
