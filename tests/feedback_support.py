"""A small city for the feedback tests: one credit office and three departments, each a data
folder with its own machine configuration, made once per test session and copied per test.

Every PC of the city lives under one root: `office/` and `dept-a/`, `dept-b/`, `dept-c/`
(柳州市 市市场监管局, 市税务局, 市公安局), each with `data/` and `config.toml`, and the signing
secrets of all of them in `secrets/`. The departments have an administrator, a supervisor
`wang` and a clerk `zhang`, office copies of two demo lists, and the credit office's
certificate configured; the office has an administrator, a supervisor `chen`, its encryption
key, and trusts the three departments' certificates.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lists_support import office_copy
from office_helpers import FAST_SCRYPT

from desktop_app.cli import main
from desktop_app.config import MachineConfig, save_machine_config
from desktop_app.context import AppContext
from desktop_app.models.users_store import User
from desktop_app.services import accounts, admin, records
from desktop_app.services.exchange import office_key
from desktop_app.services.records import signing
from desktop_app.services.screening.check import run_check

PASSWORD = "city-pass-1"
JURISDICTION = "柳州市"
OFFICE_DEPARTMENT = "市发展改革委"
DEPARTMENTS = {"dept-a": "市市场监管局", "dept-b": "市税务局", "dept-c": "市公安局"}
LISTS = (
    ("dishonest_debtors.csv", "失信被执行人"),
    ("tax_violations.csv", "重大税收违法案件当事人"),
)
# Subjects on the demo lists: persons and organisations, of both categories.
DEBTORS = ("450202198501019919", "452525197507049930", "91450202MAQGJUTF10", "322630196412069990")
TAX_VIOLATORS = ("91150203MAYNE8GXX3", "150122198512219958")
NOT_LISTED = ("450202199001011237",)
WIDE = ("2000-01-01", "2099-12-31")


@dataclass
class Pc:
    """One PC of the city: its data folder and machine configuration."""

    root: Path
    name: str

    @property
    def data_dir(self) -> Path:
        return self.root / self.name / "data"

    @property
    def config(self) -> Path:
        return self.root / self.name / "config.toml"

    @contextlib.contextmanager
    def context(self) -> Iterator[AppContext]:
        """An `AppContext` of this PC (its machine configuration in force meanwhile)."""
        with self.environment():
            ctx = AppContext(self.data_dir)
            try:
                ctx.config  # noqa: B018 (read while this PC's configuration is in force)
                yield ctx
            finally:
                ctx.close()

    @contextlib.contextmanager
    def environment(self) -> Iterator[None]:
        saved = {k: os.environ.get(k) for k in ("XYHC_CONFIG", "XYHC_SECRET_DIR")}
        os.environ["XYHC_CONFIG"] = str(self.config)
        os.environ["XYHC_SECRET_DIR"] = str(self.root / "secrets")
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def cli(self, *argv: str, user: str | None = None, stdin: str = "") -> tuple[int, str, str]:
        """Run `python -m desktop_app --data-dir DATA argv…` in this process as this PC;
        with `user`, logged in as that user (password on standard input)."""
        login = ["--user", user, "--password-stdin"] if user else []
        text = (PASSWORD + "\n" if user else "") + stdin
        out, err = io.StringIO(), io.StringIO()
        with (
            self.environment(),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            _stdin(text),
        ):
            code = main(["--data-dir", str(self.data_dir), *argv, *login])
        return code, out.getvalue(), err.getvalue()

    def user(self, ctx: AppContext, name: str) -> User:
        return accounts.authenticate(ctx, name, PASSWORD)


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


@dataclass
class City:
    root: Path

    @property
    def office(self) -> Pc:
        return Pc(self.root, "office")

    def department(self, name: str) -> Pc:
        return Pc(self.root, name)

    @property
    def departments(self) -> list[Pc]:
        return [Pc(self.root, name) for name in DEPARTMENTS]


def build_city(root: Path) -> City:
    """The city described in the module's docstring."""
    city = City(root)
    office = city.office
    save_machine_config(
        MachineConfig(jurisdiction=JURISDICTION, office_kind="credit_office"), office.config
    )
    with office.context() as ctx:
        boss, _ = admin.first_start(
            ctx,
            jurisdiction=JURISDICTION,
            department=OFFICE_DEPARTMENT,
            admin_name="admin",
            password=PASSWORD,
            display_name="信用办管理员",
        )
        accounts.add_user(
            ctx,
            boss,
            "chen",
            PASSWORD,
            role="supervisor",
            department=OFFICE_DEPARTMENT,
            display_name="陈科长",
        )
        admin.new_office_key(ctx, boss)
        office_key.export_certificate(ctx.data_dir, root / "office.cer")
    lists = root / "lists"
    lists.mkdir()
    files = [(office_copy(name, lists), category) for name, category in LISTS]
    for pc in city.departments:
        department = DEPARTMENTS[pc.name]
        save_machine_config(
            MachineConfig(jurisdiction=JURISDICTION, department=department), pc.config
        )
        with pc.context() as ctx:
            boss, _ = admin.first_start(
                ctx,
                jurisdiction=JURISDICTION,
                department=department,
                admin_name="admin",
                password=PASSWORD,
            )
            for name, role, display in (
                ("wang", "supervisor", "王科长"),
                ("zhang", "clerk", "张三"),
            ):
                accounts.add_user(
                    ctx,
                    boss,
                    name,
                    PASSWORD,
                    role=role,
                    department=department,
                    display_name=display,
                )
            for path, category in files:
                admin.import_list_file(ctx, boss, path, category)
            admin.trust_office(ctx, boss, root / "office.cer")
            signing.export_certificate(ctx.data_dir, root / f"{pc.name}.cer")
    with office.context() as ctx:
        boss = office.user(ctx, "admin")
        for pc in city.departments:
            admin.trust_department(ctx, boss, root / f"{pc.name}.cer")
    return city


