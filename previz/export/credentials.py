"""Content credentials (C2PA): the studio's signing identity, and signing an exported movie with a manifest
that says which shots are AI-generated and by what.

The identity is the studio's certificate chain and key (``previz credentials set``), or a signing command
for a key kept in an HSM, or, without either, a local identity Previz creates once per install (its own
small CA and signing certificate in the config folder): credentials signed with it are valid but not
trusted outside the studio unless its CA is given to the verifier (``previz verify --trust``).

An identity is checked before an export starts (expiry, key usage, chain order, the key matching the
certificate), so a bad one never costs a render. A movie is signed from the encoder's unsigned file into
the export's temporary name and only then renamed into place, so a reel is never published unsigned. No
timestamp authority is contacted unless one is configured.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from previz import __version__
from previz.core.errors import ExportError
from previz.export.files import temp_name
from previz.export.provenance import IPTC, ShotProvenance, cut_source_type

SHOTS_LABEL = "org.previz.shots"
MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".png": "image/png"}
#: Extended key usages c2pa accepts on a claim signer (c2pa-rs's default trust configuration).
SIGNING_EKUS = {
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.36": "documentSigning",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
    "1.3.6.1.4.1.311.76.59.1.9": "Microsoft document signing",
    "1.3.6.1.4.1.62558.2.1": "C2PA claim signing",
}
LOCAL_NOTE = "local identity: valid, but untrusted outside the studio"


class CredentialsError(ExportError):
    """A signing identity is unusable, or a file's content credentials cannot be read."""


def credentials_dir() -> Path:
    from previz.generation.model_folders import config_dir

    return config_dir() / "credentials"


