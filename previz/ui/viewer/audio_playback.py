"""The cut's audio in the viewer: the project's audio clips mixed at 48 kHz stereo and played through
QtMultimedia, with the audio clock driving the picture while it plays.

:class:`CutAudio` (no Qt) holds the decoded clips and mixes any span of the cut exactly as the export does
(``previz.export.render``): record frame ``f`` starts at sample ``round(f * 48000 / fps)``, clips are summed
with their gain and soft-limited. :class:`AudioOutput` feeds a ``QAudioSink`` in pull mode from a
``QIODevice`` that mixes on demand, and reports how many samples the device has played — the clock the
viewer follows. Where QtMultimedia or an output device is missing (offscreen tests, CI, a machine without
sound) ``AudioOutput.available`` is False with the reason, and the viewer plays silently on its own clock.
"""

from __future__ import annotations

import os
import threading
from fractions import Fraction
from typing import TYPE_CHECKING

from PySide6.QtCore import QIODevice, QObject, Signal, Slot

from previz.core.errors import PrevizError

if TYPE_CHECKING:  # numpy loads when audio is first drawn or mixed, not at launch (~0.1 s)
    import numpy as np

RATE = 48_000  # previz.media.audio.RATE / CHANNELS (that module, and PyAV, load only when sound is needed)
CHANNELS = 2

BYTES_PER_SAMPLE = 2 * CHANNELS  # interleaved int16 stereo
BUFFER_SAMPLES = RATE // 10  # ~100 ms in the device: the most the picture can wait on the sound


def sample_at(frame: int, fps: Fraction) -> int:
    """The first audio sample of record frame ``frame`` (exact: frame / fps * 48 kHz, rounded)."""
    return round(Fraction(int(frame)) * RATE / Fraction(fps))


class CutAudio:
    """The project's audio clips, decoded, ready to mix any span of the cut."""

    def __init__(self, fps: Fraction, clips: list[tuple[np.ndarray, int, float]]) -> None:
        """``clips``: (float32 (2, n) samples, start frame, linear gain)."""
        self.fps = Fraction(fps)
        self.clips = [(samples, sample_at(start, self.fps), gain) for samples, start, gain in clips]

    @classmethod
    def load(cls, session, decoded: dict[str, np.ndarray] | None = None) -> CutAudio:
        """Decode the project's audio clips (``decoded`` caches samples per media hash across loads). A
        clip whose file is missing or unreadable is left out: the viewer plays what it can."""
        from previz.media.audio import decode_audio

        decoded = {} if decoded is None else decoded
        clips = []
        for clip in session.audio_clips():
            samples = decoded.get(clip.media_hash)
            if samples is None:
                try:
                    samples = decode_audio(session.media_path(clip.media_hash), RATE, CHANNELS)
                except (PrevizError, OSError):
                    continue
                decoded[clip.media_hash] = samples
            clips.append((samples, clip.start_frame, 10 ** (clip.gain_db / 20)))
        return cls(session.project().rate.fraction, clips)

    @property
    def empty(self) -> bool:
        return not self.clips

    @property
    def end_sample(self) -> int:
        return max((start + s.shape[1] for s, start, _g in self.clips), default=0)

    def samples(self, start_sample: int, count: int) -> np.ndarray:
        """Mixed float32 (2, count) of the cut's samples ``start_sample`` onwards."""
        from previz.media.audio import mix

        return mix(self.clips, count, offset=int(start_sample))

    def mix_from_frame(self, frame: int, count: int) -> np.ndarray:
        """What playback from record frame ``frame`` sends first: ``count`` samples from its first sample."""
        return self.samples(sample_at(frame, self.fps), count)

    def pcm(self, start_sample: int, count: int) -> bytes:
        """Interleaved signed 16-bit stereo of ``count`` samples from ``start_sample``."""
        import numpy as np  # loaded already: the samples were mixed with it

        data = self.samples(start_sample, count)
        return (np.clip(data.T, -1, 1) * 32767).astype("<i2").tobytes()


