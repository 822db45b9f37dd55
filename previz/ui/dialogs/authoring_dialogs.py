"""Small dialogs of the authoring actions: add a scene, renumber a scene, add a character. Each runs its
edit when OK is pressed; a refusal from the core is shown under the field it names and the dialog stays
open (nothing was changed). ``result_value`` holds what the edit returned."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
)

from previz.core.errors import PrevizError
from previz.ui.dialogs.fields import FieldForm


class _EditDialog(QDialog):
    """A form and OK/Cancel; ``apply()`` (overridden) runs the edit and may raise ``PrevizError``."""

    ok_text = "OK"

    def __init__(self, controller, title: str, parent=None, aliases: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.controller = controller
        self.result_value = None
        self.fields = FieldForm(self, aliases)
        self.note = QLabel("", objectName="dim")
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.addButton(self.ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("primary")
        ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish(self) -> None:
        self.fields.finish()
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)

    def apply(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def try_apply(self) -> bool:
        self.fields.clear()
        try:
            self.result_value = self.apply()
        except PrevizError as exc:
            self.fields.show_error(exc)
            return False
        return True

    def accept(self) -> None:
        if self.try_apply():
            super().accept()


class SceneDialog(_EditDialog):
    ok_text = "Add Scene"

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, "Add Scene", parent)
        self.heading = QLineEdit()
        self.heading.setPlaceholderText("INT. LIGHTHOUSE - NIGHT")
        self.number = QLineEdit()
        numbers = [s.number for s in controller.session.scenes()]
        self.number.setPlaceholderText("next free number" if numbers else "1")
        self.number.setMaximumWidth(140)
        self.synopsis = QPlainTextEdit()
        self.synopsis.setPlaceholderText("What happens in the scene (optional)")
        self.synopsis.setFixedHeight(80)
        self.fields.add_row("heading", "Heading", self.heading)
        self.fields.add_row("number", "Number", self.number)
        self.fields.add_row("synopsis", "Synopsis", self.synopsis)
        self.note.setText("The scene goes at the end of the script; drag it in the Shots panel to move it.")
        self.finish()

    def apply(self):
        from previz.ui.authoring import add_scene

        return add_scene(
            self.controller,
            self.heading.text(),
            self.number.text().strip() or None,
            self.synopsis.toPlainText(),
        )


class RenumberSceneDialog(_EditDialog):
    ok_text = "Renumber"

    def __init__(self, controller, number: str | None = None, parent=None) -> None:
        super().__init__(controller, "Renumber Scene", parent, aliases={"scene": "scene"})
        self.scene = QComboBox()
        for sc in controller.session.scenes():
            self.scene.addItem(f"{sc.number}  {sc.heading}", sc.number)
        if number is not None:
            self.scene.setCurrentIndex(max(0, self.scene.findData(number)))
        self.new_number = QLineEdit(self.scene.currentData() or "")
        self.new_number.setMaximumWidth(140)
        self.scene.currentIndexChanged.connect(
            lambda: self.new_number.setText(self.scene.currentData() or "")
        )
        self.fields.add_row("scene", "Scene", self.scene)
        self.fields.add_row("number", "New number", self.new_number)
        self.note.setText("Its shots get the codes <scene>_0010, _0020 … in their order (one undo step).")
        self.finish()

    def apply(self):
        from previz.core.errors import ValidationError
        from previz.ui.authoring import renumber_scene

        number = self.scene.currentData()
        if number is None:
            raise ValidationError("scene", "the project has no scenes to renumber")
        return renumber_scene(self.controller, number, self.new_number.text().strip() or None)


class CharacterDialog(_EditDialog):
    ok_text = "Add Character"

    def __init__(self, controller, parent=None) -> None:
        super().__init__(controller, "Add Character", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("MARA")
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("How they look, for consistent generated shots (optional)")
        self.description.setFixedHeight(80)
        self.fields.add_row("name", "Name", self.name)
        self.fields.add_row("description", "Description", self.description)
        self.finish()

    def apply(self):
        from previz.ui.authoring import add_character

        return add_character(self.controller, self.name.text(), self.description.toPlainText())
