"""Draft → final: finals of draft takes made through the real queue, worker and tiny LTX-Video model; linked
to their drafts, swapped into the cut with trims kept; the selection rules and refusals."""

from __future__ import annotations

import math
import shutil

import pytest
from generation.final_support import FRAMES, add_draft

from previz.core.errors import GenerationError, ValidationError
from previz.core.session import ProjectSession
from previz.generation.finalize import enqueue_final, is_draft, plan_final, take_preset
from previz.generation.queue import enqueue, run_queue
from previz.media.video import probe

CODES = ("001_0010", "001_0020", "001_0030")


@pytest.fixture
def ltx(tiny_models):
    return tiny_models["tiny-ltx-video"]


@pytest.fixture
def project(tmp_path, ltx):
    """Three 9-frame shots, each with a draft take (seeds 100, 101, 102)."""
    session = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="64x64")
    session.add_scene("EXT. SEA - NIGHT", number="1")
    for i in range(3):
        session.add_shot("1", duration_frames=FRAMES, action=f"Wave {i} breaks.")
        add_draft(session, CODES[i], ltx, seed=100 + i)
    yield session
    session.close()


def selected(session, code):
    return session.take(session.shot(code).selected_take_id)


def run_finals(session, worker, models_root):
    finished = run_queue(session, worker=worker, model_folders=[models_root])
    assert [j.state for j in finished] == ["done"] * len(finished), [j.error for j in finished]
    return finished


def test_draft_to_final_makes_linked_takes_and_swaps_them_into_the_cut_keeping_trims(
    project, worker, models_root
):
    session = project
    drafts = {code: selected(session, code) for code in CODES}
    assert all(take_preset(t) == "draft" and is_draft(t) for t in drafts.values())
    session.set_shot(CODES[0], trim_in=2, duration_frames=6)  # the editor trimmed the draft
    session.set_shot(CODES[0], action="A storm now.")  # the shot changed since: the final must not follow
    cut_before = {e.code: (e.source_in, e.duration, e.record_in) for e in session.cut().entries}

    plans, skipped = plan_final(session, model_folders=[models_root])
    assert [p.shot for p in plans] == list(CODES) and skipped == []
    enqueue_final(session, plans)
    jobs = {session.shot(j.shot_id).code: j for j in session.jobs(("queued",))}
    for code in CODES:
        job, draft = jobs[code], drafts[code].request
        assert job.finalizes_take_id == drafts[code].id
        final = job.request["request"]
        assert "preset" not in final and "speed" not in final  # final: plain diffusers, no options
        assert {k: v for k, v in draft.items() if k not in ("preset", "speed")} == final  # seed, prompt, …
    assert all(selected(session, code).id == drafts[code].id for code in CODES)  # not swapped before made

    assert len(run_finals(session, worker, models_root)) == 3
    for code in CODES:
        draft, final = session.takes(code)
        assert final.number == 2 and final.finalizes_take_id == draft.id and draft.finalizes_take_id is None
        assert take_preset(final) == "final" and not is_draft(final)
        assert final.request["seed"] == draft.request["seed"] == 100 + CODES.index(code)
        assert final.request["prompt"] == draft.request["prompt"] == "waves break on a rock"
        assert final.provenance["preset"] == "final" and final.provenance["seed"] == draft.request["seed"]
        assert selected(session, code).id == final.id  # the final replaced its draft in the cut
        assert probe(session.media.path(final.media_hash, final.ext)).frames == FRAMES
    shot = session.shot(CODES[0])
    assert (shot.trim_in, shot.duration_frames) == (2, 6)
    assert {e.code: (e.source_in, e.duration, e.record_in) for e in session.cut().entries} == cut_before
    assert [e.take_number for e in session.cut().entries] == [2, 2, 2]
    # the swap came with the take, not as an undo step: undo takes back the user's own last edit
    session.undo()
    assert selected(session, CODES[0]).number == 2 and session.shot(CODES[0]).action == "Wave 0 breaks."

    # again: every selected take is final now, so nothing is queued and each shot is reported
    plans, skipped = plan_final(session, model_folders=[models_root])
    assert plans == [] and [s.reason for s in skipped] == [
        f"{code}: take 2 in the cut is already final" for code in CODES
    ]


def test_approved_selects_the_approved_shots_and_named_shots_are_taken_as_named(project, models_root):
    from previz.core.review import set_review_status

    session = project
    set_review_status(session, CODES[1], "approved")
    set_review_status(session, CODES[2], "omitted")
    plans, _ = plan_final(session, approved=True, model_folders=[models_root])
    assert [p.shot for p in plans] == [CODES[1]]
    plans, _ = plan_final(session, model_folders=[models_root])  # default: every shot of the cut
    assert [p.shot for p in plans] == [CODES[0], CODES[1]]
    plans, _ = plan_final(session, [CODES[2], CODES[0], CODES[2]], model_folders=[models_root])
    assert [p.shot for p in plans] == [CODES[2], CODES[0]]


def test_a_final_whose_draft_left_the_cut_meanwhile_is_linked_but_not_swapped_in(
    project, ltx, worker, models_root
):
    session = project
    code = CODES[1]
    enqueue_final(session, plan_final(session, [code], model_folders=[models_root])[0])
    add_draft(session, code, ltx, seed=7)  # another draft (take 2) arrives…
    session.select_take(code, 2)  # …and the editor chooses it before the final is made
    run_finals(session, worker, models_root)
    first, second, final = session.takes(code)
    assert final.number == 3 and final.finalizes_take_id == first.id
    assert selected(session, code).id == second.id  # the editor's choice stands


