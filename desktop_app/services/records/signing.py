"""The department's signing key, PAdES signatures on check records, and their verification.

Keys live in `data_dir/keys/`:

    keys/active.json            which identity signs now: {"key_id": "..."}
    keys/<key_id>/key.pem       the private key, PKCS#8 PEM, encrypted (BestAvailableEncryption)
    keys/<key_id>/cert.pem      its certificate (then any chain certificates from a PKCS#12)
    keys/<key_id>/info.json     source (generated | imported), jurisdiction, department, time
    keys/trusted/               certificates IT adds for verification (PEM or DER)

Identities replaced by a key change keep their folder (certificate only: the old key is
deleted), so records they signed still verify.

The passphrase of `key.pem` is a random 256-bit secret in a separate file, `<key_id>.secret`,
in `secret_dir()` — outside the data folder, created with mode 0600. What this protects, and
what it does not: a copy of the data folder (a backup on a USB stick, a folder copied to another
PC) does not contain the secret, so the key in it cannot be used to sign. Anyone who can read
the secret file on this machine (the same OS account, or an administrator) can use the key:
this is not a hardware token. On Windows the 0600 mode is not enforced; the file sits in the
user's profile, which Windows already keeps private to that account.

pyHanko and cryptography take about a second to import, so they are imported inside the
functions that need them, never when the window starts.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import APP_ID
from desktop_app.errors import CertificateImportError, SigningKeyError

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

# Custom keys of the PDF document information dictionary that carry the record's identity.
INFO_RECORD_NUMBER = "/XyhcRecordNumber"
INFO_RECORD_VERSION = "/XyhcRecordVersion"
INFO_RECORD_HASH = "/XyhcRecordHash"

SIGNATURE_FIELD = "XyhcRecordSignature"
CERTIFICATE_YEARS = 10
TRUSTED_SUFFIXES = (".pem", ".crt", ".cer", ".der")

_ACTIVE_FILE = "active.json"
# Identities already decrypted in this process, by key folder: signing reuses the loaded key.
_identity_cache: dict[Path, SigningIdentity] = {}


def keys_dir(data_dir: Path) -> Path:
    """The folder of the department's keys and certificates inside the data folder."""
    return Path(data_dir) / "keys"


def trusted_dir(data_dir: Path) -> Path:
    """Where IT puts extra certificates whose signatures `verify` accepts."""
    return keys_dir(data_dir) / "trusted"


