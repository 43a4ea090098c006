"""The credit office's encryption key: feedback packages from the departments are encrypted to it.

CMS enveloped data as the `cryptography` package writes it takes RSA recipients only, so the
credit office's key is RSA (3072 bits) with a certificate whose key usage is key encipherment;
departments receive the certificate (`feedback office-cert export`) and configure it once
(`config trust-office CERT`). The key lives in the data folder like the signing key
(`services.records.signing`): `keys/office-<key_id>/key.pem` (PKCS#8, encrypted with a random
secret kept outside the data folder in `signing.secret_dir()/office-<key_id>.secret`),
`cert.pem` and `info.json`; `keys/office-active.json` names the key that departments should
encrypt to now. A replaced key keeps its private key: packages encrypted to it before the
change must still open. Backups carry these folders and, with `--with-key-secrets`, their
secrets, exactly as for the signing key.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import CertificateImportError, SigningKeyError
from desktop_app.services.records import signing

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

PREFIX = "office-"
ACTIVE_FILE = "office-active.json"
KEY_BITS = 3072
CERTIFICATE_YEARS = 10


@dataclass
class OfficeKey:
    """One of the credit office's encryption keys, unlocked."""

    key_id: str
    certificate: x509.Certificate
    private_key: RSAPrivateKey
    active: bool

    @property
    def fingerprint(self) -> str:
        return signing.certificate_fingerprint(self.certificate)

    def describe(self) -> dict[str, Any]:
        return {
            **signing.describe_certificate(self.certificate),
            "key_id": self.key_id,
            "active": self.active,
        }


def _folder(data_dir: Path, key_id: str) -> Path:
    if not key_id or any(c in key_id for c in "/\\") or key_id.startswith("."):
        raise SigningKeyError(f"信用办加密证书编号“{key_id}”无效，请由信息科重新生成或导入。")
    return signing.keys_dir(data_dir) / f"{PREFIX}{key_id}"


def _secret_file(key_id: str) -> Path:
    # Named like the folder, so that backups carry it like a signing key's secret.
    return signing.secret_dir() / f"{PREFIX}{key_id}.secret"


def active_key_id(data_dir: Path) -> str | None:
    """The key departments should encrypt to now (None: this PC has none)."""
    path = signing.keys_dir(data_dir) / ACTIVE_FILE
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise SigningKeyError(
            f"无法读取“{path}”（{error}），请由信息科检查信用办加密证书目录。"
        ) from error
    key_id = value.get("key_id") if isinstance(value, dict) else None
    if not isinstance(key_id, str) or not _folder(data_dir, key_id).is_dir():
        raise SigningKeyError(
            f"信用办加密证书目录已损坏（{ACTIVE_FILE} 指向不存在的证书）。"
            "请由信息科重新生成（feedback office-cert new）或导入加密证书。"
        )
    return key_id


def active_certificate(data_dir: Path) -> x509.Certificate | None:
    """The certificate departments encrypt to (without unlocking the key)."""
    key_id = active_key_id(data_dir)
    if key_id is None:
        return None
    return _certificate(data_dir, key_id)


def _certificate(data_dir: Path, key_id: str) -> x509.Certificate:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate((_folder(data_dir, key_id) / "cert.pem").read_bytes())
    except (OSError, ValueError) as error:
        raise SigningKeyError(
            f"信用办加密证书“{key_id}”的证书文件缺失或已损坏，请由信息科重新生成或导入。"
        ) from error


def key_ids(data_dir: Path) -> list[str]:
    """Every encryption key this PC holds, oldest first (their ids start with the date)."""
    root = signing.keys_dir(data_dir)
    if not root.is_dir():
        return []
    return sorted(
        path.name[len(PREFIX) :]
        for path in root.iterdir()
        if path.is_dir() and path.name.startswith(PREFIX) and (path / "cert.pem").is_file()
    )


