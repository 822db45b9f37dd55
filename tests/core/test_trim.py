"""A shot's trim in is checked against its selected take: the shot must fit inside the take's frames."""

import pytest

from previz.cli import main
from previz.core.errors import ValidationError


def _take(session, tmp_path, code: str, frames: int) -> None:
    path = tmp_path / f"take{frames}.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 stub " + bytes([frames % 256]))
    digest, stored = session.media.put_file(path, "mp4")
    session.register_media(
        digest, "mp4", "video", stored.stat().st_size, width=1280, height=720, frames=frames, fps="24"
    )
    session.add_take(code, kind="animatic", media_hash=digest, provenance={"model": "animatic"})


@pytest.fixture
def shot(session, tmp_path):
    """001_0010: 48 frames on a 96-frame take."""
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    session.add_shot("1", code="001_0010", duration_frames=48)
    _take(session, tmp_path, "001_0010", 96)
    return session


def test_a_trim_past_the_take_is_refused_and_nothing_changes(shot, dump):
    before = dump(shot)
    with pytest.raises(ValidationError) as exc:
        shot.set_shot("001_0010", trim_in=100000)
    assert exc.value.one_line() == (
        "trim_in: 100000 does not fit take 1 of 001_0010, which has 96 frames, with the shot's 48 frames; "
        "use 0 to 48"
    )
    with pytest.raises(ValidationError, match="use 0 to 48"):
        shot.set_shot("001_0010", trim_in=49)
    with pytest.raises(ValidationError, match="with the shot's 90 frames; use 0 to 6"):
        shot.set_shot("001_0010", trim_in=10, duration_frames=90)
    assert dump(shot) == before


def test_a_trim_that_fits_is_stored(shot):
    shot.set_shot("001_0010", trim_in=48)
    assert shot.shot("001_0010").trim_in == 48
    shot.set_shot("001_0010", trim_in=6, duration_frames=90)
    assert (shot.shot("001_0010").trim_in, shot.shot("001_0010").duration_frames) == (6, 90)
    entry = shot.cut().entries[0]
    assert (entry.source_in, entry.source_out, entry.short_by) == (6, 96, 0)


def test_a_shot_longer_than_its_take_may_only_start_at_its_first_frame(shot):
    shot.set_shot("001_0010", duration_frames=120)  # runs past the take: the cut holds its last frame
    shot.set_shot("001_0010", trim_in=0)
    with pytest.raises(ValidationError, match=r"with the shot's 120 frames; use 0$"):
        shot.set_shot("001_0010", trim_in=1)


def test_without_a_selected_take_the_trim_is_not_limited_by_one(session):
    session.add_scene("EXT. LIGHTHOUSE - NIGHT", number="1")
    session.add_shot("1", code="001_0010", duration_frames=48)
    session.set_shot("001_0010", trim_in=500)
    assert session.shot("001_0010").trim_in == 500


def test_the_cli_refuses_the_trim_with_one_line_and_exit_1(shot, capsys):
    path = shot.location
    shot.close()
    code = main(["shot", "set", str(path), "001_0010", "--trim-in", "100000"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        "previz: error: trim_in: 100000 does not fit take 1 of 001_0010, which has 96 frames, "
        "with the shot's 48 frames; use 0 to 48\n"
    )
