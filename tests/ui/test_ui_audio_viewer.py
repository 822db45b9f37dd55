"""The viewer's sound: the mix sent for a frame starts at that frame's sample; play and pause work with no
audio device; the picture follows the audio clock while sound plays; shuttling mutes it."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from previz.media.audio import RATE, write_audio_file
from previz.media.library import import_media_file
from previz.ui.viewer import audio_playback
from previz.ui.viewer.audio_playback import CutAudio, PcmStream, sample_at
from previz.ui.viewer.player import ManualClock
from previz.ui.viewer.viewer import Viewer


def tone(seconds: float, freq: float = 440.0, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([mono, mono * 0.5])  # left and right differ, so a channel swap would show


@pytest.fixture
def tone_clip(project, tmp_path):
    samples = tone(2.0)
    path = write_audio_file(tmp_path / "tone.wav", samples)
    info = import_media_file(project, path)
    clip = project.add_audio_clip(info.hash, start_frame=0, name="tone")
    return clip, samples


@pytest.mark.parametrize("fps", [Fraction(24), Fraction(30000, 1001)])
def test_mix_for_frame_n_starts_at_its_sample(fps):
    samples = tone(2.0)
    audio = CutAudio(fps, [(samples, 0, 1.0)])
    for n in (0, 1, 7, 24, 25):
        start = round(n * RATE / fps)
        assert sample_at(n, fps) == start
        out = audio.mix_from_frame(n, 1000)
        assert out.shape == (2, 1000)
        np.testing.assert_allclose(out, samples[:, start : start + 1000], atol=1e-6)
    later = CutAudio(fps, [(samples, 10, 0.5)])  # a clip placed at frame 10, at -6 dB
    out = later.mix_from_frame(9, sample_at(2, fps))
    first = sample_at(10, fps) - sample_at(9, fps)
    assert not out[:, :first].any()  # silence before the clip
    np.testing.assert_allclose(out[:, first:], samples[:, : out.shape[1] - first] * 0.5, atol=1e-6)


def test_session_clips_decode_and_pcm_is_interleaved(project, tone_clip):
    _clip, samples = tone_clip
    audio = CutAudio.load(project)
    start = sample_at(12, Fraction(24))  # 24000: half a second in
    stream = PcmStream(audio, start)
    data = np.frombuffer(stream.read(400 * 4), "<i2").reshape(-1, 2)
    assert stream.served == 400 and stream.position == start + 400
    expected = samples[:, start : start + 400].T * 32767
    assert np.abs(data - expected).max() <= 3  # WAV is 16-bit: the decoded tone matches to a few LSB


def _viewer(controller, qtbot):
    viewer = Viewer(controller, use_proxies=False)
    qtbot.addWidget(viewer)
    return viewer


def test_play_and_pause_without_an_audio_device(qtbot, controller, tone_clip, dialogs, monkeypatch):
    monkeypatch.setattr(audio_playback, "probe_output", lambda: (None, "no sound: no audio output device"))
    viewer = _viewer(controller, qtbot)
    viewer.seek(3)
    assert viewer.wait_displayed(3)
    viewer.play()
    qtbot.waitUntil(lambda: viewer.audio_loader.audio is not None, timeout=5000)
    assert not viewer.audio_loader.audio.empty
    qtbot.waitUntil(lambda: viewer.displayed_position is not None and viewer.displayed_position > 6)
    assert not viewer.audio_out.playing
    assert "no audio output device" in viewer.audio_status
    viewer.pause()
    assert viewer.speed == 0 and not viewer.audio_out.playing
    stopped = viewer.position
    qtbot.wait(100)
    assert viewer.position == stopped
    assert dialogs == []  # silence, not an error dialog
    viewer.shutdown()


def test_play_on_this_machine_never_fails(qtbot, controller, tone_clip, dialogs):
    """Whatever the machine has (offscreen CI has no sound), playing the cut with audio goes on."""
    viewer = _viewer(controller, qtbot)
    viewer.play()
    qtbot.waitUntil(lambda: viewer.displayed_position is not None and viewer.displayed_position > 3)
    viewer.pause()
    assert not viewer.audio_out.playing and dialogs == []
    viewer.shutdown()


class FakeOutput:
    """Stands in for the sound device: the test says how many samples it has played."""

    def __init__(self) -> None:
        self.available, self.reason = True, ""
        self.starts: list[int] = []
        self.played: int | None = None
        self.failed = None

    @property
    def playing(self) -> bool:
        return self.played is not None

    def start(self, audio, start_sample: int) -> bool:
        self.starts.append(start_sample)
        self.played = 0
        return True

    def stop(self) -> None:
        self.played = None

    def played_samples(self):
        return self.played

    def give_up(self, reason: str) -> None:
        self.played = None


def test_picture_follows_the_audio_clock_and_shuttle_mutes(qtbot, controller, tone_clip):
    """The transport's clock is a ManualClock: time moves only when the test says, so a busy machine
    cannot move the picture ahead of the (fake) sound device."""
    clock = ManualClock()
    viewer = Viewer(controller, use_proxies=False, clock=clock)
    qtbot.addWidget(viewer)
    fake = FakeOutput()
    viewer.audio_out = fake
    viewer.seek(5)
    assert viewer.wait_displayed(5)
    viewer.play()
    qtbot.waitUntil(lambda: fake.starts == [sample_at(5, Fraction(24))], timeout=10000)
    clock.advance(200)  # time passes, but the device has played nothing yet: the picture waits for it
    viewer.transport.tick()
    assert viewer.position == 5 and fake.playing
    fake.played = RATE // 2  # half a second heard: 12 frames at 24 fps
    viewer.transport.tick()
    assert viewer.wait_displayed(17)
    assert viewer.position == 17  # not ahead of the sound
    clock.advance(5000)  # the sound moved within the last half second of clock: still followed
    fake.played = RATE // 2 + RATE // 24
    viewer.transport.tick()
    assert viewer.wait_displayed(18)
    viewer.seek(40)  # a seek while playing restarts the sound there
    assert fake.starts[-1] == sample_at(40, Fraction(24))
    assert viewer.wait_displayed(40)
    viewer.shuttle("l")  # 2x: muted, on the picture clock
    assert viewer.speed == 2 and not fake.playing
    clock.advance(500)  # half a second at 2x: 24 frames
    viewer.transport.tick()
    assert viewer.wait_displayed(64)
    viewer.shuttle("k")
    viewer.shuttle("j")  # backwards: muted
    assert viewer.speed == -1 and not fake.playing
    viewer.pause()
    viewer.play()  # 1x again: sound from the playhead
    assert fake.playing and fake.starts[-1] == sample_at(viewer.position, Fraction(24))
    viewer.pause()
    assert not fake.playing
    viewer.shutdown()


def test_a_device_that_stops_playing_is_dropped_and_the_picture_goes_on(qtbot, controller, tone_clip):
    clock = ManualClock()
    viewer = Viewer(controller, use_proxies=False, clock=clock)
    qtbot.addWidget(viewer)
    fake = FakeOutput()
    viewer.audio_out = fake
    viewer.play()
    qtbot.waitUntil(lambda: fake.starts == [0], timeout=10000)
    viewer.transport.tick()  # the device is seen at sample 0
    clock.advance(600)  # more than half a second with nothing played: the sound is given up
    viewer.transport.tick()
    assert not fake.playing
    clock.advance(1000)  # from here the picture runs on the transport's clock: 24 frames a second
    viewer.transport.tick()
    assert viewer.wait_displayed(24)
    viewer.shutdown()


def test_the_device_pulls_the_mix_through_a_qiodevice(qtbot):
    """What QAudioSink reads in pull mode: the QIODevice serves the PCM of the mix from the start sample."""
    from PySide6.QtCore import QIODevice

    samples = tone(0.5)
    audio = CutAudio(Fraction(24), [(samples, 0, 1.0)])
    device = audio_playback._PcmDevice(PcmStream(audio, 2000))
    assert device.open(QIODevice.OpenModeFlag.ReadOnly)
    data = np.frombuffer(bytes(device.read(64 * 4)), "<i2").reshape(-1, 2)
    assert data.shape == (64, 2)
    expected = (samples[:, 2000:2064].T * 32767).astype(np.int16)
    assert np.abs(data.astype(int) - expected).max() <= 1
    device.close()
