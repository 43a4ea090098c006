"""What the machine configuration holds for feedback packages: what this PC is
(`office_kind`), the credit office's certificate (`config trust-office`), the departments'
certificates a credit office accepts (`config trust-department`), the days after which
feedback is overdue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from office_helpers import FAST_SCRYPT, PASSWORDS

from desktop_app.cli import main
from desktop_app.config import (
    MachineConfig,
    TrustedDepartment,
    load_machine_config,
    pem_fingerprint,
    save_machine_config,
    with_trusted_department,
    with_trusted_office,
)
from desktop_app.errors import ConfigError
from desktop_app.services import accounts
from desktop_app.services.exchange import office_key
from desktop_app.services.records import signing


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An office's RSA encryption certificate and a department's EC signing certificate."""
    root = tmp_path_factory.mktemp("certs")
    office_key.generate(root / "office", "柳州市信用办")
    office_key.export_certificate(root / "office", root / "office.cer")
    signing.generate_department_identity(root / "dept", "柳州市", "市市场监管局")
    signing.export_certificate(root / "dept", root / "dept.pem")
    signing.generate_department_identity(root / "odd", "柳州市", "某某中心")
    signing.export_certificate(root / "odd", root / "odd.pem")
    return {name: root / f"{name}.{ext}" for name, ext in (("office", "cer"), ("dept", "pem"),
                                                              ("odd", "pem"))}  # fmt: skip


def _pem(path: Path) -> str:
    from cryptography import x509

    data = path.read_bytes()
    if b"BEGIN" not in data:
        data = x509.load_der_x509_certificate(data).public_bytes(serialization.Encoding.PEM)
    return data.decode()


def test_defaults_and_a_round_trip(tmp_path, certificates) -> None:
    assert load_machine_config(tmp_path / "none.toml").office_kind == "department"
    assert load_machine_config(tmp_path / "none.toml").feedback_overdue_days == 15
    office = _pem(certificates["office"])
    config = with_trusted_department(
        with_trusted_office(
            MachineConfig(
                jurisdiction="柳州市", office_kind="credit_office", feedback_overdue_days=10
            ),
            "柳州市信用办",
            office,
        ),
        "柳州市",
        "市市场监管局",
        _pem(certificates["dept"]),
    )
    path = save_machine_config(config, tmp_path / "config.toml")
    text = path.read_text("utf-8")
    assert 'office_kind = "credit_office"' in text and "[[trusted_departments]]" in text
    assert "-----BEGIN CERTIFICATE-----\n" in text  # readable, one PEM line per line
    loaded = load_machine_config(path)
    assert loaded.is_credit_office and loaded.feedback_overdue_days == 10
    assert loaded.trusted_office == config.trusted_office
    assert loaded.trusted_departments == config.trusted_departments
    assert loaded.trusted_office.fingerprint == signing.certificate_fingerprint(
        office_key.active_certificate(certificates["office"].parent / "office")
    )
    shown = loaded.to_json()
    assert shown["trusted_departments"][0]["department"] == "市市场监管局"
    assert shown["trusted_office"]["fingerprint"] == pem_fingerprint(office)
    # Trusting the same certificate again replaces its entry; another one is added.
    again = with_trusted_department(loaded, "柳州市", "市市场监管局", _pem(certificates["dept"]))
    assert len(again.trusted_departments) == 1
    more = with_trusted_department(again, "柳州市", "市教育局", _pem(certificates["odd"]))
    assert [d.department for d in more.trusted_departments] == ["市市场监管局", "市教育局"]


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ('jurisdiction = "柳州市"\noffice_kind = "office"\n', 2, "office_kind 只能是"),
        ("feedback_overdue_days = 0\n", 1, "1 到 365"),
        ('feedback_overdue_days = "15"\n', 1, "1 到 365"),
        ('[trusted_office]\nname = "信用办"\ncertificate = "abc"\n', 3, "PEM"),
        ('[trusted_office]\ncertificate = "abc"\n', 1, "name"),
        (
            '[[trusted_departments]]\njurisdiction = "柳州市"\ndepartment = "甲"\n'
            'certificate = "x"\n',
            4,
            "签名证书的 PEM",
        ),
        ('[[trusted_departments]]\njurisdiction = "柳州市"\n', 1, "department"),
    ],
)
def test_mistakes_name_the_line(tmp_path, text, line, phrase) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_machine_config(path)
    assert f"第 {line} 行" in caught.value.message and phrase in caught.value.message


