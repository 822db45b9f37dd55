"""On a fresh Linux machine the app names the missing system libraries and their packages instead of Qt's
cryptic abort."""

from __future__ import annotations

from pathlib import Path

import pytest

from previz.cli import main
from previz.ui import system_libraries as sl

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd1b7e6000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f7c0d600000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f7c0d5d0000)
\tlibxcb-icccm.so.4 => not found
"""


def test_ldd_output_gives_the_missing_libraries_once():
    assert sl.not_found_in_ldd(LDD) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]
    assert sl.missing_libraries(Path("libqxcb.so"), run_ldd=lambda _p: LDD) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
    ]


def test_without_ldd_each_library_is_looked_up_by_name():
    machine = {"xcb": "libxcb.so.1", "X11": "libX11.so.6"}  # a fake machine's libraries
    missing = sl.not_found_by_name(["libxcb.so.1", "libxcb-cursor.so.0", "libX11.so.6"], machine.get)
    assert missing == ["libxcb-cursor.so.0"]
    everything_but_the_cursor = {sl._library_stem(so): so for so in sl.XCB_LIBRARIES if "cursor" not in so}
    found = sl.missing_libraries(use_ldd=False, find_library=everything_but_the_cursor.get)
    assert found == ["libxcb-cursor.so.0"]


def test_the_message_names_debian_and_fedora_packages():
    text = sl.install_message(["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libfoo.so.2"])
    assert "lacks libxcb-cursor.so.0, libxcb-icccm.so.4, libfoo.so.2" in text
    assert "Debian/Ubuntu: sudo apt install libxcb-cursor0 libxcb-icccm4;" in text
    assert "Fedora: sudo dnf install xcb-util-cursor xcb-util-wm" in text
    assert "libfoo.so.2 for your distribution" in text and "\n" not in text


def test_only_xcb_with_a_display_is_checked(monkeypatch):
    monkeypatch.setattr(sl.sys, "platform", "linux")
    assert sl.uses_xcb({"DISPLAY": ":0"})
    assert sl.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"})
    assert not sl.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"})
    assert not sl.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"})
    assert not sl.uses_xcb({})  # no X display: Qt would not use xcb either
    sl.check_system_libraries({"QT_QPA_PLATFORM": "offscreen"}, run_ldd=lambda _p: LDD)  # not checked
    with pytest.raises(sl.SystemLibrariesMissing, match="sudo apt install libxcb-cursor0 libxcb-icccm4"):
        sl.check_system_libraries({"DISPLAY": ":0"}, plugin=Path("x.so"), run_ldd=lambda _p: LDD)


def test_the_app_command_prints_the_fix_in_one_line(monkeypatch, capsys):
    import previz.ui.app as app

    monkeypatch.setattr(app.QApplication, "instance", staticmethod(lambda: None))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(sl.sys, "platform", "linux")
    monkeypatch.setattr(sl, "missing_libraries", lambda: ["libxcb-cursor.so.0"])
    assert main(["app", "--no-reopen"]) == 1
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0" in err and "sudo apt install libxcb-cursor0" in err
    assert "xcb-util-cursor" in err and "Traceback" not in err
