"""The editor's cut comes back: export with the real exporter, change the timeline with the OTIO API as an
editor would, import, and find exactly those changes in the database (one undo step)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cut_helpers import (  # noqa: E402
    COLOURS,
    add_video_take,
    clip_named,
    export,
    external_clip,
    shot_rows,
    small_project,
    span,
    write_movie,
)

from previz.cli import main  # noqa: E402
from previz.ingest.apply import import_path  # noqa: E402
from previz.ingest.conform import import_cut, merge_order  # noqa: E402

READ_KW = {"edl": {"rate": 24}}
WRITE_ADAPTER = {"otio": "otio_json", "edl": "cmx_3600", "xml": "fcp_xml"}


@pytest.fixture
def project(tmp_path):
    session = small_project(tmp_path)
    yield session
    session.close()


@pytest.mark.parametrize("suffix", ["otio", "otioz", "edl", "xml"])
def test_unchanged_cut_is_an_empty_report_and_no_edit(project, tmp_path, suffix):
    project.set_shot("001_0020", transition="dissolve", transition_frames=4)
    project.add_note("001_0010", 3, "Brighter lamp")
    cut = export(project, tmp_path / f"cut.{suffix}")
    before, mark = shot_rows(project), project.history_names()
    report = import_cut(project, cut)
    assert report.changes == [] and report.unmatched == []
    assert shot_rows(project) == before
    assert project.history_names() == mark  # no history row
    assert len(project.notes()) == 1


def _edit_sequence(track) -> None:
    """Swap scene 1's shots, trim 001_0010 (in 2 -> 4, 16 -> 12 frames), delete 002_0010."""
    first = clip_named(track, "001_0010")
    first.source_range = span(4, 12)
    gone = clip_named(track, "002_0010")
    del track[track.index(gone)]
    second = clip_named(track, "001_0020")
    del track[track.index(second)]
    track.insert(track.index(first), second)


def _expect_sequence_edits(project) -> None:
    rows = shot_rows(project)
    assert [c for c, r in sorted(rows.items(), key=lambda kv: (kv[1]["scene"], kv[1]["position"]))] == [
        "001_0020",
        "001_0010",
        "002_0010",
        "002_0020",
    ]
    assert rows["001_0010"]["duration"] == 12 and rows["001_0010"]["trim_in"] == 4
    assert rows["002_0010"]["status"] == "omitted"  # omitted, never deleted
    assert {c: r["status"] for c, r in rows.items() if c != "002_0010"} == dict.fromkeys(
        ["001_0010", "001_0020", "002_0020"], "draft"
    )
    assert rows["001_0020"]["duration"] == 12 and rows["002_0020"]["duration"] == 10


@pytest.mark.parametrize("suffix", ["edl", "xml"])
def test_edl_and_fcp_xml_round_trip_reorder_trim_delete(project, tmp_path, suffix):
    """Matched by clip name = shot code and the exported media file (EDL and FCP XML keep no ids)."""
    exported = export(project, tmp_path / f"cut.{suffix}")
    timeline = otio.adapters.read_from_file(str(exported), **READ_KW.get(suffix, {}))
    _edit_sequence(timeline.video_tracks()[0])
    changed = tmp_path / f"changed.{suffix}"
    otio.adapters.write_to_file(timeline, str(changed), adapter_name=WRITE_ADAPTER[suffix])
    names_before = project.history_names()[0]
    report = import_cut(project, changed)
    _expect_sequence_edits(project)
    assert project.history_names()[0] == names_before + [f"Conform to {changed.name}"]
    assert sorted(report.changes) == sorted(
        [
            "scene 1 shot order: 001_0020, 001_0010 (was 001_0010, 001_0020)",
            "001_0010: duration 16 -> 12 frames",
            "001_0010: trim in 2 -> 4",
            "002_0010: omitted (not in the cut; kept, not deleted)",
        ]
    )


