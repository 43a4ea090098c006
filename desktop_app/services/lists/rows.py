"""Row building: the cells of one data row of a list file become a row for
`ListStore.importing` (identifiers, names, dates, the stored fields and the row hash), or a
Chinese reason why the row is refused; a chunk processor does that for a chunk of rows and
files the fuzzy keys of the name cores new to it."""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import operator
import re
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.models import identifiers, names
from desktop_app.models import text as text_rules
from desktop_app.models.lists_store import (
    COLUMN_FIELDS,
    FIELD_CASE_NO,
    FIELD_COURT,
    FIELD_FILED_ON,
    FIELD_FORMER_NAMES,
    FIELD_ID,
    FIELD_LEGAL_REP,
    FIELD_LISTED_ON,
    FIELD_NAME,
    FIELD_RECORD_KEY,
    FIELD_REVOKED_ON,
    FIELD_SEPARATOR,
    FIELD_SUBJECT_TYPE,
    FORMER_SEPARATOR,
    LISTED_AT,
    REVOKED_AT,
    SEEN_CORES_LIMIT,
    in_force,
)
from desktop_app.services.lists.cells import FORMULA_PREFIXES, cell_text, parse_list_date, quoted
from desktop_app.services.lists.header import Columns, header_key
from desktop_app.services.lists.limits import MAX_CELL_CHARS, cell_too_long

_NAME_FORMULA_PREFIXES = ("=", "+", "-", "@")
# A former name written in the name cell: 某某公司（原名：某某厂）, (曾用名:…), several
# separated by 、，；.
_FORMER_IN_CELL_RE = re.compile(r"\s*[（(]\s*(?:原名称?|曾用名称?)\s*[：:]\s*([^（）()]+?)\s*[）)]")
_FORMER_SPLIT_RE = re.compile(r"\s*[、，,；;/]\s*")


def former_names(text: str) -> list[str]:
    """The former names in a cell of the 曾用名 column or in `（原名：…）` (display form)."""
    found = [names.clean_display(part) for part in _FORMER_SPLIT_RE.split(text.strip())]
    return [name for name in found if len(names.normalize_name(name)) >= 2]


def split_former_names(cell: str) -> tuple[str, list[str]]:
    """(the name, its former names) of a name cell that may carry `（原名：…）`."""
    formers: list[str] = []
    if "名" not in cell:
        return cell, formers
    for match in _FORMER_IN_CELL_RE.finditer(cell):
        formers += former_names(match.group(1))
    return _FORMER_IN_CELL_RE.sub("", cell).strip() if formers else cell, formers


_PERSON_MARKS = ("自然人", "个人")
_ORGANIZATION_MARKS = ("法人", "组织", "企业", "单位", "公司", "个体")


_PERSON_ID_KINDS = ("resident_id", "masked_resident_id")
_ORGANIZATION_ID_KINDS = ("uscc", "org_code", "masked_other")


def _subject_type(mark: str, is_organization: bool) -> str:
    """The subject type of a listing without an identifier that tells it."""
    if any(word in mark for word in _PERSON_MARKS):
        return "person"
    if any(word in mark for word in _ORGANIZATION_MARKS):
        return "organization"
    return "organization" if is_organization else "person"


def _id_key(kind: str, value: str | None) -> str | None:
    if kind == "resident_id" or kind == "org_code":
        return value
    if kind == "uscc" and value:
        return identifiers.org_code_of_uscc(value)
    if (kind == "masked_resident_id" or kind == "masked_other") and value:
        return identifiers.masked_lookup_key(value)
    return None