def _cli(monkeypatch, data: Path, *argv: str, password: str | None = None) -> tuple:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO((password or "") + "\n"))
    login = ["--user", "admin", "--password-stdin"] if password else []
    return main(["--data-dir", str(data), *argv, *login])


def test_trust_office_and_department_from_the_command_line(
    tmp_path, monkeypatch, capsys, certificates
) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
    config = tmp_path / "machine.toml"
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    data = tmp_path / "data"
    assert _cli(monkeypatch, data, "config", "set", "jurisdiction", "柳州市") == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORDS["admin"] + "\n"))
    assert main(["--data-dir", str(data), "users", "init-admin", "admin", "--department",
                 "市发展改革委", "--password-stdin"]) == 0  # fmt: skip
    capsys.readouterr()
    password = PASSWORDS["admin"]
    # A department's EC signing certificate cannot receive packages.
    code = _cli(monkeypatch, data, "config", "trust-office", str(certificates["dept"]),
                password=password)  # fmt: skip
    assert code == 1 and "必须是 RSA" in capsys.readouterr().err
    code = _cli(monkeypatch, data, "config", "trust-office", str(certificates["office"]),
                "--json", password=password)  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["name"] == "柳州市信用办"
    # The department is read from the certificate (any alias the catalog knows) …
    code = _cli(monkeypatch, data, "config", "trust-department", str(certificates["dept"]),
                password=password)  # fmt: skip
    assert code == 0 and "市市场监管局" in capsys.readouterr().out
    # … or named when the certificate does not say it.
    code = _cli(monkeypatch, data, "config", "trust-department", str(certificates["odd"]),
                password=password)  # fmt: skip
    assert code == 2 and "--department" in capsys.readouterr().err
    code = _cli(monkeypatch, data, "config", "trust-department", str(certificates["odd"]),
                "--department", "教育局", password=password)  # fmt: skip
    assert code == 0
    assert _cli(monkeypatch, data, "config", "set", "office_kind", "credit_office",
                password=password) == 0  # fmt: skip
    assert _cli(monkeypatch, data, "config", "set", "office_kind", "city",
                password=password) == 2  # fmt: skip
    assert _cli(monkeypatch, data, "config", "set", "feedback_overdue_days", "20",
                password=password) == 0  # fmt: skip
    loaded = load_machine_config(config)
    assert loaded.is_credit_office and loaded.feedback_overdue_days == 20
    assert [(d.department, d.fingerprint) for d in loaded.trusted_departments] == [
        ("市市场监管局", pem_fingerprint(_pem(certificates["dept"]))),
        ("市教育局", pem_fingerprint(_pem(certificates["odd"]))),
    ]
    assert isinstance(loaded.trusted_departments[0], TrustedDepartment)
    capsys.readouterr()
    assert _cli(monkeypatch, data, "config", "show") == 0
    shown = capsys.readouterr().out
    assert "信用办加密证书：柳州市信用办" in shown and "可信部门证书：柳州市 市教育局" in shown
    # Every change is audited.
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(password + "\n"))
    main(["--data-dir", str(data), "audit", "list", "--action", "setting_change", "--json",
          "--user", "admin", "--password-stdin"])  # fmt: skip
    changes = json.loads(capsys.readouterr().out)
    assert {"trusted_office", "trusted_department"} <= {
        key for entry in changes for key in entry["details"]
    }
