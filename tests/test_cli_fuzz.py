"""The command line never shows a traceback, whatever it is given (issue 11): bytes that are
not UTF-8, lone surrogates, huge, negative and zero numbers, empty and odd text, for `check`
and the other commands that take free text or numbers.

Every numeric option is checked in this process (fast, every command); the fuzz test runs the
program as a user does (`cli_process.Cli`, one process per command line, several at once): a
few drawn command lines in the normal run, many more under `-m slow`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cli_process import Cli
from hypothesis import given, settings
from hypothesis import strategies as st
from lists_support import demo_dir

from desktop_app.cli import build_parser, main

PERSON = "450202198501019919"
PLACE = ["--jurisdiction", "柳州", "--department", "市场监管局"]
HUGE = "1" + "0" * 30
# Exit statuses the program gives on purpose (see desktop_app/errors.py and cli/__init__.py).
# 7: a missing or refused login, or an action the role does not allow (errors.py).
EXIT_STATUSES = {0, 1, 2, 3, 4, 5, 6, 7, 130, 141}


def _actions(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, (*path, name))
        else:
            yield path, action


def test_no_option_takes_an_unbounded_number():
    numeric = []
    for path, action in _actions(build_parser()):
        where = (" ".join(path), action.option_strings[0] if action.option_strings else "")
        assert action.type not in (int, float), where
        if getattr(action.type, "__name__", "") == "整数":
            numeric.append(
                (" ".join(path), action.option_strings[0] if action.option_strings else action.dest)
            )
    assert sorted(numeric) == sorted(NUMERIC_OPTIONS_BY_NAME)


# (command line before the option, option, smallest value it takes)
NUMERIC_OPTIONS = (
    (["check", "韦小宝", *PLACE], "--limit", 1),
    (["lists", "import", "x.csv", "--category", "失信被执行人"], "--confirm-revocations", 0),
    (["lists", "show"], None, 1),
    (["exclusions", "undo", "--reason", "重复"], None, 1),
    (["package", "import", "x.zip"], "--confirm-revocations", 0),
    (["backup", "restore", "x.xyhcbak"], "--confirm-rollback", 0),
    (["records", "show", "R-1"], "--version", 1),
    (["alerts", "show"], None, 1),
    (["alerts", "close", "--reason", "已处理"], None, 1),
    (["alerts", "record"], None, 1),
    (["records", "print", "R-1", "--pdf", "x.pdf"], "--version", 1),
    (["audit", "list"], "--limit", 1),
    (["feedback", "report", "--from", "2026-01-01", "--to", "2026-12-31"], "--overdue-days", 1),
    (["feedback", "records"], "--limit", 1),
    (["feedback", "show", "R-1"], "--version", 1),
    (["demo-data", "--out", "x"], "--subjects", 1),
    (["demo-data", "--subjects", "5", "--out", "x"], "--seed", 0),
    (
        ["catalog", "import", "x.csv", "--jurisdiction", "柳州", "--effective", "2026-01-01"],
        "--replaces",
        1,
    ),
)
NUMERIC_OPTIONS_BY_NAME = [
    ("check", "--limit"),
    ("lists import", "--confirm-revocations"),
    ("lists show", "hit_id"),
    ("exclusions undo", "id"),
    ("package import", "--confirm-revocations"),
    ("backup restore", "--confirm-rollback"),
    ("records show", "--version"),
    ("alerts show", "alert_id"),
    ("alerts close", "alert_id"),
    ("alerts record", "alert_id"),
    ("records print", "--version"),
    ("audit list", "--limit"),
    ("feedback report", "--overdue-days"),
    ("feedback records", "--limit"),
    ("feedback show", "--version"),
    ("demo-data", "--subjects"),
    ("demo-data", "--seed"),
    ("catalog import", "--replaces"),
]


@pytest.mark.parametrize(("argv", "option", "smallest"), NUMERIC_OPTIONS)
def test_every_numeric_option_refuses_what_it_cannot_use(argv, option, smallest, capsys):
    too_small = [str(smallest - 1), "-1", "-" + HUGE]
    for value in (*too_small, HUGE, "9" * 5000):
        given_value = [option, value] if option else ["--", value]
        with pytest.raises(SystemExit) as stopped:
            main([*argv, *given_value])
        err = capsys.readouterr().err
        assert stopped.value.code == 2, (argv, option, value)
        assert "超出范围：请输入" in err and f"{smallest} 到 " in err, err
        assert "Traceback" not in err
    for value in ("abc", "1e3", "1.5", "0x10", "", "\udcff"):
        given_value = [option, value] if option else ["--", value]
        with pytest.raises(SystemExit) as stopped:
            main([*argv, *given_value])
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and "无效（应为整数）" in err, (option, value, err)


def test_other_digits_are_read_as_numbers(capsys, tmp_path):
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "check", "韦小宝", *PLACE, "--limit", "١٠", "--json"]) == 3
    assert '"status": "not_listed"' in capsys.readouterr().out


def test_undecodable_arguments_are_refused_before_anything_runs(capsys, tmp_path):
    data = tmp_path / "data"
    undecodable = os.fsdecode(b"\xff\xfe\xe9")
    assert main(["--data-dir", str(data), "check", undecodable, *PLACE]) == 2
    err = capsys.readouterr().err
    assert "无法识别的字节（不是 UTF-8 编码的文字" in err and "Traceback" not in err
    for argv in (
        ["lists", "import", f"/tmp/{undecodable}.csv", "--category", "失信被执行人"],
        ["records", "list", "--by", undecodable],
        ["measures", "--search", undecodable],
        ["check", PERSON, "--name", undecodable, *PLACE],
    ):
        assert main(["--data-dir", str(data), *argv]) == 2, argv
        assert "无法识别的字节" in capsys.readouterr().err
    assert not data.exists()  # nothing was opened, nothing created


# --- the program as a user runs it -------------------------------------------------------------

NASTY_TEXT = (
    "",
    " ",
    "-",
    "--",
    "\udcff\udcfe",
    os.fsdecode(b"\xc3\x28\xa0\xa1"),
    "\u202e450202198501019919",
    "٤٥٠٢٠٢١٩٨٥٠١٠١٩٩١٩",
    "9145О202MAQGJUTF10",
    f"{PERSON},450203199005209933",
    "45020285010199x",
    "韦\u0301小\ufe0f宝",
    "'; DROP TABLE listings; --",
    "%s%s%n",
    "x" * 3000,
    "\U0010ffff\U000e0001",
    "9999-99-99",
)
NASTY_NUMBERS = ("0", "-1", HUGE, "-" + HUGE, "1e30", "NaN", "١٠", "", "+5", "0x10", "9" * 5000)


def text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.binary(max_size=40).map(os.fsdecode),
        st.text(max_size=40),
    ).map(lambda value: value.replace("\x00", ""))


def number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_NUMBERS), st.integers(-(10**40), 10**40).map(str), text()
    )


def command_line(out: Path) -> st.SearchStrategy[list[str]]:
    """One command line of a command that takes free text or numbers (nothing it may write
    lands outside `out`)."""
    return st.one_of(
        st.tuples(text()).map(lambda t: ["check", t[0], *PLACE, "--json"]),
        st.tuples(text(), text()).map(lambda t: ["check", t[0], "--name", t[1], *PLACE]),
        st.tuples(number()).map(lambda t: ["check", "韦小宝", "--limit", t[0], *PLACE]),
        st.tuples(text(), text(), text()).map(
            lambda t: [
                "check",
                t[0],
                "--jurisdiction",
                t[1],
                "--department",
                t[2],
                "--as-of",
                "2026-03-01",
            ]
        ),
        st.tuples(text()).map(lambda t: ["check", PERSON, *PLACE, "--as-of", t[0]]),
        st.tuples(number()).map(lambda t: ["lists", "show", "--", t[0]]),
        st.tuples(text()).map(lambda t: ["lists", "versions", t[0]]),
        st.tuples(text(), number()).map(
            lambda t: [
                "lists",
                "import",
                t[0],
                "--category",
                "失信被执行人",
                "--confirm-revocations",
                t[1],
            ]
        ),
        st.tuples(text(), number()).map(lambda t: ["records", "show", t[0], "--version", t[1]]),
        st.tuples(text(), text(), text()).map(
            lambda t: ["records", "list", "--from", t[0], "--to", t[1], "--by", t[2]]
        ),
        st.tuples(number(), text()).map(
            lambda t: ["audit", "list", "--limit", t[0], "--action", t[1]]
        ),
        st.tuples(text()).map(lambda t: ["measures", "--search", t[0], "--jurisdiction", "柳州"]),
        st.tuples(text(), text()).map(
            lambda t: ["measures", "--jurisdiction", t[0], "--department", t[1]]
        ),
        st.tuples(text()).map(lambda t: ["departments", "--jurisdiction", t[0]]),
        st.tuples(text()).map(lambda t: ["verify", t[0]]),
        st.tuples(st.sampled_from(NASTY_NUMBERS), st.sampled_from(NASTY_NUMBERS)).map(
            lambda t: ["demo-data", "--subjects", t[0], "--seed", t[1], "--out", str(out / "demo")]
        ),
    )


@pytest.fixture(scope="module")
def cli_with_lists(tmp_path_factory) -> tuple[Cli, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    cli = Cli(folder)
    data = folder / "data"
    ran = cli.run(
        "--data-dir",
        str(data),
        "lists",
        "import",
        str(demo_dir() / "dishonest_debtors.csv"),
        "--category",
        "失信被执行人",
    )
    assert ran.code == 0, ran.err
    return cli, data


def _runs_without_traceback(cli: Cli, data: Path, lines: list[list[str]]) -> None:
    with ThreadPoolExecutor(max_workers=len(lines)) as pool:
        done = list(pool.map(lambda argv: (argv, cli.run("--data-dir", str(data), *argv)), lines))
    for argv, ran in done:
        assert "Traceback" not in ran.err and "Traceback" not in ran.out, (argv, ran.err[-2000:])
        assert ran.code in EXIT_STATUSES, (argv, ran.code, ran.err[-500:])
        if ran.code != 0:
            assert ran.err.strip() or ran.out.strip(), argv  # a refusal says why


def test_the_issues_own_inputs_end_without_a_traceback(cli_with_lists):
    cli, data = cli_with_lists
    _runs_without_traceback(
        cli,
        data,
        [
            ["check", os.fsdecode(b"\xff\xfe\xe9"), *PLACE],
            ["check", "\udcff韦小宝", *PLACE, "--json"],
            ["check", "韦小宝", "--limit", HUGE, *PLACE],
            ["lists", "show", HUGE],
        ],
    )


@settings(max_examples=2)
@given(st.data())
def test_drawn_command_lines_end_without_a_traceback(cli_with_lists, tmp_path_factory, data):
    cli, folder = cli_with_lists
    out = tmp_path_factory.mktemp("out")
    _runs_without_traceback(
        cli, folder, data.draw(st.lists(command_line(out), min_size=4, max_size=4))
    )


@pytest.mark.slow
@settings(settings.get_profile("slow"), max_examples=150)
@given(st.data())
def test_drawn_command_lines_end_without_a_traceback_long_run(
    cli_with_lists, tmp_path_factory, data
):
    cli, folder = cli_with_lists
    out = tmp_path_factory.mktemp("out")
    _runs_without_traceback(
        cli, folder, data.draw(st.lists(command_line(out), min_size=4, max_size=4))
    )