def check(ctx: AppContext, user: User, query: str, name: str | None = None) -> dict[str, Any]:
    """A stored check of `query` for the user's department."""
    assert user.jurisdiction and user.department
    result = run_check(ctx.catalog, ctx.lists, query, user.jurisdiction, user.department, name)
    return dict(records.record_check(ctx, user, result))


def feedback(
    ctx: AppContext, user: User, record: dict[str, Any], actions: Sequence[str | None]
) -> dict[str, Any]:
    """Feedback on the record's measures in order (None: leave that one pending)."""
    items = [
        records.FeedbackInput(
            measure["id"],
            action,
            reason="本次申请不涉及该事项" if action == "not_applicable" else None,
            note="市法院执行局" if action == "referred" else None,
        )
        for measure, action in zip(record["measures"], actions, strict=False)
        if action is not None
    ]
    if not items:
        return record
    return dict(records.add_feedback(ctx, user, record["record_number"], items))


def export(ctx: AppContext, user: User, out: Path, period: tuple[str, str] = WIDE) -> dict:
    from desktop_app.services.feedback.export import export_feedback

    return export_feedback(ctx, user, date_from=period[0], date_to=period[1], out=out)


def import_package(ctx: AppContext, path: Path) -> Any:
    from desktop_app.services.feedback.office_import import import_package_file

    return import_package_file(ctx, accounts.authenticate(ctx, "admin", PASSWORD), path)


@pytest.fixture(scope="session")
def city_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("city")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
        build_city(root)
    return root


@pytest.fixture
def sqlite_city(city_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> City:
    """A fresh copy of the city for one test, every PC's office data in its office.db."""
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
    root = tmp_path / "city"
    shutil.copytree(city_template, root)
    return City(root)


@pytest.fixture
def city(sqlite_city: City, office_engine: str, request: pytest.FixtureRequest) -> City:
    """A fresh copy of the city for one test, run once with the credit office's data in its
    office.db and once on a PostgreSQL server (`office_engine`): the office's office.db is
    moved onto the server as `office migrate --from-sqlite` does. The departments keep
    office.db (the tests alter it behind the program's back)."""
    if office_engine == "postgresql":
        put_on_server(sqlite_city.office, request.getfixturevalue("pg_schema"))
    return sqlite_city


def put_on_server(pc: Pc, url: str) -> None:
    """Move `pc`'s office.db onto the (empty) server at `url` and name the server in its
    machine configuration."""
    from dataclasses import replace

    from desktop_app.config import load_machine_config
    from desktop_app.services.office import move_from_sqlite

    with pc.environment():
        move_from_sqlite(pc.data_dir, url)
    save_machine_config(replace(load_machine_config(pc.config), database_url=url), pc.config)


def office_digests(pc: Pc) -> dict[str, str]:
    """SHA-256 of every table of `pc`'s office database, office.db or the server its machine
    configuration names (rows in a fixed order), to prove that nothing was written."""
    import hashlib

    from desktop_app.config import load_machine_config
    from desktop_app.models import db

    url = load_machine_config(pc.config).database_url
    if url is None:
        from lists_support import table_digests

        return table_digests(pc.data_dir / "office.db")
    conn = db.connect_server(url)
    try:
        digests = {}
        for table in db.table_names(conn):
            rows = sorted(repr(row) for row in conn.execute(f"SELECT * FROM {table}").fetchall())
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return digests
    finally:
        conn.close()
