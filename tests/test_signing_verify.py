"""Signed records: valid for pyHanko and poppler's pdfsig; every kind of tampering caught."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop_app.errors import SigningKeyError
from desktop_app.services.records import record_pdf, signing


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One data folder with a department key and a signed 3-measure record."""
    root = tmp_path_factory.mktemp("signing")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XYHC_SECRET_DIR", str(root / "secrets"))
        data_dir = root / "data"
        identity = signing.ensure_department_identity(data_dir, "昆山市", "市市场监督管理局")
        record = record_pdf.specimen_record(measure_count=3)
        pdf = record_pdf.print_check_record(record, identity)
        yield {
            "root": root,
            "data_dir": data_dir,
            "identity": identity,
            "record": record,
            "pdf": pdf,
            "trusted": signing.trusted_certificates(data_dir),
        }


def pdfsig(path: Path) -> str:
    assert shutil.which("pdfsig"), "poppler-utils (pdfsig) is needed: see .ci/run"
    result = subprocess.run(
        ["pdfsig", "-nocert", "-no-ocsp", str(path)], capture_output=True, text=True
    )
    return result.stdout + result.stderr


def _signed_ranges(pdf: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match
    start1, length1, start2, length2 = (int(n) for n in match.groups())
    return start1, length1, start2, length2


def test_signed_record_is_valid_trusted_and_covers_the_whole_file(office: dict) -> None:
    result = signing.verify_pdf(office["pdf"], office["trusted"])
    assert result["problems"] == []
    assert result["ok"] and result["signed"] and result["intact"] and result["valid"]
    assert result["trusted"] and result["covers_whole_file"]
    assert result["coverage"] == "ENTIRE_FILE"
    assert result["signature_count"] == 1
    assert result["record_number"] == office["record"]["record_number"]
    assert result["record_hash"] == office["record"]["record_hash"]
    assert result["record_version"] == 1
    assert result["signer"]["fingerprint_sha256"] == office["identity"].fingerprint
    assert result["signer"]["common_name"] == "市市场监督管理局"
    signed_at = dt.datetime.fromisoformat(result["signing_time"])
    assert abs((dt.datetime.now(dt.UTC) - signed_at).total_seconds()) < 600


def test_poppler_pdfsig_validates_the_signature(office: dict, tmp_path: Path) -> None:
    path = tmp_path / "record.pdf"
    path.write_bytes(office["pdf"])
    out = pdfsig(path)
    assert "Signature is Valid." in out
    assert "Total document signed" in out
    assert "ETSI.CAdES.detached" in out  # PAdES


def test_one_changed_byte_fails_both_verifiers(office: dict, tmp_path: Path) -> None:
    pdf = bytearray(office["pdf"])
    start1, length1, _, _ = _signed_ranges(bytes(pdf))
    # A byte inside the first page's compressed content stream, well within the signed range.
    stream = pdf.index(b"stream", 0, start1 + length1) + 40
    pdf[stream] ^= 0x01
    path = tmp_path / "tampered.pdf"
    path.write_bytes(pdf)
    result = signing.verify_pdf(path, office["trusted"])
    assert not result["ok"]
    assert not result["intact"]
    assert "签名与文档内容不符（文档在签名后被修改）。" in result["problems"]
    out = pdfsig(path)
    assert "Signature is Valid." not in out
    assert "Digest Mismatch." in out


def test_bytes_appended_after_signing_are_reported(office: dict) -> None:
    result = signing.verify_pdf(office["pdf"] + "\n% 签名后追加\n".encode(), office["trusted"])
    assert result["intact"] and result["valid"]
    assert not result["covers_whole_file"]
    assert not result["ok"]
    assert any("签名未覆盖整个文件" in problem for problem in result["problems"])


def test_incremental_update_changing_the_record_number_is_reported(office: dict) -> None:
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(office["pdf"]))
    info = writer.trailer["/Info"].get_object()
    info[generic.pdf_name(signing.INFO_RECORD_NUMBER)] = generic.TextStringObject("伪造-000001")
    writer.update_container(info)
    out = BytesIO()
    writer.write(out)
    result = signing.verify_pdf(out.getvalue(), office["trusted"])
    assert not result["ok"]
    assert not result["covers_whole_file"]
    # What was signed is reported, not what was added afterwards.
    assert result["record_number"] == office["record"]["record_number"]


def test_a_certificate_this_office_does_not_trust(office: dict, tmp_path: Path) -> None:
    stranger = signing.generate_department_identity(tmp_path / "other", "柳州市", "市公安局")
    result = signing.verify_pdf(office["pdf"], [stranger.certificate])
    assert result["intact"] and result["valid"] and not result["trusted"]
    assert not result["ok"]
    assert any("签名证书不受本机信任" in p for p in result["problems"])
    assert any("市市场监督管理局" in p for p in result["problems"])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "文件不是有效的 PDF"),
        (b"PK\x03\x04 a zip file", "文件不是有效的 PDF"),
        (b"%PDF-1.7\n" + b"\x00" * 300, "文件不是有效的 PDF"),
    ],
)
def test_damaged_files_give_problems_not_exceptions(content: bytes, problem: str) -> None:
    result = signing.verify_pdf(content, [])
    assert not result["ok"]
    assert any(problem in p for p in result["problems"])


def test_truncated_and_missing_files(office: dict, tmp_path: Path) -> None:
    truncated = signing.verify_pdf(office["pdf"][: len(office["pdf"]) // 2], office["trusted"])
    assert not truncated["ok"] and truncated["problems"]
    missing = signing.verify_pdf(tmp_path / "nowhere.pdf", office["trusted"])
    assert not missing["ok"]
    assert any("无法读取文件" in p for p in missing["problems"])


def test_signing_with_an_expired_certificate_is_refused(office: dict) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "市市场监督管理局")])
    now = dt.datetime.now(dt.UTC)
    expired = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now - dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    identity = signing.SigningIdentity("expired", expired, key)
    unsigned = record_pdf.render_check_record(office["record"])
    with pytest.raises(SigningKeyError, match="不在有效期内"):
        signing.sign_pdf(unsigned, identity)


def test_signature_block_shows_the_signing_certificate(office: dict) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(office["pdf"])
    text = "".join("".join(page.get_textpage().get_text_range().split()) for page in document)
    document.close()
    fingerprint = office["identity"].fingerprint
    assert "电子签章" in text
    assert "CN=市市场监督管理局" in text
    assert " ".join(fingerprint[i : i + 4] for i in range(0, 64, 4)).replace(" ", "") in text