def _editor_changes(timeline, tmp_path):
    """Everything an editor does: scenes swapped, a trim, a delete, a temp clip, a marker, a dissolve."""
    track = timeline.video_tracks()[0]
    _edit_sequence(track)
    scene2 = clip_named(track, "002_0020")
    del track[track.index(scene2)]
    track.insert(0, scene2)  # scene 2 now plays first
    temp = write_movie(tmp_path / "footage" / "temp_fx.mp4", 30)
    fx = external_clip("temp_fx", temp, 5, 20)  # temp footage after scene 1's last shot
    fx.markers.append(otio.schema.Marker(name="Temp: replace", marked_range=span(5 + 2, 0)))
    track.append(otio.schema.Transition(in_offset=span(0, 0).start_time, out_offset=span(3, 0).start_time))
    track.append(fx)
    marker = otio.schema.Marker(name="Hold longer on the lamp", marked_range=span(4 + 3, 0))
    clip_named(track, "001_0010").markers.append(marker)
    dissolve = otio.schema.Transition(in_offset=span(0, 0).start_time, out_offset=span(6, 0).start_time)
    track.insert(track.index(clip_named(track, "001_0010")), dissolve)


def _expect_all_edits(project, tmp_path):
    rows = shot_rows(project)
    assert [s.number for s in project.scenes()] == ["2", "1"]
    order = [s.code for s in project.shots()]
    assert order[:2] == ["002_0010", "002_0020"]  # the omitted shot keeps its place
    assert order[2:4] == ["001_0020", "001_0010"]
    new = order[4]
    assert rows[new]["scene"] == "1" and rows[new]["duration"] == 20 and rows[new]["trim_in"] == 5
    takes = project.takes(new)
    assert [(t.kind, t.frames) for t in takes] == [("imported", 30)]
    assert rows[new]["transition"] == ("dissolve", 3)
    assert [(n.frame, n.text) for n in project.notes(new)] == [(2, "Temp: replace")]
    assert rows["001_0010"] == dict(
        rows["001_0010"], duration=12, trim_in=4, transition=("dissolve", 6), status="draft"
    )
    assert rows["002_0010"]["status"] == "omitted"
    notes = [(n.frame, n.text) for n in project.notes("001_0010")]
    assert notes == [(3, "Hold longer on the lamp")]
    return new


@pytest.mark.parametrize("suffix", ["otio", "otioz"])
def test_otio_round_trip_every_conform_rule_in_one_undo_step(project, tmp_path, suffix):
    exported = export(project, tmp_path / f"cut.{suffix}")
    timeline = otio.adapters.read_from_file(str(exported))
    _editor_changes(timeline, tmp_path)
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    before = shot_rows(project)
    report = import_cut(project, changed)
    new = _expect_all_edits(project, tmp_path)
    assert "scene order: 2, 1 (was 1, 2)" in report.changes
    assert "001_0010: transition cut -> dissolve 6 frames" in report.changes
    assert any(line.startswith(f"new shot {new} in scene 1 for clip") for line in report.changes)
    assert report.unmatched == [f"clip 4 'temp_fx' matches no shot; added as {new}"]
    assert project.undo_name() == "Conform to changed.otio"
    project.undo()  # one undo step takes the whole conform back
    after_undo = shot_rows(project)
    assert {c: r for c, r in after_undo.items() if c != new} == before and new not in after_undo
    assert project.notes("001_0010") == []


def test_dry_run_reports_the_same_and_changes_nothing(project, tmp_path):
    exported = export(project, tmp_path / "cut.otio")
    timeline = otio.adapters.read_from_file(str(exported))
    _editor_changes(timeline, tmp_path)
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    before, mark, media = shot_rows(project), project.history_names(), project.table_rows("media")
    takes, files = project.takes(), sorted(project.media.root.rglob("*.mp4"))
    dry = import_cut(project, changed, dry_run=True)
    assert shot_rows(project) == before and project.history_names() == mark
    assert project.table_rows("media") == media and project.takes() == takes
    assert sorted(project.media.root.rglob("*.mp4")) == files  # the temp clip was not copied in
    real = import_cut(project, changed)
    assert dry.changes == real.changes and dry.dry_run and not real.dry_run
    _expect_all_edits(project, tmp_path)


