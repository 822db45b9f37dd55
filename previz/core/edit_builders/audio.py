"""Audio clips on the timeline (temp music, scratch dialogue).

Mixed into ``ProjectSession``; each public method is one edit (``writes``)."""

from __future__ import annotations

from typing import Any

from previz.core.edit_builders.base import (
    EditBase,
    update_op,
    writes,
)
from previz.core.edits import TABLES, Changes, Op
from previz.core.errors import ValidationError
from previz.core.snapshots import (
    AudioClipInfo,
)
from previz.core.validate import (
    clean,
    integer,
    number,
    text,
)
from previz.core.validate import media_hash as check_hash

T = TABLES


class AudioEdits(EditBase):
    @writes
    def add_audio_clip(
        self, media_hash: str, *, start_frame: int = 0, track: int = 1, gain_db: float = 0.0, name: str = ""
    ) -> AudioClipInfo:
        """Place an audio file (already in the media store) under the cut, e.g. temp music."""
        clip = {
            "id": self._next_id("audio_clip"),
            "media_hash": check_hash("media")(media_hash),
            "name": text("name", 255)(name),
            "track": integer("track", 1, 99)(track),
            "start_frame": integer("start_frame", 0, 10**9)(start_frame),
            "gain_db": number("gain_db", -96.0, 24.0)(gain_db),
        }
        if clip["media_hash"] is None:
            raise ValidationError("media", "an audio clip needs a media file")
        self._commit(
            f"Add audio {name or clip['media_hash'][:8]}",
            [Op("insert", "audio_clip", clip["id"], None, clip)],
        )
        return AudioClipInfo.from_row(clip)

    @writes
    def set_audio_clip(self, clip_id: int, /, **fields: Any) -> Changes:
        row = self._row("audio_clip", int(clip_id))
        allowed = {
            "start_frame": integer("start_frame", 0, 10**9),
            "gain_db": number("gain_db", -96.0, 24.0),
            "track": integer("track", 1, 99),
            "name": text("name", 255),
        }
        op = update_op("audio_clip", row["id"], row, clean(allowed, fields, "an audio clip"))
        return self._commit(f"Change audio {row['name'] or row['id']}", [op] if op else [])

    @writes
    def remove_audio_clip(self, clip_id: int) -> Changes:
        row = self._row("audio_clip", int(clip_id))
        return self._commit(
            f"Remove audio {row['name'] or row['id']}", [Op("delete", "audio_clip", row["id"], row, None)]
        )
