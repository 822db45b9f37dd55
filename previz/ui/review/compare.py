"""Take compare: two takes of a shot side by side, or as an A/B wipe with a draggable divider, played in
sync (the app's one :class:`~previz.ui.viewer.player.Transport` drives both takes' decoders; its keys come
from :mod:`previz.ui.keys`). From here
the director circles a take (the other is un-circled, one undo step) and puts it in the cut.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from previz.core.errors import PrevizError, ValidationError
from previz.ui import keys
from previz.ui.review.compare_metrics import TakeMetrics
from previz.ui.viewer.frames import TakeSource, letterbox
from previz.ui.viewer.player import Transport


class CompareCanvas(QWidget):
    """Paints two pictures side by side or wiped; in wipe mode the divider follows the mouse drag."""

    wipeMoved = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.images: list = [None, None]
        self.labels = ["", ""]
        self.aspect = 16 / 9
        self.mode = "side"  # "side" | "wipe"
        self.wipe = 0.5
        self._dragging = False
        self.setMinimumSize(480, 200)
        self.setMouseTracking(True)

    def _fit(self, area: QRect) -> QRect:
        return letterbox(area, self.aspect)

    def _caption_font(self) -> QFont:
        font = QFont()
        font.setPixelSize(max(11, min(18, self.height() // 20)))
        font.setBold(True)
        return font

    def caption_height(self) -> int:
        """The band above the pictures that their captions are written in (written over a picture, a
        caption hid the take's own burn-in)."""
        return self._caption_font().pixelSize() + 10

    def picture_rects(self) -> list[QRect]:
        top = self.caption_height()
        height = self.height() - top
        if self.mode == "wipe":
            r = self._fit(QRect(0, top, self.width(), height))
            return [r, r]
        half = self.width() // 2
        return [
            self._fit(QRect(0, top, half - 2, height)),
            self._fit(QRect(half + 2, top, half - 2, height)),
        ]

    def divider_x(self) -> int:
        r = self.picture_rects()[0]
        return r.x() + round(self.wipe * r.width())

    def set_wipe(self, value: float) -> None:
        self.wipe = min(1.0, max(0.0, value))
        self.update()
        self.wipeMoved.emit(self.wipe)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#0c0d0f"))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rects = self.picture_rects()
        if self.mode == "wipe":
            r, x = rects[0], self.divider_x()
            if self.images[0] is not None:
                p.save()
                p.setClipRect(QRect(r.x(), r.y(), x - r.x(), r.height()))
                p.drawImage(r, self.images[0])
                p.restore()
            if self.images[1] is not None:
                p.save()
                p.setClipRect(QRect(x, r.y(), r.right() - x + 1, r.height()))
                p.drawImage(r, self.images[1])
                p.restore()
            p.setPen(QPen(QColor("#ffffff"), 2))
            p.drawLine(x, r.top(), x, r.bottom())
            p.setBrush(QColor("#ffffff"))
            p.drawEllipse(QPointF(x, r.center().y()), 7, 7)
            self._label(p, r, self.labels[0], Qt.AlignmentFlag.AlignLeft, self.labels[1])
        else:
            for i, r in enumerate(rects):
                if self.images[i] is not None:
                    p.drawImage(r, self.images[i])
                self._label(p, r, self.labels[i], Qt.AlignmentFlag.AlignLeft)
        p.end()

    def _label(self, p: QPainter, r: QRect, text: str, align, right: str = "") -> None:
        """``text`` (and ``right``) in the caption band right above picture ``r``."""
        p.setFont(self._caption_font())
        height = self.caption_height()
        band = QRect(r.x(), r.y() - height, r.width(), height)
        p.setPen(QColor("#ffffff"))
        p.drawText(band.adjusted(8, 0, -8, 0), align | Qt.AlignmentFlag.AlignVCenter, text)
        if right:
            p.drawText(
                band.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right
            )

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.mode == "wipe" and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._drag_to(event.position().x())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._dragging:
            self._drag_to(event.position().x())
        elif self.mode == "wipe":
            near = abs(event.position().x() - self.divider_x()) < 10
            self.setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._dragging = False

    def _drag_to(self, x: float) -> None:
        r = self.picture_rects()[0]
        self.set_wipe((x - r.x()) / max(1, r.width()))


class CompareView(QWidget):
    """Takes A and B of shot ``code`` in sync, with circle and select-for-cut buttons for each."""

    def __init__(
        self, controller, code: str, take_a: int | None = None, take_b: int | None = None, parent=None
    ):
        super().__init__(parent)
        self.setObjectName("CompareView")
        self.controller = controller
        self.session = controller.session
        self.code = code
        takes = self.session.takes(code)
        if len(takes) < 2:
            raise ValidationError(
                "takes", f"{code} has {len(takes)} take(s); compare needs two — generate another"
            )
        numbers = [t.number for t in takes]
        shot = self.session.shot(code)
        selected = next((t.number for t in takes if t.id == shot.selected_take_id), None)
        circled = next((t.number for t in takes if t.circled), None)
        a = take_a if take_a is not None else (circled or selected or numbers[0])
        b = take_b if take_b is not None else next(n for n in reversed(numbers) if n != a)
        self.canvas = CompareCanvas()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.player = Transport([], self)
        self.player.frameShown.connect(self._on_frame)
        self.combos = [QComboBox(), QComboBox()]
        self.circle_buttons = [QPushButton("Circle A"), QPushButton("Circle B")]
        self.select_buttons = [QPushButton("Use A in cut"), QPushButton("Use B in cut")]
        for i, combo in enumerate(self.combos):
            for n in numbers:
                combo.addItem(f"take {n}", n)
            combo.setCurrentIndex(numbers.index(a if i == 0 else b))
            combo.currentIndexChanged.connect(self._load)
            self.circle_buttons[i].clicked.connect(lambda _c=False, i=i: self.choose_circled(i))
            self.select_buttons[i].clicked.connect(lambda _c=False, i=i: self.select_for_cut(i))
        self.mode_button = QPushButton("A/B wipe")
        self.mode_button.setCheckable(True)
        self.mode_button.toggled.connect(lambda on: self.set_mode("wipe" if on else "side"))
        self.play_button = QPushButton("▶")
        self.play_button.clicked.connect(self.player.toggle)
        self.player.playingChanged.connect(lambda on: self.play_button.setText("❚❚" if on else "▶"))
        self.loop_button = QPushButton("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setChecked(True)
        self.loop_button.toggled.connect(self.player.set_loop)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.valueChanged.connect(lambda v: (self.player.pause(), self.player.seek(v)))
        self.timecode = QLabel("00:00:00:00")
        self.timecode.setObjectName("timecode")
        self.timecode.setMinimumWidth(self.timecode.fontMetrics().horizontalAdvance("00:00:00:00") * 2)
        self.status = QLabel("")
        self.status.setObjectName("dim")
        self.metrics = TakeMetrics(self)  # PSNR / SSIM of A against B, measured off the UI thread
        self.metrics_label = QLabel("")
        self.metrics_label.setObjectName("dim")
        self.metrics_label.setWordWrap(True)
        self.frame_metrics = QLabel("")
        self.frame_metrics.setObjectName("dim")
        self.metrics.measured.connect(self._show_metrics)

        top = QHBoxLayout()
        top.addWidget(QLabel(f"<b>{code}</b>  A:"))
        top.addWidget(self.combos[0])
        top.addWidget(self.circle_buttons[0])
        top.addWidget(self.select_buttons[0])
        top.addStretch(1)
        top.addWidget(QLabel("B:"))
        top.addWidget(self.combos[1])
        top.addWidget(self.circle_buttons[1])
        top.addWidget(self.select_buttons[1])
        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.loop_button)
        bar.addWidget(self.mode_button)
        bar.addWidget(self.timecode)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.slider)
        layout.addLayout(bar)
        figures = QHBoxLayout()
        figures.addWidget(self.metrics_label, 1)
        figures.addWidget(self.frame_metrics)
        layout.addLayout(figures)
        for b in (*self.circle_buttons, *self.select_buttons, self.mode_button, self.play_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.loop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.player.set_loop(True)
        self.key_actions = keys.bind(
            self, "compare", self._key_handlers(), context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        controller.changed.connect(self._on_changed)
        self._load()

    # -------------------------------------------------------------- takes
    def take_numbers(self) -> tuple[int, int]:
        return self.combos[0].currentData(), self.combos[1].currentData()

    def _take(self, number: int):
        return next(t for t in self.session.takes(self.code) if t.number == number)

    def _load(self) -> None:
        shot = self.session.shot(self.code)
        takes = [self._take(n) for n in self.take_numbers()]
        self.player.set_sources([TakeSource(self.session, shot, t) for t in takes])
        w, h = self.player.sources[0].size
        self.canvas.aspect = w / max(1, h)
        self.slider.blockSignals(True)
        self.slider.setRange(0, self.player.last)
        self.slider.blockSignals(False)
        self._refresh_labels()
        self.metrics.measure(self.session, self.code, *self.take_numbers())
        self._show_metrics()

    def _show_metrics(self) -> None:
        self.metrics_label.setText(self.metrics.summary())
        position = self.player.displayed_position
        self.frame_metrics.setText(self.metrics.frame_text(position) if position is not None else "")

    def _refresh_labels(self) -> None:
        shot = self.session.shot(self.code)
        for i, n in enumerate(self.take_numbers()):
            t = self._take(n)
            flags = []
            if t.circled:
                flags.append("● circled")
            if t.id == shot.selected_take_id:
                flags.append("in cut")
            model = t.provenance.get("model") or t.kind
            self.canvas.labels[i] = f"{'AB'[i]} · take {n} · {model}" + (
                f" · {', '.join(flags)}" if flags else ""
            )
            self.circle_buttons[i].setEnabled(not t.circled)
            self.select_buttons[i].setEnabled(t.id != shot.selected_take_id)
        self.canvas.update()

    def _on_changed(self, changes) -> None:
        if changes.takes or changes.shots:
            try:
                self._refresh_labels()
            except (PrevizError, StopIteration):
                pass

    # -------------------------------------------------------------- actions
    def set_mode(self, mode: str) -> None:
        self.canvas.mode = mode
        self.mode_button.setChecked(mode == "wipe")
        self.canvas.update()

    def toggle_loop(self) -> None:
        self.loop_button.setChecked(not self.loop_button.isChecked())  # toggled → player.set_loop
        self.status.setText("Loop on" if self.player.loop else "Loop off")

    def shuttle(self, direction: int) -> None:
        self.player.shuttle(direction)
        self.status.setText(keys.shuttle_text(self.player.speed))

    def choose_circled(self, which: int) -> None:
        """Circle take A (0) or B (1) and un-circle the other, as one undo step."""
        numbers = self.take_numbers()
        chosen, other = numbers[which], numbers[1 - which]
        session = self.session

        def apply():
            with session.batch(f"Circle take {chosen} of {self.code}"):
                session.set_take(self.code, chosen, circled=True)
                if other != chosen:
                    session.set_take(self.code, other, circled=False)

        self._run(apply, f"take {chosen} circled")

    def select_for_cut(self, which: int) -> None:
        number = self.take_numbers()[which]
        self._run(lambda: self.session.select_take(self.code, number), f"take {number} is in the cut")

    def _run(self, apply, message: str) -> None:
        try:
            self.controller.edit(apply)
        except PrevizError as exc:
            self.status.setText(exc.one_line())
            return
        self.status.setText(f"{self.code}: {message}")
        self._refresh_labels()

    # -------------------------------------------------------------- frames
    def _on_frame(self, position: int) -> None:
        self.canvas.images = list(self.player.images)
        self.canvas.update()
        self.timecode.setText(self.player.sources[0].timecode(position))
        self.frame_metrics.setText(self.metrics.frame_text(position))
        self.slider.blockSignals(True)
        self.slider.setValue(position)
        self.slider.blockSignals(False)

    def _key_handlers(self) -> dict:
        p = self.player
        return {
            "play.toggle": p.toggle,
            "play.shuttle_back": lambda: self.shuttle(-1),
            "play.stop": lambda: self.shuttle(0),
            "play.shuttle_forward": lambda: self.shuttle(1),
            "play.step_back": lambda: p.step(-1),
            "play.step_forward": lambda: p.step(1),
            "play.first": lambda: p.seek(0),
            "play.last": lambda: p.seek(p.last),
            "play.loop": self.toggle_loop,
            "compare.wipe": lambda: self.set_mode("side" if self.canvas.mode == "wipe" else "wipe"),
        }

    def shutdown(self) -> None:
        if self.player.empty and not self.player.decoders:
            return  # already shut down
        try:
            self.controller.changed.disconnect(self._on_changed)
        except (RuntimeError, TypeError):
            pass
        self.metrics.shutdown()
        self.player.shutdown()


class CompareDialog(QDialog):
    """:class:`CompareView` in its own window (non-modal)."""

    def __init__(self, controller, code: str, parent=None, **takes) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare takes — {code}")
        self.view = CompareView(controller, code, parent=self, **takes)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.resize(1280, 560)
        self.setFocusProxy(self.view)

    def done(self, result: int) -> None:
        self.view.shutdown()
        super().done(result)
