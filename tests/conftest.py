"""Shared fixtures. Qt runs offscreen so that the tests need no display.

Every place outside the data folder that the app reads or writes (machine configuration, user
settings, the signing-key secret) points into one temporary folder for the whole run, so that
no test reads this machine's configuration or leaves files in the home folder. Subprocesses
started by tests inherit these variables.

Property-based tests (hypothesis) have two profiles: `default`, small and repeatable (the same
examples every run), for the normal suite; `slow`, many more examples freshly drawn, which
the tests marked `slow` take (`-m slow`; see tests/property_support.py). XYHC_HYPOTHESIS=slow
makes every property test use it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# No example database: nothing written into the checkout, and a run repeats what it says.
settings.register_profile(
    "default",
    max_examples=200,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "slow",
    max_examples=5000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("XYHC_HYPOTHESIS", "default"))

_ISOLATED = Path(tempfile.mkdtemp(prefix="xyhc-tests-"))
atexit.register(shutil.rmtree, _ISOLATED, ignore_errors=True)
os.environ["XYHC_CONFIG"] = str(_ISOLATED / "machine-config.toml")
os.environ["XYHC_SETTINGS"] = str(_ISOLATED / "user-settings.toml")
os.environ["XYHC_SECRET_DIR"] = str(_ISOLATED / "secrets")
os.environ["XDG_CONFIG_HOME"] = str(_ISOLATED / "xdg-config")
os.environ["XDG_DATA_HOME"] = str(_ISOLATED / "xdg-data")
os.environ.pop("XYHC_DATA_DIR", None)

# -- the office database on both engines --------------------------------------------------------
#
# `office_engine` runs a test twice: on SQLite (office.db in the data folder) and on PostgreSQL
# (a schema of its own in a throw-away cluster, named as `database_url` in the machine
# configuration the test sees, so that the CLI run in or out of process finds it too). The
# cluster is `XYHC_TEST_PG_URL` when set (CI starts one: .ci/run), else started here for the
# session when PostgreSQL's binaries exist; without them the PostgreSQL half is skipped and
# the reason printed.

import uuid  # noqa: E402

import pytest  # noqa: E402
from pg_cluster import find_bindir, missing_reason  # noqa: E402
from pg_cluster import start as start_cluster  # noqa: E402
from pg_cluster import stop as stop_cluster  # noqa: E402

PG_URL_ENV = "XYHC_TEST_PG_URL"


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get(PG_URL_ENV):
        return f"PostgreSQL: the cluster of {PG_URL_ENV}"
    bindir = find_bindir()
    if bindir is None:
        return "PostgreSQL: " + missing_reason()
    return f"PostgreSQL: a throw-away cluster from {bindir}, started when first needed"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The superuser URL of a PostgreSQL cluster for this test session (skips without one)."""
    given = os.environ.get(PG_URL_ENV)
    if given:
        yield given
        return
    if find_bindir() is None:
        pytest.skip(missing_reason())
    folder = Path(tempfile.mkdtemp(prefix="xyhc-pg-"))
    try:
        url = start_cluster(folder)
    except (OSError, subprocess.CalledProcessError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        detail = getattr(error, "stderr", b"") or b""
        pytest.fail(f"PostgreSQL cluster did not start: {error} {detail.decode(errors='replace')}")
    try:
        yield url
    finally:
        stop_cluster(folder)


def schema_url(server: str, schema: str) -> str:
    """`server`'s URL working in `schema` (libpq's options: search_path)."""
    separator = "&" if "?" in server else "?"
    return f"{server}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_schema(pg_server: str) -> Iterator[str]:
    """A fresh empty schema in the session's cluster; its URL. Dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema_url(pg_server, schema)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as admin:
            # Connections the test left open (tests run one at a time): they would pile up.
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'xinyong-hechatai'"
            )
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def _office_on_server(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.models.office_db import OfficeDatabase

    OfficeDatabase.connect(url, migrate=True).close()
    # The file `cli_process.Cli(tmp_path)` names too: a command run as a process of its own
    # sees the same server.
    config = tmp_path / "machine-config.toml"
    config.write_text(f"database_url = {json.dumps(url)}\n", encoding="utf-8")
    monkeypatch.setenv("XYHC_CONFIG", str(config))


@pytest.fixture(params=["sqlite", "postgresql"])
def office_engine(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> str:
    """`sqlite` or `postgresql`: where this run of the test keeps the office database. For
    PostgreSQL the machine configuration names the server (migrated, empty)."""
    if request.param == "postgresql":
        _office_on_server(request.getfixturevalue("pg_schema"), tmp_path, monkeypatch)
    return request.param


@pytest.fixture
def pg_office(pg_schema: str, tmp_path: Path, monkeypatch) -> str:
    """For tests of what only a server does: the machine configuration names a migrated,
    empty office database on PostgreSQL; its URL."""
    _office_on_server(pg_schema, tmp_path, monkeypatch)
    return pg_schema


@pytest.fixture(scope="module")
def catalog() -> Iterator[Any]:
    """The bundled measure catalog, opened once per test module (a module that defines its
    own `catalog` fixture uses that one)."""
    from desktop_app import paths
    from desktop_app.models.catalog import Catalog

    opened = Catalog.open(paths.catalog_path())
    yield opened
    opened.close()
