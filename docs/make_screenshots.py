"""Screenshots of the app for the README: builds the sample project (with animatic takes for a few shots
when the generation layer is present) in a temporary folder and saves PNGs with ``QWidget.grab()``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshots.py [NAME ...]

With names (e.g. ``timeline``) only those ``app_NAME.png`` files are written.
"""

from __future__ import annotations

import os
import shutil
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


def add_temp_music(session, folder: Path, seconds: float) -> None:
    """A generated music-like track (plucked notes over a drone, in phrases) placed under the cut."""
    import numpy as np

    from previz.media.audio import RATE, write_audio_file
    from previz.media.library import import_media_file

    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    out = 0.12 * np.sin(2 * np.pi * 55 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * t / 7.0))
    notes = [220.0, 261.6, 329.6, 392.0, 329.6, 261.6, 246.9, 293.7]
    beat = 0.5
    for i in range(int(seconds / beat)):
        start = int(i * beat * RATE)
        length = min(n - start, int(1.2 * RATE))
        phrase = 0.35 + 0.65 * abs(np.sin(np.pi * (i % 16) / 16))  # swells and falls every 8 s
        tt = np.arange(length) / RATE
        note = notes[i % len(notes)] * (2 if (i // 8) % 2 else 1)
        out[start : start + length] += phrase * 0.5 * np.exp(-tt * 4) * np.sin(2 * np.pi * note * tt)
    stereo = np.stack([out, out * 0.9]).astype(np.float32)
    path = write_audio_file(folder / "temp_music.wav", stereo)
    info = import_media_file(session, path)
    session.add_audio_clip(info.hash, start_frame=0, name="temp_music.wav")


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


#: Screenshots of authoring (an empty project, the new-project dialog); they need no sample project.
AUTHORING_SHOTS = {"empty_project", "new_project"}


def shoot_authoring(app, work: Path, save) -> None:
    """The window on a just-made empty project (what to do next in the centre) and File ▸ New Project."""
    from previz.core.session import ProjectSession
    from previz.ui.dialogs.new_project import NewProjectDialog
    from previz.ui.main_window import MainWindow

    session = ProjectSession.create(work / "untitled", name="Untitled", fps="24", size="1920x1080")
    root = session.root
    session.close()
    window = MainWindow()
    window.resize(1600, 960)
    window.show()
    window.open_project(root)
    settle(app)
    save(window, "empty_project")
    dialog = NewProjectDialog(window, folder="~/Films")
    dialog.name.setText("The Last Keeper")
    dialog.size.setCurrentIndex(dialog.size.findData("2048x858"))
    dialog.style_prompt.setPlainText("graphite storyboard sketch, stormy night, cold blue light")
    dialog.show()
    settle(app, 0.3)
    save(dialog, "new_project")
    dialog.close()
    window.close()


def shoot_shortcuts(app, save) -> None:
    """Help > Keyboard Shortcuts: the sheet built from previz/ui/keys.py, unfiltered."""
    from previz.ui.dialogs.shortcuts import ShortcutsSheet

    sheet = ShortcutsSheet()
    sheet.resize(860, 1000)
    sheet.show()
    settle(app, 0.3)
    save(sheet, "shortcuts")
    sheet.close()


def shoot_timeline_drag(app, window, save) -> None:
    """The timeline mid-drag: the last shot of scene 1 dragged just past the boundary into scene 2, its
    ghost where it would land and the insertion marker labelled '→ scene 2'; the drag is then dropped."""
    from PySide6.QtCore import QPointF

    timeline = window.widgets["timeline"]
    entries = timeline.cut.entries
    first_of_2 = next(e for e in entries if e.scene_number != entries[0].scene_number)
    moving = [e for e in entries if e.scene_number == entries[0].scene_number][-1]
    timeline.set_zoom(max(timeline.ppf, (timeline.viewport().width() - 60) / (moving.duration * 4.5)))
    timeline.horizontalScrollBar().setValue(int(timeline.x_of(moving.record_in - moving.duration) - 10))
    y = timeline.clips[moving.code].rect().center().y()
    timeline.begin_drag(QPointF(timeline.x_of(moving.record_in + moving.duration / 2), y))
    timeline.drag_to(QPointF(timeline.x_of(first_of_2.record_in + 6), y))
    settle(app, 0.2)
    save(window.docks["timeline"], "timeline_drag")
    timeline.cancel_drag()


#: Screenshots of content credentials (an exported reel's dialog, the Preferences identity page).
CREDENTIALS_SHOTS = {"credentials", "preferences_identity"}
#: The generated-shot record the credentials screenshot shows (an illustration: the sample has no model).
ILLUSTRATION_LTX = {
    "backend": "diffusers",
    "model": "Lightricks/LTX-Video",
    "revision": "0.9.7-distilled",
    "weights": {"transformer/diffusion_pytorch_model.safetensors": "3f" * 32},
    "licence": "LTXV Open Weights",
    "commercial_use": True,
    "seed": 1234,
}


def shoot_credentials(app, window, work: Path, save) -> None:
    """Scene 1 of the sample exported and signed by this install's local identity (one shot's take
    recorded as LTX-Video), checked against the local CA; then the Preferences identity page."""
    import shutil
    import socket

    socket.gethostname = lambda: "studio-ws07"  # the local identity is named after the machine
    from previz.export.api import export_project
    from previz.export.credentials import credentials_dir, local_ca_path, local_identity
    from previz.ui.dialogs.preferences import PreferencesDialog

    session = window.session
    shutil.rmtree(credentials_dir() / "local", ignore_errors=True)  # made before: remade with the name above
    local_identity()
    code = "001_0020"
    take = session.takes(code)[-1]
    new = window.controller.edit(
        lambda: session.add_take(
            code, kind="generated", media_hash=take.media_hash, provenance=ILLUSTRATION_LTX
        )
    )
    window.controller.edit(lambda: session.select_take(code, new.number))
    out = work / "exports" / "the_last_keeper_sc1.mp4"
    out.parent.mkdir(parents=True, exist_ok=True)
    export_project(session, out, scenes=["1"])
    window.open_dropped(out)
    dialog = window.credentials_dialog
    dialog.set_trust(local_ca_path())
    end = time.monotonic() + 60
    while dialog.state == "checking" and time.monotonic() < end:
        settle(app, 0.05)
    dialog.resize(900, 430)
    settle(app, 0.3)
    save(dialog, "credentials")
    dialog.close()
    prefs = PreferencesDialog(window)
    prefs.tabs.setCurrentWidget(prefs.identity_page)
    prefs.show()
    settle(app, 0.3)
    save(prefs, "preferences_identity")
    prefs.close()


def bob(root: Path, code: str) -> None:
    """Run ``code`` in another process with ``s``, the project opened as "bob" (another artist)."""
    import subprocess

    script = "import sys\nfrom previz.core.session import ProjectSession\n"
    script += "with ProjectSession.open(sys.argv[1], author='bob') as s:\n"
    script += "".join(f"    {line}\n" for line in code.splitlines())
    subprocess.run([sys.executable, "-c", script, str(root)], check=True, timeout=120)


def shoot_live_feed(app, window) -> None:
    """``docs/app_live_feed.png``: the main window right after another artist's change arrived
    through the change feed (the status bar names them); their change is taken back afterwards."""
    root = window.session.root
    before = window.session.shot("001_0020").duration_frames
    bob(root, f"s.set_shot('001_0020', duration_frames={before + 24})\nprint(s.add_shot('1').code)")
    end = time.monotonic() + 10
    while time.monotonic() < end and not window.live_status.label.text().startswith("bob:"):
        settle(app, 0.05)
    settle(app, 0.5)
    window.grab().save(str(DOCS / "app_live_feed.png"))
    added = window.session.shots("1")[-1].code
    bob(root, f"s.remove_shot('{added}')\ns.set_shot('001_0020', duration_frames={before})")
    end = time.monotonic() + 10
    while time.monotonic() < end and added in [s.code for s in window.session.shots("1")]:
        settle(app, 0.05)
    settle(app, 0.5)
    window.live_status.clear()


def main() -> int:
    # one fixed folder, emptied first: the paths the pictures show (the status bar's "Opened …", the model
    # folders) are the same at every run, so a remade picture differs only where the app changed
    work = Path(tempfile.gettempdir()) / "previz-screenshots"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    os.environ.setdefault("PREVIZ_SETTINGS_DIR", str(work / "settings"))
    os.environ.setdefault("PREVIZ_CONFIG_DIR", str(work / "config"))
    from previz.demo import build_sample
    from previz.ui.app import create_app
    from previz.ui.dialogs.preferences import PreferencesDialog
    from previz.ui.main_window import MainWindow

    only = set(sys.argv[1:])

    def save(widget, name: str) -> None:
        if not only or name in only:
            widget.grab().save(str(DOCS / f"app_{name}.png"))

    app = create_app()
    if not only or "shortcuts" in only:
        shoot_shortcuts(app, save)
        if only == {"shortcuts"}:
            return 0
    if not only or only & AUTHORING_SHOTS:
        shoot_authoring(app, work, save)
        if only and only <= AUTHORING_SHOTS:
            return 0
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
    add_temp_music(session, work, min(60.0, session.cut().duration / float(session.project().rate.fraction)))
    root = session.root
    session.close()
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
    save(window, "main_window")
    window.widgets["timeline"].waveforms.wait(20)
    settle(app, 0.2)
    save(window.docks["timeline"], "timeline")
    shoot_timeline_drag(app, window, save)
    if not only or "live_feed" in only:
        shoot_live_feed(app, window)
    if only and not only & (
        {"queue", "generating", "preferences", "preferences_models", "preferences_runtime", "cannot_generate"}
        | CREDENTIALS_SHOTS
    ):
        window.close()
        return 0
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
    save(window.docks["queue"], "queue")
    save(window, "generating")

    add_tiny_model_folder(work / "models")
    prefs = PreferencesDialog(window)
    prefs.author.setText("Director")
    prefs.show()
    settle(app, 0.3)
    save(prefs, "preferences")
    prefs.show_models()
    settle(app, 0.3)
    save(prefs, "preferences_models")
    prefs.tabs.setCurrentWidget(prefs.runtime_page)
    prefs.runtime_page.wait(120000)
    settle(app, 0.2)
    save(prefs, "preferences_runtime")
    prefs.close()
    # a Generate that cannot run (a diffusers shot with no model): the dialog offers the catalog's models
    code = window.session.shots()[-1].code
    window.controller.edit(lambda: window.session.set_shot(code, backend="diffusers", model=""))
    window.controller.set_current_shot(code)
    window.generate([code])
    dialog = window.widgets["queue"].cannot_generate
    settle(app, 0.3)
    save(dialog, "cannot_generate")
    dialog.reject()
    if not only or only & CREDENTIALS_SHOTS:
        shoot_credentials(app, window, work, save)
    window.close()
    print("\n".join(str(p) for p in sorted(DOCS.glob("app_*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
