"""Feedback packages (反馈包): a department's check records and feedback, signed and encrypted.

The file is standard CMS, as `openssl cms` reads it: an EnvelopedData (AES-256-CBC, the key
encrypted to the credit office's RSA certificate) whose content is a SignedData (SHA-256,
signed with the department's signing certificate, which it carries) whose content is a zip:

- `manifest.json`: format and version, package id, the department's export sequence number,
  time and clerk of the export, jurisdiction and department, period, record count and the
  SHA-256 of `records.jsonl`, the recipient's certificate fingerprint, the department's audit
  witness at the export (`services.audit.witness`) and the witness of its previous export;
- `records.jsonl`: one line per check record (its latest version), the record exactly as the
  department stores it (so that the credit office can recompute its `record_hash`) with the
  subject's ID as the credit office needs it and the list keys of its hits;
- `audit_segment.json`: the department's audit entries from its previous export's witness to
  this one, so that the credit office can prove that the chain only grew between two packages
  (`witness.verify_extension`).

Independent check (the recipient's key and the department's certificate as files):

    openssl cms -decrypt -inform DER -in 反馈包.p7m -recip 信用办.pem -inkey 信用办.key \\
        | openssl cms -verify -inform DER -CAfile 部门证书.pem -binary -out 内容.zip

`open_package` refuses, with a Chinese message and before anything is written, a file that is
not encrypted to one of this PC's keys, that is not exactly what `seal` writes (every field of
both CMS layers is checked, so that a changed byte anywhere is refused), whose signature does not
match its content, or whose signer is not a department certificate this PC trusts.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from desktop_app import APP_ID
from desktop_app.config import TrustedDepartment
from desktop_app.errors import PackageError

if TYPE_CHECKING:
    from cryptography import x509

    from desktop_app.services.exchange.office_key import OfficeKey
    from desktop_app.services.records.signing import SigningIdentity

FORMAT = f"{APP_ID}-feedback"
FORMAT_VERSION = 1
SUFFIX = ".p7m"
MANIFEST = "manifest.json"
RECORDS = "records.jsonl"
SEGMENT = "audit_segment.json"
MEMBERS = (MANIFEST, RECORDS, SEGMENT)
# Refused before decryption: a feedback package of a whole year of a large department is a few
# hundred megabytes at most.
MAX_FILE_BYTES = 2 << 30
MAX_MANIFEST_BYTES = 1 << 20
MAX_SEGMENT_BYTES = 512 << 20
MAX_RECORDS_BYTES = 8 << 30
MAX_LINE_BYTES = 16 << 20


class FeedbackPackageError(PackageError):
    """A feedback package that is refused; nothing was written. `reason` says why:
    `unreadable`, `not_a_package`, `damaged`, `wrong_recipient`, `bad_signature`,
    `unknown_signer`, `format`, `other_jurisdiction`, `other_department`, `replayed`."""

    def __init__(self, message: str, reason: str, **details: object) -> None:
        super().__init__(message, reason=reason, **details)
        self.reason = reason


def canonical_json(value: Any) -> bytes:
    """Compact JSON with sorted keys, UTF-8: the bytes a package stores and hashes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


# -- writing (department) ----------------------------------------------------------------------


class ContentWriter:
    """The zip that is signed, written as the records come: `add` one record line at a time
    (compressed at once, so that a year of records never sits in memory as text), then
    `finish` with the manifest (its record count and records hash filled in) and the audit
    segment."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        self._archive = zipfile.ZipFile(self._out, "w", compression=zipfile.ZIP_DEFLATED)
        self._records = self._archive.open(_member(RECORDS), "w", force_zip64=True)
        self._digest = hashlib.sha256()
        self.count = 0

    def add(self, item: Mapping[str, Any]) -> None:
        line = canonical_json(item) + b"\n"
        self._digest.update(line)
        self._records.write(line)
        self.count += 1

    def finish(self, manifest: Mapping[str, Any], segment: Mapping[str, Any]) -> bytes:
        self._records.close()
        manifest = {
            **manifest,
            "record_count": self.count,
            "records_sha256": self._digest.hexdigest(),
        }
        self._archive.writestr(
            _member(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        )
        self._archive.writestr(_member(SEGMENT), canonical_json(segment))
        self._archive.close()
        return self._out.getvalue()


def _member(name: str) -> zipfile.ZipInfo:
    # A fixed time: the content is fully determined by what it carries.
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_content(
    manifest: Mapping[str, Any], items: Iterable[Mapping[str, Any]], segment: Mapping[str, Any]
) -> bytes:
    """The zip that is signed, from the manifest, the record lines' items and the segment
    (the manifest's record count and records hash are those of `items`)."""
    writer = ContentWriter()
    for item in items:
        writer.add(item)
    return writer.finish(manifest, segment)


def seal(content: bytes, identity: SigningIdentity, recipient: x509.Certificate) -> bytes:
    """Sign `content` with the department's identity (CMS SignedData, SHA-256, the signer's
    certificate inside), then encrypt that to `recipient` (CMS EnvelopedData, AES-256-CBC):
    the bytes of a `.p7m` file."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.ciphers import algorithms
    from cryptography.hazmat.primitives.serialization import pkcs7

    signed = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(identity.certificate, identity.private_key, hashes.SHA256())  # type: ignore[arg-type]
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
    return (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(signed)
        .add_recipient(recipient)
        .set_content_encryption_algorithm(algorithms.AES256)
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def check_recipient_certificate(certificate: x509.Certificate) -> None:
    """A credit office certificate a department can encrypt to: RSA, usable for key
    encipherment, valid today. Raises `FeedbackPackageError` (reason `format`) otherwise."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise FeedbackPackageError(
            "信用办的加密证书必须是 RSA 证书（CMS 加密的标准要求）。请向信用办索取"
            "“feedback office-cert export”导出的证书。",
            "format",
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.key_encipherment:
        raise FeedbackPackageError(
            "该证书的密钥用途不包括密钥加密（keyEncipherment），不是信用办的加密证书。",
            "format",
        )
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise FeedbackPackageError(
            f"信用办的加密证书有效期为 {certificate.not_valid_before_utc:%Y-%m-%d} 至 "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}，今天不在有效期内。请向信用办索取新证书。",
            "format",
        )


