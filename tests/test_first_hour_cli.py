"""Issue 17: what a new user meets on the command line in the first hour.

Each test runs the program as a separate process (`cli_process.Cli`: its own home, data
folder and machine configuration) and asserts what the user reads, not only the exit status.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_process import INSTALLED_COMMAND, Cli
from lists_support import demo_dir, office_copy

from desktop_app import paths
from desktop_app.cli import EXIT_BROKEN_PIPE, program_name
from desktop_app.services.screening.check import DEMO_LISTS_WARNING, NO_LISTS_WARNING

PERSON = "450202198501019919"  # 韦小宝 in resources/demo (synthetic)
MASKED_PERSON = "450205198703159919"  # 令狐冲: listed with a masked ID
PLACE = ("--jurisdiction", "柳州", "--department", "市场监管局")
ADMIN_PASSWORD = "admin-pass-1"
CLERK_PASSWORD = "clerk-pass-1"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# --- item 2: a check that cannot tell is marked so, and exits 3 --------------------------


def test_a_check_without_lists_is_not_conclusive(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    ran = cli.run("--data-dir", data, "check", PERSON, *PLACE, "--json")
    result = json.loads(ran.out)
    assert ran.code == 3
    assert (result["status"], result["conclusive"]) == ("not_listed", False)
    assert result["inconclusive_reason"] == "no_lists"
    assert result["warnings"] == [NO_LISTS_WARNING]

    text = cli.run("--data-dir", data, "check", PERSON, *PLACE)
    assert text.code == 3
    assert text.out.startswith("未发现失信记录") and NO_LISTS_WARNING in text.out


def test_demo_lists_only_are_not_conclusive_and_a_real_list_is(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    demo = str(demo_dir() / "dishonest_debtors.csv")
    assert (
        cli.run("--data-dir", data, "lists", "import", demo, "--category", "失信被执行人").code == 0
    )
    ran = cli.run("--data-dir", data, "check", PERSON, *PLACE, "--json")
    result = json.loads(ran.out)
    assert ran.code == 3
    assert (result["status"], result["conclusive"]) == ("listed", False)
    assert result["inconclusive_reason"] == "demo_lists_only"
    assert DEMO_LISTS_WARNING in result["warnings"]

    real = str(office_copy("tax_violations.csv", tmp_path))
    category = "重大税收违法案件当事人"
    assert cli.run("--data-dir", data, "lists", "import", real, "--category", category).code == 0
    ran = cli.run("--data-dir", data, "check", PERSON, *PLACE, "--json")
    result = json.loads(ran.out)
    assert ran.code == 0
    assert (result["conclusive"], result["inconclusive_reason"]) == (True, None)
    assert DEMO_LISTS_WARNING not in result["warnings"]

    wrong = cli.run("--data-dir", data, "check", PERSON[:17] + "8", *PLACE, "--json")
    assert wrong.code == 2
    assert json.loads(wrong.out)["inconclusive_reason"] == "invalid_input"


def test_a_hit_with_no_measures_for_the_department_says_so(cli: Cli, tmp_path: Path) -> None:
    # README's Try it: 市委组织部 has no measure for 失信被执行人; the text output says 0, not
    # nothing (a clerk reading 发现失信记录 must see that the department has none to apply).
    data = str(tmp_path / "data")
    demo = str(demo_dir() / "dishonest_debtors.csv")
    assert (
        cli.run("--data-dir", data, "lists", "import", demo, "--category", "失信被执行人").code == 0
    )
    place = ("--jurisdiction", "柳州", "--department", "市委组织部")
    ran = cli.run("--data-dir", data, "check", PERSON, *place)
    assert ran.code == 3 and ran.out.startswith("发现失信记录")
    assert "本部门应实施的措施：0 项" in ran.out
    listed = cli.run("--data-dir", data, "check", PERSON, *PLACE)
    assert "本部门应实施的措施（5 项）" in listed.out and "0 项" not in listed.out


def test_a_refused_login_is_never_the_inconclusive_exit_status(cli: Cli, tmp_path: Path) -> None:
    # 3 means "not conclusive" to a script (`… || test $? -eq 3`): a missing or refused login
    # and a role that may not act end with 7.
    data = str(tmp_path / "data")
    place = ("--jurisdiction", "柳州", "--department", "市场监管局", "--password-stdin")
    init = cli.run(
        "--data-dir", data, "users", "init-admin", "admin", *place, stdin="admin-pass-1\n"
    )
    assert init.code == 0
    missing = cli.run("--data-dir", data, "check", PERSON, *PLACE)
    assert missing.code == 7 and "此操作需要登录" in missing.err
    wrong = cli.run(
        "--data-dir",
        data,
        "check",
        PERSON,
        *PLACE,
        "--user",
        "admin",
        "--password-stdin",
        stdin="wrong-pass-1\n",
    )
    assert wrong.code == 7 and "用户名或密码错误" in wrong.err
    assert "7  需要登录、登录失败或无权执行" in cli.run("check", "--help").out


def test_check_help_documents_the_exit_status_and_the_marker(cli: Cli) -> None:
    ran = cli.run("check", "--help")
    assert ran.code == 0
    assert "退出状态：" in ran.out
    assert "3  结果不能作为依据" in ran.out
    assert '"conclusive" 为 false' in ran.out and "demo_lists_only" in ran.out


# --- item 4: pipes that close early end quietly -----------------------------------------


def test_a_reader_that_stops_early_ends_the_program_quietly(cli: Cli, tmp_path: Path) -> None:
    ran = cli.shell(
        "$CLI measures --jurisdiction 柳州 --department 市场监管局 --json | head -1; "
        's1="${PIPESTATUS[0]}"\n'
        f"$CLI --data-dir {tmp_path / 'data'} check {PERSON} --jurisdiction 柳州 "
        '--department 市场监管局 --json | true; s2="${PIPESTATUS[0]}"\n'
        '$CLI departments | true; s3="${PIPESTATUS[0]}"\n'
        '$CLI --help | true; s4="${PIPESTATUS[0]}"\n'
        'echo "status $s1 $s2 $s3 $s4"'
    )
    # 280 KB of JSON, a check, a listing: each stopped by its reader. argparse itself ignores
    # a failed write of --help (exit 0); either way nothing is said.
    broken = str(EXIT_BROKEN_PIPE)
    assert ran.out.splitlines()[:-1] == ["["]
    assert ran.out.splitlines()[-1].split()[1:4] == [broken, broken, broken]
    assert ran.out.splitlines()[-1].split()[4] in ("0", broken)
    assert "Traceback" not in ran.err and "BrokenPipeError" not in ran.err
    assert ran.err == ""


# --- item 5: argparse in Chinese, the program named as invoked ---------------------------


def test_usage_errors_are_in_chinese(cli: Cli) -> None:
    missing = cli.run("check")
    assert missing.code == 2
    assert "缺少必需的参数：QUERY" in missing.err
    assert missing.err.startswith("用法：")
    assert "the following arguments" not in missing.err and "usage:" not in missing.err

    wrong_type = cli.run("check", PERSON, "--limit", "十")
    assert wrong_type.code == 2 and "参数 --limit：取值“十”无效（应为整数）" in wrong_type.err

    unknown = cli.run("chekc")
    assert unknown.code == 2 and "没有“chekc”这一项（可选：" in unknown.err

    extra = cli.run("departments", "--jurisdiction", "柳州", "--colour")
    assert extra.code == 2 and "无法识别的参数：--colour" in extra.err

    helped = cli.run("--help")
    assert "选项：" in helped.out and "显示此帮助并退出" in helped.out
    assert "show this help" not in helped.out and "options:" not in helped.out


def test_the_usage_line_names_the_program_as_invoked(cli: Cli) -> None:
    assert INSTALLED_COMMAND.exists(), "pip install -e . installs the xinyong-hechatai command"
    installed = cli.run("check", program=INSTALLED_COMMAND)
    assert installed.err.startswith("用法：xinyong-hechatai check ")
    assert "python -m desktop_app" not in installed.err
    as_module = cli.run("check")
    assert as_module.err.startswith(f"用法：{Path(sys.executable).name} -m desktop_app check ")


def test_program_name_rules() -> None:
    assert program_name("/usr/bin/xinyong-hechatai") == "xinyong-hechatai"
    assert program_name(r"C:\Program Files\x\xinyong-hechatai.exe") == "xinyong-hechatai"
    main = str(paths.project_root() / "desktop_app" / "__main__.py")
    assert program_name(main, ["python3", "-m", "desktop_app"]) == "python3 -m desktop_app"
    assert program_name(main, ["C:/Python311/python.EXE"]) == "python -m desktop_app"


# --- item 6: the jurisdictions that exist, and former names of departments ----------------


def test_an_unknown_jurisdiction_lists_those_there_are(cli: Cli, tmp_path: Path) -> None:
    ran = cli.run(
        "--data-dir",
        str(tmp_path / "d"),
        "check",
        PERSON,
        "--jurisdiction",
        "北京",
        "--department",
        "市场监管局",
    )
    assert ran.code == 2
    assert "未找到地区“北京”。目录中的地区：柳州市、内蒙古自治区、昆山市。" in ran.err
    measures = cli.run("measures", "--jurisdiction", "北京", "--department", "公安局")
    assert measures.code == 2 and "柳州市、内蒙古自治区、昆山市" in measures.err


def test_former_department_names_find_todays_department(cli: Cli, tmp_path: Path) -> None:
    ran = cli.run(
        "--data-dir",
        str(tmp_path / "d"),
        "check",
        PERSON,
        "--jurisdiction",
        "柳州",
        "--department",
        "工商局",
        "--json",
    )
    assert json.loads(ran.out)["department"] == "市市场监管局", ran.err
    listed = cli.run("departments", "--jurisdiction", "柳州", "--json")
    taxes = next(d for d in json.loads(listed.out) if d["name"] == "市税务局")
    assert {"国税局", "地税局", "市国税局", "市地税局"} <= set(taxes["aliases"])
    old = cli.run("measures", "--jurisdiction", "柳州", "--department", "市质监局", "--json")
    assert {m["department"] for m in json.loads(old.out)} == {"市市场监管局"}


# --- item 8: reading creates nothing --------------------------------------------------------


def test_reading_a_new_data_folder_creates_nothing(cli: Cli, tmp_path: Path) -> None:
    # Without --data-dir: the per-user folder of a PC where the program never ran.
    ran = cli.run("check", PERSON, *PLACE)
    assert ran.code == 3 and NO_LISTS_WARNING in ran.out
    assert not cli.default_data_dir.exists()
    data = tmp_path / "new" / "data"
    for argv in (
        ("check", PERSON, *PLACE, "--json"),
        ("lists", "status"),
        ("lists", "show", "1"),
        ("lists", "mapping", "list"),
        ("audit", "verify"),
        ("selftest",),
    ):
        ran = cli.run("--data-dir", str(data), *argv)
        assert "Traceback" not in ran.err, argv
        assert not (tmp_path / "new").exists(), (argv, files_under(tmp_path / "new"))
    assert files_under(cli.home) == []


def test_restore_and_a_window_lock_leave_no_lock_file(cli: Cli, tmp_path: Path) -> None:
    data, restored = tmp_path / "data", tmp_path / "restored"
    backup = tmp_path / "b.xyhcbak"
    demo = str(demo_dir() / "wage_arrears.csv")
    category = "严重拖欠农民工工资用人单位及其有关人员"
    assert (
        cli.run("--data-dir", str(data), "lists", "import", demo, "--category", category).code == 0
    )
    assert cli.run("--data-dir", str(data), "backup", "create", str(backup)).code == 0
    ran = cli.run("--data-dir", str(restored), "backup", "restore", str(backup), "--json")
    assert ran.code == 0, ran.err
    assert (restored / "lists.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".lock")) == []


# --- item 9: one word for one thing ----------------------------------------------------------


def test_the_cli_says_youxiao_jilu_like_the_window(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    demo = str(demo_dir() / "dishonest_debtors.csv")
    cli.run("--data-dir", data, "lists", "import", demo, "--category", "失信被执行人")
    ran = cli.run("--data-dir", data, "check", MASKED_PERSON, *PLACE)
    assert "名单中有1条有效记录的证件号码被遮蔽" in ran.out
    assert "在效" not in ran.out
    sources = (paths.project_root() / "desktop_app").rglob("*.py")
    assert [str(p) for p in sources if "在效" in p.read_text(encoding="utf-8")] == []


# --- item 10: users add takes the configured jurisdiction ----------------------------------


def test_users_add_takes_the_machines_jurisdiction(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    ran = cli.run(
        "--data-dir",
        data,
        "users",
        "init-admin",
        "admin",
        "--password-stdin",
        stdin=f"{ADMIN_PASSWORD}\n",
    )
    assert ran.code == 0, ran.err
    add = (
        "--data-dir",
        data,
        "users",
        "add",
        "zhang",
        "--role",
        "clerk",
        "--department",
        "市场监管局",
        "--user",
        "admin",
        "--password-stdin",
    )
    stdin = f"{ADMIN_PASSWORD}\n{CLERK_PASSWORD}\n"
    refused = cli.run(*add, stdin=stdin)
    assert refused.code == 2
    assert "请加上 --jurisdiction（可选：柳州市、内蒙古自治区、昆山市）" in refused.err
    assert "本机配置中设置 jurisdiction" in refused.err

    cli.config.write_text('jurisdiction = "柳州市"\n', encoding="utf-8")
    ran = cli.run(*add, "--json", stdin=stdin)
    assert ran.code == 0, ran.err
    user = json.loads(ran.out)
    assert (user["jurisdiction"], user["department"]) == ("柳州市", "市市场监管局")


# --- item 11: feedback in the words the window and the PDF show ------------------------------


def test_feedback_accepts_the_chinese_labels(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    place = ("--jurisdiction", "柳州市", "--department", "市场监管局")
    cli.run(
        "--data-dir",
        data,
        "users",
        "init-admin",
        "admin",
        *place,
        "--password-stdin",
        stdin=f"{ADMIN_PASSWORD}\n",
    )
    real = str(office_copy("dishonest_debtors.csv", tmp_path))
    cli.run(
        "--data-dir",
        data,
        "lists",
        "import",
        real,
        "--category",
        "失信被执行人",
        "--user",
        "admin",
        "--password-stdin",
        stdin=f"{ADMIN_PASSWORD}\n",
    )
    admin = ("--user", "admin", "--password-stdin")
    checked = cli.run(
        "--data-dir", data, "check", PERSON, *admin, "--json", stdin=f"{ADMIN_PASSWORD}\n"
    )
    assert checked.code == 0, checked.err
    result = json.loads(checked.out)
    number, measures = result["record_number"], [m["id"] for m in result["measures"]]
    for measure, action, extra in (
        (measures[0], "已实施", ()),
        (measures[1], "不适用", ("--reason", "本次申请事项不涉及")),
        (measures[2], "已移送", ()),
    ):
        ran = cli.run(
            "--data-dir",
            data,
            "records",
            "feedback",
            number,
            "--measure",
            measure,
            "--action",
            action,
            *extra,
            *admin,
            "--json",
            stdin=f"{ADMIN_PASSWORD}\n",
        )
        assert ran.code == 0, ran.err
    record = json.loads(ran.out)
    actions = {
        m["id"]: m["feedback"]["action"]
        for m in record["measures"]
        if (m.get("feedback") or {}).get("action")
    }
    assert actions == {
        measures[0]: "applied",
        measures[1]: "not_applicable",
        measures[2]: "referred",
    }
    shown = cli.run(
        "--data-dir", data, "records", "show", number, *admin, stdin=f"{ADMIN_PASSWORD}\n"
    )
    assert "已实施" in shown.out and "不适用" in shown.out and "已移送" in shown.out
    wrong = cli.run(
        "--data-dir",
        data,
        "records",
        "feedback",
        number,
        "--measure",
        measures[0],
        "--action",
        "已完成",
        *admin,
        stdin=f"{ADMIN_PASSWORD}\n",
    )
    assert wrong.code == 2 and "反馈“已完成”无效" in wrong.err


# --- item 12: the bundled demo files are demo data however they are imported ----------------


def test_bundled_demo_files_are_marked_whichever_way(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    demo = demo_dir()
    ran = cli.run(
        "--data-dir",
        data,
        "lists",
        "import",
        str(demo / "dishonest_debtors.xlsx"),
        "--category",
        "失信被执行人",
        "--list-name",
        "失信被执行人",
        "--json",
    )
    report = json.loads(ran.out)
    assert report["list"] == "失信被执行人（演示数据）"
    assert any("程序自带的演示名单" in w for w in report["warnings"])

    # Through a signed update package made from the bundled CSV.
    key = tmp_path / "k.pem"
    made = json.loads(cli.run("package", "keygen", "--out", str(key), "--json").out)
    cli.config.write_text(
        f'[[trusted_publishers]]\nname = "信用办"\npublic_key = "{made["public_key"]}"\n',
        encoding="utf-8",
    )
    package = tmp_path / "名单.xyhc"
    ran = cli.run(
        "package",
        "make",
        str(demo / "tax_violations.csv"),
        "--kind",
        "list",
        "--category",
        "重大税收违法案件当事人",
        "--publisher",
        "信用办",
        "--key",
        str(key),
        "--out",
        str(package),
    )
    assert ran.code == 0, ran.err
    ran = cli.run("--data-dir", data, "package", "import", str(package), "--json")
    assert ran.code == 0, ran.err
    status = json.loads(cli.run("--data-dir", data, "lists", "status", "--json").out)
    assert all("演示数据" in item["list"] for item in status["lists"]), status
    checked = cli.run("--data-dir", data, "check", PERSON, *PLACE, "--json")
    assert checked.code == 3 and DEMO_LISTS_WARNING in json.loads(checked.out)["warnings"]


# --- item 13: the update section's steps, in its order --------------------------------------


def test_an_update_package_verifies_once_the_key_is_trusted(cli: Cli, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    key = tmp_path / "信用办发布私钥.pem"
    made = cli.run(
        "package", "keygen", "--out", str(key), "--password-stdin", stdin="publisher-pass\n"
    )
    assert made.code == 0, made.err
    public_key = next(line for line in made.out.splitlines() if line.startswith("公钥："))[3:]
    assert f"config trust （发布单位名称） {public_key}" in made.out
    package = tmp_path / "名单-2026-05.xyhc"
    real = str(office_copy("dishonest_debtors.csv", tmp_path))
    ran = cli.run(
        "package",
        "make",
        "--kind",
        "list",
        real,
        "--category",
        "失信被执行人",
        "--publisher",
        "柳州市信用办",
        "--key",
        str(key),
        "--password-stdin",
        "--out",
        str(package),
        stdin="publisher-pass\n",
    )
    assert ran.code == 0, ran.err

    untrusted = cli.run("--data-dir", data, "package", "verify", str(package))
    assert untrusted.code == 1 and "config trust" in untrusted.err
    trusted = cli.run("--data-dir", data, "config", "trust", "柳州市信用办", public_key)
    assert trusted.code == 0 and str(cli.config) in trusted.out
    verified = cli.run("--data-dir", data, "package", "verify", str(package))
    assert verified.code == 0 and verified.out.startswith("签名有效：")
    imported = cli.run("--data-dir", data, "package", "import", str(package))
    assert imported.code == 0 and "已导入名单包" in imported.out
