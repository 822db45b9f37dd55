"""Export: the cut as reels (MP4/MOV), image sequences and per-shot clips, editorial files
(OTIO/OTIOZ/EDL/FCP XML), the boards PDF, and the licence report of the models behind the clips.

Entry point: :func:`previz.export.api.export_project` (a job body: ``progress`` and ``cancel``).
"""
