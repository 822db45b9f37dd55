"""Timecode needs only OpenTimelineIO's ``_opentime`` extension: a fresh interpreter converts timecode
without running the ``opentimelineio`` package's ``__init__`` (schema, plugins, adapters: ~0.1 s of CPU at
the app's launch), and the package imported afterwards takes the same extension (one ``RationalTime``)."""

from __future__ import annotations

import subprocess
import sys


def test_timecode_loads_only_the_opentime_extension_and_the_package_shares_it_later():
    code = (
        "import sys\n"
        "from previz.core.timecode import FrameRate, frames_to_timecode, timecode_to_frames\n"
        "ntsc = FrameRate.parse('29.97', True)\n"
        "print(frames_to_timecode(1800, ntsc), timecode_to_frames('00:01:00;02', ntsc))\n"
        "print(frames_to_timecode(86399, FrameRate.parse('24')), 'opentimelineio' in sys.modules)\n"
        "import opentimelineio as otio\n"
        "rt = otio.opentime.RationalTime(48, 24)\n"
        "clip = otio.schema.Clip(source_range=otio.opentime.TimeRange(rt, rt))\n"
        "same = rt.__class__ is sys.modules['opentimelineio._opentime'].RationalTime\n"
        "print(same, clip.duration().to_frames(), otio.opentime.to_timecode(rt, 24))\n"
        "print(frames_to_timecode(1800, ntsc))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "00:01:00;02 1800",
        "00:59:59:23 False",
        "True 48 00:00:02:00",
        "00:01:00;02",
    ]


def test_a_malformed_timecode_still_names_the_field():
    import pytest

    from previz.core.errors import ValidationError
    from previz.core.timecode import FrameRate, timecode_to_frames

    with pytest.raises(ValidationError, match="timecode: '01:xx:00:00' is not a timecode at 24 fps"):
        timecode_to_frames("01:xx:00:00", FrameRate.parse("24"))