def test_media_outside_the_chosen_folders_is_not_read_and_becomes_a_placeholder(project, tmp_path):
    exported = export(project, tmp_path / "cut" / "cut.otio")
    timeline = otio.adapters.read_from_file(str(exported))
    outside = write_movie(tmp_path / "elsewhere" / "secret.mp4", 12)
    timeline.video_tracks()[0].append(external_clip("secret", outside, 0, 12))
    changed = tmp_path / "cut" / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    media = project.table_rows("media")
    report = import_cut(project, changed)
    new = project.shots()[-1]
    assert project.takes(new.code) == [] and project.table_rows("media") == media
    assert str(outside) in new.action and "outside the folders you chose" in new.action
    assert any("placeholder" in c and "not read" in c for c in report.changes)
    # The same folder named with --media-root is read.
    project.undo()
    import_cut(project, changed, media_roots=(tmp_path / "elsewhere",))
    assert [t.kind for t in project.takes(project.shots()[-1].code)] == ["imported"]


def test_missing_file_and_title_become_placeholders_naming_them(project, tmp_path):
    exported = export(project, tmp_path / "cut.otio")
    timeline = otio.adapters.read_from_file(str(exported))
    track = timeline.video_tracks()[0]
    track.append(external_clip("gone", tmp_path / "nowhere.mov", 0, 8))
    title = otio.schema.Clip(
        name="MAIN TITLE",
        media_reference=otio.schema.GeneratorReference(generator_kind="SolidColor"),
        source_range=span(0, 24),
    )
    track.append(title)
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    import_cut(project, changed)
    gone, card = project.shots()[-2:]
    assert str(tmp_path / "nowhere.mov") in gone.action and "missing" in gone.action
    assert "MAIN TITLE" in card.action and card.duration_frames == 24 and card.scene_number == "2"


def test_multi_track_cut_uses_track_1_unless_told_and_reports_the_others(project, tmp_path):
    exported = export(project, tmp_path / "cut.otio")
    timeline = otio.adapters.read_from_file(str(exported))
    v2 = timeline.video_tracks()[0].clone()
    v2.name = "V2"
    del v2[v2.index(clip_named(v2, "002_0010"))]
    timeline.tracks.append(v2)
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    report = import_cut(project, changed)
    assert report.changes == []
    assert "video track 2 'V2' (3 clips) not conformed; --track 2 conforms it instead" in report.notices
    report = import_cut(project, changed, track=2)
    assert report.changes == ["002_0010: omitted (not in the cut; kept, not deleted)"]


