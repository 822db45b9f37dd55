"""`previz demo` builds the sample project through the real import path; listing never imports torch."""

import json
import subprocess
import sys

from previz.cli import main
from previz.core.session import ProjectSession


def test_demo_builds_the_sample_project(tmp_path, capsys):
    assert main(["demo", str(tmp_path)]) == 0
    root = tmp_path / "the-last-keeper.previz"
    with ProjectSession.open(root, readonly=True) as s:
        shots = s.shots()
        assert len(shots) == 12 and len(s.scenes()) == 4
        assert all(shot.board_hash and s.media_path(shot.board_hash).is_file() for shot in shots)
        assert {c.name for c in s.characters()} == {"MARA", "JONAH"}
        assert all(c.description for c in s.characters())


def test_listing_a_project_does_not_import_torch(tmp_path):
    assert main(["demo", str(tmp_path)]) == 0
    code = (
        "import sys, json; from previz.cli import main; "
        "rc = main(['info', sys.argv[1], '--json']); "
        "rc |= main(['cut', sys.argv[1]]); "
        "print(json.dumps({'rc': rc, 'torch': 'torch' in sys.modules, 'qt': 'PySide6' in sys.modules}))"
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "the-last-keeper.previz")],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert json.loads(out) == {"rc": 0, "torch": False, "qt": False}
