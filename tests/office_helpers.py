"""Helpers for the users / records / audit tests: a data folder with accounts, and check
results shaped like `run_check`'s (the records service stores whatever the engine returns)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from desktop_app.context import AppContext
from desktop_app.models.record_types import CheckResult
from desktop_app.models.users_store import User
from desktop_app.services import accounts

JURISDICTION = "柳州市"
DEPARTMENT = "市市场监管局"  # a short form: the catalog resolves it to the canonical name
OTHER_DEPARTMENT = "市税务局"
# scrypt at a test cost; the production cost is checked once in test_users_accounts.py.
FAST_SCRYPT = accounts.ScryptParams(n=2**10, r=8, p=1)
PASSWORDS = {
    "admin": "admin-pass-1",
    "zhang": "zhang-pass-1",
    "li": "li-pass-12",
    "wang": "wang-pass-1",
    "zhao": "zhao-pass-1",
}
INJECTION = "=cmd|' /C calc'!A0"


def resident_id(body17: str) -> str:
    """A resident ID with the right check digit."""
    return body17 + ric.calc_check_digit(body17 + "0")


PERSON_ID = resident_id("45020219850317123")


def office(tmp_path: Path) -> AppContext:
    """A fresh data folder (the bundled catalog) with no accounts yet; its office database is
    office.db there, or the server the machine configuration names (`office_engine`)."""
    return AppContext(data_dir=tmp_path / "data")


def raw_office(ctx: AppContext) -> Any:
    """A connection to `ctx`'s office database behind the application's back, as an attacker
    with a SQLite tool or a PostgreSQL superuser has one (`?` placeholders on both); the
    context is closed first. Close it after use."""
    ctx.close()
    url = ctx.database_url
    if url is None:
        return sqlite3.connect(ctx.data_dir / "office.db")
    from desktop_app.models import db

    return db.connect_server(url)


def make_users(ctx: AppContext) -> dict[str, User]:
    """admin; clerks zhang and li and supervisor wang of 市场监管局; clerk zhao of 税务局."""
    admin = accounts.init_admin(
        ctx,
        "admin",
        PASSWORDS["admin"],
        display_name="系统管理员",
        jurisdiction=JURISDICTION,
        department=DEPARTMENT,
    )
    users = {"admin": admin}
    for name, role, department, display in (
        ("zhang", "clerk", DEPARTMENT, "张三"),
        ("li", "clerk", DEPARTMENT, "李四"),
        ("wang", "supervisor", DEPARTMENT, "王科长"),
        ("zhao", "clerk", OTHER_DEPARTMENT, "赵六"),
    ):
        users[name] = accounts.add_user(
            ctx,
            admin,
            name,
            PASSWORDS[name],
            role=role,
            department=department,
            display_name=display,
        )
    return users


def _measure(user: User, number: int, category: str) -> dict[str, Any]:
    return {
        "id": f"LZ-TEST-{number}",
        "jurisdiction": user.jurisdiction,
        "department": user.department,
        "category": category,
        "basis": "关于对失信被执行人实施联合惩戒的合作备忘录",
        "basis_doc_no": "发改财金〔2016〕141号",
        "initiator": "最高人民法院",
        "label": f"({number})",
        "text": f"第{number}项措施：限制其参与政府采购活动，并在审批中作为重点审查对象。",
        "applies_to": "any",
        "source": {"document": "000_ce4ba07254956390.txt", "lines": [1811 + number]},
        "entry_no": str(number),
        "group": None,
        "by_remit": False,
        "note": None,
        "hit_id": "L1",
        "hit_ids": ["L1"],
    }


def check_result(
    user: User,
    *,
    status: str = "listed",
    measures: int = 3,
    query: str = PERSON_ID,
    hit_name: str = "黄某某",
    category: str = "失信被执行人",
) -> CheckResult:
    """A result as `run_check` returns it, for `user`'s department."""
    listed = status == "listed"
    hits = (
        [
            {
                "hit_id": "L1",
                "name": hit_name,
                "id": query[:6] + "********" + query[-4:],
                "category": category,
                "list": "柳州市失信被执行人名单",
                "listed_on": "2025-06-01",
                "revoked_on": None,
                "active": True,
                "match": "exact_id",
                "case_no": "(2025)桂0202执100号",
                "court": "柳州市城中区人民法院",
                "catalog_note": None,
            }
        ]
        if listed
        else []
    )
    return CheckResult.from_json(
        {
            "query": query,
            "input_kind": "resident_id",
            "value": query,
            "name": None,
            "status": status,
            "status_text": {"listed": "发现失信记录", "not_listed": "未发现失信记录"}.get(
                status, "输入有误"
            ),
            "error": "身份证号码校验位错误" if status == "invalid_input" else None,
            "jurisdiction": user.jurisdiction,
            "department": user.department,
            "subject_type": "person",
            "hits": hits,
            "possible": [],
            "measures": [_measure(user, n, category) for n in range(1, measures + 1)]
            if listed
            else [],
            "advice": None,
            "warnings": [],
            "data_versions": {"catalog": "c" * 64, "lists": []},
            "checked_at": "2026-03-05T10:00:00+08:00",
            "as_of": None,
        }
    )


def office_bytes(ctx: AppContext) -> bytes:
    """Everything the office database holds, as bytes to search (the SQLite files with their
    journals, or every row of every table on the server); the context is closed first."""
    ctx.close()
    if ctx.database_url is None:
        return b"".join(p.read_bytes() for p in ctx.data_dir.glob("office.db*"))
    from desktop_app.models import db

    conn = db.connect_server(ctx.database_url)
    try:
        return b"".join(
            repr(conn.execute(f"SELECT * FROM {table}").fetchall()).encode()
            for table in db.table_names(conn)
        )
    finally:
        conn.close()


def office_versions(tmp_path: Path) -> dict[str, int]:
    """Every office aggregate's schema version in this program (an office.db made for it)."""
    from desktop_app.models import db
    from desktop_app.models.office_db import OfficeDatabase

    office = OfficeDatabase.open(tmp_path / "versions" / "office.db")
    try:
        return db.schema_versions(office.conn) or {}
    finally:
        office.close()
