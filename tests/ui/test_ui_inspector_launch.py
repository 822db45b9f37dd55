"""The inspector at launch (issue 12, speed): showing the first shot imports neither the prompt composer nor
the generation layer's presets; the warm-up thread imports them a moment later and the composed prompt
appears then, the same as composed directly."""

from __future__ import annotations

from ui.app_process import run_app

from previz.core.session import ProjectSession


def test_the_first_shot_is_shown_without_the_composer_which_the_warm_up_imports(tmp_path):
    session = ProjectSession.create(tmp_path / "p")
    session.add_scenes_bulk(
        [{"heading": "INT. ROOM - DAY", "number": "1", "shots": [{"action": "a lamp is lit"}]}]
    )
    root = session.root
    session.close()
    deferred = ("previz.ingest.shot_prompt", "previz.ingest.prompts", "previz.generation.finalize")
    code = (
        "import sys, time; from previz.ui.app import create_app\n"
        "from previz.ui.main_window import MainWindow\n"
        "app = create_app([]); w = MainWindow(); w.show(); assert w.open_project(sys.argv[1])\n"
        "app.processEvents()\n"
        "i = w.widgets['inspector']\n"
        f"print([m for m in {deferred!r} if m in sys.modules], i.title.text(), i.prompt_preview.pending)\n"
        "end = time.monotonic() + 60\n"
        "while time.monotonic() < end and i.prompt_preview.pending:\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        f"print([m for m in {deferred!r} if m in sys.modules] == list({deferred!r}),"
        " i.prompt_preview.pending)\n"
        "from previz.ingest.shot_prompt import shot_prompt\n"
        "print(i.prompt_preview.toPlainText() == shot_prompt(w.session, i.shot, 'ltx').prompt != '')\n"
        "w.close()\n"
    )
    assert run_app(code, root, tmp_path, timeout=180)[-3:] == ["[] 001_0010 True", "True False", "True"]