# -- reading (credit office) --------------------------------------------------------------------


@dataclass
class OpenedPackage:
    """A package decrypted with one of this PC's keys and signed by a trusted department."""

    manifest: dict[str, Any]
    signer: x509.Certificate
    signer_fingerprint: str
    trusted: TrustedDepartment
    recipient_key_id: str
    signing_time: str | None
    file_sha256: str
    content_sha256: str
    content: bytes = field(repr=False)

    def segment(self) -> dict[str, Any]:
        """The audit segment member (`{"from", "to", "entries"}`)."""
        with zipfile.ZipFile(io.BytesIO(self.content)) as archive:
            data = _read_member(archive, SEGMENT, MAX_SEGMENT_BYTES)
        try:
            value = json.loads(data)
        except ValueError as error:
            raise _format_error(f"{SEGMENT} 不是有效的 JSON") from error
        if not isinstance(value, dict) or not isinstance(value.get("entries"), list):
            raise _format_error(f"{SEGMENT} 的结构不对")
        return value

    def records(self) -> Iterator[dict[str, Any]]:
        """The records member, line by line, each checked against the manifest's count and
        hash as it is read (the last item raises if the member does not match them)."""
        expected_count = self.manifest["record_count"]
        expected_hash = self.manifest["records_sha256"]
        digest = hashlib.sha256()
        count = 0
        with zipfile.ZipFile(io.BytesIO(self.content)) as archive:
            info = archive.getinfo(RECORDS)
            if info.file_size > MAX_RECORDS_BYTES:
                raise _format_error(f"{RECORDS} 过大")
            with archive.open(info) as handle:
                for line in iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""):
                    if len(line) > MAX_LINE_BYTES or not line.endswith(b"\n"):
                        raise _format_error(f"{RECORDS} 第 {count + 1} 行过长或不完整")
                    digest.update(line)
                    count += 1
                    try:
                        item = json.loads(line)
                    except ValueError as error:
                        raise _format_error(f"{RECORDS} 第 {count} 行不是有效的 JSON") from error
                    if not isinstance(item, dict) or not isinstance(item.get("record"), dict):
                        raise _format_error(f"{RECORDS} 第 {count} 行没有核查记录")
                    yield item
        if count != expected_count or digest.hexdigest() != expected_hash:
            raise _format_error(
                f"{RECORDS} 与清单不符（清单：{expected_count} 条，实有 {count} 条）"
            )

    def witness(self) -> dict[str, Any]:
        return self.manifest["audit_witness"]


