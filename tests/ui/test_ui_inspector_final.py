"""The inspector's takes list marks draft and final takes, and which draft a final re-renders."""

from __future__ import annotations

from generation.final_support import add_draft

from previz.ui.inspector.inspector import ShotInspector


def test_takes_list_marks_draft_and_final(qtbot, controller, tmp_path):
    session = controller.session
    draft = add_draft(session, "001_0010", tmp_path / "tiny-ltx-video", seed=3)
    imported = session.add_take("001_0010", kind="imported", media_hash=draft.media_hash)
    inspector = ShotInspector(controller)
    qtbot.addWidget(inspector)
    inspector.resize(520, 700)
    controller.set_current_shot("001_0010")
    items = [inspector.takes.topLevelItem(i) for i in range(inspector.takes.topLevelItemCount())]
    assert [i.text(1) for i in items] == ["generated · draft", "imported"]
    assert "--final" in items[0].toolTip(1)

    # the final arrives (as the queue adds it): marked final, linked to its draft, bold (in the cut)
    final = session.add_take(
        "001_0010",
        kind="generated",
        media_hash=draft.media_hash,
        request={**{k: v for k, v in draft.request.items() if k not in ("preset", "speed")}},
        finalizes_take_id=draft.id,
    )
    controller.set_current_shot("001_0020")
    controller.set_current_shot("001_0010")
    items = [inspector.takes.topLevelItem(i) for i in range(inspector.takes.topLevelItemCount())]
    assert [i.text(1) for i in items] == ["generated · draft", "imported", "generated · final"]
    assert items[2].toolTip(1) == f"the final of draft take {draft.number}"
    assert items[2].font(0).bold() and not items[0].font(0).bold()
    assert session.shot("001_0010").selected_take_id == final.id != imported.id
    inspector.takes.grab().save(str(tmp_path / "inspector_takes.png"))
