"""`cert show|export|import|new` end to end through the CLI's `main`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cryptography import x509
from signing_helpers import make_p12

import desktop_app.cli as cli
from desktop_app.models.users_store import User
from desktop_app.services import accounts
from desktop_app.services.records import signing


@pytest.fixture(autouse=True)
def only_cert_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only this command group: the test does not depend on the other groups being present.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("cert",))
    monkeypatch.setenv("XYHC_SECRET_DIR", str(tmp_path / "secrets"))


def run(data_dir: Path, *argv: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(["--data-dir", str(data_dir), "cert", *argv])


def test_show_new_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert run(data_dir, "show", "--json", monkeypatch=monkeypatch) == 0
    assert json.loads(capsys.readouterr().out) == {"certificate": None, "trusted": []}

    code = run(
        data_dir,
        "new",
        "--jurisdiction",
        "柳州市",
        "--department",
        "市市场监管局",
        "--json",
        monkeypatch=monkeypatch,
    )
    assert code == 0
    created = json.loads(capsys.readouterr().out)
    assert created["subject"] == "CN=市市场监管局, O=柳州市, C=CN"

    assert run(data_dir, "show", monkeypatch=monkeypatch) == 0
    shown = capsys.readouterr().out
    assert "签名证书：CN=市市场监管局, O=柳州市, C=CN" in shown
    assert created["fingerprint_sha256"] in shown

    out = tmp_path / "dept.pem"
    assert run(data_dir, "export", str(out), monkeypatch=monkeypatch) == 0
    certificate = x509.load_pem_x509_certificate(out.read_bytes())
    assert signing.certificate_fingerprint(certificate) == created["fingerprint_sha256"]


def test_import_with_password_on_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    certificate = make_p12(tmp_path / "dept.p12", b"s3cret-p12")
    code = run(
        data_dir,
        "import",
        str(tmp_path / "dept.p12"),
        "--password-stdin",
        "--json",
        stdin="s3cret-p12\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["fingerprint_sha256"] == signing.certificate_fingerprint(certificate)
    assert facts["source"] == "imported"


def test_wrong_password_exits_2_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    make_p12(tmp_path / "dept.p12", b"s3cret-p12")
    code = run(
        data_dir,
        "import",
        str(tmp_path / "dept.p12"),
        "--password-stdin",
        stdin="wrong\n",
        monkeypatch=monkeypatch,
    )
    assert code == 2
    assert "密码错误" in capsys.readouterr().err
    assert signing.active_certificate(data_dir) is None
    assert not signing.keys_dir(data_dir).exists()


def test_missing_file_is_named_before_asking_for_a_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(tmp_path / "data", "import", str(tmp_path / "none.p12"), monkeypatch=monkeypatch)
    assert code == 2
    assert "找不到证书文件" in capsys.readouterr().err


def test_once_accounts_exist_only_an_admin_may_change_the_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    make_p12(tmp_path / "dept.p12", b"s3cret-p12")
    monkeypatch.setattr(accounts, "accounts_exist", lambda ctx: True)
    code = run(
        data_dir,
        "import",
        str(tmp_path / "dept.p12"),
        "--password-stdin",
        stdin="s3cret-p12\n",
        monkeypatch=monkeypatch,
    )
    assert code == 7
    assert "需要登录" in capsys.readouterr().err

    clerk = User("li", "李科员", "clerk", "柳州市", "市市场监管局")
    monkeypatch.setattr("desktop_app.cli.cert.login", lambda args, ctx, required: clerk)
    code = run(
        data_dir,
        "new",
        "--jurisdiction",
        "柳州市",
        "--department",
        "市市场监管局",
        monkeypatch=monkeypatch,
    )
    assert code == 7
    assert "无权导入证书" in capsys.readouterr().err
    assert signing.active_certificate(data_dir) is None
