from PySide6.QtCore import QModelIndex

from previz.ui.browser.browser import ShotBrowser
from previz.ui.browser.shot_models import CodeRole, move_codes
from previz.ui.thumbnails import ThumbnailCache


def _codes_in_tree(model):
    out = []
    for i in range(model.rowCount()):
        scene = model.index(i, 0)
        out.append([model.index(j, 0, scene).data(CodeRole) for j in range(model.rowCount(scene))])
    return out


def test_tree_follows_the_session(qtbot, controller):
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    model = browser.tree_model
    assert _codes_in_tree(model) == [["001_0010", "001_0020", "001_0030"], ["002_0010", "002_0020"]]
    controller.edit(lambda: session.add_shot("2", action="new"))
    assert _codes_in_tree(model)[1] == ["002_0010", "002_0020", "002_0030"]
    assert model.index(0, 1, model.index(0, 0)).data() == "24f  1.0s"
    controller.edit(lambda: session.set_shot("001_0010", status="approved"))
    assert model.index(0, 2, model.index(0, 0)).data() == "approved"
    assert len(browser.grid_model.shots) == 6  # the hidden grid caught up on the read


def test_filter_by_status_and_text(qtbot, controller):
    session = controller.session
    session.set_shot("002_0010", status="approved", action="lantern flickers")
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    browser.status_filter.setCurrentIndex(browser.status_filter.findData("approved"))
    proxy = browser.tree.model()
    assert proxy is browser.tree_proxy
    visible = [
        proxy.index(j, 0, proxy.index(i, 0)).data(CodeRole)
        for i in range(proxy.rowCount())
        for j in range(proxy.rowCount(proxy.index(i, 0)))
    ]
    assert visible == ["002_0010"]
    browser.status_filter.setCurrentIndex(0)
    browser.search.setText("beat 1")
    assert browser.grid_proxy.rowCount() == 2  # 001_0020 and 002_0020


def test_drop_reorders_as_one_undo_step(qtbot, controller):
    steps = controller.undo_stack.count()  # the project's history at open
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    model = browser.grid_model
    data = model.mimeData([model.index(2)])  # 001_0030
    model.dropMimeData(data, None, 0, 0, QModelIndex())  # before 001_0010
    assert [s.code for s in session.shots("1")] == ["001_0030", "001_0010", "001_0020"]
    assert controller.undo_stack.count() == steps + 1
    assert controller.undo_stack.undoText() == "Move 001_0030"
    # into another scene through the tree
    tree = browser.tree_model
    data = tree.mimeData([tree.index_of_shot("001_0010")])
    tree.dropMimeData(data, None, 1, 0, tree.index(1, 0))
    assert [s.code for s in session.shots("2")] == ["002_0010", "001_0010", "002_0020"]
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert [s.code for s in session.shots("1")] == ["001_0010", "001_0020", "001_0030"]


def test_multi_select_and_context_actions(qtbot, controller):
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    browser.tabs.setCurrentIndex(1)
    sel = browser.grid.selectionModel()
    from PySide6.QtCore import QItemSelectionModel

    for row in (0, 1):
        sel.select(browser.grid.model().index(row, 0), QItemSelectionModel.SelectionFlag.Select)
    codes = browser.selected_codes()
    assert codes == ["001_0010", "001_0020"]
    assert controller.selection == codes
    menu = browser.build_context_menu(codes)
    assert [a.text() for a in menu.actions() if a.text()][:4] == [
        "Generate 2 shots",
        "Duplicate 2 shots",
        "Omit 2 shots",
        "Delete 2 shots",
    ]
    browser.set_status(codes, "omitted")
    assert [s.status for s in session.shots("1")][:2] == ["omitted", "omitted"]
    assert controller.undo_stack.undoText() == "Change status of 2 shots"
    browser.duplicate(["001_0030"])
    assert len(session.shots("1")) == 4
    browser.delete(["001_0030"])
    assert len(session.shots("1")) == 3
    controller.undo_stack.undo()
    assert len(session.shots("1")) == 4


def test_move_codes_helper_after_position(qtbot, controller):
    session = controller.session
    move_codes(controller, ["001_0010"], "1", 3)
    assert [s.code for s in session.shots("1")] == ["001_0020", "001_0030", "001_0010"]


def test_drag_scene_to_reorder_is_undoable(qtbot, controller):
    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    tree = browser.tree_model
    data = tree.mimeData([tree.index(1, 0)])  # scene 2
    tree.dropMimeData(data, None, 0, 0, QModelIndex())  # before scene 1
    assert [s.number for s in session.scenes()] == ["2", "1"]
    assert tree.index(0, 0).data(CodeRole) == "2"
    assert [e.code for e in session.cut().entries][0] == "002_0010"
    controller.undo_stack.undo()
    assert [s.number for s in session.scenes()] == ["1", "2"]