def secret_dir() -> Path:
    """Where the key passphrases live: outside every data folder, private to this account.

    `XYHC_SECRET_DIR` overrides it (tests; an office that shares one data folder between
    several Windows accounts points them all to one protected folder).
    """
    override = os.environ.get("XYHC_SECRET_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return base / f"{APP_ID}-secrets"
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / APP_ID / "secrets"


@dataclass
class SigningIdentity:
    """A department's certificate with its decrypted private key, ready to sign."""

    key_id: str
    certificate: x509.Certificate
    private_key: PrivateKeyTypes
    chain: list[x509.Certificate] = field(default_factory=list)
    source: str = "generated"  # generated | imported
    _signer: Any = field(default=None, repr=False)

    @property
    def subject(self) -> str:
        """The certificate subject as printed, e.g. `CN=市市场监管局, O=柳州市`."""
        return certificate_subject(self.certificate)

    @property
    def common_name(self) -> str:
        return _name_attribute(self.certificate, "COMMON_NAME") or self.subject

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the certificate, upper-case hex."""
        return certificate_fingerprint(self.certificate)

    def describe(self) -> dict[str, Any]:
        """What `cert show` prints: subject, issuer, validity, fingerprint, key type, source."""
        return {
            **describe_certificate(self.certificate),
            "key_id": self.key_id,
            "source": self.source,
        }

    def pyhanko_signer(self) -> Any:
        """The pyHanko signer for this identity, built once and reused for every signature."""
        if self._signer is None:
            from asn1crypto import keys as asn1_keys
            from asn1crypto import x509 as asn1_x509
            from cryptography.hazmat.primitives import serialization
            from pyhanko_certvalidator.registry import SimpleCertificateStore

            key_der = self.private_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            registry = SimpleCertificateStore()
            registry.register_multiple(_to_asn1(cert) for cert in self.chain)
            self._signer = _loaded_key_signer_class()(
                signing_cert=asn1_x509.Certificate.load(_der(self.certificate)),
                signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                cert_registry=registry,
            )
            self._signer.loaded_key = self.private_key
        return self._signer


@functools.cache
def _loaded_key_signer_class() -> type:
    """pyHanko's SimpleSigner, signing with the key object already loaded.

    SimpleSigner re-loads the private key from DER for every signature; for an RSA-3072 key
    that costs ~120 ms here, while the RSA operation itself takes ~1 ms.
    """
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class LoadedKeySigner(signers.SimpleSigner):
        loaded_key: Any = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            key = self.loaded_key
            if mechanism.signature_algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, padding.PKCS1v15(), hash_algorithm)
            if mechanism.signature_algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(hash_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return LoadedKeySigner


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 fingerprint (upper-case hex, no separators) of a certificate."""
    from cryptography.hazmat.primitives import hashes

    return certificate.fingerprint(hashes.SHA256()).hex().upper()


def certificate_subject(certificate: x509.Certificate) -> str:
    """The subject as `CN=…, O=…, …`, most specific first, Chinese kept as it is."""
    return _format_name(certificate.subject)


def describe_certificate(certificate: x509.Certificate) -> dict[str, Any]:
    """A certificate's facts as JSON-ready values (for `cert show` and `verify`)."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    public_key = certificate.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        key_type = f"RSA-{public_key.key_size}"
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        key_type = f"EC-{public_key.curve.name}"
    else:
        key_type = type(public_key).__name__
    return {
        "subject": certificate_subject(certificate),
        "common_name": _name_attribute(certificate, "COMMON_NAME"),
        "organization": _name_attribute(certificate, "ORGANIZATION_NAME"),
        "issuer": _format_name(certificate.issuer),
        "self_signed": certificate.issuer == certificate.subject,
        "serial": format(certificate.serial_number, "X"),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "fingerprint_sha256": certificate_fingerprint(certificate),
        "key_type": key_type,
    }


def ensure_department_identity(
    data_dir: Path, jurisdiction: str, department: str
) -> SigningIdentity:
    """The data folder's signing identity; on first use, create a key and certificate.

    A data folder belongs to one department (IT sets it up once): the names given here are
    used only when no identity exists yet (CN = department, O = jurisdiction). A generated key
    is EC P-256 (pyHanko and poppler's pdfsig both validate it, and it signs in milliseconds);
    its self-signed certificate is valid for ten years, for digital signature and
    non-repudiation. Raises `SigningKeyError` if the key exists but cannot be unlocked.
    """
    active = _active_key_id(data_dir)
    if active is None:
        return generate_department_identity(data_dir, jurisdiction, department)
    return load_identity(data_dir, active)


def generate_department_identity(
    data_dir: Path, jurisdiction: str, department: str
) -> SigningIdentity:
    """Create a new key and self-signed certificate and make it the active identity.

    An identity that was active before keeps its certificate (records it signed still verify)
    but loses its private key.
    """
    from cryptography.hazmat.primitives.asymmetric import ec

    if not jurisdiction.strip() or not department.strip():
        raise SigningKeyError("创建签名证书需要地区和部门名称，请先在设置中填写本机的地区和部门。")
    private_key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_signed_certificate(private_key, jurisdiction, department)
    info = {"source": "generated", "jurisdiction": jurisdiction, "department": department}
    return _install_identity(data_dir, private_key, certificate, [], info)


def import_pkcs12(data_dir: Path, p12_path: Path, password: str | bytes | None) -> SigningIdentity:
    """Make the department's real certificate (a PKCS#12 file from IT) the active identity.

    Refused with `CertificateImportError` (and nothing changed) when the file cannot be opened
    with the password, holds no key or certificate, the key does not belong to the
    certificate, the certificate is not valid today, or its key usage does not allow signing.
    """
    path = Path(p12_path)
    private_key, certificate, extra = read_pkcs12(path, password)
    _check_importable(private_key, certificate)
    info = {
        "source": "imported",
        "jurisdiction": _name_attribute(certificate, "ORGANIZATION_NAME"),
        "department": _name_attribute(certificate, "COMMON_NAME"),
        "file": path.name,
    }
    return _install_identity(data_dir, private_key, certificate, extra, info)


def self_signed_certificate(
    private_key: Any, organization: str, common_name: str, *, encryption: bool = False
) -> x509.Certificate:
    """A self-signed certificate (C = CN, O = `organization`, CN = `common_name`) valid for
    `CERTIFICATE_YEARS`, whose key may sign (digitalSignature, nonRepudiation) or, with
    `encryption`, only encrypt keys (keyEncipherment, as CMS recipients need)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        # A little slack for PCs whose clocks run slightly behind.
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now.replace(year=now.year + CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not encryption,
                content_commitment=not encryption,
                key_encipherment=encryption,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False
        )
        .sign(private_key, hashes.SHA256())
    )


def read_pkcs12(path: Path, password: str | bytes | None) -> tuple[Any, x509.Certificate, list]:
    """The private key, certificate and further certificates of a PKCS#12 file; refused with
    `CertificateImportError` when it cannot be read or opened, or lacks the key or certificate."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        data = path.read_bytes()
    except OSError as error:
        raise CertificateImportError(
            f"无法读取证书文件“{path}”：{error.strerror or error}。请检查文件路径。",
            path=str(path),
        ) from error
    secret = password.encode("utf-8") if isinstance(password, str) else password
    try:
        private_key, certificate, extra = pkcs12.load_key_and_certificates(data, secret or None)
    except (ValueError, TypeError) as error:
        raise CertificateImportError(
            "无法打开证书文件：密码错误，或文件不是 PKCS#12（.p12/.pfx）格式。请核对密码后重试。",
            path=str(path),
        ) from error
    if private_key is None or certificate is None:
        raise CertificateImportError(
            "证书文件中没有私钥或证书。请向发证机构索取包含私钥的 PKCS#12（.p12/.pfx）文件。",
            path=str(path),
        )
    return private_key, certificate, list(extra)


def export_certificate(data_dir: Path, out_path: Path) -> Path:
    """Write the active certificate for verifiers: DER for `.der`/`.cer`, PEM otherwise."""
    from cryptography.hazmat.primitives import serialization

    active = _active_key_id(data_dir)
    if active is None:
        raise SigningKeyError(
            "本机还没有签名证书。首次打印核查记录时会自动创建，或由信息科导入部门证书。"
        )
    certificate = _identity_certificates(data_dir, active)[0]
    out = Path(out_path)
    encoding = (
        serialization.Encoding.DER
        if out.suffix.lower() in (".der", ".cer")
        else serialization.Encoding.PEM
    )
    try:
        out.write_bytes(certificate.public_bytes(encoding))
    except OSError as error:
        raise SigningKeyError(
            f"无法写入“{out}”：{error.strerror or error}。请换一个位置保存。"
        ) from error
    return out


def active_certificate(data_dir: Path) -> x509.Certificate | None:
    """The certificate of the active identity, without unlocking its key (None if none)."""
    active = _active_key_id(data_dir)
    if active is None:
        return None
    return _identity_certificates(data_dir, active)[0]


def trusted_certificates(data_dir: Path) -> list[x509.Certificate]:
    """The certificates whose signatures this office accepts.

    The active one, every one it replaced (so older records still verify), and any certificate
    IT placed in `keys/trusted/` (another department's, or a CA's). Unreadable files there are
    skipped: verification then reports the signer as untrusted rather than failing.
    """
    found: dict[str, x509.Certificate] = {}
    root = keys_dir(data_dir)
    if root.is_dir():
        for cert_file in sorted(root.glob("*/cert.pem")):
            if cert_file.parent.name.startswith("office-"):
                continue  # a credit office's encryption key (exchange.office_key) signs nothing
            certificates = _read_certificates(cert_file)
            if certificates:
                found.setdefault(certificate_fingerprint(certificates[0]), certificates[0])
    extra = trusted_dir(data_dir)
    if extra.is_dir():
        for path in sorted(extra.iterdir()):
            if path.suffix.lower() in TRUSTED_SUFFIXES and path.is_file():
                for certificate in _read_certificates(path):
                    found.setdefault(certificate_fingerprint(certificate), certificate)
    return list(found.values())


def load_identity(data_dir: Path, key_id: str) -> SigningIdentity:
    """Unlock identity `key_id` of the data folder (cached for the life of the process)."""
    from cryptography.hazmat.primitives import serialization

    folder = _identity_dir(data_dir, key_id)
    cache_key = folder.resolve()
    if cache_key in _identity_cache:
        return _identity_cache[cache_key]
    secret_file = secret_dir() / f"{key_id}.secret"
    try:
        secret = secret_file.read_bytes().strip()
    except FileNotFoundError as error:
        raise SigningKeyError(
            f"找不到签名密钥的口令文件“{secret_file}”，无法签名。若数据目录是从其他电脑复制或"
            "恢复的，请把原电脑上的该文件复制到同一位置；或由信息科导入部门证书（cert import）"
            "或生成新证书（cert new）。",
            secret_file=str(secret_file),
        ) from error
    certificates = _identity_certificates(data_dir, key_id)
    try:
        private_key = serialization.load_pem_private_key((folder / "key.pem").read_bytes(), secret)
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(
            f"签名私钥“{folder / 'key.pem'}”无法解密或已损坏（口令文件不匹配）。"
            "请由信息科重新导入部门证书（cert import）或生成新证书（cert new）。"
        ) from error
    info = _read_json(folder / "info.json") or {}
    identity = SigningIdentity(
        key_id=key_id,
        certificate=certificates[0],
        private_key=private_key,
        chain=certificates[1:],
        source=str(info.get("source", "generated")),
    )
    _identity_cache[cache_key] = identity
    return identity


def sign_pdf(pdf_bytes: bytes, identity: SigningIdentity) -> bytes:
    """Sign a PDF (PAdES baseline B, SHA-256) with the identity; returns the signed file.

    The signature is an invisible field: the visible signature block is part of the page
    drawn by `record_pdf`. Space for the signature is reserved from the certificate sizes so
    that pyHanko signs once instead of doing a sizing dry run first.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    now = dt.datetime.now(dt.UTC)
    not_after = identity.certificate.not_valid_after_utc
    if now > not_after or now < identity.certificate.not_valid_before_utc:
        raise SigningKeyError(
            f"部门签名证书的有效期为 {identity.certificate.not_valid_before_utc:%Y-%m-%d} 至 "
            f"{not_after:%Y-%m-%d}，今天不在有效期内，无法签名。请由信息科导入新证书。"
        )
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="失信联合惩戒核查记录",
    )
    certificate_bytes = sum(len(_der(cert)) for cert in [identity.certificate, *identity.chain])
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    # pyHanko adds an XMP packet; carry the title, subject and keywords (which hold the record
    # number and hash) into it, so that viewers that prefer XMP show the same as /Info.
    existing, updated = writer.document_meta_view, writer.document_meta
    updated.title, updated.author = existing.title, existing.author
    updated.subject, updated.creator = existing.subject, existing.creator
    updated.keywords = list(existing.keywords)
    out = signers.sign_pdf(
        writer,
        meta,
        signer=identity.pyhanko_signer(),
        bytes_reserved=4096 + 2 * certificate_bytes,
    )
    return out.getvalue()


