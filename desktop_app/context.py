"""The application context: which data folder, and the stores opened on it, opened lazily.

The CLI makes one per command and the window one per session; services receive it instead of
reaching for global state, so that tests can point everything at a temporary folder.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app import paths

# `database_url` not given: the machine configuration's applies.
CONFIGURED: Any = object()


class AppContext:
    """`read_only`: for a command that only reads. A working database the data folder does
    not have yet is then not created: an empty one in memory stands in for it (and refuses
    writes), so that looking at a new data folder leaves no file behind.

    `database_url`: where the office database is: a `postgresql://…` server, None for
    office.db in the data folder, by default what the machine configuration says. With a
    server the office data (users, records, audit) live there; lists and catalog stay here.
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        catalog_path: Path | None = None,
        *,
        read_only: bool = False,
        database_url: str | None = CONFIGURED,
        database_password: str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else paths.default_data_dir()
        self.read_only = read_only
        self._catalog_path = catalog_path
        self._database_url = database_url
        self._database_password = database_password
        self._opened: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []

    def cached(self, key: str, factory: Callable[[], Any], close: str | None = "close") -> Any:
        """Open a store once per context; `close` names its method to call on `close()`."""
        if key not in self._opened:
            value = factory()
            self._opened[key] = value
            if close and hasattr(value, close):
                self._closers.append(getattr(value, close))
        return self._opened[key]

    def forget(self, key: str) -> None:
        """Drop a cached value that has no close (e.g. the configuration after it was
        rewritten), so that the next use reads it again."""
        self._opened.pop(key, None)

    @property
    def catalog_path(self) -> Path:
        """The catalog given, else the data folder's one from an update package while it
        replaces this program's bundled catalog, else the bundled one."""
        if self._catalog_path is None:
            from desktop_app.models.installed_catalog import preferred_catalog_path

            self._catalog_path = preferred_catalog_path(self.data_dir, paths.catalog_path())
        return self._catalog_path

    @property
    def catalog(self) -> Any:
        """The catalog (`CatalogVersions`): the base catalog with the versions imported into
        the data folder; every answer comes from the version in force (today, or a check's
        date)."""
        from desktop_app.models.catalog_versions import CatalogVersions

        return self.cached(
            "catalog", lambda: CatalogVersions.open(self.catalog_path, self.data_dir)
        )

    @property
    def config(self) -> Any:
        """The machine configuration (`desktop_app.config.MachineConfig`), read once."""
        from desktop_app.config import load_machine_config

        return self.cached("config", load_machine_config, close=None)

    @property
    def database_url(self) -> str | None:
        """The office database server's URL, or None for office.db in the data folder."""
        if self._database_url is CONFIGURED:
            return self.config.database_url
        return self._database_url

    def office_exists(self) -> bool:
        """Whether there is an office database to read, without creating one: office.db in
        the data folder, or (always) the configured server's."""
        return self.database_url is not None or (self.data_dir / "office.db").exists()

    @property
    def office(self) -> Any:
        """The office database (`OfficeDatabase`): the users, records and audit stores on one
        connection, in office.db or on the configured server (never office.db instead of an
        unreachable server: that is `DatabaseUnavailableError`)."""
        from desktop_app.models.office_db import OfficeDatabase

        def open_office() -> Any:
            url = self.database_url
            if url is None:
                return OfficeDatabase.open(self.data_dir / "office.db", create=not self.read_only)
            password = self._database_password
            if password is None and self._database_url is CONFIGURED:
                password = self.config.database_password()
            return OfficeDatabase.connect(url, password=password)

        return self.cached("office", open_office)

    @property
    def lists(self) -> Any:
        """lists.db (`ListStore`): the imported dishonesty lists. Upgrading an older one says
        so on standard error first (the window upgrades it before, behind a dialog); imports
        committed without their audit entry get it now (see `audit.list_imports`)."""
        from desktop_app.models.lists_store import ListStore, needs_upgrade

        def open_lists() -> Any:
            path = self.data_dir / "lists.db"
            if needs_upgrade(path):
                print("正在更新名单数据库的结构（程序升级后只需一次），请稍候……", file=sys.stderr)
            store = ListStore.open(path, create=not self.read_only)
            # An import committed but its process ended before the audit entry: carry it
            # now (a reading command too, as long as it would create no file doing so).
            if store.has_pending_intents() and (not self.read_only or self.office_exists()):
                from desktop_app.services.audit.list_imports import carry_pending_imports

                carry_pending_imports(self, store, late=True)
            return store

        return self.cached("lists", open_lists)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()
        self._opened.clear()
