"""VideoWriter / probe / read_frames / read_frame against real encoded files."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from previz.core.errors import MediaError, ValidationError
from previz.media.video import VideoReader, VideoWriter, probe, read_frame, read_frames

W, H = 192, 108  # small and even; fast to encode
BITS = 8


def numbered_frame(index: int, width: int = W, height: int = H) -> np.ndarray:
    """A frame whose top band encodes ``index`` in binary (white = 1) over a coloured background."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[:] = (40, (index * 9) % 200 + 30, 120)
    cell = width // BITS
    for bit in range(BITS):
        value = 255 if (index >> bit) & 1 else 0
        frame[: height // 3, bit * cell : (bit + 1) * cell] = value
    return frame


def decode_number(frame: np.ndarray) -> int:
    cell = frame.shape[1] // BITS
    band = frame[4 : frame.shape[0] // 3 - 4]
    number = 0
    for bit in range(BITS):
        if band[:, bit * cell + 4 : (bit + 1) * cell - 4].mean() > 127:
            number |= 1 << bit
    return number


def write_numbered(path: Path, frames: int, fps=24, **kwargs) -> None:
    with VideoWriter(path, W, H, fps, **kwargs) as writer:
        for i in range(frames):
            writer.write(numbered_frame(i))


def top_level_boxes(path: Path) -> list[str]:
    boxes = []
    data = path.read_bytes()
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        boxes.append(kind.decode("latin-1"))
        pos += size
    return boxes


@pytest.mark.parametrize("fps", [Fraction(24), Fraction(24000, 1001), Fraction(25)])
def test_h264_probe_exact_frames_and_rate(tmp_path, fps):
    path = tmp_path / "clip.mp4"
    write_numbered(path, 37, fps=fps, preset="ultrafast")
    info = probe(path)
    assert info.frames == 37
    assert (info.width, info.height) == (W, H)
    assert info.fps == fps
    assert info.codec == "h264"
    assert info.pix_fmt == "yuv420p"
    assert info.profile in ("High", "Main")
    assert info.duration_s == pytest.approx(float(37 / fps))
    assert not info.has_audio


def test_float_ntsc_rate_snaps_to_fraction(tmp_path):
    for fps, exact in ((23.976, Fraction(24000, 1001)), (29.97, Fraction(30000, 1001)), (24, Fraction(24))):
        with VideoWriter(tmp_path / "rate.mp4", W, H, fps, preset="ultrafast") as writer:
            assert writer.fps == exact
            writer.write(np.zeros((H, W, 3), np.uint8))
    with pytest.raises(ValidationError, match="^fps: 0 is not a frame rate"):
        VideoWriter(tmp_path / "zero.mp4", W, H, 0)


def test_read_frames_returns_written_colours(tmp_path):
    path = tmp_path / "solid.mp4"
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (200, 120, 40), (255, 255, 255), (0, 0, 0)]
    with VideoWriter(path, W, H, 24, preset="ultrafast") as writer:
        for colour in colours:
            writer.write(np.full((H, W, 3), colour, np.uint8))
    decoded = list(read_frames(path))
    assert len(decoded) == len(colours)
    for colour, frame in zip(colours, decoded, strict=True):
        assert frame.shape == (H, W, 3) and frame.dtype == np.uint8
        assert np.abs(frame[H // 2, W // 2].astype(int) - colour).max() <= 4


def test_read_frame_is_frame_accurate_across_keyframes(tmp_path):
    path = tmp_path / "numbered.mp4"
    write_numbered(path, 60, preset="ultrafast", gop=12)
    for index in (0, 1, 11, 12, 13, 37, 59, 5):
        assert decode_number(read_frame(path, index)) == index
    assert [decode_number(f) for f in read_frames(path, 20, 6)] == list(range(20, 26))
    with VideoReader(path) as reader:  # random access on one open reader, back and forth
        for index in (40, 41, 3, 58, 24, 25, 26, 10):
            assert decode_number(reader.frame(index)) == index
        with pytest.raises(MediaError, match="frame 60"):
            reader.frame(60)


def test_prores_mov_readable(tmp_path):
    path = tmp_path / "edit.mov"
    write_numbered(path, 10, codec="prores", audio_rate=48000)
    info = probe(path)
    assert info.codec == "prores" and info.frames == 10
    assert info.pix_fmt == "yuv422p10le"
    assert info.profile == "HQ"
    assert decode_number(read_frame(path, 7)) == 7


def test_png_sequence_and_png_mov(tmp_path):
    write_numbered(tmp_path / "frames_%04d.png", 4, codec="png")
    assert sorted(p.name for p in tmp_path.glob("frames_*.png")) == [
        f"frames_{i:04d}.png" for i in range(1, 5)
    ]
    write_numbered(tmp_path / "at_%07d.png", 2, codec="png", sequence_start=86400)
    assert sorted(p.name for p in tmp_path.glob("at_*.png")) == ["at_0086400.png", "at_0086401.png"]
    path = tmp_path / "lossless.mov"
    write_numbered(path, 3, codec="png")
    assert np.array_equal(read_frame(path, 2), numbered_frame(2))


def test_faststart_moov_before_mdat(tmp_path):
    path = tmp_path / "review.mp4"
    write_numbered(path, 5, preset="ultrafast")
    boxes = top_level_boxes(path)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat")


def test_audio_track_written(tmp_path):
    path = tmp_path / "with_audio.mp4"
    t = np.arange(48000) / 48000
    tone = np.stack([np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32) * 0.5
    with VideoWriter(path, W, H, 24, preset="ultrafast", audio_rate=48000) as writer:
        for i in range(24):
            writer.write(numbered_frame(i))
        writer.write_audio(tone)
    info = probe(path)
    assert info.has_audio and info.frames == 24


def test_bad_input(tmp_path):
    with pytest.raises(MediaError, match="width 191 and height 108"):
        VideoWriter(tmp_path / "odd.mp4", 191, 108, 24)
    with pytest.raises(MediaError, match="codec"):
        VideoWriter(tmp_path / "x.mp4", 64, 64, 24, codec="vp9")
    with pytest.raises(MediaError, match="missing.mp4"):
        probe(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 50)
    with pytest.raises(MediaError, match="junk.mp4"):
        probe(junk)
    with pytest.raises(MediaError, match="junk.mp4"):
        read_frame(junk, 0)
    with pytest.raises(MediaError, match="missing.mp4"):
        read_frames(tmp_path / "missing.mp4")  # reported at the call, before iterating
    with VideoWriter(tmp_path / "shape.mp4", 64, 64, 24, preset="ultrafast") as writer:
        with pytest.raises(MediaError, match="expected"):
            writer.write(np.zeros((32, 64, 3), np.uint8))
        writer.write(np.zeros((64, 64, 3), np.uint8))


def test_bframes_and_edit_lists_keep_frame_accuracy(tmp_path):
    path = tmp_path / "bframes.mp4"  # veryfast uses B-frames: decode order differs from display order
    write_numbered(path, 40, fps=Fraction(24000, 1001), preset="veryfast", gop=10)
    assert probe(path).frames == 40
    assert [decode_number(f) for f in read_frames(path)] == list(range(40))
    with VideoReader(path) as reader:
        for index in (39, 0, 10, 9, 21, 22, 5):
            assert decode_number(reader.frame(index)) == index


def test_atomic_write_renames_when_complete(tmp_path):
    path = tmp_path / "reel.mp4"
    writer = VideoWriter(path, W, H, 24, preset="ultrafast", atomic=True)
    writer.write(numbered_frame(0))
    assert not path.exists()
    assert all(p.name.startswith(".") for p in tmp_path.iterdir())  # at most the hidden temporary file
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["reel.mp4"]
    assert probe(path).frames == 1


@pytest.mark.parametrize("atomic", [True, False])
def test_failure_inside_with_leaves_nothing(tmp_path, atomic):
    path = tmp_path / "cancelled.mp4"
    with pytest.raises(RuntimeError), VideoWriter(path, W, H, 24, preset="ultrafast", atomic=atomic) as w:
        for i in range(5):
            w.write(numbered_frame(i))
        raise RuntimeError("cancelled at 50%")
    assert list(tmp_path.iterdir()) == []


DISK_FULL = """
import resource, signal, sys
import numpy as np
from previz.core.errors import MediaError
from previz.media.video import VideoWriter
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
rng = np.random.default_rng(0)
try:
    with VideoWriter(sys.argv[1], 256, 144, 24, preset="ultrafast", crf=1, atomic=True) as w:
        for i in range(100):
            w.write(rng.integers(0, 255, (144, 256, 3), dtype=np.uint8))
except MediaError as exc:
    print(exc)
    sys.exit(3)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="file-size rlimit simulation is Linux only")
def test_disk_full_raises_media_error_and_cleans_up(tmp_path):
    out = tmp_path / "full.mp4"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(out)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 3, result.stderr
    assert "full.mp4" in result.stdout and "writing failed" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_fast_rgb_to_yuv420p_matches_swscale_bt709():
    import av

    from previz.media.video import rgb_to_yuv420p

    h, w = 90, 160  # chroma planes of 45 rows: not a whole number of luma rows
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.dstack([xx * 255 // w, yy * 255 // h, (xx + yy) * 255 // (w + h)]).astype(np.uint8)
    ours = rgb_to_yuv420p(rgb)
    ref = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
        format="yuv420p", src_colorspace="ITU709", dst_colorspace="ITU709", dst_color_range="MPEG"
    )
    ref = ref.to_ndarray()
    assert ours.shape == ref.shape == (135, 160)
    assert np.abs(ours[:h].astype(int) - ref[:h]).max() <= 1  # luma
    assert np.abs(ours[h:].astype(int) - ref[h:]).mean() < 1.0  # chroma (filters differ slightly)
    grey = rgb_to_yuv420p(np.full((4, 4, 3), 128, np.uint8))
    assert (grey[4:] == 128).all() and (grey[:4] == 126).all()


def test_truncated_file_is_reported_not_miscounted(tmp_path):
    path = tmp_path / "cut_off.mp4"
    rng = np.random.default_rng(1)
    with VideoWriter(path, W, H, 24, preset="ultrafast") as writer:
        for _ in range(20):
            writer.write(rng.integers(0, 255, (H, W, 3), dtype=np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(MediaError, match="cut_off.mp4.*truncated"):
        probe(path)


def test_matroska_frames_are_counted(tmp_path):
    path = tmp_path / "take.mkv"
    write_numbered(path, 23, fps=Fraction(30000, 1001), preset="ultrafast")
    info = probe(path)
    assert info.frames == 23 and info.fps == Fraction(30000, 1001)
    assert decode_number(read_frame(path, 22)) == 22


def test_one_writer_takes_rgb_i420_and_nv12_frames(tmp_path):
    """RGB, I420 and NV12 frames (converted with the writer's public methods, as export and generation
    do) encode into one file, in order, with the colours they were given."""
    from previz.media.video import rgb_to_yuv420p

    path = tmp_path / "mixed.mp4"
    frames = [numbered_frame(i) for i in range(6)]
    with VideoWriter(path, W, H, 24, crf=12, preset="ultrafast") as writer:
        writer.write(frames[0])
        writer.write_video_frame(writer.convert(frames[1]))
        writer.write_video_frame(writer.convert_i420(rgb_to_yuv420p(frames[2])))
        for frame in frames[3:]:
            i420 = rgb_to_yuv420p(frame)
            y, u, v = i420[:H], i420[H : H + H // 4].reshape(-1), i420[H + H // 4 :].reshape(-1)
            nv12 = np.concatenate([y.reshape(-1), np.stack([u, v], axis=1).reshape(-1)]).reshape(-1, W)
            writer.write_nv12(nv12)
        assert writer.frames_written == 6 and not writer.closed
    assert writer.closed
    decoded = list(read_frames(path))
    assert [decode_number(f) for f in decoded] == list(range(6))
    for got, want in zip(decoded, frames, strict=True):
        assert np.abs(got[H // 2 :].astype(int) - want[H // 2 :]).mean() < 4
    with pytest.raises(MediaError, match="the writer is closed"):
        writer.write(frames[0])
    with VideoWriter(tmp_path / "bad.mp4", W, H, 24, preset="ultrafast") as writer:
        with pytest.raises(MediaError, match=r"expected NV12 \(162, 192\) uint8"):
            writer.write_nv12(np.zeros((H, W), np.uint8))
        writer.write(frames[0])
