"""The department's key: created once, stored encrypted, imported from PKCS#12, exported."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from signing_helpers import make_p12

from desktop_app.errors import CertificateImportError, SigningKeyError
from desktop_app.services.records import record_pdf, signing


@pytest.fixture(autouse=True)
def secret_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "secrets"
    monkeypatch.setenv("XYHC_SECRET_DIR", str(folder))
    return folder


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _state(data_dir: Path, secret_dir: Path) -> tuple:
    """Everything on disk that an import must leave alone when it is refused."""
    files = sorted(
        (str(p.relative_to(root)), p.read_bytes())
        for root in (data_dir, secret_dir)
        if root.exists()
        for p in root.rglob("*")
        if p.is_file()
    )
    return tuple(files)


def test_first_use_creates_an_ec_key_and_ten_year_certificate(
    data_dir: Path, secret_dir: Path
) -> None:
    identity = signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    certificate = identity.certificate
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "市市场监管局"
    )
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "柳州市"
    )
    assert isinstance(identity.private_key, ec.EllipticCurvePrivateKey)
    years = (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days / 365.25
    assert 9.9 < years < 10.1
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert identity.source == "generated"
    # Asked again (another session), the same identity comes back.
    signing._identity_cache.clear()
    again = signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    assert again.fingerprint == identity.fingerprint


def test_private_key_is_encrypted_and_the_secret_lives_elsewhere(
    data_dir: Path, secret_dir: Path
) -> None:
    identity = signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    key_file = signing.keys_dir(data_dir) / identity.key_id / "key.pem"
    secret_file = secret_dir / f"{identity.key_id}.secret"
    pem = key_file.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert not secret_file.is_relative_to(data_dir)
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(pem, password=b"not the secret")
    key = serialization.load_pem_private_key(pem, password=secret_file.read_bytes().strip())
    assert key.public_key() == identity.certificate.public_key()
    if os.name == "posix":
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_copied_data_folder_without_the_secret_cannot_sign(
    data_dir: Path, secret_dir: Path
) -> None:
    identity = signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    (secret_dir / f"{identity.key_id}.secret").unlink()
    signing._identity_cache.clear()
    with pytest.raises(SigningKeyError, match="找不到签名密钥的口令文件") as error:
        signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    assert "cert import" in error.value.message
    # A wrong secret is named as such, too.
    (secret_dir / f"{identity.key_id}.secret").write_bytes(b"wrong\n")
    with pytest.raises(SigningKeyError, match="无法解密"):
        signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")


def test_import_pkcs12_replaces_the_key_and_keeps_the_old_certificate_trusted(
    data_dir: Path, secret_dir: Path, tmp_path: Path
) -> None:
    old = signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    certificate = make_p12(tmp_path / "dept.p12", b"p12-password")
    imported = signing.import_pkcs12(data_dir, tmp_path / "dept.p12", "p12-password")
    assert imported.source == "imported"
    assert imported.fingerprint == signing.certificate_fingerprint(certificate)
    assert isinstance(imported.private_key, rsa.RSAPrivateKey)
    signing._identity_cache.clear()
    active = signing.ensure_department_identity(data_dir, "ignored", "ignored")
    assert active.fingerprint == imported.fingerprint
    trusted = {signing.certificate_fingerprint(c) for c in signing.trusted_certificates(data_dir)}
    assert trusted == {old.fingerprint, imported.fingerprint}
    # The replaced key is gone; its certificate stays for verifying older records.
    old_folder = signing.keys_dir(data_dir) / old.key_id
    assert not (old_folder / "key.pem").exists()
    assert not (secret_dir / f"{old.key_id}.secret").exists()
    assert (old_folder / "cert.pem").exists()
    # The imported RSA key signs records that verify.
    pdf = record_pdf.print_check_record(record_pdf.specimen_record(1), imported)
    result = signing.verify_pdf(pdf, signing.trusted_certificates(data_dir))
    assert result["ok"], result["problems"]
    assert result["signer"]["key_type"] == "RSA-2048"
    (tmp_path / "rsa.pdf").write_bytes(pdf)
    out = subprocess.run(
        ["pdfsig", "-nocert", "-no-ocsp", str(tmp_path / "rsa.pdf")], capture_output=True, text=True
    ).stdout
    assert "Signature is Valid." in out


@pytest.mark.parametrize(
    ("kwargs", "password", "message"),
    [
        ({}, "wrong-password", "密码错误"),
        ({"days": (-400, -1)}, "p12-password", "不在有效期内"),
        ({"days": (5, 400)}, "p12-password", "不在有效期内"),
        (
            {
                "usage": {
                    "digital_signature": False,
                    "content_commitment": False,
                    "key_encipherment": True,
                }
            },
            "p12-password",
            "密钥用途不包括数字签名",
        ),
    ],
)
def test_refused_import_changes_nothing(
    data_dir: Path,
    secret_dir: Path,
    tmp_path: Path,
    kwargs: dict,
    password: str,
    message: str,
) -> None:
    signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    make_p12(tmp_path / "dept.p12", b"p12-password", **kwargs)
    before = _state(data_dir, secret_dir)
    with pytest.raises(CertificateImportError, match=message):
        signing.import_pkcs12(data_dir, tmp_path / "dept.p12", password)
    assert _state(data_dir, secret_dir) == before


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(tmp_path: Path) -> None:
    # cryptography will not even write such a PKCS#12 file, so check the rule itself.
    certificate = make_p12(tmp_path / "dept.p12", b"pw")
    with pytest.raises(CertificateImportError, match="私钥与证书不匹配"):
        signing._check_importable(rsa.generate_private_key(65537, 2048), certificate)


def test_import_of_a_file_that_is_not_pkcs12(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "cert.p12").write_bytes(b"-----BEGIN CERTIFICATE-----\nnonsense\n")
    with pytest.raises(CertificateImportError, match="不是 PKCS#12"):
        signing.import_pkcs12(data_dir, tmp_path / "cert.p12", "x")
    with pytest.raises(CertificateImportError, match="无法读取证书文件"):
        signing.import_pkcs12(data_dir, tmp_path / "missing.p12", "x")
    assert not data_dir.exists()


@pytest.mark.parametrize("suffix", [".pem", ".der", ".cer"])
def test_export_certificate(data_dir: Path, tmp_path: Path, suffix: str) -> None:
    identity = signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    out = signing.export_certificate(data_dir, tmp_path / f"dept{suffix}")
    data = out.read_bytes()
    if suffix == ".pem":
        certificate = x509.load_pem_x509_certificate(data)
    else:
        certificate = x509.load_der_x509_certificate(data)
    assert signing.certificate_fingerprint(certificate) == identity.fingerprint
    assert b"PRIVATE" not in data


def test_export_before_any_certificate_exists(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="还没有签名证书"):
        signing.export_certificate(data_dir, tmp_path / "dept.pem")
    assert not (tmp_path / "dept.pem").exists()


def test_trusted_folder_adds_certificates_and_skips_unreadable_files(
    data_dir: Path, tmp_path: Path
) -> None:
    own = signing.ensure_department_identity(data_dir, "柳州市", "市市场监管局")
    other = make_p12(tmp_path / "other.p12", b"pw")
    folder = signing.trusted_dir(data_dir)
    folder.mkdir(parents=True)
    (folder / "other.cer").write_bytes(other.public_bytes(serialization.Encoding.DER))
    (folder / "broken.pem").write_text("not a certificate")
    (folder / "notes.txt").write_text("ignored")
    trusted = {signing.certificate_fingerprint(c) for c in signing.trusted_certificates(data_dir)}
    assert trusted == {own.fingerprint, signing.certificate_fingerprint(other)}


def test_generated_identity_needs_names(data_dir: Path) -> None:
    with pytest.raises(SigningKeyError, match="需要地区和部门名称"):
        signing.ensure_department_identity(data_dir, "", "市市场监管局")
    assert not signing.keys_dir(data_dir).exists()
