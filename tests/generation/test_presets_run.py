"""Speed presets run on the tiny models: the cache hooks really skip work, regional compilation happens
once and is reused, a failed compilation falls back (and says so), and each preset goes through the real
queue and worker into the take's request and provenance."""

from __future__ import annotations

import numpy as np
import pytest

from previz.core.jobs import CancelToken
from previz.core.session import ProjectSession
from previz.generation.catalog import find_model
from previz.generation.diffusers_backend import PipelineRunner, RuntimeOptions
from previz.generation.families import FAMILIES
from previz.generation.presets import apply
from previz.generation.queue import enqueue, run_queue
from previz.generation.request import GenerationRequest
from previz.generation.speed_runtime import denoiser
from previz.generation.worker import WorkerClient
from previz.media.video import probe, read_frames

STEPS = 8


def request(folder, size: int, **kw) -> GenerationRequest:
    values = dict(backend="diffusers", model=str(folder), prompt="a man walks in the rain", width=size)
    values.update(height=size, frames=9, steps=STEPS, fps="24", seed=5)
    values.update(kw)
    return GenerationRequest(**values)


def run(runner, folder, req):
    info = find_model(str(folder), [folder.parent], include_hf_cache=False)
    return runner.run(req, info, {}, lambda *a: None, CancelToken())


class Counter:
    """Counts, with forward hooks of the test's own, the transformer calls and the attention projections
    (``to_q``) that really ran: a cache hook that skips a block or an attention skips its ``to_q``."""

    def __init__(self, runner) -> None:
        model = denoiser(runner._pipe)
        self.transformer = self.attention = 0
        self.handles = [model.register_forward_hook(self._on_transformer)]
        self.handles += [
            m.register_forward_hook(self._on_attention)
            for n, m in model.named_modules()
            if n.endswith(".to_q")
        ]

    def _on_transformer(self, *_):
        self.transformer += 1

    def _on_attention(self, *_):
        self.attention += 1

    def close(self):
        for h in self.handles:
            h.remove()


def counted(runner, folder, req):
    run(runner, folder, request(folder, req.width, steps=1))  # load the pipeline first
    counter = Counter(runner)
    try:
        frames = run(runner, folder, req)
    finally:
        counter.close()
    return frames, counter


@pytest.fixture
def runner():
    return PipelineRunner(RuntimeOptions(compile_backend="eager"))


@pytest.mark.parametrize(
    "model, size, cache, settings",
    [
        (
            "tiny-ltx-video",
            32,
            "taylorseer",
            {"cache.cache_interval": 2, "cache.disable_cache_before_step": 3},
        ),
        ("tiny-ltx-video", 32, "pab", {"cache.skip_range": 2}),
        ("tiny-wan21-t2v", 16, "first_block", {"cache.threshold": 0.5}),
    ],
)
def test_a_cache_hook_skips_attention_work_and_final_runs_it_all(
    tiny_models, runner, model, size, cache, settings
):
    folder = tiny_models[model]
    final = request(folder, size)
    cached = final.with_changes(preset="balanced", speed={"cache": cache, **settings})
    plain_frames, plain = counted(runner, folder, final)
    _, fast = counted(runner, folder, cached)
    assert fast.transformer == plain.transformer  # every step still calls the transformer …
    assert fast.attention < plain.attention  # … but the hook skipped attention computations in it
    assert runner.last_speed["attention_calls"] == fast.attention
    assert runner.last_speed["cache"] == cache
    again, after = counted(runner, folder, final)  # the hook is gone: final is plain diffusers again
    assert after.attention == plain.attention
    assert all(np.array_equal(a, b) for a, b in zip(plain_frames, again))


def test_first_block_cache_on_a_one_block_transformer_is_refused_clearly(tiny_models, runner):
    folder = tiny_models["tiny-ltx-video"]
    req = request(folder, 32, preset="balanced", speed={"cache": "first_block"})
    with pytest.raises(
        Exception, match=r"first_block needs a transformer with at least two blocks.*taylorseer"
    ):
        run(runner, folder, req)


def test_regional_compilation_happens_once_and_is_reused_by_the_next_job(tiny_models, runner):
    import torch

    folder = tiny_models["tiny-ltx-video"]
    compiled = request(folder, 32, steps=2, preset="balanced", speed={"compile": "regional"})
    run(runner, folder, compiled)
    first = runner.last_speed
    assert first["compile"] == "regional (eager), compiled now" and first["compiled_graphs"] >= 1
    blocks = denoiser(runner._pipe).transformer_blocks
    assert all(b._compiled_call_impl is not None for b in blocks)
    graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    run(runner, folder, compiled.with_changes(seed=6, prompt="a woman runs"))  # the next shot
    assert runner.last_speed["compile"] == "regional (eager), reused"
    assert runner.last_speed["compiled_graphs"] == 0
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == graphs
    assert runner.compilations == 1 and runner.loads == 1
    run(runner, folder, request(folder, 32, steps=2))  # final runs the blocks uncompiled
    assert runner.last_speed["compile"] == "none"
    assert all(b._compiled_call_impl is None for b in blocks)