def verify_pdf(
    path_or_bytes: Path | str | bytes, trusted: list[x509.Certificate]
) -> dict[str, Any]:
    """Check a signed record: intact, valid, trusted, covering the whole file; never raises.

    Returns `ok` (no problems), `signed`, `intact`, `valid` (signature mathematically
    sound), `trusted` (chains to one of `trusted`), `covers_whole_file` (nothing appended after
    the signature), `padding_ok` (the signature's /Contents is the CMS object and zeros, as
    written), `coverage`, `signer` (certificate facts), `signing_time` (as the signer's
    clock reported it), `record_number`, `record_version`, `record_hash`, `audit_witness`
    (read from the signed revision of the document) and `problems` (Chinese sentences,
    empty when all is well).
    Comparing the record number and hash with the audit trail is the caller's job.
    """
    result: dict[str, Any] = {
        "ok": False,
        "signed": False,
        "signature_count": 0,
        "intact": False,
        "valid": False,
        "trusted": False,
        "covers_whole_file": False,
        "coverage": None,
        "signer": None,
        "signing_time": None,
        "record_number": None,
        "record_version": None,
        "record_hash": None,
        "audit_witness": None,
        "padding_ok": None,
        "problems": [],
    }
    problems: list[str] = result["problems"]
    data = _read_input(path_or_bytes, problems)
    if data is None:
        return result
    try:
        _verify_into(data, trusted, result)
    except Exception:
        # A damaged or hostile file may break the parser anywhere; that is a finding, not a crash.
        problems.append("文件不是有效的 PDF，或已损坏到无法检查签名。")
    result["ok"] = not problems
    return result


