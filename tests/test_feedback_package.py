"""The feedback package format: standard CMS that openssl reads, and a changed byte anywhere in
either layer refused (the encryption and the signature layer, every field)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from asn1crypto import cms, core
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from signing_helpers import make_p12

from desktop_app.config import TrustedDepartment
from desktop_app.errors import CertificateImportError
from desktop_app.services.exchange import feedback_package as fp
from desktop_app.services.exchange import office_key
from desktop_app.services.records import signing


class Parties:
    """A department's signing identity, the credit office's key, and a sealed package."""

    def __init__(self, root: Path) -> None:
        self.department = signing.generate_department_identity(
            root / "dept", "柳州市", "市市场监管局"
        )
        self.office = office_key.generate(root / "office", "柳州市信用办")
        pem = self.department.certificate.public_bytes(serialization.Encoding.PEM).decode()
        self.trusted = [TrustedDepartment("柳州市", "市市场监管局", pem)]
        self.items = [
            {"record": {"record_number": f"N-{i}", "text": "核查" * 20}} for i in range(5)
        ]
        lines = b"".join(fp.canonical_json(item) + b"\n" for item in self.items)
        self.manifest = {
            "format": fp.FORMAT,
            "format_version": fp.FORMAT_VERSION,
            "package_id": "0" * 32,
            "sequence": 1,
            "exported_at": "2026-03-01T10:00:00+08:00",
            "exported_by": {"name": "wang", "display_name": "王科长"},
            "jurisdiction": "柳州市",
            "department": "市市场监管局",
            "period": {"from": "2026-02-01", "to": "2026-02-28"},
            "record_count": 5,
            "records_sha256": hashlib.sha256(lines).hexdigest(),
            "recipient_fingerprint": self.office.fingerprint,
            "audit_witness": {"chain_id": "a" * 32, "seq": 7, "head_hash": "b" * 64},
            "previous_export": None,
        }
        self.content = fp.build_content(self.manifest, self.items, {"from": None, "entries": []})
        self.sealed = fp.seal(self.content, self.department, self.office.certificate)

    def open(self, data: bytes) -> fp.OpenedPackage:
        return fp.open_package(data, [self.office], self.trusted)

    def envelope(self, signed: bytes) -> bytes:
        """Encrypt `signed` to the office as `seal` does: what anyone holding the office's
        public certificate can do (but nobody can sign as the department)."""
        return (
            pkcs7.PKCS7EnvelopeBuilder()
            .set_data(signed)
            .add_recipient(self.office.certificate)
            .set_content_encryption_algorithm(algorithms.AES256)
            .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
        )

    def signed_layer(self) -> bytes:
        return pkcs7.pkcs7_decrypt_der(
            self.sealed, self.office.certificate, self.office.private_key, []
        )


@pytest.fixture(scope="module")
def parties(tmp_path_factory: pytest.TempPathFactory) -> Parties:
    return Parties(tmp_path_factory.mktemp("parties"))


def test_a_sealed_package_opens_with_its_manifest_and_records(parties) -> None:
    opened = parties.open(parties.sealed)
    assert opened.manifest == parties.manifest
    assert [item["record"]["record_number"] for item in opened.records()] == [
        f"N-{i}" for i in range(5)
    ]
    assert opened.signer_fingerprint == parties.department.fingerprint
    assert opened.trusted.department == "市市场监管局"
    assert opened.recipient_key_id == parties.office.key_id


def _regions(der: bytes, value) -> dict[str, tuple[int, int]]:
    """Where each part of a parsed CMS structure lies in `der`: (start, end) by path."""
    found: dict[str, tuple[int, int]] = {}

    def walk(node, path: str, base: int) -> None:
        if isinstance(node, core.Choice):
            node = node.chosen
        encoded = node.dump()
        start = der.find(encoded, base) if encoded else -1
        if start < 0:
            return
        found[path] = (start, start + len(encoded))
        if isinstance(node, core.Sequence | core.Set):
            for name, *_ in node._fields:
                walk(node[name], f"{path}.{name}", start)
        elif isinstance(node, core.SequenceOf | core.SetOf):
            for index, child in enumerate(node):
                walk(child, f"{path}[{index}]", start)

    walk(value, "$", 0)
    return found


def _positions(regions: dict[str, tuple[int, int]]) -> dict[str, list[int]]:
    """First, middle and last byte of every region (its header and its value)."""
    return {
        name: sorted({start, start + 1, (start + end) // 2, end - 1})
        for name, (start, end) in regions.items()
    }


def _flipped(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def test_a_flipped_byte_in_any_region_of_the_encryption_layer_is_refused(parties) -> None:
    data = parties.sealed
    positions = _positions(_regions(data, cms.ContentInfo.load(data)))
    regions = {name.split("[")[0] for name in positions}
    # Every part of the EnvelopedData is there: version, recipient (issuer, serial, algorithm,
    # encrypted key), content type, content encryption algorithm and IV, encrypted content.
    for part in (
        "$.content.version",
        "$.content.recipient_infos",
        "$.content.encrypted_content_info.content_encryption_algorithm",
        "$.content.encrypted_content_info.encrypted_content",
    ):
        assert any(name.startswith(part) for name in regions), part
    tried = 0
    for name, offsets in positions.items():
        for position in offsets:
            tried += 1
            with pytest.raises(fp.FeedbackPackageError) as refused:
                parties.open(_flipped(data, position))
            assert refused.value.reason in (
                "damaged",
                "not_a_package",
                "wrong_recipient",
                "bad_signature",
            ), (name, position)
    assert tried > 40
    # And a sweep over the whole file, every 13th byte.
    for position in range(0, len(data), 13):
        with pytest.raises(fp.FeedbackPackageError):
            parties.open(_flipped(data, position))
    for changed in (data + b"\x00", data[:-1], b"", b"%PDF-1.7"):
        with pytest.raises(fp.FeedbackPackageError):
            parties.open(changed)


def test_a_flipped_byte_in_any_region_of_the_signature_layer_is_refused(parties) -> None:
    """Whoever has the office's (public) certificate can re-encrypt a changed package: the
    signature layer, every field of it, must refuse the change on its own."""
    signed = parties.signed_layer()
    positions = _positions(_regions(signed, cms.ContentInfo.load(signed)))
    for part in (
        "$.content.digest_algorithms",
        "$.content.encap_content_info.content",
        "$.content.certificates",
        "$.content.signer_infos[0].signed_attrs",
        "$.content.signer_infos[0].signature",
    ):
        assert any(name.startswith(part) for name in positions), part
    assert parties.open(parties.envelope(signed)).manifest == parties.manifest
    tried = 0
    for name, offsets in positions.items():
        for position in offsets:
            tried += 1
            with pytest.raises(fp.FeedbackPackageError) as refused:
                parties.open(parties.envelope(_flipped(signed, position)))
            assert refused.value.reason in ("damaged", "bad_signature", "unknown_signer"), (
                name,
                position,
            )
    assert tried > 60


def test_content_signed_by_someone_else_is_an_unknown_signer(parties, tmp_path) -> None:
    stranger = signing.generate_department_identity(tmp_path / "x", "柳州市", "市市场监管局")
    forged = fp.seal(parties.content, stranger, parties.office.certificate)
    with pytest.raises(fp.FeedbackPackageError, match="不在本机信任的部门证书中") as refused:
        parties.open(forged)
    assert refused.value.reason == "unknown_signer"


def test_a_package_for_another_office_is_the_wrong_recipient(parties, tmp_path) -> None:
    other = office_key.generate(tmp_path / "other", "别的信用办")
    sealed = fp.seal(parties.content, parties.department, other.certificate)
    with pytest.raises(fp.FeedbackPackageError, match="不是加密给本机的") as refused:
        parties.open(sealed)
    assert refused.value.reason == "wrong_recipient"
    assert "别的信用办" in refused.value.message
    # The office's older keys still open what was sealed for them.
    assert fp.open_package(sealed, [parties.office, other], parties.trusted).manifest


def test_an_office_key_from_a_pkcs12_file_opens_what_is_sealed_for_it(parties, tmp_path) -> None:
    """A CA's RSA encryption certificate becomes the active key; a signing-only certificate,
    a wrong password or a missing file is refused and changes nothing."""
    data = tmp_path / "office"
    before = office_key.generate(data, "柳州市信用办").key_id
    make_p12(tmp_path / "sign.p12", b"pw")
    for path, password, phrase in (
        (tmp_path / "sign.p12", "pw", "keyEncipherment"),
        (tmp_path / "sign.p12", "wrong", "密码错误"),
        (tmp_path / "none.p12", "pw", "无法读取证书文件"),
    ):
        with pytest.raises(CertificateImportError, match=phrase):
            office_key.import_pkcs12(data, path, password)
        assert office_key.active_key_id(data) == before
    make_p12(
        tmp_path / "enc.p12", b"pw", usage={"digital_signature": False, "key_encipherment": True}
    )
    imported = office_key.import_pkcs12(data, tmp_path / "enc.p12", "pw")
    assert office_key.active_key_id(data) == imported.key_id
    assert [key.key_id for key in office_key.load_keys(data)] == [imported.key_id, before]
    sealed = fp.seal(parties.content, parties.department, imported.certificate)
    assert fp.open_package(sealed, office_key.load_keys(data), parties.trusted).manifest


def test_records_that_do_not_match_the_manifest_are_refused(parties) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(fp.MANIFEST, json.dumps(parties.manifest))  # says 5 records
        archive.writestr(fp.RECORDS, fp.canonical_json(parties.items[0]) + b"\n")
        archive.writestr(fp.SEGMENT, b'{"from":null,"entries":[]}')
    sealed = fp.seal(out.getvalue(), parties.department, parties.office.certificate)
    opened = parties.open(sealed)
    with pytest.raises(fp.FeedbackPackageError, match="与清单不符"):
        list(opened.records())


def test_a_newer_format_says_to_upgrade(parties) -> None:
    manifest = {**parties.manifest, "format_version": fp.FORMAT_VERSION + 1}
    content = fp.build_content(manifest, [], {"from": None, "entries": []})
    with pytest.raises(fp.FeedbackPackageError, match="请升级信用核查台"):
        parties.open(fp.seal(content, parties.department, parties.office.certificate))


def test_only_an_rsa_certificate_for_encryption_can_be_the_recipient(parties) -> None:
    with pytest.raises(fp.FeedbackPackageError, match="必须是 RSA"):
        fp.check_recipient_certificate(parties.department.certificate)
    fp.check_recipient_certificate(parties.office.certificate)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_decrypts_and_verifies_a_package(parties, tmp_path) -> None:
    package = tmp_path / "反馈包.p7m"
    package.write_bytes(parties.sealed)
    key = tmp_path / "office.key"
    key.write_bytes(
        parties.office.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    office_cert = tmp_path / "office.pem"
    office_cert.write_bytes(parties.office.certificate.public_bytes(serialization.Encoding.PEM))
    department_cert = tmp_path / "dept.pem"
    department_cert.write_bytes(
        parties.department.certificate.public_bytes(serialization.Encoding.PEM)
    )
    printed = subprocess.run(
        ["openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", str(package)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pkcs7-envelopedData" in printed and "aes-256-cbc" in printed
    signed = tmp_path / "signed.der"
    subprocess.run(
        [
            "openssl", "cms", "-decrypt", "-inform", "DER", "-in", str(package),
            "-recip", str(office_cert), "-inkey", str(key), "-out", str(signed),
        ],
        check=True,
    )  # fmt: skip
    verified = subprocess.run(
        [
            "openssl", "cms", "-verify", "-inform", "DER", "-in", str(signed),
            "-CAfile", str(department_cert), "-binary", "-out", str(tmp_path / "content.zip"),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr
    assert (tmp_path / "content.zip").read_bytes() == parties.content
    # openssl, too, refuses the content once a byte of it changed and it was re-encrypted.
    tampered = bytearray(signed.read_bytes())
    at = bytes(tampered).find(b"manifest.json") + 3
    tampered[at] ^= 0x01
    signed.write_bytes(bytes(tampered))
    refused = subprocess.run(
        [
            "openssl", "cms", "-verify", "-inform", "DER", "-in", str(signed),
            "-CAfile", str(department_cert), "-binary", "-out", str(tmp_path / "x.zip"),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert refused.returncode != 0


def test_the_signature_is_sha256(parties) -> None:
    signed = cms.ContentInfo.load(parties.signed_layer())
    signer = signed["content"]["signer_infos"][0]
    assert signer["digest_algorithm"]["algorithm"].native == "sha256"
    attributes = {a["type"].native for a in signer["signed_attrs"]}
    assert {"content_type", "message_digest", "signing_time"} <= attributes
