"""An added or removed shot moves the scene tree's rows below it on the screen instead of repainting the
viewport (``previz/ui/browser/row_moves.py``). The screen must show exactly what Qt paints itself after
every kind of insert and removal, in view, at a scene's ends, above and below the rows shown, several at
once and mixed with other edits; and an add or a delete in view must repaint well under the viewport."""

from ui.paint_support import PaintRegions, settle, shot_browser, shows_what_qt_paints

from previz.ui import authoring


def _painted_by(browser, step) -> int:
    viewport = browser.tree.viewport()
    settle()
    painted = PaintRegions()
    viewport.installEventFilter(painted)
    step()
    settle()
    viewport.removeEventFilter(painted)
    return sum(painted.areas)


def test_inserts_and_removals_show_what_qt_paints(qtbot, controller, themed):
    browser = shot_browser(qtbot, controller, 20)
    tree = browser.tree
    bar = tree.verticalScrollBar()
    undo = controller.undo_stack
    steps = [
        ("an add in view", lambda: authoring.add_shot(controller, "001_0030")),
        ("its undo (a row removed in view)", undo.undo),
        ("its redo", undo.redo),
        ("an add after a scene's first shot", lambda: authoring.add_shot(controller, "001_0010")),
        ("a delete in view", lambda: authoring.delete(controller, ["001_0040"])),
        ("two shots deleted together", lambda: authoring.delete(controller, ["001_0050", "001_0060"])),
        ("two shots apart deleted", lambda: authoring.delete(controller, ["001_0070", "001_0100"])),
        ("a duplicate of two", lambda: authoring.duplicate(controller, ["001_0080", "001_0090"])),
        ("a merge", lambda: authoring.merge(controller, ["001_0110", "001_0120"])),
        ("a split", lambda: authoring.split_at(controller, "001_0130", 10)),
        ("an add at a scene's end", lambda: authoring.add_shot(controller, scene="1")),
        ("its undo (the last row removed)", undo.undo),
        ("a scroll down", lambda: bar.setValue(bar.value() + 5)),
        ("an add above the view", lambda: authoring.add_shot(controller, "001_0010")),
        ("a delete above the view", lambda: authoring.delete(controller, ["001_0020"])),
        ("a delete half above the view", lambda: authoring.delete(controller, [_top_code(tree)])),
        ("to the end", lambda: bar.setValue(bar.maximum())),
        ("a delete at the very end", lambda: authoring.delete(controller, ["002_0200"])),
        ("an add at the very end", lambda: authoring.add_shot(controller, scene="2")),
        ("undo all", lambda: [undo.undo() for _ in range(undo.index())]),
        ("redo all", lambda: [undo.redo() for _ in range(undo.count())]),
    ]
    for what, step in steps:
        step()
        shows_what_qt_paints(browser, what)


def _top_code(tree) -> str:
    """The shot of the row at the viewport's top edge (partly scrolled out of view)."""
    from previz.ui.browser.shot_models import CodeRole

    index = tree.indexAt(tree.viewport().rect().topLeft())
    if index.data(CodeRole) is None or "_" not in index.data(CodeRole):
        index = tree.indexBelow(index)
    return index.data(CodeRole)


def test_an_add_and_a_delete_in_view_move_the_rows(qtbot, controller, themed):
    """Qt repaints the whole viewport after an insert or a removal; moved, the rows below are not painted
    again: well under half the viewport is."""
    browser = shot_browser(qtbot, controller, 20)
    viewport = browser.tree.viewport()
    whole = viewport.width() * viewport.height()
    added = _painted_by(browser, lambda: authoring.add_shot(controller, "001_0020"))
    assert 0 < added < whole // 2
    shows_what_qt_paints(browser, "the add")
    deleted = _painted_by(browser, lambda: authoring.delete(controller, ["001_0030"]))
    assert 0 < deleted < whole // 2
    shows_what_qt_paints(browser, "the delete")


def test_the_row_above_is_repainted_where_its_branch_ends(qtbot, controller, themed):
    """A style may draw the last shot of a scene's branch otherwise (here: a red one): a shot added after
    it, or the shot after it removed, repaints that row too."""
    browser = shot_browser(qtbot, controller, 3)
    browser.tree.setStyleSheet("QTreeView::branch:!has-siblings:adjoins-item { background: #c00000; }")
    shows_what_qt_paints(browser, "the style sheet")
    authoring.add_shot(controller, scene="1")
    shows_what_qt_paints(browser, "an add at the scene's end")
    controller.undo_stack.undo()
    shows_what_qt_paints(browser, "the scene's last shot removed")
