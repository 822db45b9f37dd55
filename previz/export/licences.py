"""Which models made the clips of a cut, under which licences, and the commercial-use check.

Read from each selected take's provenance as ``previz.generation`` writes it (``backend``, ``model``,
``licence``, ``commercial_use``). Takes without a model (animatics, boards, imports) and shots without
a take are reported as "animatic (no model)"-style groups that never block a commercial export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from previz.core.cut import Cut
from previz.core.errors import ExportError
from previz.export.provenance import ShotProvenance, read_provenance

NO_MODEL = "animatic (no model)"


@dataclass
class ModelLicence:
    """One model (or kind of picture without a model) and the shots of the cut it made."""

    model: str
    licence: str
    commercial_use: bool | None  # None: unknown (a model clip whose provenance lacks the licence)
    shots: list[str] = field(default_factory=list)

    @property
    def blocks_commercial(self) -> bool:
        return self.model != NO_MODEL and self.commercial_use is not True

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "licence": self.licence,
            "commercial_use": self.commercial_use,
            "shots": list(self.shots),
        }

    def line(self) -> str:
        n = len(self.shots)
        if not self.licence and self.commercial_use is True:
            return f"{self.model}; {n} shot{'s' * (n != 1)}"
        use = {True: "commercial use allowed", False: "NON-COMMERCIAL", None: "licence unknown"}[
            self.commercial_use
        ]
        return f"{self.model}: {self.licence or 'no licence recorded'} ({use}); {n} shot{'s' * (n != 1)}"


def _group(take_kind: str | None, provenance: dict) -> tuple[str, str, bool | None]:
    model = str(provenance.get("model") or "").strip()
    if not model:
        if take_kind is None:
            return "no take (board or slug)", "", True
        backend = str(provenance.get("backend") or take_kind or "")
        if backend in ("", "animatic"):
            return NO_MODEL, "", True
        return f"{backend} (no model)", "", True
    commercial = provenance.get("commercial_use")
    licence = str(provenance.get("licence") or "")
    return model, licence, commercial if isinstance(commercial, bool) else None


def licence_report(session, cut: Cut, shots: list[ShotProvenance] | None = None) -> list[ModelLicence]:
    """The models (and model-free picture kinds) behind the cut, in order of first appearance; from the
    export's one provenance reader (``shots``, read here when not given)."""
    groups: dict[tuple[str, str, bool | None], ModelLicence] = {}
    for shot in shots if shots is not None else read_provenance(session, cut):
        key = _group(shot.take_kind, shot.raw)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ModelLicence(*key)
        group.shots.append(shot.code)
    return list(groups.values())


def check_commercial(report: list[ModelLicence]) -> None:
    """Refuse (ExportError naming the shots) when a clip comes from a model that forbids commercial
    use, or whose licence is not recorded."""
    blocked = [g for g in report if g.blocks_commercial]
    if not blocked:
        return
    parts = []
    for g in blocked:
        why = "forbids commercial use" if g.commercial_use is False else "has no recorded licence"
        parts.append(f"{', '.join(g.shots)} (model {g.model}, {g.licence or 'licence unknown'}, {why})")
    raise ExportError(
        "commercial export refused: shots made by a model whose licence does not allow commercial use: "
        + "; ".join(parts)
        + ". Select another take or regenerate these shots with a commercially licensed model"
    )
