"""Test helpers for signing: a PKCS#12 file like the one a CA hands out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def make_p12(
    path: Path,
    password: bytes,
    *,
    usage: dict[str, bool] | None = None,
    days: tuple[int, int] = (-1, 365),
) -> x509.Certificate:
    """A PKCS#12 file with an RSA key and a certificate like a CA would issue."""
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "柳州市"),
            x509.NameAttribute(NameOID.COMMON_NAME, "柳州市市场监督管理局"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    flags = dict(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    flags.update(usage or {})
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.KeyUsage(**flags), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"dept",
            key,
            certificate,
            None,
            serialization.BestAvailableEncryption(password),
        )
    )
    return certificate