def test_a_final_already_made_or_queued_is_not_made_twice(project, worker, models_root):
    session = project
    code = CODES[2]
    enqueue_final(session, plan_final(session, [code], model_folders=[models_root])[0])
    run_finals(session, worker, models_root)
    session.select_take(code, 1)  # back to the draft
    again = enqueue_final(session, plan_final(session, [code], model_folders=[models_root])[0])
    assert again[0].existing.number == 2 and again[0].job is None
    assert selected(session, code).number == 2 and len(session.takes(code)) == 2
    assert session.jobs(("queued",)) == []
    # queued twice without running: the second finds the first job
    first = enqueue_final(session, plan_final(session, [CODES[0]], model_folders=[models_root])[0])[0]
    second = enqueue_final(session, plan_final(session, [CODES[0]], model_folders=[models_root])[0])[0]
    assert second.already and second.job.id == first.job.id and len(session.jobs(("queued",))) == 1


def test_refusals_and_skips_leave_the_queue_as_it_was(project, ltx, models_root, tmp_path):
    session = project
    session.add_shot("1", duration_frames=FRAMES, action="No take yet.")  # 001_0040
    session.add_shot("1", duration_frames=FRAMES, action="An animatic.")  # 001_0050
    enqueue(session, ["001_0050"], backend="animatic")
    assert [j.state for j in run_queue(session)] == ["done"]
    draft = selected(session, CODES[1])
    imported = session.add_take(CODES[1], kind="imported", media_hash=draft.media_hash)
    session.select_take(CODES[1], imported.number)
    jobs_before = session.jobs()

    reason = (
        f"{CODES[1]}: take 2 is imported media without a generation request (nothing records the seed, "
        "prompt and conditioning it was made with), so there is no draft to re-render at final; generate a "
        "draft of the shot first"
    )
    with pytest.raises(GenerationError) as refused:  # named: refused, nothing queued
        plan_final(session, [CODES[0], CODES[1]], model_folders=[models_root])
    assert refused.value.one_line() == reason
    # not named: reported and skipped; the other drafts go ahead
    plans, skipped = plan_final(session, model_folders=[models_root])
    assert [p.shot for p in plans] == [CODES[0], CODES[2]]
    assert [s.reason for s in skipped] == [
        reason,
        "001_0040: no take in the cut to finalize",
        "001_0050: take 1 in the cut is already final",  # an animatic has no preset: it is final
    ]
    # a draft whose model is gone (its folder removed since): refused naming the shot, nothing queued
    copy = shutil.copytree(ltx, tmp_path / "models" / "moved-ltx")
    add_draft(session, CODES[0], copy, seed=5)
    session.select_take(CODES[0], 2)
    shutil.rmtree(copy)
    with pytest.raises(GenerationError, match=f"^{CODES[0]}: the final of take 2: .*moved-ltx"):
        plan_final(session, model_folders=[models_root])
    # a take of another shot cannot be the draft a take finalizes
    with pytest.raises(ValidationError, match="finalizes_take_id: take 1 is a take of another shot"):
        session.add_take(CODES[2], kind="imported", media_hash=draft.media_hash, finalizes_take_id=1)
    assert session.jobs() == jobs_before
    # a link to a draft deleted meanwhile links nothing (the job's link went with it: ON DELETE SET NULL)
    take = session.add_take(CODES[2], kind="imported", media_hash=draft.media_hash, finalizes_take_id=9999)
    assert take.finalizes_take_id is None and selected(session, CODES[2]).number == 1


def test_a_real_draft_and_its_final_compared(tmp_path, ltx, worker, models_root):
    """A draft made by the worker at preset draft (its cache hook skipping work) and its final made from it:
    the same seed, size and frames, and pictures that differ by what the draft skipped (the same request
    gives the same pixels: test_diffusers_worker), which compare-takes measures."""
    from generation.final_support import draft_request

    from previz.generation.queue import JOB_KIND
    from previz.media.compare import compare_takes

    session = ProjectSession.create(tmp_path / "film", name="Film", fps="24", size="64x64")
    try:
        session.add_scene("EXT. SEA - NIGHT", number="1")
        code = session.add_shot("1", duration_frames=FRAMES, action="Waves.").code
        request = draft_request(ltx, code, 11, "waves break on a rock", steps=8)  # draft: 4 steps, cached
        session.add_job(JOB_KIND, {"key": request.cache_key(), "request": request.to_dict()}, shot=code)
        run_finals(session, worker, models_root)
        draft = selected(session, code)
        assert draft.provenance["preset"] == "draft" and draft.request["speed"]["cache"] == "taylorseer"
        assert draft.request["speed"]["steps"] == 4 and draft.request["steps"] == 8
        enqueue_final(session, plan_final(session, [code], model_folders=[models_root])[0])
        run_finals(session, worker, models_root)
        final = selected(session, code)
        assert final.number == 2 and final.finalizes_take_id == draft.id

        cost = compare_takes(session, code, 1, 2)
        assert len(cost.scores) == FRAMES and cost.notes == ()
        assert not math.isinf(cost.psnr_min) and cost.ssim_min < 1  # the draft skipped work: it differs
    finally:
        session.close()
