"""What the app imports at launch and what it leaves for a background thread."""

from __future__ import annotations

import subprocess
import sys
import threading

from previz.ui.warmup import import_in_background


def test_the_core_is_imported_before_qt_so_qts_import_hook_does_not_read_its_source():
    code = (
        "import sys; import previz.ui.app; m = list(sys.modules); qt = m.index('PySide6'); "
        "print(m.index('sqlalchemy') < qt, m.index('previz.core.session') < qt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_later_modules_are_imported_once_on_a_background_thread(tmp_path, monkeypatch):
    (tmp_path / "previz_warmup_probe.py").write_text(
        "import threading\nTHREAD = threading.current_thread().name\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    thread = import_in_background(["previz_warmup_probe"])
    assert thread is not None and thread is not threading.current_thread()
    thread.join(60)
    assert sys.modules["previz_warmup_probe"].THREAD == "previz-warmup"
    assert import_in_background(["previz_warmup_probe"]) is None  # started once per process
    monkeypatch.delitem(sys.modules, "previz_warmup_probe")
