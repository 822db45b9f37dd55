"""`previz export` end to end."""

from __future__ import annotations

import json

from export_helpers import COLOURS, add_video_take

from previz.cli import main
from previz.media.video import probe


def test_cli_exports_mp4_and_prints_path_duration_licences(project, tmp_path, capsys):
    add_video_take(
        project,
        "002_0010",
        12,
        COLOURS[3],
        provenance={"model": "Wan-AI/Wan2.1-T2V-1.3B", "licence": "Apache-2.0", "commercial_use": True},
    )
    project.close()
    out = tmp_path / "reel.mp4"
    code = main(["export", str(tmp_path / "film.previz"), str(out), "--burnins", "--preset", "ultrafast"])
    assert code == 0
    printed = capsys.readouterr()
    assert str(out) in printed.out
    assert "00:00:01:16 (40 frames" in printed.out
    assert "Wan-AI/Wan2.1-T2V-1.3B: Apache-2.0 (commercial use allowed); 1 shot: 002_0010" in printed.out
    assert "100%" in printed.err  # plain progress lines when not a terminal
    assert probe(out).frames == 40


def test_cli_json_and_format_option(project, tmp_path, capsys):
    project.close()
    out = tmp_path / "frames"
    code = main(
        ["export", str(tmp_path / "film.previz"), str(out), "--format", "frames", "--no-watermark", "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "frames" and data["frames"] == 40
    assert len(list(out.glob("*.png"))) == 40


def test_cli_errors_are_one_line(project, tmp_path, capsys):
    project.close()
    code = main(["export", str(tmp_path / "film.previz"), str(tmp_path / "reel.webm")])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("previz: error:") and "\n" not in err and ".mp4" in err


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    import io

    from previz.cli.common import ProgressBar as _Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    bar = _Progress(term)
    for done in (24, 48, 72):
        bar(done, 72, f"reel.mp4: frame {done} of 72")
    text = term.getvalue()
    assert text.count("\r") == 3 and "█" in text and text.endswith("\n")
    assert "100%" in text
    plain = io.StringIO()
    lines = _Progress(plain)
    for done in range(1, 101):
        lines(done, 100, "x")
    assert "\r" not in plain.getvalue() and len(plain.getvalue().splitlines()) == 11  # 0 %..100 %


def test_review_package_for_the_demo(project, tmp_path):
    from previz.export.api import export_review_package

    results = export_review_package(project, tmp_path)
    names = [r.path.name for r in results]
    assert names == ["Film_reel.mp4", "Film.otio", "Film.edl", "Film_boards.pdf"]
    assert all(r.path.is_file() for r in results)
    assert probe(results[0].path).frames == 40


def _drop_take_media(project, code):
    path = project.media_path(project.takes(code)[0].media_hash)
    path.unlink()
    return path


def test_allow_missing_says_which_shots_were_placeholders(project, tmp_path, capsys):
    gone = _drop_take_media(project, "001_0020")
    project.close()
    out = tmp_path / "reel.mp4"
    argv = ["export", str(tmp_path / "film.previz"), str(out), "--preset", "ultrafast", "--allow-missing"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("previz: warning:")]
    assert warnings == [
        "previz: warning: 1 placeholder(s) exported for missing media (--allow-missing):",
        f"previz: warning:   shot 001_0020: take 1 media ({gone}) is missing",
    ]
    assert probe(out).frames == 40
    assert main(argv[:2] + [str(tmp_path / "cut.edl"), "--allow-missing", "--json"]) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out)["missing"] == [
        {"kind": "shot", "name": "001_0020", "reason": f"take 1 media ({gone}) is missing"}
    ]
    assert "shot 001_0020: take 1 media" in printed.err


def test_a_complete_export_reports_nothing_missing(project, tmp_path, capsys):
    project.close()
    argv = ["export", str(tmp_path / "film.previz"), str(tmp_path / "cut.otio"), "--allow-missing", "--json"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out)["missing"] == [] and "warning" not in printed.err
