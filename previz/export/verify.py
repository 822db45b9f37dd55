"""Reading a file's content credentials back: who signed, whether the manifest is valid (and trusted, given
a trust anchor), and the shots it lists with their source type, model and licence.

A manifest from another tool is read and shown (its actions and source type), not rejected; only a file
without credentials, or one that is not media at all, is an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previz.export.credentials import SHOTS_LABEL, CredentialsError
from previz.export.provenance import IPTC


@dataclass
class Verification:
    path: Path
    state: str  # "trusted", "valid" (signature sound, signer not trusted here) or "invalid"
    signer: str
    issuer: str
    generator: str
    source_type: str
    signed_at: str | None = None
    failures: list[dict[str, str]] = field(default_factory=list)  # {"code", "explanation"}
    shots: list[dict[str, Any]] = field(default_factory=list)
    previz: bool = True  # the manifest was made by Previz (has the shot list)

    @property
    def ok(self) -> bool:
        return self.state in ("valid", "trusted")

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "state": self.state,
            "signer": self.signer,
            "issuer": self.issuer,
            "generator": self.generator,
            "source_type": self.source_type,
            "signed_at": self.signed_at,
            "failures": list(self.failures),
            "shots": list(self.shots),
            "made_by_previz": self.previz,
        }

    def lines(self) -> list[str]:
        state = {
            "trusted": "valid and trusted",
            "valid": "valid (signer not trusted here; pass --trust CA.pem to check it against your CA)",
            "invalid": "INVALID",
        }[self.state]
        out = [
            f"{self.path}: content credentials {state}",
            f"signed by: {self.signer} (issuer {self.issuer})"
            + (f" at {self.signed_at}" if self.signed_at else ""),
            f"made with: {self.generator}",
            f"source type: {self.source_type or 'not stated'}",
        ]
        out += [f"failure: {f['code']}: {f['explanation']}" for f in self.failures]
        if not self.previz:
            out.append("shots: none listed (manifest made by another tool)")
        for s in self.shots:
            licence = s.get("licence") or "no licence recorded"
            use = {True: "commercial use allowed", False: "non-commercial", None: "licence unknown"}[
                s.get("commercial_use") if isinstance(s.get("commercial_use"), bool) else None
            ]
            model = s.get("model") or f"{s.get('backend') or s.get('kind')} (no model)"
            take = f" take {s['take']}" if s.get("take") is not None else ""
            out.append(f"  {s.get('shot')}{take}: {s.get('source_type')}, {model}, {licence} ({use})")
        return out


def _settings(trust: bytes | None) -> dict:
    settings: dict[str, Any] = {"verify": {"verify_trust": True}}
    if trust:
        settings["trust"] = {"trust_anchors": trust.decode("ascii", errors="replace")}
    return settings


def verify_file(path: str | Path, trust: str | Path | None = None) -> Verification:
    """The content credentials of ``path`` checked (against ``trust``, a PEM of CA certificates, when
    given). CredentialsError when the file is unreadable, not media, or carries no credentials."""
    import c2pa

    path = Path(path).expanduser()
    if not path.is_file():
        raise CredentialsError(f"{path}: no such file; give the path of an exported movie")
    anchors = None
    if trust is not None:
        try:
            anchors = Path(trust).expanduser().read_bytes()
        except OSError as exc:
            raise CredentialsError(f"{trust}: cannot read the trust anchors ({exc.strerror or exc})") from exc
        if b"-----BEGIN CERTIFICATE-----" not in anchors:
            raise CredentialsError(f"{trust}: holds no PEM certificate; give the CA certificate(s) in PEM")
    try:
        with c2pa.Context.from_dict(_settings(anchors)) as context, path.open("rb") as fh:
            reader = c2pa.Reader(_mime(path), fh, context=context)
            with reader:
                store = json.loads(reader.json())
                state = (reader.get_validation_state() or "Invalid").lower()
    except c2pa.C2paError.ManifestNotFound as exc:
        raise CredentialsError(f"{path}: no content credentials (no C2PA manifest in this file)") from exc
    except c2pa.C2paError as exc:
        text = str(exc)
        if "JUMBF" in text or "not found" in text.lower():
            raise CredentialsError(f"{path}: no content credentials (no C2PA manifest in this file)") from exc
        raise CredentialsError(
            f"{path}: not a file that can carry content credentials, or unreadable ({text}); give an "
            "exported movie or image"
        ) from exc
    except OSError as exc:
        raise CredentialsError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return _summarise(path, store, state)


def _mime(path: Path) -> str | None:
    from previz.export.credentials import MIME

    return MIME.get(path.suffix.lower()) or {".png": "image/png", ".jpg": "image/jpeg"}.get(
        path.suffix.lower()
    )


def _summarise(path: Path, store: dict, state: str) -> Verification:
    active = store.get("manifests", {}).get(store.get("active_manifest") or "", {})
    info = active.get("signature_info") or {}
    generators = active.get("claim_generator_info") or []
    generator = ", ".join(
        f"{g.get('name', '?')} {g.get('version', '')}".strip() for g in generators if isinstance(g, dict)
    ) or str(active.get("claim_generator") or "unknown")
    source_type, shots, previz = "", [], False
    for assertion in active.get("assertions") or []:
        label, data = assertion.get("label", ""), assertion.get("data") or {}
        if label.startswith("c2pa.actions"):
            for action in data.get("actions") or []:
                if action.get("action") == "c2pa.created" and action.get("digitalSourceType"):
                    source_type = str(action["digitalSourceType"]).removeprefix(IPTC)
        elif label == SHOTS_LABEL:
            shots, previz = list(data.get("shots") or []), True
    results = store.get("validation_results", {}).get("activeManifest", {})
    failures = [
        {"code": str(f.get("code", "")), "explanation": str(f.get("explanation", ""))}
        for f in (results.get("failure") or [])
    ]
    if state not in ("trusted", "valid"):
        state = "invalid"
    if state == "valid":  # "valid" already says the signer is not trusted here
        failures = [f for f in failures if f["code"] != "signingCredential.untrusted"]
    return Verification(
        path=path,
        state=state,
        signer=str(info.get("common_name") or info.get("issuer") or "unknown"),
        issuer=str(info.get("issuer") or "unknown"),
        generator=generator,
        source_type=source_type,
        signed_at=info.get("time"),
        failures=failures,
        shots=shots,
        previz=previz,
    )
