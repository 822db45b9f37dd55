"""Speed presets from the command line: the project's default, a shot's own, and a run's; bad names and
combinations refused in one line with the project left as it was."""

import json

import pytest

from previz.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def ltx(tmp_path_factory):
    from previz.generation.tiny_models import build_all

    return build_all(tmp_path_factory.mktemp("models"), ("tiny-ltx-video",))["tiny-ltx-video"]


@pytest.fixture
def project(tmp_path, capsys, ltx, monkeypatch):
    monkeypatch.setenv("PREVIZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    run(capsys, "new", tmp_path / "film", "--size", "320x180")
    path = tmp_path / "film.previz"
    run(capsys, "scene", "add", path, "--heading", "EXT. SEA - NIGHT", "--number", "1")
    run(capsys, "shot", "add", path, "--scene", "1", "--duration", "8", "--action", "Waves break.")
    assert run(capsys, "settings", path, "--backend", "diffusers", "--model", ltx)[0] == 0
    return path


def settings(capsys, project):
    return json.loads(run(capsys, "settings", project, "--json")[1])


def test_the_project_and_a_shot_choose_their_presets(project, capsys):
    assert settings(capsys, project)["preset"] == "final"
    code, out, _ = run(capsys, "settings", project, "--preset", "Draft")
    assert code == 0 and "preset:  draft" in out
    assert run(capsys, "shot", "set", project, "001_0010", "--preset", "balanced")[0] == 0
    shots = json.loads(run(capsys, "shot", "list", project, "--json")[1])
    assert shots[0]["preset"] == "balanced"
    assert run(capsys, "shot", "set", project, "001_0010", "--preset", "")[0] == 0  # the project's again
    assert json.loads(run(capsys, "shot", "list", project, "--json")[1])[0]["preset"] == ""
    assert run(capsys, "undo", project)[0] == 0
    assert json.loads(run(capsys, "shot", "list", project, "--json")[1])[0]["preset"] == "balanced"


def test_bad_presets_are_refused_and_change_nothing(project, capsys):
    code, _, err = run(capsys, "settings", project, "--preset", "fast")
    assert code == 1 and "default_preset: 'fast' is not one of: final, balanced, draft" in err
    code, _, err = run(capsys, "shot", "set", project, "001_0010", "--preset", "turbo")
    assert code == 1 and "preset: 'turbo' is not one of: final, balanced, draft" in err
    shot = ["generate", project, "001_0010", "--queue-only"]
    code, _, err = run(capsys, *shot, "--preset", "fast")
    assert code == 1 and "preset: 'fast' is not a speed preset; use one of final, balanced, draft" in err
    code, _, err = run(capsys, *shot, "--preset", "balanced", "--cache", "faster")
    assert code == 1 and "LTX-Video does not support faster; it supports first_block, taylorseer, pab" in err
    code, _, err = run(capsys, *shot, "--preset", "draft", "--speed", "quantize=torchao-int8")
    assert code == 1 and "needs the Python package 'torchao'" in err and "Traceback" not in err
    code, _, err = run(capsys, *shot, "--speed", "threshold")
    assert code == 1 and "'threshold' is not KEY=VALUE" in err
    assert json.loads(run(capsys, "jobs", project, "--json")[1]) == []
    assert settings(capsys, project)["preset"] == "final"


def test_a_run_preset_with_options_is_queued_as_asked(project, capsys):
    code, out, _ = run(
        capsys,
        "generate",
        project,
        "001_0010",
        "--queue-only",
        "--json",
        "--preset",
        "balanced",
        "--cache",
        "pab",
        "--speed",
        "cache.skip_range=3",
        "--speed",
        "compile=none",
    )
    assert code == 0
    job = json.loads(run(capsys, "jobs", project, "--json")[1])[0]
    assert job["id"] == json.loads(out)["queued"][0]
    assert job["request"]["request"]["preset"] == "balanced"
    assert job["request"]["request"]["speed"] == {"cache": "pab", "cache.skip_range": 3, "attention": "auto"}