def test_shot_edits_update_the_models_in_place_and_match_a_fresh_read(qtbot, controller):
    """Adding, splitting, merging, moving and removing shots change only the rows they touch (no model
    reset: the selection and the expanded scenes stay), and the rows always equal a fresh read."""
    from previz.ui import authoring
    from previz.ui.browser.scene_tree_model import SceneTreeModel
    from previz.ui.browser.shot_models import ShotListModel

    session = controller.session
    thumbnails = ThumbnailCache(session)
    browser = ShotBrowser(controller, thumbnails)
    qtbot.addWidget(browser)
    browser.tabs.setCurrentIndex(1)  # the grid's tab: it follows every edit (hidden, it catches up)
    resets = []
    browser.tree_model.modelReset.connect(lambda: resets.append("tree"))
    browser.grid_model.modelReset.connect(lambda: resets.append("grid"))

    def rows_match() -> None:
        fresh_tree, fresh_grid = SceneTreeModel(controller), ShotListModel(controller, thumbnails)
        assert [(n.scene, n.shots) for n in browser.tree_model.nodes] == [
            (n.scene, n.shots) for n in fresh_tree.nodes
        ]
        assert browser.grid_model.shots == fresh_grid.shots
        assert all(browser.grid_model.row_of(s.code) == i for i, s in enumerate(fresh_grid.shots))
        tree = browser.tree_model  # finds every shot's row (its lookups are kept edit by edit)
        assert all(tree.shot_at(tree.index_of_shot(s.code)) == s for s in fresh_grid.shots)

    start = controller.undo_stack.index()
    authoring.add_shot(controller, "001_0010")
    rows_match()
    authoring.split_at(controller, "002_0010", 10)
    rows_match()
    authoring.merge(controller, ["001_0010", "001_0015"])
    rows_match()
    move_codes(controller, ["002_0015"], "1", 0)
    rows_match()
    authoring.delete(controller, ["001_0030"])
    rows_match()
    controller.set_shot("002_0020", action="changed", status="approved")
    rows_match()
    controller.edit(lambda: session.set_shot("001_0020", code="001_0025"))  # found by its new code only
    rows_match()
    assert not browser.tree_model.index_of_shot("001_0020").isValid()
    assert browser.tree_model.index_of_shot("002_0020").siblingAtColumn(2).data() == "approved"
    assert resets == []
    while controller.undo_stack.index() > start:
        controller.undo_stack.undo()
        rows_match()
    assert _codes_in_tree(browser.tree_model) == [
        ["001_0010", "001_0020", "001_0030"],
        ["002_0010", "002_0020"],
    ]


