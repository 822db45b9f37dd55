"""An export as a task for the generation worker process (the app's export dialog runs it there, off its
UI interpreter's lock): ``run_export(args, progress, cancel)`` over its own read-only session, with the
options as plain values so that the app never imports the export's rendering stack."""

from __future__ import annotations


def run_export(args: dict, progress, cancel) -> dict:
    from previz.core.session import ProjectSession
    from previz.export.api import export_project
    from previz.export.reel import EncodeOptions
    from previz.export.render import RenderOptions

    opts = args["options"]
    with ProjectSession.open(args["project"], readonly=True) as session:
        result = export_project(
            session,
            args["out"],
            args["fmt"],
            scenes=opts["scenes"],
            options=RenderOptions(**opts["render"]),
            encode=EncodeOptions(**opts["encode"]),
            progress=progress,
            cancel=cancel,
        )
    return result.to_dict()
