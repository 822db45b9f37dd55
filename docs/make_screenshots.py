"""Screenshots of the app for the README: builds the sample project (with animatic takes for a few shots
when the generation layer is present) in a temporary folder and saves PNGs with ``QWidget.grab()``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
DOCS = Path(__file__).resolve().parent


def add_animatic_takes(session, codes: list[str]) -> None:
    try:
        from previz.generation.execute import execute
        from previz.generation.request import GenerationRequest
        from previz.media.library import register_encoded
    except ImportError:
        return
    for code in codes:
        shot = session.shot(code)
        request = GenerationRequest(
            backend="animatic",
            mode="i2v" if shot.board_hash else "t2v",
            width=640,
            height=360,
            frames=shot.duration_frames,
            fps="24",
            image=shot.board_hash,
            extras={"move": shot.move, "intensity": 0.6, "shot_code": code, "shot_size": shot.size},
        )
        images = {"image": session.media_path(shot.board_hash)} if shot.board_hash else {}
        out = session.media.new_temp_path("mp4")
        result = execute(request, images, out)
        info = register_encoded(session, result.path)
        session.add_take(
            code,
            kind="animatic",
            media_hash=info.hash,
            request=request.to_dict(),
            provenance=result.provenance,
        )


def add_tiny_model_folder(folder: Path) -> None:
    """A folder with a tiny (test-sized) LTX model so the preferences list one model."""
    try:
        from previz.generation.model_folders import add_model_folder
        from previz.generation.tiny_models import build_ltx
    except ImportError:
        return
    build_ltx(folder / "ltx-video-tiny-test")
    add_model_folder(folder)


def settle(app, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    os.environ.setdefault("PREVIZ_SETTINGS_DIR", tempfile.mkdtemp(prefix="previz-shots-settings-"))
    os.environ.setdefault("PREVIZ_CONFIG_DIR", tempfile.mkdtemp(prefix="previz-shots-config-"))
    from previz.demo import build_sample
    from previz.ui.app import create_app
    from previz.ui.main_window import MainWindow
    from previz.ui.preferences import PreferencesDialog

    work = Path(tempfile.mkdtemp(prefix="previz-shots-"))
    session = build_sample(work / "the_last_keeper")
    add_animatic_takes(session, ["001_0010", "001_0020", "002_0010", "002_0020"])
    session.set_shot("001_0010", status="approved")
    session.set_shot("001_0020", status="ready")
    session.set_shot("002_0010", status="needs_changes", transition="dissolve", transition_frames=12)
    session.set_shot("002_0020", status="ready")
    session.add_note(
        "002_0010", 30, "Hold on Mara's face a beat longer before the lantern swing.", author="Director"
    )
    session.add_note("001_0020", 12, "Spray should reach the gallery rail.", author="Director")
    root = session.root
    session.close()

    app = create_app()
    window = MainWindow()
    window.resize(1600, 960)
    window.show()
    window.open_project(root)
    window.thumbnails.wait(20000)
    settle(app)
    window.controller.set_current_shot("001_0020")
    viewer = window.widgets["viewer"]
    entry = next(e for e in window.session.cut().entries if e.code == "001_0020")
    viewer.seek(entry.record_in + 40)
    viewer.wait_displayed(entry.record_in + 40)
    window.widgets["timeline"].zoom_to_fit()
    settle(app)
    window.grab().save(str(DOCS / "app_main_window.png"))

    window.docks["timeline"].grab().save(str(DOCS / "app_timeline.png"))
    # the queue while generating: three animatic takes queued, the first one running
    window.generate(["003_0010", "003_0020", "003_0030"])
    window.docks["queue"].raise_()
    end = time.monotonic() + 60
    while time.monotonic() < end:
        settle(app, 0.05)
        running = [j for j in window.session.jobs() if j.state == "running"]
        if running and running[0].progress_done >= running[0].progress_total // 2 > 0:
            break
    window.widgets["queue"].reload()
    settle(app, 0.1)
    window.docks["queue"].grab().save(str(DOCS / "app_queue.png"))
    window.grab().save(str(DOCS / "app_generating.png"))

    add_tiny_model_folder(work / "models")
    prefs = PreferencesDialog(window)
    prefs.author.setText("Director")
    prefs.show()
    settle(app, 0.3)
    prefs.grab().save(str(DOCS / "app_preferences.png"))
    prefs.close()
    window.close()
    print("\n".join(str(p) for p in sorted(DOCS.glob("app_*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