def test_a_compilation_that_fails_falls_back_to_uncompiled_and_says_so(tiny_models):
    from torch._dynamo import register_backend

    @register_backend(name="previz_test_broken")
    def broken(gm, example_inputs):
        raise RuntimeError("no C++ compiler on this machine")

    folder = tiny_models["tiny-ltx-video"]
    runner = PipelineRunner(RuntimeOptions(compile_backend="previz_test_broken"))
    plain = run(runner, folder, request(folder, 32, steps=2))
    compiled = request(folder, 32, steps=2, preset="balanced", speed={"compile": "regional"})
    frames = run(runner, folder, compiled)
    speed = runner.last_speed
    assert speed["compile"] == "failed; ran uncompiled"
    assert "no C++ compiler on this machine" in speed["compile_error"]
    assert all(np.array_equal(a, b) for a, b in zip(plain, frames))  # the same picture, uncompiled
    run(runner, folder, compiled.with_changes(seed=9))
    assert runner.last_speed["compile"] == "failed earlier; ran uncompiled"  # not tried again and again


def test_draft_runs_smaller_and_fewer_steps_then_conforms_up_to_the_take_size(tiny_models, runner):
    folder = tiny_models["tiny-ltx-video"]
    final = request(folder, 128)
    draft = apply(final, FAMILIES["ltx_video"], "draft")
    assert draft.speed_options()["run_width"] == 96 and draft.speed_options()["steps"] == 4
    frames = run(runner, folder, draft)
    assert len(frames) == 9 and frames[0].shape == (128, 128, 3)
    assert runner.last_speed["run_size"] == [96, 96] and runner.last_speed["steps"] == 4
    assert runner.last_speed["transformer_calls"] == 4


# -- through the queue and the worker --------------------------------------------------------------------
@pytest.fixture(scope="module")
def eager_worker():
    client = WorkerClient(RuntimeOptions(compile_backend="eager"), cancel_grace_s=5.0)
    yield client
    client.stop()


@pytest.fixture
def project(tmp_path, tiny_models):
    session = ProjectSession.create(tmp_path / "film", fps="24", size="64x64")
    session.set_project(default_backend="diffusers", default_model=str(tiny_models["tiny-ltx-video"]))
    session.add_scene("EXT. SEA - NIGHT", number="1")
    for action in ("Waves break.", "A gull lands."):
        session.add_shot("1", duration_frames=9, action=action, steps=8)
    yield session
    session.close()


def test_each_preset_runs_through_the_worker_into_the_take(project, eager_worker, models_root, monkeypatch):
    import previz.generation.shot_request as shot_request

    monkeypatch.setattr(shot_request, "generation_size", lambda family, w, h: (128, 128))  # tiny and quick
    folders = [models_root]
    project.set_project(default_preset="balanced")
    project.set_shot("001_0020", preset="draft")
    queued = enqueue(project, ["001_0010", "001_0020"], model_folders=folders)  # project's, shot's
    queued += enqueue(project, ["001_0010"], preset="final", model_folders=folders)  # the run's
    queued += enqueue(project, ["001_0020"], preset="balanced", seed=7, model_folders=folders)
    jobs = run_queue(project, worker=eager_worker, model_folders=folders)
    assert [j.state for j in jobs] == ["done"] * 4, [j.error for j in jobs]
    takes = {(project.shot(t.shot_id).code, t.number): t for t in project.takes()}
    made = {k: (t.request.get("preset", "final"), t.provenance["preset"]) for k, t in takes.items()}
    assert made == {
        ("001_0010", 1): ("balanced", "balanced"),
        ("001_0020", 1): ("draft", "draft"),
        ("001_0010", 2): ("final", "final"),
        ("001_0020", 2): ("balanced", "balanced"),
    }
    assert len({t.request_key for t in takes.values()}) == 4
    for take in takes.values():
        assert take.request_key == GenerationRequest.from_dict(take.request).cache_key()
        path = project.media.path(take.media_hash, take.ext)
        assert probe(path).width == 128 and len(list(read_frames(path))) == 9  # drafts conformed up
    final, balanced = takes[("001_0010", 2)].provenance, takes[("001_0010", 1)].provenance
    assert final["speed"]["cache"] == "none" and "speed" not in takes[("001_0010", 2)].request
    assert balanced["speed"]["cache"] == "taylorseer" and balanced["speed"]["attention"] == "native"
    assert balanced["speed"]["compile"] == "regional (eager), compiled now"
    # The second balanced shot reused the compiled blocks of the first (same worker, same pipeline).
    assert takes[("001_0020", 2)].provenance["speed"]["compile"] == "regional (eager), reused"
    draft = takes[("001_0020", 1)]
    assert draft.request["speed"]["steps"] == 4 and draft.provenance["steps"] == 4
    assert draft.provenance["speed"]["run_size"] == [96, 96]


def test_a_compilation_failing_in_the_worker_is_in_the_takes_provenance(project, models_root, monkeypatch):
    import previz.generation.shot_request as shot_request

    monkeypatch.setattr(shot_request, "generation_size", lambda family, w, h: (64, 64))
    folders = [models_root]
    enqueue(project, ["001_0010"], preset="balanced", model_folders=folders)
    with WorkerClient(RuntimeOptions(compile_backend="previz_no_such_backend")) as worker:
        jobs = run_queue(project, worker=worker, model_folders=folders)
    assert [j.state for j in jobs] == ["done"], [j.error for j in jobs]
    take = project.take(project.shot("001_0010").selected_take_id)
    speed = take.provenance["speed"]
    assert speed["compile"] == "failed; ran uncompiled"  # never silently
    assert "previz_no_such_backend" in speed["compile_error"]
    assert take.request["speed"]["compile"] == "regional"  # what was asked stays in the request
