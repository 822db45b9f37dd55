"""FrameRate: one parser for what users write, one constructor for a stream's rational rate."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from previz.core.errors import ValidationError
from previz.core.session import ProjectSession
from previz.core.timecode import FRAME_RATES, FrameRate, frames_to_timecode, seconds_to_frames
from previz.generation.request import GenerationRequest
from previz.ingest.shotlist import parse_duration

SUPPORTED = "23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60"


@given(label=st.sampled_from(list(FRAME_RATES)), drop=st.booleans())
def test_every_supported_rate_round_trips_through_string_and_rational_forms(label, drop):
    drop = drop and label in ("29.97", "59.94")
    rate = FrameRate.parse(label, drop)
    assert rate.fraction == FRAME_RATES[label] and rate.label == label and str(rate) == label
    # the exact ratio text, the float a UI holds, the rational a stream reports: all the same rate
    assert FrameRate.parse(rate.ratio, drop) == rate
    assert FrameRate.parse(rate.fps, drop) == rate
    assert FrameRate(rate.label, drop) == rate
    assert FrameRate.from_rational(rate.fraction) == FrameRate(rate.fraction)
    assert FrameRate.from_rational(Fraction(1) / (Fraction(1) / rate.fraction)).label == label


@given(
    nominal=st.sampled_from([24, 30, 48, 60]),
    error=st.fractions(min_value=Fraction(-1, 1000), max_value=Fraction(1, 1000)),
)
def test_a_stream_rate_within_rounding_of_ntsc_snaps_to_the_exact_ratio(nominal, error):
    exact = Fraction(nominal * 1000, 1001)
    assert FrameRate.from_rational(exact + error).fraction == exact


@given(st.fractions(min_value=Fraction(1, 10), max_value=Fraction(240)))
def test_any_rate_read_back_from_its_ratio_text_is_the_same(value):
    rate = FrameRate.from_rational(value)
    assert FrameRate.parse(rate.ratio, project=False) == rate


def test_the_user_forms_of_one_rate_agree():
    forms = ["23.976", "24000/1001", 23.976, 24000 / 1001, Fraction(24000, 1001)]
    assert {FrameRate.parse(f) for f in forms} == {FrameRate(Fraction(24000, 1001))}
    assert FrameRate.parse("29.97").drop_frame and not FrameRate.parse("29.97", False).drop_frame
    assert FrameRate.parse("25").fraction == 25


@pytest.mark.parametrize("bad", ["fast", "", "0", "-24", "24/0", "1e9"])
def test_a_bad_rate_names_the_field_and_the_supported_rates(bad):
    with pytest.raises(ValidationError) as err:
        FrameRate.parse(bad)
    assert err.value.field == "fps"
    assert err.value.one_line() == (
        f"fps: {bad!r} is not a supported frame rate; use one of {SUPPORTED} (or its ratio, e.g. 24000/1001)"
    )


def test_a_rate_no_project_may_use_is_refused_for_a_project(tmp_path):
    with pytest.raises(
        ValidationError, match=rf"^fps: '23.5' is not a supported frame rate; use one of {SUPPORTED}"
    ):
        ProjectSession.create(tmp_path / "odd", fps="23.5")
    assert not (tmp_path / "odd.previz" / "project.sqlite").exists()
    # …while a model's native 16 fps or a clip's 12.5 is a rate like any other outside a project
    assert FrameRate.parse("16", project=False).label == "16"
    assert FrameRate.parse("12.5", project=False).ratio == "25/2"
    with pytest.raises(ValidationError, match="^drop_frame: drop-frame timecode exists only at 29.97"):
        FrameRate.parse("25", True)


def test_every_layer_reads_a_rate_the_same_way():
    # generation: the request's canonical fps, and its error names the field and the rates
    assert GenerationRequest(backend="animatic", fps="29.97").fps == "30000/1001"
    assert GenerationRequest(backend="animatic", fps=Fraction(2997, 100)).fps == "30000/1001"
    with pytest.raises(Exception, match=rf"^fps: 'fast' is not a frame rate; .*{SUPPORTED}"):
        GenerationRequest(backend="animatic", fps="fast")
    # ingest: two seconds at a float 23.976 is two seconds at 24000/1001
    assert parse_duration("2s", 23.976) == parse_duration("2s", FrameRate.parse("23.976")) == 48
    assert parse_duration("10s", 29.97) == 300
    # timecode at a rate read from a stream
    assert frames_to_timecode(24, FrameRate.from_rational(Fraction(2997, 125))) == "00:00:01:00"


@pytest.mark.parametrize(
    ("seconds", "fps", "frames"), [(0.1, "25", 3), ("0.5", "25", 13), (0.02, "25", 1), (2.5, "23.976", 60)]
)
def test_seconds_become_frames_by_one_rule_halves_up(seconds, fps, frames):
    rate = FrameRate.parse(fps)
    assert seconds_to_frames(seconds, rate) == frames
    # a shot list's "2.5s" is the same number of frames as `shot add --seconds 2.5`
    assert parse_duration(f"{seconds}s", fps) == frames
