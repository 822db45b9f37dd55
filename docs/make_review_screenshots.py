"""Screenshots of review mode (with a note's drawing) and of take compare, for the docs.

Builds the sample project in a temporary folder through the importers (screenplay without breakdown, shot
list, boards), queues animatic takes for two shots (two takes for the first, the second after a revised
camera move), draws a note with the mouse in review mode and saves PNGs with ``QWidget.grab()``:

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_review_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
DOCS = Path(__file__).resolve().parent
SAMPLE = DOCS.parent / "resources" / "sample"
CODES = ("001_0010", "001_0020")


def build_project(folder: Path):
    from previz.core.session import ProjectSession
    from previz.generation.queue import enqueue, run_queue
    from previz.ingest.apply import import_path

    session = ProjectSession.create(
        folder / "review-sample", name="The Last Keeper", fps="24", size="1280x720"
    )
    import_path(session, SAMPLE / "sample.fountain", breakdown=False)
    import_path(session, SAMPLE / "shotlist.csv")
    import_path(session, SAMPLE / "boards")
    enqueue(session, list(CODES), backend="animatic")
    run_queue(session)
    session.set_shot(CODES[0], move="pull_out")  # the director asked for the opposite move: take 2
    enqueue(session, [CODES[0]], backend="animatic")
    run_queue(session)
    return session


def drag(widget, rect, points) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    def at(fx, fy):
        return QPoint(round(rect.x() + fx * rect.width()), round(rect.y() + fy * rect.height()))

    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[0]))
    for p in points[1:]:
        QTest.mouseMove(widget, at(*p))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[-1]))


def review_screenshot(controller, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from previz.core.review import set_review_status
    from previz.ui.review.mode import ReviewWindow

    session = controller.session
    controller.edit(lambda: set_review_status(session, CODES[0], "needs_changes"))
    window = ReviewWindow(controller, start_frame=60)
    window.resize(1600, 900)
    window.show_review(full_screen=False)
    window.player.wait_displayed(60)
    window.start_note()
    rect = window.canvas.picture_rect()
    tools = window.editor.toolbar
    tools.tool_buttons["ellipse"].click()
    tools.colour_buttons["yellow"].click()
    drag(window.drawing, rect, [(0.62, 0.09), (0.77, 0.31)])
    tools.tool_buttons["arrow"].click()
    drag(window.drawing, rect, [(0.555, 0.30), (0.615, 0.24)])
    tools.tool_buttons["text"].click()
    drag(window.drawing, rect, [(0.33, 0.28)])
    window.drawing.type_text("beam brighter")
    tools.tool_buttons["pen"].click()
    tools.colour_buttons["red"].click()
    wave = [(0.50 + i * 0.022, 0.76 + (0.02 if i % 2 else -0.02)) for i in range(14)]
    drag(window.drawing, rect, wave)
    window.editor.text.setText("Lamp beam should cut through the rain; more spray on the rocks")
    QTest.keyClick(window.editor.text, Qt.Key.Key_Return)
    window.player.seek(59)
    window.player.wait_displayed(59)
    window.player.seek(60)
    window.player.wait_displayed(60)
    window.flash_message("")
    window.grab().save(str(out))
    window.close()


def compare_screenshot(controller, out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from previz.ui.review.compare import CompareView

    view = CompareView(controller, CODES[0])
    view.resize(1400, 520)
    view.show()
    view.choose_circled(1)
    view.player.seek(70)
    view.player.wait_displayed(70)
    # the PSNR / SSIM figures measured off the UI thread, shown rather than "Measuring…"
    deadline = time.monotonic() + 60
    while view.metrics.comparison is None and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    QApplication.processEvents()
    view.grab().save(str(out))
    view.shutdown()


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from previz.ui.controller import ProjectController
    from previz.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PREVIZ_SETTINGS_DIR"] = str(Path(tmp) / "settings")
        os.environ["PREVIZ_AUTHOR"] = "Director"
        session = build_project(Path(tmp))
        controller = ProjectController(session)
        review_screenshot(controller, DOCS / "review_mode.png")
        compare_screenshot(controller, DOCS / "compare.png")
        session.close()
    print(f"wrote {DOCS / 'review_mode.png'} and {DOCS / 'compare.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