# -- the identity ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A certificate chain (signing certificate first) with its key, or with a signing command."""

    chain_pem: bytes
    key_pem: bytes | None = None
    sign_command: tuple[str, ...] = ()  # reads the bytes to sign on stdin, writes the signature on stdout
    tsa_url: str | None = None
    local: bool = False
    where: str = ""  # the chain's file, for messages

    def certificates(self) -> list:
        from cryptography import x509

        try:
            certs = x509.load_pem_x509_certificates(self.chain_pem)
        except ValueError as exc:
            raise CredentialsError(
                f"{self.where}: not a PEM certificate chain ({exc}); give the signing certificate and its "
                "issuers in PEM"
            ) from exc
        if not certs:
            raise CredentialsError(f"{self.where}: holds no certificate; give a PEM certificate chain")
        return certs

    @property
    def subject(self) -> str:
        return self.certificates()[0].subject.rfc4514_string()

    @property
    def alg(self) -> str:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        key = self.certificates()[0].public_key()
        if isinstance(key, ec.EllipticCurvePublicKey):
            algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
            if key.curve.name in algs:
                return algs[key.curve.name]
        elif isinstance(key, rsa.RSAPublicKey):
            return "ps256"
        elif isinstance(key, ed25519.Ed25519PublicKey):
            return "ed25519"
        raise CredentialsError(
            f"{self.where}: the signing certificate's key type is not one C2PA signs with; use EC P-256, "
            "P-384, P-521, RSA or Ed25519"
        )

    def check(self, now: dt.datetime | None = None) -> None:
        """Refuse (CredentialsError naming the file and what to do) an identity c2pa would reject."""
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.x509.oid import ExtensionOID

        now = now or dt.datetime.now(dt.timezone.utc)
        certs = self.certificates()
        leaf = certs[0]
        for cert, issuer in zip(certs, certs[1:], strict=False):
            try:
                cert.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature) as exc:
                raise CredentialsError(
                    f"{self.where}: the certificate chain is in the wrong order ({_cn(cert)} is not "
                    f"issued by {_cn(issuer)}); put the signing certificate first, then each issuer after "
                    "the certificate it issued"
                ) from exc
        for cert in certs:
            if now < cert.not_valid_before_utc:
                raise CredentialsError(
                    f"{self.where}: the certificate {_cn(cert)} is not valid until "
                    f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; use a certificate valid now"
                )
            if now > cert.not_valid_after_utc:
                raise CredentialsError(
                    f"{self.where}: the certificate {_cn(cert)} expired on "
                    f"{cert.not_valid_after_utc:%Y-%m-%d}; renew it and run `previz credentials set`, or "
                    "export with --no-credentials"
                )
        if leaf.issuer == leaf.subject:
            raise CredentialsError(
                f"{self.where}: the signing certificate {_cn(leaf)} is self-signed; C2PA needs one issued "
                "by a CA (put the CA after it in the chain)"
            )
        try:
            constraints = leaf.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value
            if constraints.ca:
                raise CredentialsError(
                    f"{self.where}: the first certificate ({_cn(leaf)}) is a CA; put the signing "
                    "certificate first"
                )
        except x509.ExtensionNotFound:
            pass
        try:
            usage = leaf.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
            signs = usage.digital_signature
        except x509.ExtensionNotFound:
            signs = False
        if not signs:
            raise CredentialsError(
                f"{self.where}: the signing certificate {_cn(leaf)} lacks the digitalSignature key usage; "
                "ask the CA for a certificate that allows it"
            )
        try:
            ekus = {
                e.dotted_string
                for e in leaf.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value
            }
        except x509.ExtensionNotFound:
            ekus = set()
        if not ekus & set(SIGNING_EKUS) or "2.5.29.37.0" in ekus:
            raise CredentialsError(
                f"{self.where}: the signing certificate {_cn(leaf)} lacks an extended key usage C2PA accepts "
                f"(one of {', '.join(sorted(set(SIGNING_EKUS.values())))}; not anyExtendedKeyUsage); ask the "
                "CA for a document-signing certificate"
            )
        self.alg  # noqa: B018 - refuses key types C2PA cannot sign with
        if self.key_pem is not None:
            key = load_key(self.key_pem, self.where)
            if _public_der(key.public_key()) != _public_der(leaf.public_key()):
                raise CredentialsError(
                    f"{self.where}: the key does not match the signing certificate {_cn(leaf)}; give the key "
                    "that was certified"
                )
        elif not self.sign_command:
            raise CredentialsError(
                f"{self.where}: no key and no signing command; give --key or --sign-command"
            )

    def sign_bytes(self, data: bytes) -> bytes:
        """A signature of ``data`` by the signing command (DER for ECDSA), for a key Previz never holds."""
        try:
            done = subprocess.run(
                list(self.sign_command), input=data, capture_output=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CredentialsError(
                f"signing command {shlex.join(self.sign_command)}: could not run ({exc})"
            ) from exc
        if done.returncode != 0 or not done.stdout:
            why = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [
                f"exit {done.returncode}"
            ]
            raise CredentialsError(f"signing command {shlex.join(self.sign_command)}: failed ({why[0]})")
        return done.stdout

    def signer(self):
        import c2pa

        if self.key_pem is not None:
            info = c2pa.C2paSignerInfo(self.alg, self.chain_pem, self.key_pem, self.tsa_url)
            return c2pa.Signer.from_info(info)
        alg = c2pa.C2paSigningAlg[self.alg.upper()]
        return c2pa.Signer.from_callback(self.sign_bytes, alg, self.chain_pem.decode(), self.tsa_url)

    def describe(self) -> dict:
        leaf = self.certificates()[0]
        return {
            "subject": leaf.subject.rfc4514_string(),
            "issuer": leaf.issuer.rfc4514_string(),
            "valid_until": leaf.not_valid_after_utc.isoformat(),
            "local": self.local,
            "chain": self.where,
            "signing_command": shlex.join(self.sign_command) if self.sign_command else None,
            "timestamp_authority": self.tsa_url,
            "note": LOCAL_NOTE if self.local else "studio identity",
        }


def _cn(cert) -> str:
    from cryptography.x509.oid import NameOID

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return repr(str(names[0].value)) if names else cert.subject.rfc4514_string()


def _public_der(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_key(pem: bytes, where: str):
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise CredentialsError(
            f"{where}: the key is not an unencrypted PEM private key ({exc}); export it without a passphrase "
            "or use --sign-command"
        ) from exc


def _read(path: str | Path, what: str) -> bytes:
    path = Path(path).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CredentialsError(
            f"{path}: cannot read the {what} ({exc.strerror or exc}); check the path"
        ) from exc


# -- where identities live -----------------------------------------------------------------------------


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def set_identity(
    cert: str | Path,
    key: str | Path | None = None,
    *,
    sign_command: str | None = None,
    tsa_url: str | None = None,
) -> Identity:
    """Check and keep (copied into the config folder) the studio's identity; returns it."""
    if (key is None) == (sign_command is None):
        raise CredentialsError("credentials: give either --key KEY.pem or --sign-command CMD")
    command = tuple(shlex.split(sign_command)) if sign_command else ()
    identity = Identity(
        _read(cert, "certificate chain"),
        _read(key, "key") if key is not None else None,
        command,
        tsa_url or None,
        where=str(cert),
    )
    identity.check()
    if command:  # prove the command signs for this certificate before any export relies on it
        _check_command(identity)
    folder = credentials_dir() / "studio"
    folder.mkdir(parents=True, exist_ok=True)
    _write_private(folder / "chain.pem", identity.chain_pem)
    if identity.key_pem is not None:
        _write_private(folder / "key.pem", identity.key_pem)
    else:
        (folder / "key.pem").unlink(missing_ok=True)
    config = {"chain": "studio/chain.pem", "key": "studio/key.pem" if key is not None else None}
    config.update({"sign_command": list(command), "tsa_url": tsa_url or None})
    _write_private(credentials_dir() / "identity.json", json.dumps(config, indent=2).encode())
    return current_identity()


def use_local_identity() -> Identity:
    """Forget the studio identity: sign with this install's local identity again."""
    (credentials_dir() / "identity.json").unlink(missing_ok=True)
    shutil.rmtree(credentials_dir() / "studio", ignore_errors=True)
    return current_identity()


def _check_command(identity: Identity) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    probe = b"previz signing command check"
    signature = identity.sign_bytes(probe)
    public = identity.certificates()[0].public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        algo = {"es256": hashes.SHA256(), "es384": hashes.SHA384(), "es512": hashes.SHA512()}[identity.alg]
        try:
            public.verify(signature, probe, ec.ECDSA(algo))
        except (InvalidSignature, ValueError) as exc:
            raise CredentialsError(
                f"signing command {shlex.join(identity.sign_command)}: its signature does not verify with "
                f"{identity.where}; the command must sign with the certified key and print a DER signature"
            ) from exc


def current_identity() -> Identity:
    """The configured studio identity, else this install's local identity (created on first use)."""
    folder = credentials_dir()
    config_file = folder / "identity.json"
    if config_file.is_file():
        try:
            config = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CredentialsError(
                f"{config_file}: unreadable ({exc}); run `previz credentials set` again"
            ) from exc
        chain = folder / config["chain"]
        key = folder / config["key"] if config.get("key") else None
        return Identity(
            _read(chain, "certificate chain"),
            _read(key, "key") if key is not None else None,
            tuple(config.get("sign_command") or ()),
            config.get("tsa_url") or None,
            where=str(chain),
        )
    return local_identity()


def local_identity(now: dt.datetime | None = None) -> Identity:
    """This install's own identity: a local CA and a signing certificate it issued (made once, remade
    when expired)."""
    folder = credentials_dir() / "local"
    chain, key = folder / "chain.pem", folder / "key.pem"
    if chain.is_file() and key.is_file():
        identity = Identity(chain.read_bytes(), key.read_bytes(), local=True, where=str(chain))
        with contextlib.suppress(CredentialsError):
            identity.check(now)
            return identity
    ca_pem, chain_pem, key_pem = make_local_chain(now)
    folder.mkdir(parents=True, exist_ok=True)
    _write_private(folder / "ca.pem", ca_pem)
    _write_private(key, key_pem)
    _write_private(chain, chain_pem)
    return Identity(chain_pem, key_pem, local=True, where=str(chain))


def local_ca_path() -> Path:
    return credentials_dir() / "local" / "ca.pem"


def make_local_chain(now: dt.datetime | None = None) -> tuple[bytes, bytes, bytes]:
    """(CA PEM, chain PEM, key PEM) for a local identity named after this machine."""
    import socket

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = now or dt.datetime.now(dt.timezone.utc)
    host = socket.gethostname() or "localhost"

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Previz local identity ({host})"),
            ]
        )

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(sign, False, False, False, False, not sign, not sign, False, False)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name(f"Previz local CA {host}"))
        .issuer_name(name(f"Previz local CA {host}"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name(f"Previz {host}"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ca_pem = ca.public_bytes(pem)
    return ca_pem, leaf.public_bytes(pem) + ca_pem, key_pem


# -- signing -------------------------------------------------------------------------------------------


def manifest(title: str, shots: list[ShotProvenance], project: str = "") -> dict:
    """The C2PA manifest of an exported movie holding ``shots``: the ``c2pa.created`` action with the
    digital source type and Previz as software agent, and one record per shot (take, backend, model,
    weight SHA-256s, licence, commercial flag, seed, source type)."""
    agent = {"name": "Previz", "version": __version__}
    action = {
        "action": "c2pa.created",
        "digitalSourceType": IPTC + cut_source_type(shots),
        "softwareAgent": agent,
    }
    return {
        "claim_generator_info": [agent],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [action]}},
            {
                "label": SHOTS_LABEL,
                "data": {"version": 1, "project": project, "shots": [s.to_dict() for s in shots]},
            },
        ],
    }