def open_package(
    data: bytes, keys: Sequence[OfficeKey], trusted: Sequence[TrustedDepartment]
) -> OpenedPackage:
    """Decrypt and verify a package (see the module's docstring); raises
    `FeedbackPackageError` with the reason it is refused."""
    from asn1crypto import cms

    if len(data) > MAX_FILE_BYTES:
        raise FeedbackPackageError("文件过大，不是本系统的反馈包。", "not_a_package")
    try:
        envelope_info = cms.ContentInfo.load(data, strict=True)
        if envelope_info["content_type"].native != "enveloped_data":
            raise ValueError("not enveloped data")
        envelope = envelope_info["content"]
        _check_envelope(envelope)
        canonical = envelope_info.dump(force=True) == data
    except Exception as error:  # a damaged or hostile file may break the parser anywhere
        raise FeedbackPackageError(
            "文件不是本系统的反馈包（应为 CMS 加密的 .p7m 文件），或已损坏、被改动，未导入。",
            "not_a_package" if not data.startswith(b"\x30") else "damaged",
        ) from error
    if not canonical:
        raise _damaged("加密层的编码被改动")
    recipient = envelope["recipient_infos"][0].chosen
    rid = recipient["rid"].chosen
    key = _matching_key(keys, rid["issuer"].dump(), rid["serial_number"].native)
    if key is None:
        raise _wrong_recipient(rid, keys)
    from cryptography.hazmat.primitives.serialization import pkcs7

    try:
        signed = pkcs7.pkcs7_decrypt_der(data, key.certificate, key.private_key, [])
    except Exception as error:  # garbled ciphertext fails in the padding or the parser
        raise _damaged("无法解密") from error
    content, signer, signing_time = _verified_content(signed)
    from desktop_app.services.records import signing

    fingerprint = signing.certificate_fingerprint(signer)
    department = next((d for d in trusted if d.fingerprint == fingerprint), None)
    if department is None:
        facts = signing.describe_certificate(signer)
        raise FeedbackPackageError(
            f"反馈包的签名者（{facts['subject']}，证书指纹 {fingerprint[:16]}…）不在本机信任的"
            "部门证书中，未导入。如确属本市部门，请由管理员用 config trust-department 导入该"
            "部门的签名证书（部门用 cert export 导出）后再导入。",
            "unknown_signer",
            signer=facts["subject"],
            fingerprint=fingerprint,
        )
    manifest = _manifest(content)
    return OpenedPackage(
        manifest=manifest,
        signer=signer,
        signer_fingerprint=fingerprint,
        trusted=department,
        recipient_key_id=key.key_id,
        signing_time=signing_time,
        file_sha256=hashlib.sha256(data).hexdigest(),
        content_sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def _damaged(what: str) -> FeedbackPackageError:
    return FeedbackPackageError(
        f"反馈包已损坏或被改动（{what}），未导入。请让部门重新导出并拷贝一份。", "damaged"
    )


def _format_error(what: str) -> FeedbackPackageError:
    return FeedbackPackageError(
        f"反馈包的内容不符合格式（{what}），未导入。请让部门用同一版本的程序重新导出。",
        "format",
    )


def _check_envelope(envelope: Any) -> None:
    """Every field of the EnvelopedData exactly as `seal` writes it (raises ValueError)."""
    if envelope["version"].native != "v0":
        raise ValueError("version")
    if envelope["originator_info"].native is not None:
        raise ValueError("originator info")
    if envelope["unprotected_attrs"].native is not None:
        raise ValueError("unprotected attributes")
    recipients = envelope["recipient_infos"]
    if len(recipients) != 1 or recipients[0].name != "ktri":
        raise ValueError("recipients")
    recipient = recipients[0].chosen
    if recipient["version"].native != "v0" or recipient["rid"].name != "issuer_and_serial_number":
        raise ValueError("recipient")
    algorithm = recipient["key_encryption_algorithm"]
    if algorithm["algorithm"].native != "rsaes_pkcs1v15" or algorithm["parameters"].native:
        raise ValueError("key encryption algorithm")
    encrypted = envelope["encrypted_content_info"]
    if encrypted["content_type"].native != "data":
        raise ValueError("content type")
    cipher = encrypted["content_encryption_algorithm"]
    if cipher["algorithm"].native != "aes256_cbc" or len(cipher["parameters"].native) != 16:
        raise ValueError("content encryption algorithm")
    body = encrypted["encrypted_content"].native
    if not body or len(body) % 16:
        raise ValueError("encrypted content")


def _matching_key(keys: Sequence[OfficeKey], issuer_der: bytes, serial: int) -> OfficeKey | None:
    from cryptography.hazmat.primitives import serialization

    for key in keys:
        certificate = key.certificate
        name = certificate.issuer.public_bytes(serialization.Encoding.DER)
        if certificate.serial_number == serial and name == issuer_der:
            return key
    return None


def _wrong_recipient(rid: Any, keys: Sequence[OfficeKey]) -> FeedbackPackageError:
    from desktop_app.services.records import signing

    ours = "、".join(signing.certificate_subject(k.certificate) for k in keys if k.active) or "—"
    intended = f"{rid['issuer'].human_friendly}，序列号 {format(rid['serial_number'].native, 'X')}"
    return FeedbackPackageError(
        f"这个反馈包不是加密给本机的（收件证书：{intended}；本机的加密证书：{ours}），"
        "无法解密，未导入。请确认部门配置的信用办证书（config trust-office）就是本机"
        "导出的证书（feedback office-cert export），然后让部门重新导出。",
        "wrong_recipient",
        recipient=intended,
    )


def _verified_content(signed: bytes) -> tuple[bytes, x509.Certificate, str | None]:
    """The content of a SignedData as `seal` writes it, its signer and signing time; the
    signature must match the content and be valid for the signer's certificate."""
    import hashlib as _hashlib

    from asn1crypto import cms
    from cryptography import x509
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    try:
        info = cms.ContentInfo.load(signed, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        data = info["content"]
        if data["version"].native != "v1":
            raise ValueError("version")
        if [a["algorithm"].native for a in data["digest_algorithms"]] != ["sha256"]:
            raise ValueError("digest algorithms")
        encapsulated = data["encap_content_info"]
        if encapsulated["content_type"].native != "data":
            raise ValueError("content type")
        content = encapsulated["content"].native
        certificates = data["certificates"]
        if not isinstance(content, bytes) or len(certificates) != 1:
            raise ValueError("content or certificates")
        if data["crls"].native is not None or len(data["signer_infos"]) != 1:
            raise ValueError("crls or signers")
        signer_info = data["signer_infos"][0]
        certificate = certificates[0].chosen
        sid = signer_info["sid"]
        if (
            signer_info["version"].native != "v1"
            or sid.name != "issuer_and_serial_number"
            or sid.chosen["serial_number"].native != certificate.serial_number
            or sid.chosen["issuer"].dump() != certificate.issuer.dump()
            or signer_info["digest_algorithm"]["algorithm"].native != "sha256"
            or signer_info["unsigned_attrs"].native is not None
        ):
            raise ValueError("signer info")
        attributes = {a["type"].native for a in signer_info["signed_attrs"]}
        if not {"content_type", "message_digest", "signing_time"} <= attributes:
            raise ValueError("signed attributes")
        canonical = info.dump(force=True) == signed
        signer = x509.load_der_x509_certificate(certificate.dump())
    except Exception as error:  # a damaged or hostile structure may break a parser anywhere
        raise _damaged("签名层的结构不对") from error
    if not canonical:
        raise _damaged("签名层的编码被改动")
    try:
        intact, valid = validate_sig_integrity(
            signer_info, certificate, "data", _hashlib.sha256(content).digest()
        )
    except Exception as error:  # a hostile signature may break the validator anywhere
        raise FeedbackPackageError(
            "反馈包的签名无法校验（签名数据损坏），未导入。", "bad_signature"
        ) from error
    if not (intact and valid):
        raise FeedbackPackageError(
            "反馈包的签名与内容不符：文件在签名后被改动，未导入。请让部门重新导出。",
            "bad_signature",
        )
    signing_time = None
    for attribute in signer_info["signed_attrs"]:
        if attribute["type"].native == "signing_time":
            moment = attribute["values"][0].native
            if not signer.not_valid_before_utc <= moment <= signer.not_valid_after_utc:
                raise FeedbackPackageError(
                    f"反馈包签名时（{moment:%Y-%m-%d}）签名证书不在有效期内，未导入。",
                    "bad_signature",
                )
            signing_time = moment.isoformat()
    return content, signer, signing_time


_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "format": str,
    "format_version": int,
    "package_id": str,
    "sequence": int,
    "exported_at": str,
    "exported_by": dict,
    "jurisdiction": str,
    "department": str,
    "period": dict,
    "record_count": int,
    "records_sha256": str,
    "recipient_fingerprint": str,
    "audit_witness": dict,
    "previous_export": (dict, type(None)),
}


def _manifest(content: bytes) -> dict[str, Any]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _format_error("内容不是 zip") from error
    with archive:
        names = [info.filename for info in archive.infolist()]
        if sorted(names) != sorted(MEMBERS):
            raise _format_error(f"成员应为 {'、'.join(MEMBERS)}，实为 {'、'.join(names)}")
        data = _read_member(archive, MANIFEST, MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(data)
    except ValueError as error:
        raise _format_error(f"{MANIFEST} 不是有效的 JSON") from error
    if not isinstance(manifest, dict):
        raise _format_error(f"{MANIFEST} 的结构不对")
    if manifest.get("format") != FORMAT:
        raise _format_error("不是反馈包")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise FeedbackPackageError(
            f"反馈包的格式版本为 {manifest.get('format_version')}，本程序只能读取第 "
            f"{FORMAT_VERSION} 版：请升级信用核查台后再导入。",
            "format",
        )
    for name, kind in _MANIFEST_FIELDS.items():
        value = manifest.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _format_error(f"清单缺少 {name} 或其类型不对")
    period = manifest["period"]
    if not all(isinstance(period.get(k), str) for k in ("from", "to")):
        raise _format_error("清单的统计期间不对")
    return manifest


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise _format_error(f"{name} 过大")
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _format_error(f"{name} 过大")
    return data