def load_keys(data_dir: Path) -> list[OfficeKey]:
    """Every encryption key of this PC, unlocked, the active one first. A key whose secret
    is missing (a data folder copied without it) is skipped; none at all is an error."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    active = active_key_id(data_dir)
    found: list[OfficeKey] = []
    problems: list[str] = []
    for key_id in key_ids(data_dir):
        folder = _folder(data_dir, key_id)
        try:
            secret = _secret_file(key_id).read_bytes().strip()
            key = serialization.load_pem_private_key((folder / "key.pem").read_bytes(), secret)
        except FileNotFoundError as error:
            problems.append(f"“{key_id}”缺少{Path(error.filename or '').name}")
            continue
        except (OSError, ValueError, TypeError):
            problems.append(f"“{key_id}”的私钥无法解密")
            continue
        if not isinstance(key, rsa.RSAPrivateKey):
            problems.append(f"“{key_id}”不是 RSA 密钥")
            continue
        found.append(OfficeKey(key_id, _certificate(data_dir, key_id), key, key_id == active))
    if not found:
        detail = f"（{'；'.join(problems)}）" if problems else ""
        raise SigningKeyError(
            f"本机没有可用的信用办加密证书{detail}，无法解密反馈包。请由管理员生成"
            "（feedback office-cert new）并把证书发给各部门，或把原电脑的密钥口令文件复制到"
            f"{signing.secret_dir()}。"
        )
    found.sort(key=lambda k: not k.active)
    return found


def generate(data_dir: Path, name: str) -> OfficeKey:
    """Create a new RSA encryption key and self-signed certificate (CN = `name`) and make it
    the one departments encrypt to; earlier keys stay, to open packages made for them."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    if not name.strip():
        raise SigningKeyError("生成信用办加密证书需要单位名称，例如“柳州市信用办”。")
    key = rsa.generate_private_key(65537, KEY_BITS)
    certificate = signing.self_signed_certificate(
        key, name.strip(), f"{name.strip()} 反馈包加密证书", encryption=True
    )
    return _install(data_dir, key, certificate, {"source": "generated", "name": name.strip()})


def import_pkcs12(data_dir: Path, path: Path, password: str | None) -> OfficeKey:
    """Make an RSA key and certificate from a PKCS#12 file (e.g. issued by a CA) the key
    departments encrypt to. Refused when it is not RSA or its usage excludes encryption."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    key, certificate, _ = signing.read_pkcs12(Path(path), password)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateImportError(
            "反馈包只能加密给 RSA 证书（CMS 标准工具的要求）：请向发证机构索取 RSA 加密证书。"
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.key_encipherment:
        raise CertificateImportError(
            "该证书的密钥用途不包括密钥加密（keyEncipherment），不能用来接收加密的反馈包。"
        )
    return _install(data_dir, key, certificate, {"source": "imported", "file": Path(path).name})


def export_certificate(data_dir: Path, out: Path) -> Path:
    """Write the certificate departments encrypt to: DER for `.cer`/`.der`, PEM otherwise."""
    from cryptography.hazmat.primitives import serialization

    certificate = active_certificate(data_dir)
    if certificate is None:
        raise SigningKeyError(
            "本机还没有信用办加密证书：请先生成（feedback office-cert new，或在首次设置中"
            "选择“信用办”）。"
        )
    encoding = (
        serialization.Encoding.DER
        if Path(out).suffix.lower() in (".cer", ".der")
        else serialization.Encoding.PEM
    )
    from desktop_app.services.output import write_output

    return write_output(Path(out), certificate.public_bytes(encoding))


def _install(
    data_dir: Path, key: RSAPrivateKey, certificate: x509.Certificate, info: dict[str, Any]
) -> OfficeKey:
    key_id = f"{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}"
    folder = _folder(data_dir, key_id)
    secret_file = _secret_file(key_id)
    try:
        signing.write_key_files(
            folder, secret_file, key, [certificate], {**info, "purpose": "feedback_encryption"}
        )
        active = signing.keys_dir(data_dir) / ACTIVE_FILE
        signing.write_atomic(active, json.dumps({"key_id": key_id}).encode())
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        secret_file.unlink(missing_ok=True)
        raise SigningKeyError(
            f"无法保存信用办加密证书（{error.strerror or error}）。请检查数据目录是否可写。"
        ) from error
    return OfficeKey(key_id, certificate, key, True)
