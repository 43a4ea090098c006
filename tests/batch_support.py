"""Helpers for the batch check and re-check tests: an office with users and an imported copy
of the demo debtors list (an office's own copy, so results are conclusive), subject files,
and the subjects of the demo lists whose state the second version of the list changes."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from office_helpers import make_users, office
from stdnum.cn import ric

from desktop_app import paths
from desktop_app.context import AppContext
from desktop_app.models.users_store import User
from desktop_app.services import admin

LIST_NAME = "柳州市失信被执行人名单"
CATEGORY = "失信被执行人"
JURISDICTION = "柳州市"
DEPARTMENT = "市市场监管局"

LISTED_COMPANY = ("柳州市鑫源贸易有限公司", "91450202MAQGJUTF10")
LISTED_PERSON = ("韦小宝", "450202198501019919")
MASKED_PERSON = ("令狐冲", "450205198703159919")  # on the list as 450205********9919
WRONG_DIGIT = "450202198501019918"  # 韦小宝's ID with a wrong check digit
HOMOPHONE = "黄荣"  # the list has 黄蓉
# What the list's version 2 changes (resources/demo/dishonest_debtors_v2.csv).
NEWLY_LISTED = ("杨娟", "450311199908309981")
REVOKED_BY_DATE = ("王波龙", "322128197408309993")
DROPPED = ("胡敏蓉", "452724196306159906")
V2_REVOCATIONS = 16


def demo_file(name: str) -> Path:
    return paths.resources_dir() / "demo" / name


def office_copy(source: str, tmp_path: Path) -> Path:
    """A copy of a bundled demo list that is not the bundled file (one byte more), so it is
    imported as the office's own list rather than as demo data."""
    target = tmp_path / f"office-{source}"
    target.write_bytes(demo_file(source).read_bytes() + b"\n")
    return target


def screening_office(tmp_path: Path) -> tuple[AppContext, dict[str, User]]:
    """A data folder with the users of `office_helpers.make_users` and version 1 of the
    debtors list."""
    ctx = office(tmp_path)
    users = make_users(ctx)
    admin.import_list_file(
        ctx,
        users["admin"],
        office_copy("dishonest_debtors.csv", tmp_path),
        CATEGORY,
        list_name=LIST_NAME,
    )
    return ctx, users


def import_version_2(ctx: AppContext, user: User, tmp_path: Path, **options: Any) -> Any:
    """Import version 2 of the debtors list (it revokes 16 listings: confirmed)."""
    return admin.import_list_file(
        ctx,
        user,
        office_copy("dishonest_debtors_v2.csv", tmp_path),
        CATEGORY,
        list_name=LIST_NAME,
        confirm_revocations=V2_REVOCATIONS,
        **options,
    )


def valid_id(number: int) -> str:
    """A synthetic resident ID on no demo list (demo IDs have 99 in positions 15–16)."""
    body = (
        f"450103{1960 + number % 40}{1 + number % 12:02d}{1 + number % 28:02d}{number % 100:02d}1"
    )
    body = body[:17]
    return body + ric.calc_check_digit(body + "0")


def bidder_rows(count: int = 200) -> list[list[str]]:
    """A bidder file's rows (序号, 投标人, 统一社会信用代码/身份证号码, 备注): the listed company,
    a person on the list with a masked ID (given with the name), a wrong check digit, a
    homophone of a listed name (a possible match) and unlisted bidders, in that order of
    rows 2, 3, 4, 5 and the rest."""
    rows = [
        ["1", LISTED_COMPANY[0], LISTED_COMPANY[1], "投标保证金已交"],
        ["2", MASKED_PERSON[0], MASKED_PERSON[1], ""],
        ["3", "韦某", WRONG_DIGIT, "号码待核"],
        ["4", HOMOPHONE, "", ""],
    ]
    for number in range(5, count + 1):
        rows.append([str(number), f"柳州市投标{number:03d}有限公司", valid_id(number), ""])
    return rows


BIDDER_HEADER = ["序号", "投标人", "统一社会信用代码", "备注"]


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], titles: int = 0
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "投标人"
    for number in range(titles):
        sheet.append([f"某某项目投标人名单（第 {number + 1} 行标题）"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def copy_office(ctx: AppContext, target: Path) -> AppContext:
    """A copy of the office's data folder (closed first), opened as a new context."""
    ctx.close()
    shutil.copytree(ctx.data_dir, target)
    return AppContext(data_dir=target)
