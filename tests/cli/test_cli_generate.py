"""`previz generate`, `jobs`, `take`, `cancel` and `models` end to end on the animatic backend."""

import json

import pytest

from previz.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path, capsys):
    run(capsys, "new", tmp_path / "film", "--size", "320x180")
    path = tmp_path / "film.previz"
    run(capsys, "scene", "add", path, "--heading", "EXT. SEA - NIGHT", "--number", "1")
    run(capsys, "shot", "add", path, "--scene", "1", "--duration", "8", "--move", "pan_right")
    run(capsys, "shot", "add", path, "--scene", "1", "--duration", "6")
    return path


def test_generate_all_makes_and_selects_takes(project, capsys):
    code, out, err = run(capsys, "generate", project, "--all", "--takes", "2", "--json")
    assert code == 0
    result = json.loads(out)
    assert [r["state"] for r in result["finished"]] == ["done"] * 4
    assert "job 1: done" in err
    code, out, _ = run(capsys, "take", "list", project, "001_0010", "--json")
    takes = json.loads(out)
    assert [(t["number"], t["frames"], t["selected"]) for t in takes] == [(1, 8, True), (2, 8, False)]
    assert run(capsys, "take", "select", project, "001_0010", "2")[0] == 0
    info = json.loads(run(capsys, "info", project, "--json")[1])
    assert info["scenes"][0]["shots"][0]["selected_take"] == 2
    code, _, err = run(capsys, "take", "select", project, "001_0010", "7")
    assert code == 1 and "001_0010 has no take 7" in err


def test_queue_only_then_cancel_and_jobs(project, capsys):
    code, out, _ = run(capsys, "generate", project, "001_0020", "--queue-only", "--json")
    job = json.loads(out)["queued"][0]
    assert run(capsys, "cancel", project, job)[1].strip() == f"cancelled job {job}"
    jobs = json.loads(run(capsys, "jobs", project, "--json")[1])
    assert [(j["id"], j["state"], j["shot"]) for j in jobs] == [(job, "cancelled", "001_0020")]
    code, _, err = run(capsys, "cancel", project, job)
    assert code == 1 and "only queued or running jobs cancel" in err


def test_generate_bad_input(project, capsys):
    assert "name shots" in run(capsys, "generate", project)[2]
    assert "shot '9_9' not found" in run(capsys, "generate", project, "9_9")[2]
    code, _, err = run(
        capsys, "generate", project, "001_0010", "--backend", "diffusers", "--model", "nothing"
    )
    assert code == 1 and "model: 'nothing' is not in the catalog" in err
    assert json.loads(run(capsys, "jobs", project, "--json")[1]) == []


def test_models_add_list_remove(tmp_path, capsys):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "broken").mkdir()
    (folder / "broken" / "model_index.json").write_text("{not json")
    assert run(capsys, "models", "add", folder)[0] == 0
    code, out, _ = run(capsys, "models", "list", "--json")
    listing = json.loads(out)
    assert listing["folders"] == [str(folder.resolve())] and listing["models"] == []
    assert any("broken" in r["path"] for r in listing["refused"])
    assert run(capsys, "models", "remove", folder)[0] == 0
    assert json.loads(run(capsys, "models", "list", "--json")[1])["folders"] == []


def test_a_job_running_in_another_live_process_is_not_started_twice(project, capsys):
    from previz.core.session import ProjectSession
    from previz.generation.queue import claim_next

    assert run(capsys, "generate", project, "001_0010", "--queue-only")[0] == 0
    with ProjectSession.open(project) as session:
        (job,) = session.jobs()
        assert claim_next(session, [job]) is not None  # held by a live process (this one) under a fresh lease
    code, out, err = run(capsys, "generate", project, "001_0010")
    assert code == 1 and out == ""
    assert err.startswith(f"previz: error: 001_0010: job {job.id} with the same request is running in ")
    assert "not started twice (see `previz jobs`)" in err
    with ProjectSession.open(project) as session:
        assert [(j.id, j.state) for j in session.jobs()] == [(job.id, "running")] and session.takes() == []
