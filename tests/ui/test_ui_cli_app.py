from previz.cli import build_parser, main


def test_app_command_registered_and_default():
    parser = build_parser()
    args = parser.parse_args(["app", "x.previz"])
    assert args.project == "x.previz" and args.func.__name__ == "cmd_app"


def test_app_command_missing_project_is_one_line_error(capsys, tmp_path):
    assert main(["app", str(tmp_path / "nope.previz")]) == 1
    err = capsys.readouterr().err
    assert "no such project" in err and "Traceback" not in err


def test_app_command_opens_window(monkeypatch, project, qtbot):
    from PySide6.QtWidgets import QApplication

    root = project.root
    project.close()
    seen = {}

    def fake_exec(self):
        from PySide6.QtWidgets import QApplication as App

        # the window this command showed (earlier tests' closed windows may not be deleted yet)
        window = next(
            w for w in App.topLevelWidgets() if w.objectName() == "PrevizMainWindow" and w.isVisible()
        )
        seen["title"] = window.windowTitle()
        window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert main(["app", str(root)]) == 0
    assert seen["title"].startswith("Film")