def _row_hash(fields: str) -> int:
    digest = hashlib.blake2b(fields.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# A formula-like first character of any of the joined fields but the first (a pattern that
# starts with a literal is searched several times faster than one starting with `^|`).
_FORMULA_RE = re.compile(f"{FIELD_SEPARATOR}[{re.escape(''.join(FORMULA_PREFIXES))}]")

# Bound on each memo of a row builder (names, dates): past it the memo starts again empty,
# so a file of millions of distinct values holds this many of them at most (~200 bytes a
# name). A national list has a few million distinct names; most rows name a common one.
MEMO_LIMIT = 200_000


class _NotADate:
    """What the dates memo holds for a cell that is not a date."""


_UNSEEN = object()


class RowBuilder:
    """Turns the cells of one data row into a row for `ListStore.importing` (the columns of
    `ROW_COLUMNS`, in that order), or a rejection reason.

    Written for speed (it runs once per row of lists with millions of rows): the cells of
    the standard fields are picked with one itemgetter; the stored `fields` text, the formula
    check and the row hash all work on joined strings; what a row takes from its name and
    from its date cells is remembered per distinct text (a national list names the same
    persons and days over and over), in memos bounded by `MEMO_LIMIT`.
    """

    def __init__(self, columns: Columns, layout_names: Sequence[str], text_cells: bool) -> None:
        self.columns = columns
        self.layout_names = list(layout_names)
        positions = [columns.positions.get(name) for name in self.layout_names]
        self.width = max(p for p in positions if p is not None) + 1
        # A field the file lacks reads the empty cell appended to every row (index -1).
        self.getter = operator.itemgetter(*(-1 if p is None else p for p in positions))
        # CSV cells are all text (stripped with one map call).
        self.text_cells = text_cells
        at = {name: i for i, name in enumerate(self.layout_names)}
        self.at = (
            at[FIELD_RECORD_KEY] if FIELD_RECORD_KEY in columns.positions else None,
            at[FIELD_CASE_NO],
            at[FIELD_NAME],
            at[FIELD_ID],
            at[FIELD_LEGAL_REP],
            at[FIELD_COURT],
            at[FIELD_SUBJECT_TYPE],
            at[FIELD_LISTED_ON],
            at[FIELD_FILED_ON],
            at[FIELD_REVOKED_ON],
        )
        # The stored `fields`: every field in layout order, those kept in columns of their
        # own left empty (they read the empty text appended after the last field).
        in_columns = {at[name] for name in COLUMN_FIELDS}
        count = len(self.layout_names)
        self.stored_getter = operator.itemgetter(
            *(count if i in in_columns else i for i in range(count))
        )
        # Birth dates in resident IDs may not lie after this (see identifiers.classify_id_cell).
        self.today = datetime.date.today()
        self.former_at = columns.positions.get(FIELD_FORMER_NAMES)
        self._names: dict[str, tuple[str, str, str | None, bool, str] | str] = {}
        self._dates: dict[str, str | type[_NotADate] | None] = {}

    def _name(self, text: str) -> tuple[str, str, str | None, bool, str] | str:
        """(name, matching form, core if it differs from it, is an organisation, former names
        written in the cell) of a name cell, or why it is refused."""
        # The one text rule (`names.clean_display`) first: a formula behind an invisible
        # character is still a formula.
        cleaned = names.clean_display(text)
        if not cleaned:
            found: tuple[str, str, str | None, bool, str] | str = "姓名/名称为空。"
        elif cleaned.startswith(_NAME_FORMULA_PREFIXES):
            found = f"姓名/名称以“{cleaned[0]}”开头，像是表格公式，已拒绝（防止公式注入）。"
        else:
            written, formers = split_former_names(cleaned)
            name = names.clean_display(written)
            name_norm = names.normalize_name(name)
            if len(name_norm) < 2:
                found = f"姓名/名称{quoted(name)}不完整（少于两个字）。"
            else:
                parts = names.name_parts(name)
                core = parts.core if parts.core != name_norm else None
                found = (
                    name,
                    name_norm,
                    core,
                    parts.is_organization,
                    FORMER_SEPARATOR.join(formers),
                )
        if len(self._names) >= MEMO_LIMIT:
            self._names.clear()
        self._names[text] = found
        return found

    def _date(self, value: Any) -> str | type[_NotADate] | None:
        """`parse_list_date` of a date cell not in the memo, or `_NotADate`."""
        try:
            found = parse_list_date(value)
        except ValueError:
            found = _NotADate
        if value.__class__ is str:  # other cell types are few and not all hashable alike
            if len(self._dates) >= MEMO_LIMIT:
                self._dates.clear()
            self._dates[value] = found
        return found

    def build(
        self, row_no: int, cells: list[Any], raw_hash: bytes = b""
    ) -> tuple[tuple[Any, ...] | None, str | None, bool]:
        """(row, None, formula) for an accepted row, (None, reason, formula) otherwise.

        `raw_hash` is `raw_row_hash` of the cells as read, stored with the row."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        cells.append("")
        raw = self.getter(cells)
        if self.text_cells:
            texts = list(map(str.strip, raw))
        else:
            texts = [v.strip() if v.__class__ is str else cell_text(v) for v in raw]
        i_key, i_case, i_name, i_id, i_rep, i_court, i_mark, i_listed, i_filed, i_revoked = self.at
        joined = FIELD_SEPARATOR.join(texts)
        # Every invisible character but a few marks is unprintable: one quick test of the
        # row (whose cells are apart by an unprintable separator) before any cell's.
        if not joined.replace(FIELD_SEPARATOR, " ").isprintable():
            # Cells shown but never compared keep their text without invisible characters
            # (a bidi override would turn a court's name around on the screen).
            texts = [text_rules.without_invisible(t) for t in texts]
            joined = FIELD_SEPARATOR.join(texts)
        if len(joined) > MAX_CELL_CHARS and max(map(len, texts)) > MAX_CELL_CHARS:
            raise cell_too_long(row_no)
        formula = texts[0].startswith(FORMULA_PREFIXES) or _FORMULA_RE.search(joined) is not None
        name_text = texts[i_name]
        named = self._names.get(name_text) or self._name(name_text)
        if named.__class__ is str:
            return None, named, formula  # type: ignore[return-value]
        name, name_norm, core, is_organization, formers = named  # type: ignore[misc]
        if self.former_at is not None and self.former_at < len(cells) - 1:
            column = cells[self.former_at]
            column = column.strip() if column.__class__ is str else cell_text(column)
            if column:
                listed = formers.split(FORMER_SEPARATOR) if formers else []
                listed += [f for f in former_names(column) if f not in listed and f != name]
                formers = FORMER_SEPARATOR.join(listed)
        kind, id_value, id_error = identifiers.classify_id_cell(raw[i_id], self.today)
        if kind == "invalid":
            return None, f"证件号码{quoted(id_value or '')}无效：{id_error}", formula
        # The dates memo, inline: three lookups on every row.
        dates = self._dates
        value = raw[i_listed]
        listed_on = dates.get(value, _UNSEEN) if value.__class__ is str else _UNSEEN
        if listed_on is _UNSEEN:
            listed_on = self._date(value)
        if listed_on is _NotADate:
            return None, f"{FIELD_LISTED_ON}{quoted(texts[i_listed])}不是有效日期。", formula
        value = raw[i_revoked]
        revoked_on = dates.get(value, _UNSEEN) if value.__class__ is str else _UNSEEN
        if revoked_on is _UNSEEN:
            revoked_on = self._date(value)
        if revoked_on is _NotADate:
            return None, f"{FIELD_REVOKED_ON}{quoted(texts[i_revoked])}不是有效日期。", formula
        # 立案时间 decides nothing: kept as written when it is not a date.
        value = raw[i_filed]
        filed_on = dates.get(value, _UNSEEN) if value.__class__ is str else _UNSEEN
        if filed_on is _UNSEEN:
            filed_on = self._date(value)
        if filed_on is not _NotADate:
            texts[i_filed] = filed_on or ""
        if kind in _PERSON_ID_KINDS:
            subject_type = "person"
        elif kind in _ORGANIZATION_ID_KINDS:
            subject_type = "organization"
        else:
            subject_type = _subject_type(texts[i_mark], is_organization)
        legal_rep = texts[i_rep]
        legal_rep_norm = None
        if legal_rep and subject_type == "organization":
            legal_rep_norm = names.normalize_name(legal_rep) or None
        case_no = texts[i_case] or None
        texts[i_name] = name
        texts[i_id] = id_value or ""
        texts[i_listed] = listed_on or ""
        texts[i_revoked] = revoked_on or ""
        record_key = texts[i_key] if i_key is not None else ""
        if not record_key:
            record_key = f"{id_value or name_norm}|{case_no or ''}"
        fields = FIELD_SEPARATOR.join(texts)
        if fields.count(FIELD_SEPARATOR) != len(texts) - 1:
            texts = [t.replace(FIELD_SEPARATOR, " ") for t in texts]
            fields = FIELD_SEPARATOR.join(texts)
        texts.append("")
        row = (
            record_key,
            name,
            name_norm,
            core,
            subject_type,
            kind,
            id_value,
            _id_key(kind, id_value),
            legal_rep_norm,
            case_no,
            texts[i_court] or None,
            listed_on,
            revoked_on,
            row_no,
            _row_hash(fields),
            int(formula),
            FIELD_SEPARATOR.join(self.stored_getter(texts)),
            raw_hash,
            formers or None,
        )
        return row, None, formula


@dataclass
class ChunkResult:
    """What processing one chunk of rows gave (picklable, for worker processes).

    `seen_ids` and `seen_rows` hold the listing and the row number of each row recognised
    from its raw hash as a listing the list already has, unchanged: they are not built
    (arrays: millions of them cross between processes). `rejections` are (row, reason,
    the row's cells as text). `fuzzy` holds the `fuzzy_keys` rows (key, name core) of the
    cores new to the processor; `not_in_force` counts the built rows not in force on the
    import's date.
    """

    rows: list[tuple[Any, ...]]
    fuzzy: list[tuple[str, str]]
    rejections: list[tuple[int, str, list[str]]]
    formula_rows: list[int]
    read: int
    not_in_force: int
    seen_ids: array[int] = field(default_factory=lambda: array("q"))
    seen_rows: array[int] = field(default_factory=lambda: array("q"))


class ChunkProcessor:
    """Builds the rows of a chunk and the fuzzy keys of the name cores new to it.

    Runs in the importing process for small files and in worker processes for large CSV
    files; each instance keeps its own bounded set of name cores already keyed. With a
    `lookup` (raw hash → listing id of the list being updated, see
    `ListStore.RawRowLookup`), rows whose raw hash the list knows are recognised as
    unchanged before any work on their identifiers, names or dates. The rows of a CSV file
    (`delimiter` given) are known by the hash of their text (`record_hash`), those of a
    workbook by the hash of their cells (`raw_row_hash`).
    """

    def __init__(
        self,
        columns: Columns,
        layout_names: Sequence[str],
        text_cells: bool,
        today: str,
        lookup: Callable[[Sequence[bytes]], Mapping[bytes, int]] | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.builder = RowBuilder(columns, layout_names, text_cells)
        self.header_keys = [header_key(c) for c in columns.header_cells]
        self.name_at = columns.positions[FIELD_NAME]
        self.name_header = columns.header_cells[self.name_at]
        self.text_cells = text_cells
        self.today = today
        self.lookup = lookup
        self.delimiter = delimiter
        self.raw_prefix = raw_hash_prefix(columns, layout_names, delimiter)
        self.seen_cores: set[str] = set()

    def text_hashes(self, texts: Sequence[str]) -> list[bytes]:
        """`record_hash` of CSV records' texts (see `formats.record_text`)."""
        prefix = self.raw_prefix
        return [record_hash(prefix, t.encode("utf-8", "surrogatepass")) for t in texts]

    def _is_blank_or_header(self, cells: list[Any]) -> bool:
        """True for a blank row, and for the header repeated on every printed page."""
        if not any(c not in ("", None) for c in cells):
            return True
        return (
            len(cells) > self.name_at
            and cell_text(cells[self.name_at]) == self.name_header
            and [header_key(c) for c in cells[: len(self.header_keys)]] == self.header_keys
        )

    def process(
        self, first_row: int, chunk: list[list[Any]], raw_hashes: Sequence[bytes] | None = None
    ) -> ChunkResult:
        """Build the rows of `chunk`, whose first row is row number `first_row`; a CSV
        file's rows come with their `raw_hashes` (of their texts)."""
        rows: list[tuple[Any, ...]] = []
        fuzzy: list[tuple[str, str]] = []
        rejections: list[tuple[int, str, list[str]]] = []
        formula_rows: list[int] = []
        seen_ids, seen_rows = array("q"), array("q")
        not_in_force = 0
        build, seen, today = self.builder.build, self.seen_cores, self.today
        self.builder.today = datetime.date.today()
        text_cells, name_at, name_header = self.text_cells, self.name_at, self.name_header
        prefix = self.raw_prefix
        data: list[tuple[int, list[Any], bytes]] = []
        for row_no, cells in enumerate(chunk, first_row):
            # CSV cells are text: a row with a character in some cell, whose name cell does
            # not read like the header, is neither blank nor a repeated header (the usual).
            if not (
                text_cells
                and any(cells)
                and (len(cells) <= name_at or cells[name_at].strip() != name_header)
            ) and self._is_blank_or_header(cells):
                continue
            raw_hash = (
                raw_row_hash(prefix, cells, text_cells)
                if raw_hashes is None
                else raw_hashes[row_no - first_row]
            )
            data.append((row_no, cells, raw_hash))
        known = self.lookup([d[2] for d in data]) if self.lookup is not None and data else {}
        for row_no, cells, raw_hash in data:
            if known:
                listing_id = known.get(raw_hash)
                if listing_id is not None:
                    seen_ids.append(listing_id)
                    seen_rows.append(row_no)
                    continue
            shown = [c if c.__class__ is str else cell_text(c) for c in cells]
            row, reason, formula = build(row_no, cells, raw_hash)
            if row is None:
                rejections.append((row_no, reason or "", shown))
                continue
            if formula:
                formula_rows.append(row_no)
            rows.append(row)
            if not in_force(row[LISTED_AT], row[REVOKED_AT], today):
                not_in_force += 1
            core = row[3] or row[2]
            if core not in seen:
                if len(seen) >= SEEN_CORES_LIMIT:
                    seen.clear()
                seen.add(core)
                fuzzy += [(key, core) for key in names.fuzzy_keys(row[1])]
        return ChunkResult(
            rows, fuzzy, rejections, formula_rows, len(data), not_in_force, seen_ids, seen_rows
        )


# --- raw rows and the rules that build them ---------------------------------------------

# Bump when the building of a row from its cells changes in a way the probe rows below may
# not show. `row_rules()` changes by itself whenever the rules give any probe row another
# result (identifiers, names, dates, subject types, record keys), which makes the next import
# of every list build all its rows again instead of trusting their raw hashes.
ROW_RULES_VERSION = 3

# Cells of probe rows in the order of `ROLE_FIELDS` (信息唯一标识, 案号, name, ID, legal
# representative, court, subject type, 发布时间, 立案时间, 撤销时间): the kinds of cell whose
# cleaning a rule change is likely to touch.
_RULE_PROBES: tuple[tuple[str, ...], ...] = (
    (
        "",
        "（2019）桂0102执1号",
        "张三",
        "450102198501011233",
        "",
        "南宁市青秀区人民法院",
        "自然人",
        "2019-01-02",
        "2018/12/1",
        "",
    ),
    ("", "", " 李 四 ", "45010219850101123３", "", "", "", "2019/1/2", "", "2020年1月2日"),
    ("K1", "", "王\u200b五", "\u202e450102198501011233", "", "", "个人", "20190102", "", ""),
    ("K2", "", "趙六", "٤٥٠١٠٢١٩٨٥٠١٠١١٢٣٣", "", "", "", "43466", "", ""),
    ("K3", "", "Jose\u0301 Garci\u0301a", "4501**********1233", "", "", "", "", "", ""),
    (
        "K4",
        "",
        "南宁市某某贸易有限公司",
        "91450100MA5KBCDE0F",
        "张三",
        "",
        "企业法人",
        "2019-01-02",
        "",
        "2099-12-31",
    ),
    ("K5", "", "（广西）某某科技股份有限公司", "9145О100MA5KBCDE0F", "李四", "", "", "", "", ""),
    ("K6", "", "某某商行\ufe0f", "MA5KBCDE-0", "", "", "个体工商户", "", "", ""),
    ("K7", "", "陈七", "320583900215002", "", "", "", "2019.1.2", "", ""),
    ("K8", "", "ｗａｎｇ　ｂａ", "15010219750630441x", "", "", "", "2019-1-2 10:00", "", ""),
    ("K9", "", "=HYPERLINK(1)", "", "", "", "", "", "", ""),
    ("K10", "", "柳州市泰兴食品股份公司（原名：柳州市泰兴食品厂）", "", "", "", "", "", "", ""),
    # the one text rule (issue 11): stray accents, bidi isolates, look-alikes, other digits
    (
        "K11",
        "（2019）\u202e桂0102执2号",
        "韦\u0301小\u2066宝",
        "٤٥٠١٠٢١٩٨٥٠١٠١١٢٣٣",
        "",
        "",
        "",
        "٢٠١٩-٠١-٠٢",
        "",
        "",
    ),
    ("K12", "", "АВС科技有限公司", "91450100МА5КВСDE0F", "Jose\u0301\u200f", "", "", "", "", ""),
    ("K13", "", "\u200b=CMD()", "", "", "", "", "", "", ""),
)


@functools.cache
def row_rules() -> str:
    """A fingerprint of the rules that build a row from its cells: `ROW_RULES_VERSION` and
    what this program's rules make of the probe rows (an accepted row, or refused)."""
    from desktop_app.services.lists.header import ROLE_FIELDS

    columns = Columns(1, {name: i for i, name in enumerate(ROLE_FIELDS)}, list(ROLE_FIELDS))
    builder = RowBuilder(columns, ROLE_FIELDS, text_cells=True)
    builder.today = datetime.date(2024, 1, 1)
    digest = hashlib.blake2b(f"rules {ROW_RULES_VERSION}".encode(), digest_size=16)
    for number, cells in enumerate(_RULE_PROBES, 2):
        row, _reason, formula = builder.build(number, list(cells))
        digest.update(repr((row, formula)).encode())
    for name in ("张三", "南宁市某某贸易有限公司"):
        digest.update(repr(names.fuzzy_keys(name)).encode())
    return f"{ROW_RULES_VERSION}:{digest.hexdigest()}"


def raw_hash_prefix(
    columns: Columns, layout_names: Sequence[str], delimiter: str | None = None
) -> Any:
    """The hash state every raw row hash of a file starts from: the row rules, the layout
    and where the file has each field (and for the text of a CSV record, its delimiter), so
    that a row only ever meets a listing built from the same cells, in the same place, by
    the same rules."""
    head: list[Any] = [row_rules(), list(layout_names), sorted(columns.positions.items())]
    if delimiter is not None:
        head.append(["csv record", delimiter])
    return hashlib.blake2b(json.dumps(head, ensure_ascii=False).encode(), digest_size=16)


def record_hash(prefix: Any, record: bytes) -> bytes:
    """The raw hash of a CSV record (16 bytes): its text as UTF-8, without the line break
    that ends it, continuing `raw_hash_prefix`. The same text always has the same cells,
    so an unchanged line of a file is recognised without being parsed."""
    digest = prefix.copy()
    digest.update(record)
    return digest.digest()


def line_hashes(prefix: Any, lines: Sequence[bytes]) -> list[bytes]:
    """`record_hash` of each line (as UTF-8, with or without its line break) taken as a
    whole record (one loop: it runs for every line of a national list)."""
    hashes = []
    start = prefix.copy
    for line in lines:
        digest = start()
        digest.update(line.rstrip(b"\r\n"))
        hashes.append(digest.digest())
    return hashes


def raw_row_hash(prefix: Any, cells: Sequence[Any], text_cells: bool) -> bytes:
    """The hash of a row's cells as read (16 bytes), continuing `raw_hash_prefix`."""
    digest = prefix.copy()
    if text_cells:
        joined = FIELD_SEPARATOR.join(cells)
        if joined.count(FIELD_SEPARATOR) != len(cells) - 1:
            joined = json.dumps(cells, ensure_ascii=False)
    else:
        # Typed cells (xlsx): 1.0 and "1" read differently, so each keeps its type.
        joined = json.dumps(
            [c if c.__class__ is str else f"{type(c).__name__}:{c!r}" for c in cells],
            ensure_ascii=False,
        )
    digest.update(joined.encode("utf-8", "surrogatepass"))
    return digest.digest()