def _verify_into(data: bytes, trusted: list[x509.Certificate], result: dict[str, Any]) -> None:
    from cryptography import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # pyHanko logs a traceback for every untrusted certificate; the finding is in `problems`.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).addHandler(logging.NullHandler())
    problems: list[str] = result["problems"]
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        problems.append("文件不是有效的 PDF。")
        return
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    result["signature_count"] = len(signatures)
    if not signatures:
        problems.append("文件没有数字签名，不能证明它由本系统生成且未被修改。")
        _read_record_info(reader, result)
        return
    result["signed"] = True
    if len(signatures) > 1:
        problems.append(f"文件含有 {len(signatures)} 个签名，核查记录只应有一个。")
    embedded = signatures[0]
    _read_record_info(reader.get_historical_resolver(embedded.signed_revision), result)
    context = ValidationContext(
        trust_roots=[_to_asn1(cert) for cert in trusted], allow_fetching=False
    )
    status = validate_pdf_signature(embedded, context)
    signer_certificate = x509.load_der_x509_certificate(status.signing_cert.dump())
    result.update(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        coverage=status.coverage.name if status.coverage is not None else None,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=describe_certificate(signer_certificate),
        signing_time=(status.signer_reported_dt.isoformat() if status.signer_reported_dt else None),
    )
    if not status.intact:
        problems.append("签名与文档内容不符（文档在签名后被修改）。")
    elif not status.valid:
        problems.append("签名数据无效（签名已损坏或与证书不符）。")
    if status.intact and status.valid and not status.trusted:
        problems.append(
            f"签名证书不受本机信任（签名者：{result['signer']['subject']}，"
            f"指纹：{result['signer']['fingerprint_sha256'][:16]}…）。请确认该证书的来源；"
            "如确属本单位或其他部门的证书，由信息科将其放入受信任证书目录。"
        )
    if not result["covers_whole_file"]:
        problems.append("签名之后文件又被追加或改动了内容（签名未覆盖整个文件）。")
    padding = _padding_problem(data, embedded)
    result["padding_ok"] = padding is None
    if padding:
        problems.append(padding)
    if not result["record_number"] or not result["record_hash"]:
        problems.append("文件中没有核查记录编号或记录哈希，不是本系统生成的核查记录。")


