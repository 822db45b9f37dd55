"""The wheel guard is per value widget (installed as Qt polishes it), not an application event filter, and
it survives the app being set up again (``create_app`` re-applies the theme's style)."""

from PySide6.QtWidgets import QComboBox, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget
from ui.ui_inspector_support import wheel

from previz.ui import wheel_guard
from previz.ui.app import create_app


def _form(qtbot):
    area = QScrollArea()
    page = QWidget()
    layout = QVBoxLayout(page)
    combo, spin, label = QComboBox(), QSpinBox(), QLabel("plain")
    combo.addItems([f"item {i}" for i in range(10)])
    combo.setCurrentIndex(5)
    spin.setValue(5)
    layout.addWidget(combo)
    layout.addWidget(spin)
    layout.addWidget(label)
    for _ in range(40):
        layout.addWidget(QLabel("row"))
    area.setWidget(page)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, combo, spin, label


def test_value_widgets_made_after_the_app_was_set_up_twice_ignore_a_stray_wheel(qtbot):
    app = create_app()
    create_app()  # again, as tests and the CLI do: the theme sets its style anew
    area, combo, spin, label = _form(qtbot)
    area.verticalScrollBar().setValue(0)
    wheel(combo, 2)
    wheel(spin, 2)
    assert (combo.currentIndex(), spin.value()) == (5, 5)  # unchanged
    assert area.verticalScrollBar().value() > 0  # the wheel scrolled the form instead
    guard = wheel_guard.install_wheel_guard(app)
    seen = []
    real = guard.eventFilter
    guard.eventFilter = lambda watched, event: seen.append(watched) or real(watched, event)  # what reaches it
    label.update()
    wheel(label, 1)
    wheel(combo, 1)
    assert label not in seen and combo in seen  # no Python runs for other widgets' events
    assert combo.currentIndex() == 5
    del guard.eventFilter
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus, timeout=5000)
    wheel(combo, 1)
    assert combo.currentIndex() == 6  # a focused field takes the wheel: deliberate
