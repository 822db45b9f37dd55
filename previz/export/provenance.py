"""The one provenance reader of exports: what made each shot of a cut, read once from the selected takes.

The licence report (and so the ``--commercial`` guard), the burn-ins' model name, the editorial files'
metadata and the content credentials all read :class:`ShotProvenance`, so they never disagree. Fields come
from a take's provenance as ``previz.generation`` writes it (``backend``, ``model``, ``revision``,
``weights``, ``licence``, ``commercial_use``, ``seed``, ``preset``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from previz.core.cut import Cut

#: IPTC digital source types (https://cv.iptc.org/newscodes/digitalsourcetype/) used in credentials.
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = "trainedAlgorithmicMedia"
COMPOSITE = "compositeWithTrainedAlgorithmicMedia"
DIGITAL_CREATION = "digitalCreation"


@dataclass(frozen=True)
class ShotProvenance:
    """How the picture of one shot of the cut was made (its selected take's provenance)."""

    code: str
    take_number: int | None
    take_kind: str | None  # board, animatic, generated, imported; None: no take (board or slug)
    backend: str
    model: str
    revision: str = ""
    weights: dict[str, str] = field(default_factory=dict)  # weight file -> SHA-256
    licence: str = ""
    commercial_use: bool | None = None  # None: not recorded
    seed: int | None = None
    preset: str = ""  # the speed preset the take was made at (final, balanced, draft); "" not recorded
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # the whole record

    @property
    def generated(self) -> bool:
        """Made by a trained model (a diffusion backend), not drawn, animated or imported."""
        return bool(self.model) and self.backend != "animatic"

    @property
    def source_type(self) -> str:
        """The IPTC digital source type of this shot's picture."""
        return TRAINED if self.generated else DIGITAL_CREATION

    def note(self) -> str:
        """One line for editorial files (EDL comments, FCP XML clip comments): model and licence."""
        if not self.generated:
            what = "no model" if self.take_kind else "no take"
            return f"{self.backend or self.take_kind or 'board'} ({what}); {self.source_type}"
        use = {True: "commercial use allowed", False: "NON-COMMERCIAL", None: "licence unknown"}[
            self.commercial_use
        ]
        return f"model {self.model}; licence {self.licence or 'not recorded'} ({use}); {self.source_type}"

    def to_dict(self) -> dict[str, Any]:
        """What content credentials and reports state about the shot (no local paths)."""
        return {
            "shot": self.code,
            "take": self.take_number,
            "kind": self.take_kind or "none",
            "source_type": self.source_type,
            "backend": self.backend,
            "model": self.model,
            "revision": self.revision,
            "weights_sha256": dict(self.weights),
            "licence": self.licence,
            "commercial_use": self.commercial_use,
            "seed": self.seed,
            "preset": self.preset or None,
        }


def from_take(code: str, take_number: int | None, take_kind: str | None, provenance: dict) -> ShotProvenance:
    """A :class:`ShotProvenance` from a take's provenance record (missing fields read as unknown)."""
    p = dict(provenance or {})
    commercial = p.get("commercial_use")
    seed = p.get("seed")
    weights = p.get("weights")
    preset = p.get("preset")
    return ShotProvenance(
        code=code,
        take_number=take_number,
        take_kind=take_kind,
        backend=str(p.get("backend") or take_kind or ""),
        model=str(p.get("model") or "").strip(),
        revision=str(p.get("revision") or ""),
        weights={str(k): str(v) for k, v in weights.items()} if isinstance(weights, dict) else {},
        licence=str(p.get("licence") or ""),
        commercial_use=commercial if isinstance(commercial, bool) else None,
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        preset=preset if isinstance(preset, str) else "",
        raw=p,
    )


def read_provenance(session, cut: Cut) -> list[ShotProvenance]:
    """One :class:`ShotProvenance` per entry of ``cut``, in cut order (takes read in one query)."""
    ids = [e.take_id for e in cut.entries if e.take_id is not None]
    takes = {t.id: t for t in session.takes_by_id(ids)} if ids else {}
    out = []
    for entry in cut.entries:
        take = takes.get(entry.take_id) if entry.take_id is not None else None
        provenance = dict(take.provenance or {}) if take is not None else {}
        out.append(from_take(entry.code, entry.take_number, entry.take_kind, provenance))
    return out


def cut_source_type(shots: list[ShotProvenance]) -> str:
    """``trainedAlgorithmicMedia`` when every shot is generated, ``compositeWithTrainedAlgorithmicMedia``
    when generated shots are mixed with boards and animatics, ``digitalCreation`` when none is generated."""
    generated = sum(1 for s in shots if s.generated)
    if generated == 0:
        return DIGITAL_CREATION
    return TRAINED if generated == len(shots) else COMPOSITE
