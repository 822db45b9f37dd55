"""Test PKI made offline with ``cryptography``: a test CA and EC P-256 signing certificates (digitalSignature
key usage, emailProtection EKU) issued by it, written as PEM files for content-credentials tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc)


@dataclass
class TestPKI:
    ca: Path  # the CA certificate (trust anchor)
    chain: Path  # signing certificate, then the CA
    key: Path  # the signing key
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Studio"),
        ]
    )


def _usage(sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(sign, False, False, False, False, not sign, not sign, False, False)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_ca(folder: Path, name: str = "Test CA") -> TestPKI:
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(_pem(cert))
    return TestPKI(folder / "ca.pem", folder / "chain.pem", folder / "key.pem", key, cert)


def issue(
    pki: TestPKI,
    stem: str = "signer",
    *,
    days: tuple[int, int] = (-1, 365),
    digital_signature: bool = True,
    eku: bool = True,
    chain_order: str = "leaf-first",
) -> TestPKI:
    """An EC P-256 signing certificate issued by ``pki``'s CA, written as STEM_chain.pem / STEM_key.pem."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Test Signer {stem}"))
        .issuer_name(pki.ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + dt.timedelta(days=days[0]))
        .not_valid_after(NOW + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.ca_key.public_key()), critical=False
        )
    )
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    leaf = builder.sign(pki.ca_key, hashes.SHA256())
    folder = pki.ca.parent
    chain, key_path = folder / f"{stem}_chain.pem", folder / f"{stem}_key.pem"
    parts = [_pem(leaf), _pem(pki.ca_cert)]
    chain.write_bytes(b"".join(parts if chain_order == "leaf-first" else parts[::-1]))
    key_path.write_bytes(_key_pem(key))
    return TestPKI(pki.ca, chain, key_path, pki.ca_key, pki.ca_cert)


def other_key(folder: Path) -> Path:
    path = folder / "other_key.pem"
    path.write_bytes(_key_pem(ec.generate_private_key(ec.SECP256R1())))
    return path
