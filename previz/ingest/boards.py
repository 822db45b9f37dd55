"""Scanning a folder of storyboard panels (PNG, JPEG, WebP, TIFF).

* Files are taken from the folder itself (not sub-folders), hidden files and other extensions are
  skipped (listed in :attr:`BoardScan.skipped`).
* Natural sort: digit runs compare as numbers, so ``panel2`` comes before ``panel10``.
* A file name (without extension) of the form ``012A_0010`` / ``12a-10`` / ``sc12A_sh010`` /
  ``scene12A_shot10`` names scene ``12A`` and shot ``10``; anything else is unmatched and becomes a new
  shot in sorted order (the lead's apply step decides the numbers).
* Every image is fully decoded with Pillow (``verify`` then ``load``), so a corrupt or truncated
  file is an :class:`ImportFileError` naming it; decompression bombs are refused the same way.
* A symlink whose target is outside the folder is refused, naming it. Symlinks inside are fine.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from previz.core.errors import ImportFileError
from previz.ingest.screenplay import normalize_scene_number

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff")
_NAME = re.compile(
    r"^(?:sc(?:ene)?[ _-]?)?(?P<scene>\d+[a-z]{0,2})[ _-]+(?:sh(?:ot)?[ _-]?)?(?P<shot>\d{1,4})$", re.I
)


@dataclass(frozen=True)
class BoardImage:
    path: Path
    scene: str | None
    shot: int | None
    width: int
    height: int

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class BoardScan:
    folder: Path
    images: list[BoardImage] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    @property
    def matched(self) -> list[BoardImage]:
        return [im for im in self.images if im.scene is not None]

    @property
    def unmatched(self) -> list[BoardImage]:
        return [im for im in self.images if im.scene is None]


def natural_key(name: str) -> tuple:
    """Sort key with digit runs compared as numbers: ``panel2`` < ``panel10``."""
    parts = re.split(r"(\d+)", name.lower())
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p) for p in parts if p != "")


def match_board_name(stem: str) -> tuple[str | None, int | None]:
    """``"012A_0010"`` / ``"sc12A_sh010"`` -> ``("12A", 10)``; other names -> ``(None, None)``."""
    m = _NAME.match(stem.strip())
    if not m:
        return None, None
    return normalize_scene_number(m.group("scene")), int(m.group("shot"))


def verify_image(path: Path) -> tuple[int, int]:
    """Decode the whole image; return (width, height) or raise ImportFileError naming the file."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.verify()
            with Image.open(path) as im:
                im.load()
                return int(im.width), int(im.height)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImportFileError(str(path), f"refused: image is too large to decode safely ({exc})") from None
    except UnidentifiedImageError:
        raise ImportFileError(
            str(path), "is not a readable image (corrupt, or not PNG/JPEG/WebP/TIFF); re-export it"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImportFileError(str(path), f"is a corrupt or truncated image ({exc}); re-export it") from None


def scan_board_folder(folder: str | os.PathLike[str]) -> BoardScan:
    """Scan ``folder`` by the rules in the module docstring."""
    root = Path(folder)
    if not root.exists():
        raise ImportFileError(str(root), "folder not found; check the path")
    if not root.is_dir():
        raise ImportFileError(str(root), "is not a folder of board images")
    real_root = root.resolve()
    scan = BoardScan(folder=root)
    try:
        entries = sorted(os.scandir(root), key=lambda e: natural_key(e.name))
    except OSError as exc:
        raise ImportFileError(str(root), f"cannot list the folder ({exc.strerror or exc})") from None
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith(".") or Path(entry.name).suffix.lower() not in IMAGE_EXTENSIONS:
            scan.skipped.append(path)
            continue
        if entry.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                raise ImportFileError(
                    str(path), "is a broken or looping link; remove it or copy the image in"
                ) from None
            if not target.is_relative_to(real_root):
                raise ImportFileError(
                    str(path), f"is a link to {target}, outside the board folder; copy the image in instead"
                )
        if not path.is_file():
            scan.skipped.append(path)
            continue
        width, height = verify_image(path)
        scene, shot = match_board_name(path.stem)
        scan.images.append(BoardImage(path=path, scene=scene, shot=shot, width=width, height=height))
    if not scan.images:
        raise ImportFileError(str(root), "contains no PNG, JPEG, WebP or TIFF images")
    return scan