def test_cli_import_cut_dry_run_json(project, tmp_path, capsys):
    exported = export(project, tmp_path / "cut.edl")
    text = exported.read_text().replace(
        "00:00:00:02 00:00:00:18 01:00:00:00 01:00:00:16", "00:00:00:02 00:00:00:14 01:00:00:00 01:00:00:12"
    )
    changed = tmp_path / "changed.edl"
    changed.write_text(text)
    root = str(project.root)
    project.close()
    capsys.readouterr()
    assert main(["import", root, str(changed), "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True and out["format"] == "EDL"
    assert "001_0010: duration 16 -> 12 frames" in out["changes"]
    assert any("an EDL has no frame rate" in n for n in out["notices"])


def test_merge_order_keeps_dropped_items_after_their_neighbour():
    assert merge_order(["c", "a"], ["a", "b", "c"]) == ["c", "a", "b"]
    assert merge_order(["b"], ["x", "b"]) == ["x", "b"]


def test_import_path_conforms_a_dropped_cut(project, tmp_path):
    """The app's file drop goes through import_path: a cut file conforms the project (one undo step)."""
    timeline = otio.adapters.read_from_file(str(export(project, tmp_path / "cut.otio")))
    clip_named(timeline.video_tracks()[0], "002_0020").source_range = span(0, 7)
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    report = import_path(project, changed)
    assert report.lines()[1:] == ["  002_0020: duration 10 -> 7 frames"]
    assert project.shot("002_0020").duration_frames == 7 and project.undo_name() == "Conform to changed.otio"


def test_a_clip_matching_two_shots_is_listed_and_left_alone(project, tmp_path):
    """Two shots share one take's media: a clip of that file (no id, no shot code) is not guessed."""
    take = project.takes("002_0020")[0]
    project.add_take("002_0010", kind="imported", media_hash=take.media_hash, select_if_none=False)
    timeline = otio.adapters.read_from_file(str(export(project, tmp_path / "cut.otio")))
    track = timeline.video_tracks()[0]
    copy = tmp_path / "editor_copy.mp4"
    copy.write_bytes(project.media_path(take.media_hash).read_bytes())
    del track[track.index(clip_named(track, "002_0020"))]
    track.append(external_clip("reel 7", copy, 0, 10))
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    before = shot_rows(project)
    report = import_cut(project, changed)
    assert report.unmatched == [
        "clip 4 'reel 7' matches shots 002_0010, 002_0020 (by media file); left out of the conform"
    ]
    assert report.changes == [] and shot_rows(project) == before  # 002_0020 is not omitted either


def test_a_take_made_since_the_export_stays_selected_and_is_noted(project, tmp_path):
    cut = export(project, tmp_path / "cut.otio")
    add_video_take(project, "001_0020", 14, COLOURS[4], kind="animatic")
    project.select_take("001_0020", 2)
    report = import_cut(project, cut)
    assert (
        report.changes == [] and project.shot("001_0020").selected_take_id == project.takes("001_0020")[1].id
    )
    assert (
        "clip 2 '001_0020' was cut with take 1 of 001_0020; the project selects take 2" in report.notices[0]
    )


def test_an_id_from_another_project_is_not_trusted(project, tmp_path):
    """Metadata naming shot id 1 with another code falls back to the clip's name (here: no shot)."""
    timeline = otio.adapters.read_from_file(str(export(project, tmp_path / "cut.otio")))
    stranger = clip_named(timeline.video_tracks()[0], "002_0010")
    stranger.name = "099_0010"
    stranger.metadata["previz"].update(shot_id=project.shot("001_0010").id, shot="099_0010")
    stranger.media_reference = otio.schema.MissingReference()
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    report = import_cut(project, changed)
    assert "002_0010: omitted (not in the cut; kept, not deleted)" in report.changes
    assert any(u.startswith("clip 3 '099_0010' matches no shot; added as ") for u in report.unmatched)


def test_a_renamed_clip_without_media_still_matches_by_previz_id(project, tmp_path):
    timeline = otio.adapters.read_from_file(str(export(project, tmp_path / "cut.otio")))
    clip = clip_named(timeline.video_tracks()[0], "002_0020")
    clip.name, clip.media_reference = "lamp, alt", otio.schema.MissingReference()
    clip.source_range = span(0, 9)
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    report = import_cut(project, changed)
    assert report.changes == ["002_0020: duration 10 -> 9 frames"] and report.unmatched == []


def test_otioz_with_the_editors_footage_inside_imports_it_from_the_archive(project, tmp_path):
    timeline = otio.adapters.read_from_file(str(export(project, tmp_path / "cut.otioz")))
    # Media of the exported archive is not on disk any more; the writer bundles what it can reach.
    for clip in timeline.find_clips():
        clip.media_reference = otio.schema.MissingReference()
    footage = write_movie(tmp_path / "temp" / "plate.mp4", 16)
    timeline.video_tracks()[0].append(external_clip("plate", footage, 2, 10))
    changed = tmp_path / "changed.otioz"
    otio.adapters.write_to_file(timeline, str(changed), adapter_name="otioz")
    footage.unlink()  # only the archive holds it now
    report = import_cut(project, changed)
    new = project.shots()[-1]
    assert [(t.kind, t.frames) for t in project.takes(new.code)] == [("imported", 16)]
    assert new.trim_in == 2 and new.duration_frames == 10 and new.scene_number == "2"
    assert any("imported from media/plate.mp4" in c for c in report.changes)


def test_an_omitted_shot_back_in_the_cut_is_reinstated(project, tmp_path):
    cut = export(project, tmp_path / "cut.otio")
    project.set_shot("001_0020", status="omitted")
    report = import_cut(project, cut)
    assert report.changes == ["001_0020: back in the cut (status omitted -> ready)"]
    assert project.shot("001_0020").status == "ready"


def test_a_shot_cut_into_another_scene_stays_in_its_scene_and_is_noted(project, tmp_path):
    timeline = otio.adapters.read_from_file(str(export(project, tmp_path / "cut.otio")))
    track = timeline.video_tracks()[0]
    stray = clip_named(track, "002_0010")
    del track[track.index(stray)]
    track.insert(1, stray)  # between scene 1's two shots
    changed = tmp_path / "changed.otio"
    otio.adapters.write_to_file(timeline, str(changed))
    report = import_cut(project, changed)
    assert project.shot("002_0010").scene_number == "2"
    assert report.notices == ["clip 2 '002_0010' (002_0010) sits among scene 1's shots; it stays in scene 2"]
