"""Audio decode/resample, mix and waveform peaks on real encoded files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from previz.core.errors import MediaError
from previz.media.audio import decode_audio, mix, soft_limit, waveform_peaks, write_audio_file


def sine(freq: float, seconds: float, rate: int, channels: int = 1, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return np.repeat((amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)[None, :], channels, axis=0)


def frequency(samples: np.ndarray, rate: int) -> float:
    signal = samples[0]
    crossings = np.count_nonzero((signal[:-1] < 0) & (signal[1:] >= 0))
    return crossings * rate / len(signal)


def test_wav_resampled_to_48k_stereo(tmp_path):
    path = write_audio_file(tmp_path / "tone.wav", sine(440, 1.0, 44100), rate=44100)
    audio = decode_audio(path)
    assert audio.dtype == np.float32 and audio.shape[0] == 2
    assert abs(audio.shape[1] - 48000) <= 64
    assert frequency(audio, 48000) == pytest.approx(440, rel=0.02)
    assert np.allclose(audio[0], audio[1])
    assert 0.45 < np.abs(audio).max() < 0.55  # mono is duplicated at full level


@pytest.mark.parametrize("suffix", [".mp3", ".m4a"])
def test_compressed_audio_decodes(tmp_path, suffix):
    path = write_audio_file(tmp_path / f"tone{suffix}", sine(1000, 1.0, 48000, channels=2), rate=48000)
    audio = decode_audio(path, rate=48000)
    assert abs(audio.shape[1] - 48000) < 48000 * 0.06  # encoder priming/padding only
    middle = audio[:, 4000:44000]
    assert frequency(middle, 48000) == pytest.approx(1000, rel=0.02)


def test_bad_audio_files(tmp_path):
    with pytest.raises(MediaError, match="gone.wav"):
        decode_audio(tmp_path / "gone.wav")
    junk = tmp_path / "noise.mp3"
    junk.write_bytes(b"\x00" * 10)
    with pytest.raises(MediaError, match="noise.mp3"):
        decode_audio(junk)


def test_mix_sums_places_and_limits():
    a = np.full((2, 100), 0.2, np.float32)
    b = np.full((1, 50), 0.1, np.float32)  # mono spreads to both channels
    out = mix([(a, 0, 1.0), (b, 80, 2.0)], 200)
    assert out.shape == (2, 200) and out.dtype == np.float32
    assert out[0, 10] == pytest.approx(0.2) and out[1, 90] == pytest.approx(0.4)
    assert out[0, 120] == pytest.approx(0.2) and out[0, 150] == 0
    loud = mix([(np.full((2, 10), 0.8, np.float32), 0, 1.0)] * 3, 10)
    assert 0.9 < loud.max() <= 1.0
    window = mix([(a, 0, 1.0), (b, 80, 2.0)], 50, offset=75)  # chunked mixing matches one-shot
    assert np.allclose(window, out[:, 75:125])
    quiet = np.array([[0.5, -0.3]], np.float32)
    assert np.array_equal(soft_limit(quiet), quiet)


def test_waveform_peaks():
    samples = sine(10, 1.0, 1000)
    peaks = waveform_peaks(samples, 10)
    assert peaks.shape == (10, 2)
    assert np.all(peaks[:, 1] > 0.45) and np.all(peaks[:, 0] < -0.45)
    silent = waveform_peaks(np.zeros((2, 5), np.float32), 8)
    assert silent.shape == (8, 2) and not silent.any()
    assert waveform_peaks(np.zeros((2, 0), np.float32), 4).shape == (4, 2)


def test_the_audio_rate_is_one_constant_importable_without_pyav():
    """The UI reads the project audio rate from previz.media.audio without loading FFmpeg."""
    code = "import sys; from previz.media.audio import RATE; print(RATE, 'av' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["48000", "False"]