def _info_of(handler: Any) -> dict[str, str]:
    """The document information dictionary (key → text) as it was in `handler`'s revision."""
    from pyhanko.pdf_utils import generic

    info = handler.trailer_view.raw_get("/Info") if "/Info" in handler.trailer_view else None
    if isinstance(info, generic.IndirectObject):
        # Resolve in this revision: a later update may have rewritten the same object.
        info = handler.get_object(info.reference)
    if not isinstance(info, generic.DictionaryObject):
        return {}
    return {str(key): str(info[key]) for key in info}


def _read_record_info(handler: Any, result: dict[str, Any]) -> None:
    """Record number, version, hash and audit witness from /Info in `handler`'s revision."""
    from desktop_app.errors import InvalidInputError
    from desktop_app.services.audit.witness import Witness

    info = _info_of(handler)
    for key, field_name in (
        (INFO_RECORD_NUMBER, "record_number"),
        (INFO_RECORD_VERSION, "record_version"),
        (INFO_RECORD_HASH, "record_hash"),
    ):
        if key in info:
            result[field_name] = info[key]
    if result["record_version"] is not None and result["record_version"].isdigit():
        result["record_version"] = int(result["record_version"])
    try:
        witness = Witness.from_pdf_info(info)
    except InvalidInputError:
        witness = None
    result["audit_witness"] = witness.to_dict() if witness else None


