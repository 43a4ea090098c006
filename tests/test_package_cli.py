"""`package keygen|make|verify|import` end to end through the command line, with --json."""

from __future__ import annotations

import json

from desktop_app import cli, paths

DEMO = paths.resources_dir() / "demo" / "dishonest_debtors.csv"


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    data = json.loads(captured.out) if captured.out.startswith("{") else None
    return code, data, captured.err


def test_credit_office_to_department_pc(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "config.toml"))
    data_dir = str(tmp_path / "data")
    code, made, _ = run(capsys, "package", "keygen", "--out", str(tmp_path / "k.pem"), "--json")
    assert code == 0 and len(made["public_key"]) == 44
    assert (
        run(capsys, "--data-dir", data_dir, "config", "trust", "信用办", made["public_key"])[0] == 0
    )

    package = str(tmp_path / "名单.xyhc")
    code, out, err = run(
        capsys, "package", "make", str(DEMO), "--kind", "list", "--category", "失信被执行人",
        "--publisher", "柳州市信用办", "--key", str(tmp_path / "k.pem"), "--out", package, "--json",
    )  # fmt: skip
    assert code == 0, err
    assert out["manifest"]["list"]["category"] == "失信被执行人"

    code, verified, _ = run(capsys, "package", "verify", package, "--json")
    assert code == 0 and verified["valid"] is True and verified["publisher"] == "信用办"

    code, refused, err = run(capsys, "package", "verify", package, "--kind", "catalog", "--json")
    assert code == 1 and "这是失信名单包，不是目录更新包" in err
    assert refused["kind"] == "PackageError"

    code, imported, err = run(
        capsys, "--data-dir", data_dir, "package", "import", package, "--json"
    )
    assert code == 0, err
    assert imported["result"]["added"] > 0


def test_unknown_category_is_refused_before_anything_is_written(tmp_path, capsys) -> None:
    run(capsys, "package", "keygen", "--out", str(tmp_path / "k.pem"))
    out = tmp_path / "x.xyhc"
    code, _, err = run(
        capsys, "package", "make", str(DEMO), "--kind", "list", "--category", "失信被执行者甲",
        "--publisher", "信用办", "--key", str(tmp_path / "k.pem"), "--out", str(out),
    )  # fmt: skip
    assert code == 2 and "未找到" in err
    assert not out.exists()
