"""`previz generate PROJECT --final [--approved | SHOT ...]` end to end: drafts of a tiny LTX-Video model
re-rendered at final through the CLI's own queue and worker."""

from __future__ import annotations

import json

import pytest
from generation.final_support import FRAMES, add_draft

from previz.cli import main
from previz.core.session import ProjectSession

DRAFTED = ("001_0010", "001_0020")
ANIMATIC = "001_0030"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def ltx(tmp_path_factory):
    from previz.generation.tiny_models import build_all

    return build_all(tmp_path_factory.mktemp("models"), ("tiny-ltx-video",))["tiny-ltx-video"]


@pytest.fixture
def project(tmp_path, ltx, monkeypatch):
    """001_0010 and 001_0020 with a draft take each; 001_0030 with an animatic take (final: no preset)."""
    from previz.generation.queue import enqueue, run_queue

    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    session = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="64x64")
    session.add_scene("EXT. SEA - NIGHT", number="1")
    for i in range(3):
        session.add_shot("1", duration_frames=FRAMES, action=f"Wave {i}.")
    for i, code in enumerate(DRAFTED):
        add_draft(session, code, ltx, seed=40 + i)
    enqueue(session, [ANIMATIC], backend="animatic")
    assert [j.state for j in run_queue(session)] == ["done"]
    path = session.root
    session.close()
    return path


def takes(capsys, project, code):
    return json.loads(run(capsys, "take", "list", project, code, "--json")[1])


def test_final_of_every_draft_then_nothing_left(project, capsys):
    run(capsys, "status", project, DRAFTED[0], "approved")
    code, out, err = run(capsys, "generate", project, "--final")
    assert code == 0, err
    assert out.splitlines() == [
        f"{ANIMATIC}: take 1 in the cut is already final; skipped",
        *(f"{c}: take 2, the final of take 1, in the cut" for c in DRAFTED),
    ]
    for c in DRAFTED:
        listing = takes(capsys, project, c)
        assert [(t["number"], t["selected"], t["finalizes_take_id"]) for t in listing] == [
            (1, False, None),
            (2, True, listing[0]["id"]),
        ]
        assert listing[1]["seed"] == listing[0]["seed"] and listing[1]["frames"] == FRAMES
    with ProjectSession.open(project, readonly=True) as session:
        assert session.shot(DRAFTED[0]).status == "approved"  # the director's decision stays

    code, out, err = run(capsys, "generate", project, "--final", "--json")
    result = json.loads(out)
    assert code == 0 and result["queued"] == [] and result["finished"] == []
    assert [s["reason"] for s in result["skipped"]] == [
        f"{c}: take {n} in the cut is already final"
        for c, n in ((DRAFTED[0], 2), (DRAFTED[1], 2), (ANIMATIC, 1))
    ]
    code, out, _ = run(capsys, "generate", project, "--final", DRAFTED[1])
    assert code == 0 and out.splitlines() == [
        f"{DRAFTED[1]}: take 2 in the cut is already final; skipped",
        "nothing to finalize",
    ]


def test_approved_only_queued_linked_to_the_draft(project, capsys):
    run(capsys, "status", project, DRAFTED[1], "approved")
    code, out, err = run(capsys, "generate", project, "--final", "--approved", "--queue-only", "--json")
    result = json.loads(out)
    assert code == 0 and len(result["queued"]) == 1 and result["skipped"] == []
    jobs = json.loads(run(capsys, "jobs", project, "--json")[1])
    queued = [j for j in jobs if j["state"] == "queued"]
    assert [(j["shot"], j["finalizes_take_id"]) for j in queued] == [
        (DRAFTED[1], takes(capsys, project, DRAFTED[1])[0]["id"])
    ]
    assert "preset" not in queued[0]["request"]["request"]  # final: plain diffusers
    code, out, _ = run(capsys, "generate", project, "--final", "--approved", "--queue-only")
    assert out.splitlines() == [
        f"{DRAFTED[1]}: the final is already queued as job {queued[0]['id']}",
        f"queued 1 finals; run them with `previz jobs run {project} --until-empty`",
    ]
    assert (
        len([j for j in json.loads(run(capsys, "jobs", project, "--json")[1]) if j["state"] == "queued"]) == 1
    )


def test_bad_input(project, capsys):
    def refused(*argv):
        code, out, err = run(capsys, "generate", project, *argv)
        assert code == 1 and "Traceback" not in err
        return err.strip()

    assert refused("--approved") == (
        "previz: error: --approved: only goes with --final (re-render the approved shots' drafts)"
    )
    assert "--seed: does not go with --final" in refused("--final", "--seed", "3")
    assert "--backend: does not go with --final" in refused("--final", "--backend", "animatic")
    assert "--takes: does not go with --final" in refused("--final", "--takes", "2")
    assert "--preset: does not go with --final" in refused("--final", "--preset", "draft")
    assert "--speed: does not go with --final" in refused("--final", "--speed", "compile=none")
    assert "--approved: give --approved or shot codes" in refused("--final", DRAFTED[0], "--approved")
    assert "shot '9_9' not found" in refused("--final", "9_9")

    # a draft take without its request (imported media) is refused with the reason; nothing is queued
    with ProjectSession.open(project) as session:
        take = session.takes(DRAFTED[0])[0]
        imported = session.add_take(DRAFTED[0], kind="imported", media_hash=take.media_hash)
        session.select_take(DRAFTED[0], imported.number)
        jobs_before = session.jobs()
    assert refused("--final", DRAFTED[1], DRAFTED[0]) == (
        f"previz: error: {DRAFTED[0]}: take 2 is imported media without a generation request (nothing "
        "records the seed, prompt and conditioning it was made with), so there is no draft to re-render at "
        "final; generate a draft of the shot first"
    )
    with ProjectSession.open(project, readonly=True) as session:
        assert session.jobs() == jobs_before


def test_the_project_may_come_after_the_shots_of_final(project, capsys):
    """``--final`` takes every value after it: ``generate --final SHOT PROJECT`` (the order of ``take
    list PROJECT SHOT`` reversed, as users type it) takes the last as the project instead of failing with
    "required: project"; with no project at all the error names it."""
    code, out, err = run(capsys, "generate", "--final", DRAFTED[1], project, "--queue-only", "--json")
    assert code == 0, err
    assert len(json.loads(out)["queued"]) == 1
    jobs = json.loads(run(capsys, "jobs", project, "--json")[1])
    assert [j["shot"] for j in jobs if j["state"] == "queued"] == [DRAFTED[1]]
    code, out, err = run(capsys, "generate", "--final")
    assert code == 1 and err.strip() == (
        "previz: error: PROJECT: name the project: previz generate PROJECT [SHOT_CODE ...] [options]"
    )