def pdf_info(data: bytes) -> dict[str, str] | None:
    """The document information of a PDF: of its signed revision when it is signed, else of
    its last revision. None for a file that is not a readable PDF. Never raises."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        if signatures:
            return _info_of(reader.get_historical_resolver(signatures[0].signed_revision))
        return _info_of(reader)
    except Exception:
        # A damaged or hostile file may break the parser anywhere.
        return None


def _padding_problem(data: bytes, embedded: Any) -> str | None:
    """The signature's /Contents must be exactly the CMS object followed by zeros, written as
    pyHanko writes it: anything else there is not covered by the signature yet changes the
    file (its SHA-256, or data hidden in it)."""
    byte_range = list(embedded.sig_object["/ByteRange"])
    if len(byte_range) != 4:
        return "签名的字节范围（ByteRange）格式不对。"
    gap = data[byte_range[0] + byte_range[1] : byte_range[2]]
    contents = bytes(embedded.sig_object["/Contents"])
    length = _der_length(contents)
    if length is None or length > len(contents):
        return "签名数据（/Contents）不是完整的 CMS 结构。"
    if any(contents[length:]):
        return "签名数据（/Contents）的填充区被改动（应全为零）：文件在签名后被修改过。"
    if gap != b"<" + contents.hex().upper().encode("ascii") + b">":
        return "签名数据（/Contents）的写法被改动（多余字符、大小写或空白）：文件在签名后被修改过。"
    return None


def _der_length(data: bytes) -> int | None:
    """Length of the DER object at the start of `data` (header included), or None."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < 2 + count:
        return None
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def _read_input(path_or_bytes: Path | str | bytes, problems: list[str]) -> bytes | None:
    if isinstance(path_or_bytes, bytes | bytearray):
        return bytes(path_or_bytes)
    path = Path(path_or_bytes)
    try:
        return path.read_bytes()
    except OSError as error:
        problems.append(f"无法读取文件“{path}”：{error.strerror or error}。")
        return None


def _check_importable(private_key: Any, certificate: x509.Certificate) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateImportError(
            "证书的密钥类型不受支持（支持 RSA 和 ECC），请向发证机构索取 RSA 或 ECC 证书。"
        )
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(
        serialization.Encoding.DER, spki
    ) != certificate.public_key().public_bytes(serialization.Encoding.DER, spki):
        raise CertificateImportError("证书文件中的私钥与证书不匹配，请向发证机构核实后重新导出。")
    now = dt.datetime.now(dt.UTC)
    if now < certificate.not_valid_before_utc or now > certificate.not_valid_after_utc:
        raise CertificateImportError(
            f"证书有效期为 {certificate.not_valid_before_utc:%Y-%m-%d} 至 "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}，今天不在有效期内，不能用于签名。"
            "请向发证机构申请有效的证书。"
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return  # no restriction on the key's use
    if not (usage.digital_signature or usage.content_commitment):
        raise CertificateImportError(
            "该证书的密钥用途不包括数字签名（digitalSignature/nonRepudiation），"
            "不能用于签署核查记录。请向发证机构索取签名证书。"
        )


def _install_identity(
    data_dir: Path,
    private_key: Any,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    info: dict[str, Any],
) -> SigningIdentity:
    """Write a new identity's files, then switch `active.json` to it in one atomic step."""

    key_id = f"{dt.datetime.now(dt.UTC):%Y%m%d}-{secrets.token_hex(4)}"
    folder = _identity_dir(data_dir, key_id)
    secret_file = secret_dir() / f"{key_id}.secret"
    try:
        write_key_files(folder, secret_file, private_key, [certificate, *chain], info)
        previous = _active_key_id(data_dir)
        write_atomic(keys_dir(data_dir) / _ACTIVE_FILE, json.dumps({"key_id": key_id}).encode())
    except OSError as error:
        # Leave no half-written identity behind: its certificate would count as trusted.
        shutil.rmtree(folder, ignore_errors=True)
        secret_file.unlink(missing_ok=True)
        raise SigningKeyError(
            f"无法保存签名证书（{error.strerror or error}：{error.filename}）。"
            "请检查数据目录是否可写、磁盘是否已满。"
        ) from error
    if previous and previous != key_id:
        _retire(data_dir, previous)
    return load_identity(data_dir, key_id)