def test_the_filters_sit_in_between_only_while_set_and_the_views_keep_working(qtbot, controller):
    """With no filter the tree and grid show their models directly (an insert is not mapped through a
    proxy); a filter puts the proxy in between, clearing it takes it out again. Across each switch the
    current shot stays selected, a click still selects shots, and an added shot appears in both views."""
    from PySide6.QtCore import QItemSelectionModel

    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    browser.show()
    assert browser.tree.model() is browser.tree_model and browser.grid.model() is browser.grid_model
    controller.set_current_shot("002_0010")
    browser.tree.setColumnWidth(0, 211)
    browser.search.setText("002_")
    assert browser.tree.model() is browser.tree_proxy and browser.grid.model() is browser.grid_proxy
    assert browser.grid.model().rowCount() == 2
    assert browser.selected_codes(browser.tree) == ["002_0010"]
    browser.search.setText("")
    assert browser.tree.model() is browser.tree_model and browser.grid.model() is browser.grid_model
    assert browser.tree_proxy.sourceModel() is None  # no bookkeeping on edits while unused
    assert [browser.tree.columnWidth(i) for i in range(3)] == [211, 90, 112]  # as the user left them
    assert browser.selected_codes(browser.tree) == ["002_0010"]
    assert _codes_in_tree(browser.tree.model())[1] == ["002_0010", "002_0020"]
    # a click in the grid (its selection model was replaced twice) still reaches the controller
    browser.tabs.setCurrentIndex(1)
    browser.grid.selectionModel().select(
        browser.grid.model().index(1, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    assert controller.selection == ["001_0020"]
    controller.edit(lambda: session.add_shot("2", action="new"))
    assert _codes_in_tree(browser.tree.model())[1] == ["002_0010", "002_0020", "002_0030"]
    assert browser.grid.model().index(5, 0).data(CodeRole) == "002_0030"
    browser.status_filter.setCurrentIndex(browser.status_filter.findData("approved"))
    assert browser.tree.model() is browser.tree_proxy and browser.grid.model().rowCount() == 0


def test_splice_repaints_kept_rows_whose_shown_values_changed_not_ones_only_renumbered(qtbot, controller):
    """After an insert every later shot's stored position changes; only rows whose shown values changed
    too (here a status) get ``dataChanged``."""
    from dataclasses import replace

    from PySide6.QtCore import QAbstractListModel

    from previz.ui.browser.shot_models import splice_rows

    class Rows(QAbstractListModel):
        def __init__(self, rows):
            super().__init__()
            self.rows = rows

        def rowCount(self, parent=QModelIndex()):  # noqa: B008 - Qt's signature
            return len(self.rows)

        def data(self, index, role=0):
            return None

    a, b, c = controller.session.shots("1")
    new = replace(a, id=999, code="001_0005")
    model = Rows([a, b, c])
    changed = []
    model.dataChanged.connect(lambda first, last, *_r: changed.append((first.row(), last.row())))
    moved = [replace(s, position=s.position + 1) for s in (a, b)]
    moved.append(replace(c, position=c.position + 1, status="approved"))
    splice_rows(model, QModelIndex(), model.rows, [new, *moved], lambda r: setattr(model, "rows", r))
    assert model.rows == [new, *moved]
    assert changed == [(3, 3)]  # c only: a and b were renumbered, nothing shown changed


def test_the_hidden_view_shows_the_current_shot_when_its_tab_is_shown(qtbot, controller):
    """Only the shown view follows the current shot as it changes; the other selects it when its tab is
    shown (so an added shot does not make a hidden 1,000-item grid lay out)."""
    from previz.ui import authoring

    session = controller.session
    browser = ShotBrowser(controller, ThumbnailCache(session))
    qtbot.addWidget(browser)
    browser.show()
    new = authoring.add_shot(controller, "001_0020")  # the new shot becomes current
    assert browser.selected_codes(browser.tree) == [new.code]
    browser.tabs.setCurrentIndex(1)
    assert browser.selected_codes(browser.grid) == [new.code]
    assert browser.grid.currentIndex().data(CodeRole) == new.code
    controller.set_current_shot("002_0020")
    assert browser.selected_codes(browser.grid) == ["002_0020"]
    browser.tabs.setCurrentIndex(0)
    assert browser.selected_codes(browser.tree) == ["002_0020"]
    assert controller.current_shot == "002_0020"


def test_the_hidden_grid_catches_up_when_shown_or_read(qtbot, controller):
    """Behind its tab the board grid does not follow edits (an add in a 1,000-shot project cost it ~1 ms
    for rows nobody saw); its tab shown, or its rows read, it reads them again and equals a fresh read.
    Shown, it follows each edit in place again."""
    from previz.ui import authoring
    from previz.ui.browser.shot_models import ShotListModel

    session = controller.session
    thumbnails = ThumbnailCache(session)
    browser = ShotBrowser(controller, thumbnails)
    qtbot.addWidget(browser)
    browser.show()
    grid = browser.grid_model
    resets, inserts = [], []
    grid.modelReset.connect(lambda: resets.append(1))
    grid.rowsInserted.connect(lambda *_a: inserts.append(1))
    assert not grid.following  # the tree's tab is shown
    new = authoring.add_shot(controller, "001_0010")
    authoring.split_at(controller, "002_0010", 10)
    assert not resets and not inserts  # nothing done for the hidden grid
    assert grid.shots == ShotListModel(controller, thumbnails).shots  # a read catches up
    assert len(resets) == 1
    authoring.delete(controller, ["001_0030"])
    browser.tabs.setCurrentIndex(1)  # shown: caught up, the current shot selected
    assert len(resets) == 2 and grid.following
    assert grid.shots == ShotListModel(controller, thumbnails).shots
    assert browser.selected_codes(browser.grid) == [new.code]
    authoring.add_shot(controller, "002_0020")  # shown: in place
    assert len(resets) == 2 and inserts
    assert grid.shots == ShotListModel(controller, thumbnails).shots
    browser.tabs.setCurrentIndex(0)
    browser.tree.collapse(browser.tree_model.index(0, 0))
    authoring.add_shot(controller, "002_0010")
    browser.tabs.setCurrentIndex(1)  # the grid catches up: the scene closed in the tree stays closed
    assert not browser.tree.isExpanded(browser.tree_model.index(0, 0))
    browser.tabs.setCurrentIndex(0)
    browser.search.setText("002")  # the grid's filter reads it: caught up first
    authoring.add_shot(controller, "002_0010")
    browser.search.setText("")
    browser.tabs.setCurrentIndex(1)
    codes = [browser.grid.model().index(i, 0).data(CodeRole) for i in range(browser.grid.model().rowCount())]
    assert codes == [s.code for s in session.shots()]