def sign_movie(identity: Identity, source: Path, final: Path, claim: dict, signer=None) -> None:
    """Sign ``source`` (an MP4, MOV or PNG) with ``claim`` into ``final`` (which may be ``source``),
    through ``final``'s temporary name. ``signer``: one made by ``identity.signer()`` to reuse."""
    import c2pa

    mime = MIME.get(final.suffix.lower())
    if mime is None:
        raise CredentialsError(f"{final}: content credentials are embedded in .mp4, .m4v, .mov and .png only")
    temp = temp_name(final)
    try:
        context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
        own = signer is None
        signer = identity.signer() if own else signer
        try:
            with context, c2pa.Builder(claim, context=context) as builder:
                with source.open("rb") as src, temp.open("w+b") as dest:
                    builder.sign(signer, mime, src, dest)
        finally:
            if own:
                signer.close()
        os.replace(temp, final)
    except c2pa.C2paError as exc:
        raise CredentialsError(f"{final}: signing the content credentials failed ({exc})") from exc
    except OSError as exc:
        from previz.export.files import write_error

        raise write_error(final, exc) from exc
    finally:
        temp.unlink(missing_ok=True)


class Sealer:
    """What an export signs its movies with: the identity (None with ``--no-credentials``) and the cut's
    provenance. ``sealing(final)`` yields the path a writer should write; leaving it signs that file into
    ``final``."""

    def __init__(self, identity: Identity | None, shots: list[ShotProvenance], project: str = "") -> None:
        self.identity = identity
        self.shots = list(shots)
        self.project = project
        self.signed: list[Path] = []

    @classmethod
    def for_export(cls, enabled: bool, shots: list[ShotProvenance], project: str = "") -> Sealer:
        """Resolve and check the identity now (before anything is rendered); none when not ``enabled``."""
        if not enabled:
            return cls(None, shots, project)
        identity = current_identity()
        identity.check()
        return cls(identity, shots, project)

    @property
    def enabled(self) -> bool:
        return self.identity is not None

    @contextlib.contextmanager
    def sealing(self, final: Path, code: str | None = None) -> Iterator[Path]:
        """The unsigned file to write for ``final`` (``final`` itself when not signing); on success it is
        signed into ``final`` with the cut's shots, or only shot ``code``'s for a per-shot clip."""
        if self.identity is None:
            yield final
            return
        unsigned = final.with_name(f".{final.stem}.partial-{os.getpid()}{final.suffix}")
        try:
            try:
                yield unsigned
            except ExportError as exc:  # name the user's file, not the hidden one being written
                if str(unsigned) not in str(exc):
                    raise
                raise ExportError(str(exc).replace(str(unsigned), str(final))) from exc
            shots = [s for s in self.shots if s.code == code] if code is not None else self.shots
            sign_movie(self.identity, unsigned, final, manifest(final.name, shots, self.project))
            self.signed.append(final)
        finally:
            unsigned.unlink(missing_ok=True)

    def seal_sequence(
        self,
        folder: Path,
        pattern: str,
        count: int,
        leader: int,
        entries,
        progress=None,
        cancel=None,
    ) -> None:
        """Sign each image of a sequence in ``folder`` (``pattern % 1`` …) in place, with the shot(s) on
        that frame: the cut ``entries`` start after ``leader`` frames (a slate holds no shot)."""
        if self.identity is None:
            return
        by_code = {s.code: s for s in self.shots}
        spans = [(e.record_in + leader, e.record_out + leader, by_code.get(e.code)) for e in entries]
        with self.identity.signer() as signer:
            for index in range(count):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                path = folder / (pattern % (index + 1))
                shots = [s for start, end, s in spans if s is not None and start <= index < end]
                sign_movie(self.identity, path, path, manifest(path.name, shots, self.project), signer)
                if progress is not None and ((index + 1) % 24 == 0 or index + 1 == count):
                    progress(index + 1, count, f"{folder.name}: signing frame {index + 1} of {count}")
        self.signed.append(folder)

    def report(self) -> dict:
        """What the export's report and JSON say about its credentials."""
        if self.identity is None:
            return {"signed": False, "note": "no content credentials (--no-credentials)"}
        info = self.identity.describe()
        return {
            "signed": bool(self.signed),
            "signer": info["subject"],
            "local": self.identity.local,
            "source_type": cut_source_type(self.shots),
            "note": info["note"],
        }
