"""One key table: every shortcut bound in the main window, the viewer, review mode, its note editor and
take compare is in previz/ui/keys.py with the same keys, and every table entry is bound; the shortcuts
sheet lists exactly the table and filters it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton
from ui.ui_review_support import CODES, build_review_project

from previz.ui import keys
from previz.ui.dialogs.shortcuts import ShortcutsSheet
from previz.ui.main_window import MainWindow

PORTABLE = QKeySequence.SequenceFormat.PortableText


def texts(sequences) -> set[str]:
    return {s.toString(PORTABLE) for s in sequences if not s.isEmpty()}


def bound(widget) -> list[tuple[str, set[str]]]:
    """(object name, keys) of every QAction and QShortcut with a key on ``widget`` and its children."""
    out = []
    for action in widget.findChildren(QAction):
        if texts(action.shortcuts()):
            out.append((action.objectName(), texts(action.shortcuts())))
    for shortcut in widget.findChildren(QShortcut):
        if texts([shortcut.key()]):
            out.append((shortcut.objectName(), texts([shortcut.key()])))
    for button in widget.findChildren(QAbstractButton):  # a button's own shortcut is a binding too
        if texts([button.shortcut()]):
            out.append((button.objectName() or button.text(), texts([button.shortcut()])))
    return out


@pytest.fixture
def window(tmp_path, qtbot):
    session = build_review_project(tmp_path / "film")
    root = session.root
    session.close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(root)
    yield window
    window.close()


def test_every_bound_key_is_in_the_table_and_every_table_key_is_bound(window, qtbot):
    review = window.review_actions.enter_review(full_screen=False)
    compare = window.review_actions.compare_takes(CODES[0])
    widgets = {
        "viewer": window.widgets["viewer"],
        "review": review,
        "note": review.editor,
        "compare": compare.view,
        "queue": window.widgets["queue"],
    }
    seen: dict[str, set[str]] = {}
    for top in (window, review, compare):
        for name, bound_keys in bound(top):
            if name.startswith("key:"):  # bound from the table: the same keys as its entry
                action_id = name[4:]
                assert bound_keys == texts(keys.sequences(action_id)), action_id
                seen.setdefault(action_id, set()).add(name)
                continue
            # a menu's own shortcut (File, Edit, View, Shot, Help): its keys must be a window entry's keys
            matches = [k for k in keys.in_scope("window") if texts(keys.sequences(k.id)) == bound_keys]
            assert matches, f"{bound_keys} is bound in the main window but missing from previz/ui/keys.py"
            seen.setdefault(matches[0].id, set())
    for scope, widget in widgets.items():
        actions = {a.objectName()[4:] for a in widget.actions() if a.objectName().startswith("key:")}
        assert actions == {k.id for k in keys.in_scope(scope)}, scope
    missing = [k.id for k in keys.KEYS if texts(keys.sequences(k.id)) and k.id not in seen]
    assert missing == [], f"in previz/ui/keys.py but bound nowhere: {missing}"
    # the playback keys are the same everywhere: L shuttles, Ctrl+L loops
    for scope in ("viewer", "review", "compare"):
        ids = {k.id for k in keys.in_scope(scope)}
        assert {"play.shuttle_forward", "play.loop"} <= ids
    assert keys.key("play.shuttle_forward").keys == ("L",) and keys.key("play.loop").keys == ("Ctrl+L",)
    compare.done(0)
    review.close()


def test_shortcuts_sheet_lists_the_table_grouped_and_filters(window, qtbot):
    window.show_shortcuts()
    sheet = window.findChild(ShortcutsSheet)
    assert sheet is not None and sheet.isVisible()
    here = [k.id for k in keys.KEYS if keys.sequences(k.id)]  # less a standard key this system lacks
    assert [e.id for _item, e in sheet.rows] == here
    assert {k.group for k in keys.KEYS} == set(keys.GROUPS)
    headers = [sheet.tree.topLevelItem(i).text(0) for i in range(sheet.tree.topLevelItemCount())]
    assert headers == list(keys.GROUPS)
    loop_row = next(item for item, e in sheet.rows if e.id == "play.loop")
    assert loop_row.text(0) == QKeySequence("Ctrl+L").toString(QKeySequence.SequenceFormat.NativeText)
    assert "viewer, review mode, take compare" in loop_row.text(2)
    QTest.keyClicks(sheet.search, "shuttle")
    assert sheet.visible_ids() == ["play.shuttle_back", "play.shuttle_forward"]
    assert sheet.count.text() == f"2 of {len(here)} shortcuts"
    visible_headers = [h.text(0) for h in sheet.groups.values() if not h.isHidden()]
    assert visible_headers == ["Playback"]
    sheet.search.setText("review approve")
    assert sheet.visible_ids() == ["review.approve"]
    sheet.search.clear()
    assert sheet.visible_ids() == here
    sheet.close()


def test_question_mark_opens_the_sheet_in_the_window_and_in_review(window, qtbot):
    window.activateWindow()
    window.widgets["viewer"].setFocus()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5000)
    QTest.keyClick(window.widgets["viewer"], "?")
    qtbot.waitUntil(lambda: window.findChild(ShortcutsSheet) is not None, timeout=5000)
    window.findChild(ShortcutsSheet).close()
    review = window.review_actions.enter_review(full_screen=False)
    qtbot.waitUntil(lambda: review.isActiveWindow(), timeout=5000)
    QTest.keyClick(review, "?")
    qtbot.waitUntil(lambda: review.findChild(ShortcutsSheet) is not None, timeout=5000)
    review.findChild(ShortcutsSheet).close()
    review.close()


def test_review_status_bar_says_what_a_key_did(window, qtbot):
    viewer = window.widgets["viewer"]
    window.activateWindow()
    viewer.setFocus()
    qtbot.waitUntil(lambda: viewer.hasFocus(), timeout=5000)
    QTest.keyClick(viewer, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert viewer.loop and window.statusBar().currentMessage() == "Loop on"  # the main viewer says it too
    review = window.review_actions.enter_review(full_screen=False)
    qtbot.waitUntil(lambda: review.isActiveWindow() and review.hasFocus(), timeout=5000)
    assert review.player.wait_displayed(0)
    QTest.keyClick(review, Qt.Key.Key_A)
    assert review.status_bar.currentMessage() == f"Approved {CODES[0]}"
    QTest.keyClick(review, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert review.status_bar.currentMessage() == "Loop on"
    QTest.keyClick(review, Qt.Key.Key_L)
    QTest.keyClick(review, Qt.Key.Key_L)
    assert review.status_bar.currentMessage() == "Shuttle 2× forward"
    QTest.keyClick(review, Qt.Key.Key_J)
    assert review.status_bar.currentMessage() == "Shuttle 1× backward"
    QTest.keyClick(review, Qt.Key.Key_N)
    assert review.status_bar.currentMessage() == f"Needs changes {CODES[0]}"
    assert window.session.shot(CODES[0]).status == "needs_changes"
    review.close()


def test_no_key_does_two_things_in_one_place(qtbot):
    """Two actions on one key in the same scope would make Qt fire neither ("ambiguous shortcut")."""
    # the queue panel's keys are live beside the window's (focus in the panel), so they share one space
    for scopes in (("viewer",), ("review",), ("compare",), ("note",), ("window", "queue")):
        seen: dict[str, str] = {}
        for entry in [k for scope in scopes for k in keys.in_scope(scope)]:
            for text in texts(keys.sequences(entry.id)):
                assert text not in seen, f"{scopes}: {text} is both {seen[text]} and {entry.id}"
                seen[text] = entry.id
