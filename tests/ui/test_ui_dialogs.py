from previz.ui import settings
from previz.ui.dialogs.preferences import PreferencesDialog


def test_export_dialog_writes_an_mp4(qtbot, project, tmp_path):
    from previz.media.video import probe
    from previz.ui.dialogs.export import ExportDialog

    dialog = ExportDialog(project.root)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("mp4"))
    out = tmp_path / "reel.mp4"
    dialog.path.setText(str(out))
    dialog.scenes.setText("1")
    dialog.watermark.setText("")
    with qtbot.waitSignal(dialog.exportFinished, timeout=60000):
        dialog.start()
    assert dialog.result is not None, dialog.status.text()
    assert probe(out).frames == 24 + 25 + 26  # scene 1's shots
    assert "Wrote" in dialog.status.text()
    dialog.done(0)  # as closing it does: its worker process stops


def test_preferences_round_trip_and_model_folders(qtbot, tmp_path):
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.device.setCurrentText("cpu")
    dialog.author.setText("Ana")
    dialog.crf.setValue(23)
    folder = tmp_path / "models"
    folder.mkdir()
    if dialog.folders_api is not None:
        assert dialog.add_folder(str(folder))
        assert str(folder) in [dialog.folders.item(i).text() for i in range(dialog.folders.count())]
        assert "usable model(s) on this machine" in dialog.models_page.notes.text()
        dialog.folders.setCurrentRow(0)
        dialog.remove_selected_folder()
        assert dialog.folders.count() == 0
    dialog.accept()
    assert settings.get("generation/device") == "cpu"
    assert settings.get("review/author") == "Ana"
    assert settings.get("export/crf", 0, int) == 23
    again = PreferencesDialog()
    qtbot.addWidget(again)
    assert again.device.currentText() == "cpu" and again.author.text() == "Ana"


def test_preferences_pages_for_models_and_the_runtime(qtbot):
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles == ["General", "Models", "GPU runtime", "Content credentials"]
    assert dialog.runtime_page.report is None and not dialog.runtime_page.busy  # no probe until shown
    dialog.show_models()
    assert dialog.tabs.currentWidget() is dialog.models_tab
    assert dialog.models_page.table.rowCount() > 0  # the supported checkpoints, before any download
    dialog.tabs.setCurrentWidget(dialog.runtime_page)
    assert dialog.runtime_page.wait(120000)
    assert dialog.runtime_page.report is not None  # this interpreter's torch, probed in a subprocess
    assert dialog.runtime_page.fields["torch"].text() not in ("", "…")
    dialog.done(0)


def test_export_dialog_offers_the_exporters_formats_and_reads_an_old_setting(qtbot, project):
    from previz.export.api import FORMATS as EXPORTER_FORMATS
    from previz.ui import settings
    from previz.ui.dialogs.export import FORMATS, ExportDialog

    assert {key for key, _label, _suffix in FORMATS} <= set(EXPORTER_FORMATS)
    assert {"fcp7xml", "aaf", "otioz"} <= {key for key, _label, _suffix in FORMATS}
    settings.put("export/format", "fcpxml")  # what an earlier version stored for FCP 7 XML
    dialog = ExportDialog(project.root)
    qtbot.addWidget(dialog)
    assert dialog.format.currentData() == "fcp7xml"
    dialog.done(0)
