"""Catalog versions in force: the base catalog and the versions imported into the data folder.

The base catalog (the bundled `resources/measures.db`, or a whole catalog installed from an
update package, see `installed_catalog`) is version 1 of each of its jurisdictions, in force
since always. A credit office that loads a revised measure list makes a new version of one
jurisdiction's catalog (`services/catalog/catalog_import.py`); a department PC receives the
versions by update package. Each version is one catalog database of that jurisdiction alone
(same schema, so `Catalog` reads it), in the data folder:

    <data folder>/catalog/versions/registry.json          the versions, in the order made
    <data folder>/catalog/versions/LZ-v0002-1a2b3c4d5e6f.db   one file per version

A version file is never changed once written (its name carries its content hash), and the
registry is replaced in one step, so a reader sees the old set of versions or the new one.
The version of a jurisdiction in force on a date is the one with the latest effective date
on or before that date; of two with the same effective date, the later one (higher number)
corrects the earlier. The answer depends only on the versions present, so every PC that
received the same versions answers a check of the same date the same way.

`CatalogVersions` is what the program opens as its catalog (`AppContext.catalog`): the
`Catalog` read API answered by the version in force today (names: by any version), plus
`in_force(jurisdiction, as_of)`, `versions()`, `of_version(jurisdiction, number)` and
`by_hash(content_hash)` (the version a stored check record was made with).
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop_app.errors import DataError, UnknownNameError
from desktop_app.models.catalog import Catalog, version_label
from desktop_app.models.installed_catalog import installed_catalog_dir

REGISTRY = "registry.json"
REGISTRY_FORMAT = 1
_FILE_RE = re.compile(r"^[A-Z]{1,8}-v\d{4,}-[0-9a-f]{12}\.db$")


def versions_dir(data_dir: Path) -> Path:
    """Where the imported catalog versions of a data folder live."""
    return installed_catalog_dir(data_dir) / "versions"


def version_file_name(prefix: str, number: int, content_hash: str) -> str:
    return f"{prefix}-v{number:04d}-{content_hash[:12]}.db"


@dataclass(frozen=True)
class VersionEntry:
    """One imported version as the registry lists it (the file holds the same facts)."""

    jurisdiction: str
    number: int
    effective: str
    file: str
    content_hash: str
    replaces: int | None
    scope: str
    departments: list[str]
    source_name: str
    source_sha256: str
    importer: str | None
    imported_at: str | None

    @classmethod
    def of_file(cls, catalog: Catalog, file_name: str) -> VersionEntry:
        """The entry for a version file: its one jurisdiction's `version_info`."""
        jurisdictions = catalog.jurisdictions()
        if len(jurisdictions) != 1:
            raise DataError(
                f"“{file_name}”不是某一地区的目录版本（含 {len(jurisdictions)} 个地区）。"
            )
        info = catalog.version_info(jurisdictions[0]["name"])
        if info["effective"] is None or info["number"] < 2:
            raise DataError(f"“{file_name}”不是导入的目录版本（没有施行日期或版本号小于2）。")
        return cls(
            jurisdiction=info["jurisdiction"],
            number=info["number"],
            effective=info["effective"],
            file=file_name,
            content_hash=catalog.version,
            replaces=info["replaces"],
            scope=info["scope"],
            departments=list(info["departments"]),
            source_name=info["source_name"],
            source_sha256=info["source_sha256"],
            importer=info["importer"],
            imported_at=info["imported_at"],
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["label"] = version_label(data)
        return data


def read_registry(directory: Path) -> list[VersionEntry]:
    """The versions the registry lists ([] when there is none). A damaged registry is an
    error, never "no versions": checks would silently use version 1."""
    path = Path(directory) / REGISTRY
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as problem:
        raise DataError(
            f"措施目录版本登记“{path}”无法读取（{problem}）。为免核查使用错误的措施目录，"
            "请信息科从备份恢复数据目录，或重新导入信用办的目录更新包。"
        ) from problem
    try:
        if data.get("format") != REGISTRY_FORMAT:
            raise ValueError(f"格式 {data.get('format')}")
        entries = [VersionEntry(**entry) for entry in data["versions"]]
    except (AttributeError, KeyError, TypeError, ValueError) as problem:
        raise DataError(
            f"措施目录版本登记“{path}”的内容不完整（{problem}）。请信息科从备份恢复数据目录，"
            "或重新导入信用办的目录更新包。"
        ) from problem
    for entry in entries:
        if not _FILE_RE.match(entry.file):
            raise DataError(f"措施目录版本登记“{path}”中的文件名“{entry.file}”无效。")
    return entries


def write_registry(directory: Path, entries: list[VersionEntry]) -> None:
    """Replace the registry in one step (write a temporary file, then rename it)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ordered = sorted(entries, key=lambda e: (e.jurisdiction, e.number))
    data = {"format": REGISTRY_FORMAT, "versions": [asdict(entry) for entry in ordered]}
    target = directory / REGISTRY
    temporary = target.with_name(target.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def in_force_entry(entries: list[VersionEntry], as_of: str) -> VersionEntry | None:
    """The imported version in force on `as_of` among one jurisdiction's entries (None:
    version 1). Latest effective date on or before the date; the same date: higher number."""
    candidates = [entry for entry in entries if entry.effective <= as_of]
    if not candidates:
        return None
    return max(candidates, key=lambda entry: (entry.effective, entry.number))


def today() -> str:
    return datetime.date.today().isoformat()


class CatalogVersions:
    """The base catalog with the imported versions of `directory` (see module doc)."""

    def __init__(self, base: Catalog, directory: Path) -> None:
        self.base = base
        self.directory = Path(directory)
        self._opened: dict[str, Catalog] = {}
        self._stamp: tuple[int, int, int] | None = None
        self._entries: dict[str, list[VersionEntry]] = {}
        # (jurisdiction, name) → canonical department, for the registry as last read: a
        # check resolves the clerk's department every time
        self._departments: dict[tuple[str, str], str] = {}
        self._refresh()

    @classmethod
    def open(cls, base_path: Path, data_dir: Path) -> CatalogVersions:
        return cls(Catalog.open(base_path), versions_dir(data_dir))

    # -- the versions ---------------------------------------------------------------------
    def _refresh(self) -> None:
        """Re-read the registry when it changed (another window or command imported)."""
        try:
            status = (self.directory / REGISTRY).stat()
            stamp = (status.st_mtime_ns, status.st_size, status.st_ino)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp and (stamp is not None or not self._entries):
            return
        entries: dict[str, list[VersionEntry]] = {}
        for entry in read_registry(self.directory):
            entries.setdefault(entry.jurisdiction, []).append(entry)
        self._entries, self._stamp = entries, stamp
        self._departments = {}

    def entries(self, jurisdiction: str | None = None) -> list[VersionEntry]:
        """The imported versions (of one jurisdiction), in jurisdiction and number order."""
        self._refresh()
        if jurisdiction is not None:
            return list(self._entries.get(self.base.resolve_jurisdiction(jurisdiction), []))
        order = [row["name"] for row in self.base.jurisdictions()]
        return [entry for name in order for entry in self._entries.get(name, [])]

    def _open_entry(self, entry: VersionEntry) -> Catalog:
        catalog = self._opened.get(entry.file)
        if catalog is None:
            path = self.directory / entry.file
            if not path.is_file():
                raise DataError(
                    f"{entry.jurisdiction}措施目录第{entry.number}版的文件“{path}”缺失。为免核查"
                    "使用错误的措施目录，请信息科从备份恢复数据目录，或重新导入信用办的目录更新包。"
                )
            catalog = Catalog.open(path)
            if (
                catalog.version != entry.content_hash
                or VersionEntry.of_file(catalog, entry.file) != entry
            ):
                catalog.close()
                raise DataError(
                    f"{entry.jurisdiction}措施目录第{entry.number}版的文件“{path}”与登记不符"
                    "（已被改动或替换）。请信息科重新导入信用办的目录更新包。"
                )
            self._opened[entry.file] = catalog
        return catalog

    def in_force(self, jurisdiction: str, as_of: str | None = None) -> Catalog:
        """The catalog of `jurisdiction` in force on `as_of` (ISO date; default today)."""
        name = self.base.resolve_jurisdiction(jurisdiction)
        self._refresh()
        entry = in_force_entry(self._entries.get(name, []), as_of or today())
        return self.base if entry is None else self._open_entry(entry)

    def of_version(self, jurisdiction: str, number: int) -> Catalog:
        """Version `number` of a jurisdiction's catalog (1: the base catalog)."""
        name = self.base.resolve_jurisdiction(jurisdiction)
        if number == 1:
            return self.base
        for entry in self.entries(name):
            if entry.number == number:
                return self._open_entry(entry)
        known = "、".join(str(v["number"]) for v in self.versions(name))
        raise UnknownNameError(f"{name}措施目录版本", str(number), [f"第{known}版"])

    def versions(self, jurisdiction: str | None = None) -> list[dict[str, Any]]:
        """Every version (version 1 from the base catalog first), with `in_force` true for
        the one in force today."""
        names = (
            [self.base.resolve_jurisdiction(jurisdiction)]
            if jurisdiction is not None
            else [row["name"] for row in self.base.jurisdictions()]
        )
        result = []
        for name in names:
            current = self.in_force(name)
            first = self.base.version_info(name)
            first.update(file=str(self.base.path), in_force=current is self.base)
            result.append(first)
            for entry in self.entries(name):
                data = entry.to_json()
                data["in_force"] = current.version == entry.content_hash
                result.append(data)
        return result

    def by_hash(self, content_hash: str) -> Catalog | None:
        """The catalog (base or version) whose content hash is `content_hash`, also among
        version files no longer registered (a record made before a package replaced them)."""
        if content_hash == self.base.version:
            return self.base
        for entry in self.entries():
            if entry.content_hash == content_hash:
                return self._open_entry(entry)
        if not re.fullmatch(r"[0-9a-f]{64}", content_hash or ""):
            return None
        for path in sorted(self.directory.glob(f"*-{content_hash[:12]}.db")):
            catalog = self._opened.get(path.name) or Catalog.open(path)
            if catalog.version == content_hash:
                self._opened[path.name] = catalog
                return catalog
            catalog.close()
        return None

    def close(self) -> None:
        for catalog in self._opened.values():
            catalog.close()
        self._opened.clear()
        self.base.close()

    def __enter__(self) -> CatalogVersions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the Catalog read API, answered by the versions in force today -------------------
    @property
    def version(self) -> str:
        """The base catalog's content hash (a check records the version it used)."""
        return self.base.version

    @property
    def path(self) -> Path:
        return self.base.path

    def verify(self) -> bool:
        """The base catalog and every registered version still have their content hashes."""
        return self.base.verify() and all(
            self._open_entry(entry).verify() for entry in self.entries()
        )

    def _all(self, jurisdiction: str) -> list[Catalog]:
        """The catalogs that may know a name of the jurisdiction: in force today first, then
        the newer versions, then the older, then the base."""
        name = self.base.resolve_jurisdiction(jurisdiction)
        found = [self.in_force(name)]
        for entry in sorted(self.entries(name), key=lambda e: -e.number):
            catalog = self._open_entry(entry)
            if catalog not in found:
                found.append(catalog)
        if self.base not in found:
            found.append(self.base)
        return found

    def jurisdictions(self) -> list[dict[str, Any]]:
        return self.base.jurisdictions()

    def resolve_jurisdiction(self, name: str) -> str:
        return self.base.resolve_jurisdiction(name)

    def resolve_department(self, jurisdiction: str, name: str) -> str:
        """The canonical name in any version (a department added by a later version is
        known before that version is in force; it has no measures until then)."""
        self._refresh()
        key = (jurisdiction, name)
        known = self._departments.get(key)
        if known is not None:
            return known
        catalogs = self._all(jurisdiction)
        for catalog in catalogs:
            found = catalog.find_department(jurisdiction, name)
            if found is not None:
                if len(self._departments) > 1000:
                    self._departments.clear()
                self._departments[key] = found
                return found
        return catalogs[0].resolve_department(jurisdiction, name)

    def has_department(self, jurisdiction: str, name: str) -> bool:
        return any(c.has_department(jurisdiction, name) for c in self._all(jurisdiction))

    def find_category(self, name: str) -> str | None:
        for catalog in [self.base, *(self._open_entry(e) for e in reversed(self.entries()))]:
            found = catalog.find_category(name)
            if found is not None:
                return found
        return None

    def resolve_category(self, name: str, jurisdiction: str | None = None) -> str:
        if jurisdiction is not None:
            return self.in_force(jurisdiction).resolve_category(name, jurisdiction)
        found = self.find_category(name)
        return found if found is not None else self.base.resolve_category(name)

    def departments(self, jurisdiction: str | None = None) -> list[dict[str, Any]]:
        names = (
            [self.base.resolve_jurisdiction(jurisdiction)]
            if jurisdiction is not None
            else [row["name"] for row in self.base.jurisdictions()]
        )
        return [row for name in names for row in self.in_force(name).departments(name)]

    def categories(self, jurisdiction: str | None = None) -> list[dict[str, Any]]:
        if jurisdiction is not None:
            return self.in_force(jurisdiction).categories(jurisdiction)
        merged: dict[str, dict[str, Any]] = {}
        for row in self.base.jurisdictions():
            for category in self.in_force(row["name"]).categories(row["name"]):
                known = merged.get(category["name"])
                if known is None:
                    merged[category["name"]] = {**category, "definition": None}
                else:
                    known["measure_count"] += category["measure_count"]
                    known["jurisdictions"] += category["jurisdictions"]
                    known["aliases"] += [
                        a for a in category["aliases"] if a not in known["aliases"]
                    ]
        return list(merged.values())

    def measures(
        self,
        jurisdiction: str,
        department: str,
        category: str | None = None,
        subject_type: str | None = None,
        as_of: str | None = None,
    ) -> list[dict[str, Any]]:
        """`Catalog.measures` of the version in force on `as_of` (default today)."""
        catalog = self.in_force(jurisdiction, as_of)
        canonical = self.resolve_department(jurisdiction, department)
        if not catalog.has_department(jurisdiction, canonical):
            return []
        return catalog.measures(jurisdiction, canonical, category, subject_type)

    def measure(self, measure_id: str) -> dict[str, Any] | None:
        for row in self.base.jurisdictions():
            found = self.in_force(row["name"]).measure(measure_id)
            if found is not None:
                return found
        return self.base.measure(measure_id)

    def search(
        self, text: str, jurisdiction: str | None = None, as_of: str | None = None
    ) -> dict[str, Any]:
        """`Catalog.search` over the versions in force on `as_of` (default today)."""
        if jurisdiction is not None:
            return self.in_force(jurisdiction, as_of).search(text, jurisdiction)
        results = [
            self.in_force(row["name"], as_of).search(text, row["name"])
            for row in self.base.jurisdictions()
        ]
        methods = {part for r in results for part in r["method"].split("+")}
        return {
            "query": text,
            "terms": results[0]["terms"],
            "jurisdiction": None,
            "method": "+".join(sorted(methods)),
            "count": sum(r["count"] for r in results),
            "groups": [group for r in results for group in r["groups"]],
        }

    def version_info(self, jurisdiction: str, as_of: str | None = None) -> dict[str, Any]:
        return self.in_force(jurisdiction, as_of).version_info(jurisdiction)

    def list_layout(self) -> list[dict[str, Any]]:
        return self.base.list_layout()

    def member_units(self, jurisdiction: str) -> list[dict[str, Any]]:
        return self.in_force(jurisdiction).member_units(jurisdiction)

    def anomalies(self) -> list[dict[str, Any]]:
        return self.base.anomalies()
