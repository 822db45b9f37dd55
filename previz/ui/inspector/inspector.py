"""The shot inspector: every field of the current shot, each edit one undoable command; the composed
prompt; Generate; the takes list (who made each). An invalid value is refused with the core's reason in red,
and the field shows the stored value again.

A refresh (an edit here or elsewhere, or another client's change arriving through the feed) keeps a value
being typed: a field whose text differs from what it was last given is left alone. An edit is committed with
the value the field showed when editing began (``expect=``), so one made over someone else's newer change is
refused (``ConflictError``) instead of overwriting it; the field then shows the current value."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from previz.core.display_names import move_name, size_description, size_name
from previz.core.enums import Easing, MoveKind, ShotSize, ShotStatus, Transition
from previz.core.errors import PrevizError
from previz.core.snapshots import ShotInfo
from previz.core.timecode import frames_to_timecode
from previz.ui.inspector.fields import PromptPreview, TextBox, parse_duration
from previz.ui.inspector.model_list import ModelCombo
from previz.ui.inspector.tooltips import FIELD_TIPS

BACKENDS = ("", "animatic", "diffusers")
PRESETS = ("", "final", "balanced", "draft")  # "": the project's (previz.core.enums.SpeedPreset)
#: Image fields of a shot: the board, and the keyframes first/last-frame models start or end on.
IMAGE_FIELDS = {"board_hash": "Board", "first_frame_hash": "First frame", "last_frame_hash": "Last frame"}
#: The takes list's column that shows a circled take.
CIRCLE_COLUMN = 6
#: What the inspector needs beyond its first paint: the prompt composer and the takes' presets. Imported on
#: the warm-up thread a moment after the window shows (the composed prompt of the first shot waits for it,
#: or is composed when read), not while the window is built.
COMPOSER = "previz.ingest.shot_prompt"
LATER_MODULES = (COMPOSER, "previz.generation.finalize")
#: How long after the window's first turn the warm-up thread imports ``LATER_MODULES``.
WARM_UP_DELAY_MS = 150


class ShotInspector(QWidget):
    generateRequested = Signal(list, int)  # shot codes, takes

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ShotInspector")
        self.controller = controller
        self.shot: ShotInfo | None = None
        self._takes: list = []  # the takes shown (TakeInfo)
        self._takes_of: tuple | None = None  # (shot id, selected take id) the takes list was built for
        # shot id -> its takes, as read since the last edit of takes (an edit that names no takes cannot
        # change a shot's takes: showing the shot again, or after an edit of its fields, reads nothing)
        self._takes_read: dict[int, list] = {}
        self._warming = False  # the composer is being imported on the warm-up thread
        self._composed: tuple | None = None  # (what the composer was given, the prompt shown)
        self._loading = False
        self.fields: dict[str, QWidget] = {}
        # per field: the stored value it was last given, and what the widget held right after
        self._shown: dict[str, object] = {}
        self._shown_state: dict[str, object] = {}
        self._committing: str | None = None  # the field whose edit is being committed

        # built top down, each widget made in its parent: a widget tree made parentless and handed to its
        # container afterwards was restyled again under the app's style sheet at each hand-over (the form's
        # groups, then the body, then the scroll area: ~200 repolishes, ~40 ms of the launch)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # fields narrow instead
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)  # empty yet: it restyles the widget it is given, and its whole tree
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        self.body = body
        self.scroll = scroll

        self.title = QLabel("No shot selected", body, objectName="title")
        self.subtitle = QLabel("", body, objectName="dim")
        self.subtitle.setWordWrap(True)
        self.error_label = QLabel("", body, objectName="error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        for w in (self.title, self.subtitle, self.error_label):
            layout.addWidget(w)

        shot_box = QGroupBox("Shot", body)
        layout.addWidget(shot_box)
        form = self._form(shot_box)
        self._combo(form, "status", "Status", [s.value for s in ShotStatus])
        self._combo(form, "size", "Size", [s.value for s in ShotSize], size_name)
        for i in range(self.fields["size"].count()):
            size = self.fields["size"].itemData(i)
            self.fields["size"].setItemData(i, size_description(size), Qt.ItemDataRole.ToolTipRole)
        self._combo(form, "move", "Move", [m.value for m in MoveKind], move_name)
        self._line(form, "move_intensity", "Intensity", "0 to 1")
        self._combo(form, "move_easing", "Easing", [e.value for e in Easing])
        self._line(form, "lens_mm", "Lens (mm)", "e.g. 35")
        self._line(form, "duration_frames", "Duration", "frames, 2.5s or 00:00:02:12")
        self.duration_info = QLabel("", shot_box, objectName="dim")
        form.addRow("", self.duration_info)
        self._combo(form, "transition", "Transition", [t.value for t in Transition])
        self._line(form, "transition_frames", "Transition frames", "0")
        self._text(form, "action", "Action")
        self._text(form, "dialogue", "Dialogue")

        gen_box = QGroupBox("Generation", body)
        layout.addWidget(gen_box)
        gen = self._form(gen_box)
        self._text(gen, "prompt", "Prompt override")
        self._text(gen, "negative_prompt", "Negative prompt")
        self._line(gen, "seed", "Seed", "0")
        self._line(gen, "steps", "Steps", "model default")
        self._line(gen, "guidance", "Guidance", "model default")
        self._combo(gen, "backend", "Backend", list(BACKENDS))
        self.fields["backend"].setItemText(0, "project default")
        self._combo(gen, "model", "Model", [""], editable=True, cls=ModelCombo)
        self.fields["model"].lineEdit().setPlaceholderText("project default")
        self.fields["model"].setItemText(0, "")
        self._combo(gen, "preset", "Speed preset", list(PRESETS))
        self.image_labels: dict[str, QLabel] = {}
        for field, label in IMAGE_FIELDS.items():
            row = QHBoxLayout()
            shown = QLabel("none", gen_box, objectName="dim")
            choose, clear = QPushButton("Set…", gen_box), QPushButton("Clear", gen_box)
            choose.setToolTip(f"Choose an image file as the shot's {label.lower()}")
            clear.setToolTip(f"Remove the shot's {label.lower()} (the image stays in the project's media)")
            choose.clicked.connect(lambda _c=False, f=field: self.choose_image(f))
            clear.clicked.connect(lambda _c=False, f=field: self.set_image(f, None))
            row.addWidget(shown, 1)
            row.addWidget(choose)
            row.addWidget(clear)
            self.image_labels[field] = shown
            gen.addRow(label, row)
        self.board_label = self.image_labels["board_hash"]
        self.prompt_preview = PromptPreview(gen_box)
        self.prompt_preview.setMaximumHeight(90)
        self.prompt_preview.setObjectName("promptPreview")
        self.prompt_preview.setToolTip("The prompt a video model gets, composed from the shot's fields")
        gen.addRow("Composed prompt", self.prompt_preview)
        go = QHBoxLayout()
        self.takes_count = QSpinBox(gen_box, minimum=1, maximum=16, value=1, suffix=" take(s)")
        self.takes_count.setToolTip("How many takes Generate makes (seeds: the shot's seed, seed + 1, …)")
        self.generate_button = QPushButton("Generate", gen_box, objectName="primary")
        self.generate_button.setToolTip("Queue new takes of this shot (Ctrl+G)")
        self.generate_button.clicked.connect(self._generate)
        go.addWidget(self.takes_count)
        go.addWidget(self.generate_button, 1)
        gen.addRow("", go)

        takes_box = QGroupBox("Takes", body)
        layout.addWidget(takes_box)
        tl = QVBoxLayout(takes_box)
        self.takes = QTreeWidget(takes_box)
        self.takes.setHeaderLabels(["#", "Kind", "Backend / model", "Made", "By", "", ""])
        self.takes.setRootIsDecorated(False)
        self.takes.setMinimumHeight(110)
        for col, width in enumerate((34, 132, 150, 120, 70, 44, 30)):
            self.takes.setColumnWidth(col, width)
        self.takes.setToolTip("The shot's takes; double-click one to use it in the cut (bold: in use)")
        self.takes.itemDoubleClicked.connect(self._select_take)
        tl.addWidget(self.takes)
        take_buttons = QHBoxLayout()
        self.select_button = QPushButton("Use take", takes_box)
        self.circle_button = QPushButton("Circle", takes_box)
        self.select_button.setToolTip("Use the selected take in the cut")
        self.circle_button.setToolTip("Circle (or uncircle) the selected take: mark it as a keeper")
        self.select_button.clicked.connect(lambda: self._select_take(self.takes.currentItem()))
        self.circle_button.clicked.connect(self._toggle_circle)
        take_buttons.addWidget(self.select_button)
        take_buttons.addWidget(self.circle_button)
        take_buttons.addStretch(1)
        tl.addLayout(take_buttons)
        layout.addStretch(1)

        # the catalog's models are listed by a background scan a moment after the combo is first shown
        self.fields["model"].modelsLanded.connect(self._models_landed)
        self.fields["model"].load_later()
        controller.currentShotChanged.connect(lambda _code: self.reload())
        controller.changed.connect(self._on_changed)
        self.reload()

    # -------------------------------------------------------------- building
    @staticmethod
    def _form(box: QGroupBox) -> QFormLayout:
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        return form

    def _combo(self, form, field, label, values, name=None, editable=False, cls=QComboBox) -> None:
        box = cls(form.parentWidget())
        box.setEditable(editable)
        # a long choice (a model's description) must not widen the inspector: the box elides it instead
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(8)
        for v in values:
            box.addItem((name(v) if name else v.replace("_", " ")) if v else "", v)
        if editable:
            box.lineEdit().editingFinished.connect(lambda f=field: self._commit(f))
            box.activated.connect(lambda _i, f=field: self._commit(f))
        else:
            box.activated.connect(lambda _i, f=field: self._commit(f))
        self._add(form, field, label, box)

    def _add(self, form, field, label, widget) -> None:
        widget.setToolTip(FIELD_TIPS[field])
        self.fields[field] = widget
        form.addRow(label, widget)

    def _line(self, form, field, label, placeholder="") -> None:
        edit = QLineEdit(form.parentWidget(), placeholderText=placeholder)
        edit.editingFinished.connect(lambda f=field: self._commit(f))
        self._add(form, field, label, edit)

    def _text(self, form, field, label) -> None:
        box = TextBox(form.parentWidget())
        box.setTabChangesFocus(True)
        box.setMaximumHeight(64)
        box.editingFinished.connect(lambda f=field: self._commit(f))
        self._add(form, field, label, box)

    def _models_landed(self) -> None:
        """The catalog's models were added to the Model combo: show the shot's model as its choice (by
        name) unless a model is being typed there."""
        box = self.fields["model"]
        if self.shot is None or "model" in self.pending_fields():
            return
        self._loading = True
        try:
            self._show_value("model", box, self.shot.model)
            self._shown_state["model"] = self._state(box)
        finally:
            self._loading = False

    # -------------------------------------------------------------- reading the model
    def _on_changed(self, changes) -> None:
        """Reload when the edit may have changed what is shown: the shot, its takes, its scene, the
        characters or project defaults its composed prompt uses. An edit naming other shots only (adding or
        splitting one elsewhere) costs nothing; a take edit naming other shots costs one read of this
        shot's takes (a take's flag change does not name its shot)."""
        if changes.takes:
            self._takes_read.clear()
        if self.shot is None:
            return
        # a shot renumbered only (an add before it) shows nothing new
        touched = not changes.shot_ids or self.shot.id in changes.content.shot_ids
        if (
            changes.project
            or changes.scenes
            or changes.characters
            or ((changes.shots or changes.takes) and touched)
        ):
            self.reload(keep_pending=True)
        elif changes.takes:
            takes = self._read_takes(self.shot.id)
            if takes != self._takes:
                self.reload(keep_pending=True, takes=takes)

    def pending_fields(self) -> list[str]:
        """The fields holding a value typed but not committed yet (their text is not what they were given)."""
        return [
            f
            for f, w in self.fields.items()
            if f in self._shown_state and self._state(w) != self._shown_state[f]
        ]

    @staticmethod
    def _state(widget):
        if isinstance(widget, QComboBox):
            return widget.currentIndex(), widget.currentText()
        if isinstance(widget, QLineEdit):
            return widget.text()
        return widget.toPlainText()

    def reload(self, keep_pending: bool = False, force: str | None = None, takes: list | None = None) -> None:
        """Show the current shot. ``keep_pending``: a field with a value being typed (of the same shot) keeps
        it, and the value it was given before (what the user saw when they began); ``force`` names a field
        shown afresh all the same; ``takes``: the current shot's takes when just read."""
        previous = self.shot
        self.shot = self.controller.current_shot_info()
        shot = self.shot
        same = previous is not None and shot is not None and previous.id == shot.id
        keep = set(self.pending_fields()) - {force, self._committing} if keep_pending and same else set()
        self.body.setEnabled(shot is not None)
        if shot is None:
            self.title.setText("No shot selected")
            self.subtitle.setText("Select a shot in the browser or on the timeline.")
            self.takes.clear()
            self._takes = []
            self._takes_of = None
            return
        project = self.controller.project_info()  # read once per edit of the project, not per reload
        self.rate = project.rate
        # what "project default" means right now, so the choice is not a guess
        self.fields["backend"].setItemText(0, f"project default ({project.default_backend or 'animatic'})")
        self.fields["model"].lineEdit().setPlaceholderText(
            f"project default ({project.default_model})" if project.default_model else "project default"
        )
        self.fields["preset"].setItemText(0, f"project default ({project.default_preset})")
        self._loading = True
        try:
            self.title.setText(shot.code)
            scene = self.controller.scene_info(shot.scene_number)
            self.subtitle.setText(f"Scene {scene.number} · {scene.heading}")
            for field, widget in self.fields.items():
                if field in keep:
                    continue
                value = getattr(shot, field)
                if field != force and self._unchanged(field, widget, value):
                    continue  # the same value still shown as given (a job's status change: the rest; the
                    # next shot's fields that hold what the last one's did)
                self._show_value(field, widget, value)
                self._shown[field] = value
                self._shown_state[field] = self._state(widget)
            seconds = shot.duration_frames / float(self.rate.fraction)
            self.duration_info.setText(
                f"{seconds:.2f} s · {frames_to_timecode(shot.duration_frames, self.rate)}"
                f" @ {self.rate.label} fps"
            )
            for field, shown in self.image_labels.items():
                digest = getattr(shot, field)
                shown.setText(f"image {digest[:10]}…" if digest else "none")
            self._show_takes(shot, takes if same else None)
            self._update_prompt()
        finally:
            self._loading = False

    def _unchanged(self, field, widget, value) -> bool:
        """Whether ``widget`` shows ``value`` as it was given: the same stored value, the widget untouched
        since and not marked invalid. Setting it again costs (a combo's index, a text laid out again)."""
        return (
            field in self._shown_state
            and self._shown.get(field) == value
            and type(self._shown.get(field)) is type(value)
            and self._state(widget) == self._shown_state[field]
            and not widget.property("invalid")
        )

    def _show_value(self, field, widget, value) -> None:
        if isinstance(widget, QComboBox):
            i = widget.findData(value if value is not None else "")
            if i < 0 and widget.isEditable():
                widget.setEditText(str(value or ""))
            else:
                widget.setCurrentIndex(max(i, 0))
        elif isinstance(widget, QLineEdit):
            if field == "duration_frames":
                widget.setText(str(value))
            elif isinstance(value, float):
                widget.setText(f"{value:g}")
            else:
                widget.setText("" if value is None else str(value))
            if widget.property("invalid"):  # re-styling costs: only a field shown invalid
                widget.setProperty("invalid", False)
                widget.style().polish(widget)
        elif isinstance(widget, QPlainTextEdit):
            if widget.toPlainText() != (value or ""):
                widget.setPlainText(value or "")

    def _show_takes(self, shot: ShotInfo, takes: list | None = None) -> None:
        """List ``shot``'s takes (``takes``: just read; else read here). The list is left as it is when it
        would be built again with the same rows (an edit of the shot's fields)."""
        takes = self._read_takes(shot.id) if takes is None else takes
        built_for = (shot.id, shot.selected_take_id)
        if built_for == self._takes_of and takes == self._takes:
            return
        if self.takes.topLevelItemCount():  # an empty list cleared again lays itself out again
            self.takes.clear()
        self._takes, self._takes_of = takes, built_for
        if any(t.kind == "generated" for t in takes):  # only a model-made take has a preset to show
            from previz.generation.finalize import FINAL, take_preset
        numbers = {t.id: t.number for t in self._takes}
        for take in self._takes:
            # a model-made take is a draft or a final (the preset it ran at); boards and animatics are neither
            preset = take_preset(take) if take.kind == "generated" else None
            model = take.provenance.get("model") or take.request.get("model") or ""
            backend = take.provenance.get("backend") or take.request.get("backend") or take.kind
            item = QTreeWidgetItem(
                [
                    str(take.number),
                    f"{take.kind} · {preset}" if preset else take.kind,
                    f"{backend} / {model}" if model else backend,
                    take.created_at.replace("T", " ")[:16],
                    take.author,
                    "stale" if take.stale else "",
                    "●" if take.circled else "",
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, take.number)
            if take.finalizes_take_id in numbers:
                item.setToolTip(1, f"the final of draft take {numbers[take.finalizes_take_id]}")
            elif preset and preset != FINAL:
                item.setToolTip(
                    1, f"a {preset} take: `previz generate PROJECT --final` re-renders it at final"
                )
            if take.id == shot.selected_take_id:
                font = item.font(0)
                font.setBold(True)
                for col in range(self.takes.columnCount()):
                    item.setFont(col, font)
                item.setToolTip(0, "the take the cut uses")
            self.takes.addTopLevelItem(item)

    def _read_takes(self, shot_id: int) -> list:
        """The takes of ``shot_id``: read once per edit of takes (see ``_takes_read``); none for a shot the
        last edit made without a take."""
        takes = self._takes_read.get(shot_id)
        if takes is None:
            if len(self._takes_read) > 256:
                self._takes_read.clear()
            made = self.controller.made_without_takes(shot_id)
            takes = self._takes_read[shot_id] = [] if made else self.controller.session.takes(shot_id)
        return takes

    def _update_prompt(self) -> None:
        """Show the shot's composed prompt; before the composer is imported (the first shot at launch), once
        the warm-up thread has imported it, or when the preview is read, whichever comes first."""
        if self.shot is None:
            return
        if COMPOSER in sys.modules and not self._warming:
            self._compose_prompt()
            return
        self.prompt_preview.show_later(self._compose_prompt)
        if not self._warming:
            from previz.ui.warmup import warm_up_when_idle

            self._warming = True
            warm_up_when_idle(self, WARM_UP_DELAY_MS, LATER_MODULES, then=self._composer_imported)

    def _composer_imported(self) -> None:
        self._warming = False
        self.prompt_preview.flush()

    def _compose_prompt(self) -> None:
        shot = self.shot
        if shot is None:
            return
        try:
            from previz.ingest.shot_prompt import compose_prompt, prompt_context
        except ImportError:
            self.prompt_preview.setPlainText("(the prompt composer is not part of this build)")
            return
        controller = self.controller
        project = controller.project_info()
        family = shot.model or project.default_model or "ltx"
        try:
            context = prompt_context(
                controller.session,
                shot,
                project=project,
                scene=controller.scene_info(shot.scene_number),
                characters=controller.characters_info(),
            )
            given = (context, family)
            if self._composed is not None and self._composed[0] == given:  # a status change: same prompt
                text = self._composed[1]
            else:
                composed = compose_prompt(context, family)
                text = composed.prompt or "(this model family takes no text prompt)"
                self._composed = (given, text)
        except PrevizError as exc:
            self.prompt_preview.setPlainText(f"(cannot compose the prompt: {exc.one_line()})")
            return
        self.prompt_preview.setPlainText(text)

    # -------------------------------------------------------------- editing
    def value_of(self, field: str):
        widget = self.fields[field]
        if isinstance(widget, QComboBox):
            if widget.isEditable():
                data = widget.currentData()
                text = widget.currentText().strip()
                return data if data and widget.itemText(widget.currentIndex()) == text else text
            return widget.currentData()
        if isinstance(widget, QLineEdit):
            text = widget.text().strip()
            if field == "duration_frames":
                return parse_duration(text, self.rate)
            return text
        return widget.toPlainText()

    def _commit(self, field: str) -> bool:
        if self._loading or self.shot is None:
            return False
        value = self.value_of(field)
        current = self._shown.get(field, getattr(self.shot, field))  # what the user saw when they began
        if self._same(value, current):
            if current != getattr(self.shot, field):  # typed back to what it was: show what it is now
                self.reload(keep_pending=True, force=field)
            return False
        return self.apply_edit(field, value)

    @staticmethod
    def _same(value, current) -> bool:
        if str(value if value is not None else "") == str(current if current is not None else ""):
            return True
        if isinstance(current, float) and isinstance(value, str):
            try:
                return float(value) == current
            except ValueError:
                return False
        return False

    def apply_edit(self, field: str, value) -> bool:
        """Set one field of the current shot as one undo step, provided it still holds the value the field
        showed (someone else's newer value is not overwritten); on a ValidationError or ConflictError show
        why and show the stored value again."""
        code = self.shot.code
        seen = self._shown.get(field, getattr(self.shot, field))
        self._committing = field
        try:
            self.controller.set_shot(code, expect={field: seen}, **{field: value})
        except PrevizError as exc:
            self.controller.refused(exc)  # a conflict is also said in the status bar
            self.show_error(exc.one_line(), field)
            return False
        finally:
            self._committing = None
        self.error_label.hide()
        if self._state(self.fields[field]) != self._shown_state.get(field):  # nothing changed ("2s" = 48)
            self.reload(keep_pending=True, force=field)
        return True

    def show_error(self, message: str, field: str | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.reload(keep_pending=True, force=field)  # the field shows the stored value again
        if field and isinstance(self.fields.get(field), QLineEdit):
            widget = self.fields[field]
            widget.setProperty("invalid", True)
            widget.style().polish(widget)

    def choose_image(self, field: str) -> None:
        if self.shot is None:
            return
        title = IMAGE_FIELDS[field]
        path, _ = QFileDialog.getOpenFileName(self, title, "", "Images (*.png *.jpg *.jpeg *.webp)")
        if path:
            self.set_image(field, path)

    def set_board(self, path: str) -> bool:
        return self.set_image("board_hash", path)

    def set_image(self, field: str, path: str | None) -> bool:
        """Store an image as the shot's board or first/last keyframe (None clears it): one undo step."""
        from previz.media.library import import_media_file

        if self.shot is None:
            return False
        session, code = self.controller.session, self.shot.code
        what = IMAGE_FIELDS[field].lower()

        def apply():
            with session.batch(f"Set {what} of {code}" if path else f"Clear {what} of {code}"):
                digest = import_media_file(session, path, kind="image").hash if path else None
                session.set_shot(code, **{field: digest})

        try:
            self.controller.edit(apply)
        except PrevizError as exc:
            self.show_error(exc.one_line())
            return False
        return True

    def _select_take(self, item) -> None:
        if item is None or self.shot is None:
            return
        number = item.data(0, Qt.ItemDataRole.UserRole)
        code = self.shot.code
        try:
            self.controller.edit(lambda: self.controller.session.select_take(code, number))
        except PrevizError as exc:
            self.show_error(exc.one_line())

    def _toggle_circle(self) -> None:
        item = self.takes.currentItem()
        if item is None or self.shot is None:
            return
        number = item.data(0, Qt.ItemDataRole.UserRole)
        circled = item.text(CIRCLE_COLUMN) != "●"
        code = self.shot.code
        try:
            self.controller.edit(lambda: self.controller.session.set_take(code, number, circled=circled))
        except PrevizError as exc:
            self.show_error(exc.one_line())

    def _generate(self) -> None:
        if self.shot is not None:
            self.generateRequested.emit([self.shot.code], self.takes_count.value())