class PcmStream:
    """Serves the cut's PCM from a position on, as the device pulls it; counts what it served."""

    def __init__(self, audio: CutAudio, start_sample: int) -> None:
        self.audio = audio
        self.position = int(start_sample)
        self.served = 0  # samples handed to the device

    def read(self, max_bytes: int) -> bytes:
        count = max(0, int(max_bytes) // BYTES_PER_SAMPLE)
        if count == 0:
            return b""
        data = self.audio.pcm(self.position, count)  # silence past the last clip: the clock keeps running
        self.position += count
        self.served += count
        return data


class _PcmDevice(QIODevice):
    def __init__(self, stream: PcmStream, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stream = stream

    def readData(self, maxlen: int) -> bytes:  # noqa: N802 - Qt API
        return self.stream.read(min(int(maxlen), BUFFER_SAMPLES * BYTES_PER_SAMPLE))

    def writeData(self, data) -> int:  # noqa: N802 - Qt API
        return -1

    def bytesAvailable(self) -> int:  # noqa: N802 - Qt API
        return BUFFER_SAMPLES * BYTES_PER_SAMPLE + super().bytesAvailable()

    def isSequential(self) -> bool:  # noqa: N802 - Qt API
        return True


def probe_output() -> tuple[object | None, str]:
    """(the default QAudioDevice, "") or (None, why there is no sound). Never raises."""
    if os.environ.get("PREVIZ_NO_AUDIO"):
        return None, "audio is off (PREVIZ_NO_AUDIO is set)"
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except Exception as exc:  # QtMultimedia not installed, or its sound library (libpulse) missing
        return None, f"no sound: QtMultimedia is not usable here ({exc})"
    try:
        device = QMediaDevices.defaultAudioOutput()
    except Exception as exc:
        return None, f"no sound: cannot list audio outputs ({exc})"
    if device.isNull():
        return None, "no sound: this machine has no audio output device"
    return device, ""


class AudioOutput(QObject):
    """Plays a :class:`CutAudio` from a sample through the default output; silent when there is none."""

    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._probed = False
        self._device = None
        self.reason = ""
        self._sink = None
        self._io: _PcmDevice | None = None
        self.stream: PcmStream | None = None

    @property
    def available(self) -> bool:
        """Whether sound can play (QtMultimedia is only loaded the first time this is asked)."""
        if not self._probed:
            self._probed = True
            self._device, self.reason = probe_output()
        return self._device is not None

    @property
    def playing(self) -> bool:
        return self._sink is not None

    def start(self, audio: CutAudio, start_sample: int) -> bool:
        """Play ``audio`` from ``start_sample``; False (and silence) when no device can play it."""
        self.stop()
        if audio.empty or not self.available:
            return False
        try:
            from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink

            fmt = QAudioFormat()
            fmt.setSampleRate(RATE)
            fmt.setChannelCount(CHANNELS)
            fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
            if not self._device.isFormatSupported(fmt):
                self.give_up("no sound: the audio device does not take 48 kHz 16-bit stereo")
                return False
            self.stream = PcmStream(audio, start_sample)
            self._io = _PcmDevice(self.stream, self)
            self._io.open(QIODevice.OpenModeFlag.ReadOnly)
            self._sink = QAudioSink(self._device, fmt, self)
            self._sink.setBufferSize(BUFFER_SAMPLES * BYTES_PER_SAMPLE)
            self._sink.stateChanged.connect(self._on_state)
            self._sink.start(self._io)
            if self._sink.error() != QAudio.Error.NoError:
                self.give_up(f"no sound: the audio device failed to start ({self._sink.error().name})")
                return False
        except Exception as exc:  # a broken audio stack must never stop the picture
            self.give_up(f"no sound: {exc}")
            return False
        return True

    def stop(self) -> None:
        sink, io = self._sink, self._io
        self._sink = self._io = None
        self.stream = None
        if sink is not None:
            try:
                sink.stateChanged.disconnect(self._on_state)
                sink.stop()
            except Exception:
                pass
            sink.deleteLater()
        if io is not None:
            io.close()
            io.deleteLater()

    def played_samples(self) -> int | None:
        """Samples the device has played since ``start`` (what has been heard), or None when not playing."""
        sink, stream = self._sink, self.stream
        if sink is None or stream is None:
            return None
        processed = sink.processedUSecs() * RATE // 1_000_000
        queued = max(0, sink.bufferSize() - sink.bytesFree()) // BYTES_PER_SAMPLE
        return int(max(0, min(processed, stream.served) - queued))

    @Slot(object)
    def _on_state(self, state) -> None:
        from PySide6.QtMultimedia import QAudio

        sink = self._sink
        if sink is not None and sink.error() not in (QAudio.Error.NoError, QAudio.Error.UnderrunError):
            self.give_up(f"sound stopped: {sink.error().name}")

    def give_up(self, reason: str) -> None:
        self.stop()
        self.reason = reason
        self.failed.emit(reason)


class AudioLoader(QObject):
    """Decodes the project's audio clips on a thread; ``ready`` is emitted on the UI thread."""

    ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.decoded: dict[str, np.ndarray] = {}
        self.audio: CutAudio | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self.audio = None

    def request(self, session) -> None:
        """Build the cut audio in the background (the clip list is read here, on the UI thread)."""
        clips = session.audio_clips()
        rate = session.project().rate.fraction
        paths = {}
        for clip in clips:
            try:
                paths[clip.media_hash] = session.media_path(clip.media_hash)
            except PrevizError:
                pass
        with self._lock:
            self._generation += 1
            generation = self._generation

        def work() -> None:
            from previz.media.audio import decode_audio

            decoded = []
            for clip in clips:
                samples = self.decoded.get(clip.media_hash)
                if samples is None and clip.media_hash in paths:
                    try:
                        samples = decode_audio(paths[clip.media_hash], RATE, CHANNELS)
                    except (PrevizError, OSError):
                        samples = None
                    if samples is not None:
                        self.decoded[clip.media_hash] = samples
                if samples is not None:
                    decoded.append((samples, clip.start_frame, 10 ** (clip.gain_db / 20)))
            audio = CutAudio(rate, decoded)
            with self._lock:
                if generation != self._generation:
                    return
                self.audio = audio
            try:
                self.ready.emit()
            except RuntimeError:  # the owner was closed meanwhile
                pass

        threading.Thread(target=work, name="previz-viewer-audio", daemon=True).start()
