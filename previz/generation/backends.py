"""The backend interface, and the two backends: ``animatic`` (OpenCV) and ``diffusers`` (local models).

A backend validates a request before any work (``GenerationError`` naming the field and the nearest valid
value) and runs it to RGB uint8 frames at the request's size and fps.

Animatic extras: ``move`` (a ``MoveKind``), ``intensity`` (0..1), ``easing`` (an ``Easing``),
``shot_code``, ``shot_size``, ``action`` (the title card without a board).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from previz.core.enums import Easing, MoveKind
from previz.core.errors import GenerationError, PrevizError
from previz.core.jobs import CancelToken, ProgressFn
from previz.generation.animatic import TitleCard, render_camera_move, render_camera_move_nv12
from previz.generation.request import GenerationRequest

Frames = Iterator[np.ndarray] | list[np.ndarray]


@dataclass(frozen=True)
class Capabilities:
    name: str
    modes: tuple[str, ...]
    needs_model: bool
    description: str


@runtime_checkable
class Backend(Protocol):
    name: str

    def capabilities(self) -> Capabilities: ...

    def validate(self, request: GenerationRequest) -> None: ...

    def run(
        self, request: GenerationRequest, images: dict[str, Path], progress: ProgressFn, cancel: CancelToken
    ) -> Frames: ...


def _even(request: GenerationRequest) -> None:
    for name in ("width", "height"):
        value = getattr(request, name)
        if value % 2:
            raise GenerationError(
                f"{name}: {value} must be even for H.264 video; nearest valid is {value + 1}"
            )


def read_board(path: Path, field: str = "image") -> np.ndarray:
    """A board image file as RGB uint8, or ``GenerationError`` when it is missing or corrupt."""
    import cv2

    path = Path(path)
    data = np.fromfile(str(path), dtype=np.uint8) if path.is_file() else np.empty(0, np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise GenerationError(f"{field}: {path} is missing or not a readable image; re-import the board")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class AnimaticBackend:
    """Camera moves over the board panel (i2v) or a title card (t2v). No model, any machine."""

    name = "animatic"

    def capabilities(self) -> Capabilities:
        return Capabilities(
            self.name,
            ("t2v", "i2v"),
            False,
            "OpenCV camera moves over the board or a title card; faster than real time on a laptop CPU",
        )

    def validate(self, request: GenerationRequest) -> None:
        if request.backend != self.name:
            raise GenerationError(f"backend: {request.backend!r} given to the animatic backend")
        if request.mode == "flf2v":
            raise GenerationError("mode: the animatic backend has no flf2v; nearest valid is i2v")
        if request.mode == "i2v" and request.image is None:
            raise GenerationError("image: an animatic i2v needs the board panel; add a board or use t2v")
        _even(request)
        if request.width > 8192 or request.height > 8192:
            raise GenerationError(f"width/height: {request.width}x{request.height} is above 8192")
        try:
            MoveKind.parse(request.extra("move", "static"), "extras.move")
            Easing.parse(request.extra("easing", "ease_in_out"), "extras.easing")
        except PrevizError as exc:
            raise GenerationError(str(exc)) from exc
        intensity = request.extra("intensity", 0.5)
        if isinstance(intensity, bool) or not isinstance(intensity, (int, float)) or not 0 <= intensity <= 1:
            raise GenerationError(
                f"extras.intensity: {intensity!r} is out of range; use 0 to 1 (default 0.5)"
            )

    def run(
        self, request: GenerationRequest, images: dict[str, Path], progress: ProgressFn, cancel: CancelToken
    ) -> Iterator[np.ndarray]:
        return _with_progress(self.frames(request, images), request.frames, progress, cancel)

    def frames(
        self, request: GenerationRequest, images: dict[str, Path], *, nv12: bool = False
    ) -> Iterator[np.ndarray]:
        """The rendered frames (RGB, or NV12 for the encoder), without progress or cancel checks."""
        self.validate(request)
        source = None
        if request.mode == "i2v":
            if "image" not in images:
                raise GenerationError("image: the board file was not given to the animatic backend")
            source = read_board(images["image"])
        title = TitleCard(
            shot_code=str(request.extra("shot_code", "")),
            shot_size=str(request.extra("shot_size", "")),
            action=str(request.extra("action", "") or request.prompt),
        )
        render = render_camera_move_nv12 if nv12 else render_camera_move
        return render(
            source,
            width=request.width,
            height=request.height,
            frames=request.frames,
            move=request.extra("move", "static"),
            intensity=float(request.extra("intensity", 0.5)),
            easing=request.extra("easing", "ease_in_out"),
            seed=request.seed,
            title=title,
        )


def _with_progress(
    frames: Iterable[np.ndarray], total: int, progress: ProgressFn, cancel: CancelToken
) -> Iterator[np.ndarray]:
    for n, frame in enumerate(frames, start=1):
        cancel.raise_if_cancelled()
        yield frame
        progress(n, total, f"frame {n}/{total}")


class DiffusersBackend:
    """Local diffusers video models, found through the catalog; run in-process (the worker uses this)."""

    name = "diffusers"

    def __init__(
        self,
        model_folders: Callable[[], list[Path]] | list[Path] | None = None,
        *,
        runner=None,
        include_hf_cache: bool = True,
    ) -> None:
        from previz.generation.model_folders import list_model_folders

        self._folders = model_folders if model_folders is not None else list_model_folders
        self._runner = runner
        self.include_hf_cache = include_hf_cache

    @property
    def runner(self):
        if self._runner is None:
            from previz.generation.diffusers_backend import PipelineRunner

            self._runner = PipelineRunner()
        return self._runner

    def folders(self) -> list[Path]:
        return list(self._folders() if callable(self._folders) else self._folders)

    def capabilities(self) -> Capabilities:
        return Capabilities(self.name, ("t2v", "i2v", "flf2v"), True, "local diffusers video models (GPU)")

    def model_info(self, request: GenerationRequest):
        from previz.generation.catalog import find_model

        return find_model(request.model, self.folders(), include_hf_cache=self.include_hf_cache)

    def validate(self, request: GenerationRequest):
        """Check the request against its model's family rules; return the model's ``ModelInfo``."""
        from previz.generation.families import validate_request

        if request.backend != self.name:
            raise GenerationError(f"backend: {request.backend!r} given to the diffusers backend")
        info = self.model_info(request)
        validate_request(request, info.family_info, info.modes)
        _even(request)
        return info

    def run(
        self, request: GenerationRequest, images: dict[str, Path], progress: ProgressFn, cancel: CancelToken
    ) -> list[np.ndarray]:
        info = self.validate(request)
        return self.runner.run(request, info, images, progress, cancel)