def _retire(data_dir: Path, key_id: str) -> None:
    """After a key change the old key is no longer needed; its certificate stays trusted."""
    folder = _identity_dir(data_dir, key_id)
    _identity_cache.pop(folder.resolve(), None)
    for path in (folder / "key.pem", secret_dir() / f"{key_id}.secret"):
        path.unlink(missing_ok=True)


def _active_key_id(data_dir: Path) -> str | None:
    active = _read_json(keys_dir(data_dir) / _ACTIVE_FILE)
    if active is None:
        return None
    key_id = active.get("key_id")
    if not isinstance(key_id, str) or not _identity_dir(data_dir, key_id).is_dir():
        raise SigningKeyError(
            f"签名证书目录“{keys_dir(data_dir)}”已损坏（{_ACTIVE_FILE} 指向不存在的证书）。"
            "请由信息科重新导入部门证书（cert import）或生成新证书（cert new）。"
        )
    return key_id


def _identity_dir(data_dir: Path, key_id: str) -> Path:
    if not key_id or "/" in key_id or "\\" in key_id or key_id.startswith("."):
        raise SigningKeyError(f"签名证书编号“{key_id}”无效，请由信息科重新导入部门证书。")
    return keys_dir(data_dir) / key_id


def _identity_certificates(data_dir: Path, key_id: str) -> list[x509.Certificate]:
    """The identity's certificate followed by its chain; raises if the file is unusable."""
    cert_file = _identity_dir(data_dir, key_id) / "cert.pem"
    certificates = _read_certificates(cert_file)
    if not certificates:
        raise SigningKeyError(
            f"签名证书文件“{cert_file}”缺失或已损坏。"
            "请由信息科重新导入部门证书（cert import）或生成新证书（cert new）。"
        )
    return certificates


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise SigningKeyError(
            f"无法读取“{path}”（{error}），请由信息科检查签名证书目录。"
        ) from error
    return value if isinstance(value, dict) else None


def _read_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM (one or more) or DER file; [] for an unreadable one."""
    from cryptography import x509

    try:
        data = path.read_bytes()
    except OSError:
        return []
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        return []


def write_key_files(
    folder: Path,
    secret_file: Path,
    private_key: Any,
    certificates: list[x509.Certificate],
    info: dict[str, Any],
) -> None:
    """A key's files: `folder` (new) with `key.pem` (PKCS#8, encrypted with a new random
    secret, written to `secret_file` readable by this account only), `cert.pem` (the
    certificate, then its chain) and `info.json` (`info`, when, the fingerprint). An OSError
    propagates: the caller removes what was written."""
    from cryptography.hazmat.primitives import serialization

    folder.mkdir(parents=True, exist_ok=False)
    secret_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = secrets.token_urlsafe(32).encode("ascii")
    write_private(secret_file, secret + b"\n")
    write_private(
        folder / "key.pem",
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        ),
    )
    (folder / "cert.pem").write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
    )
    info = {
        **info,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "fingerprint_sha256": certificate_fingerprint(certificates[0]),
    }
    (folder / "info.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8"
    )


def write_private(path: Path, data: bytes) -> None:
    """Create a file readable by this account only; never overwrite an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _format_name(name: Any) -> str:
    from cryptography.x509.oid import NameOID

    short = {
        NameOID.COMMON_NAME: "CN",
        NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
        NameOID.ORGANIZATION_NAME: "O",
        NameOID.LOCALITY_NAME: "L",
        NameOID.STATE_OR_PROVINCE_NAME: "ST",
        NameOID.COUNTRY_NAME: "C",
    }
    parts = [
        f"{short.get(attribute.oid, attribute.oid.dotted_string)}={attribute.value}"
        for attribute in reversed(list(name))
    ]
    return ", ".join(parts)


def _name_attribute(certificate: x509.Certificate, oid_name: str) -> str | None:
    from cryptography.x509.oid import NameOID

    values = certificate.subject.get_attributes_for_oid(getattr(NameOID, oid_name))
    return str(values[0].value) if values else None


def _der(certificate: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.DER)


def _to_asn1(certificate: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(_der(certificate))
