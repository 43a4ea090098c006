"""Resident IDs, unified social credit codes (USCC) and organisation codes: recognise,
clean, validate, mask and compare them. Pure functions: no I/O, no Qt, no SQL.

Two rules shape this module (issue 3):

* A mistyped number is an error that says which character is wrong, never "not listed".
* A real ID is never refused. An ID keeps the area code of the place of first registration,
  which may be a district created after the holder was born, or one abolished since.
  `stdnum.cn.ric.validate` rejects both, so here the check digit comes from python-stdnum,
  the date is checked for existing, and the area code only for having ever existed.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from stdnum.cn import ric

from desktop_app.models import names, regions
from desktop_app.models import text as text_rules
from desktop_app.models.text import TextNote


class InputKind(StrEnum):
    """What a clerk's query is, decided from its shape."""

    RESIDENT_ID = "resident_id"
    USCC = "uscc"
    ORG_CODE = "org_code"
    NAME = "name"


@dataclass(frozen=True)
class ParsedQuery:
    """A query as typed (`raw`) and as it will be searched (`value`).

    `value` is normalised: resident IDs 18 characters with an upper-case X (15-digit ones
    converted), USCCs 18 upper-case characters, organisation codes 9 characters without the
    hyphen, names through `names.clean_display`. `error` is a Chinese message when the query
    cannot be searched; `expected_check_digit` names the right check character when that is
    the problem.
    """

    raw: str
    kind: InputKind
    value: str
    error: str | None
    expected_check_digit: str | None
    converted_from_15: bool
    # The name pasted along with an identifier in the same field (`韦小宝\t4502…`), if any.
    name: str | None = None
    # What the text rule removed or mapped (`text.TextNote`: invisible characters, digits
    # of other scripts, look-alike letters, stray accents), for the clerk and the record.
    notes: tuple[TextNote, ...] = ()
    # Why the name (typed alone, or pasted with the identifier) is not one name as written
    # (`check_name_text`): the check searches it all the same when a listing has exactly
    # this name, and checks an identifier without it otherwise.
    name_refused: str | None = None


@dataclass(frozen=True)
class IdCell:
    """An identifier cell of an imported list, normalised.

    kind: "resident_id" | "uscc" | "org_code" | "masked_resident_id" | "masked_other" |
    "empty" | "invalid". For masked kinds `value` keeps the full length with `*` for every
    hidden character and `visible` is the (prefix, suffix) shown around the mask. For
    "invalid" `value` is the cleaned text (for the import report) and `error` says why.
    """

    kind: str
    value: str | None
    visible: tuple[str, str] | None
    error: str | None


# Every kind of hyphen or dash people type between the parts of an organisation code.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_STRIP_TABLE = str.maketrans("", "", _DASHES)
_WHITESPACE_RE = re.compile(r"\s+")

# What lists use to hide characters: * (full-width ＊ becomes * under NFKC), ×, and runs of
# two or more x/X (a single X is a check character, so it is never a mask on its own).
_MASK_CHARS = "*×"
_X_RUN_RE = re.compile(r"X{2,}")
_SCIENTIFIC_RE = re.compile(r"^\d+(?:\.\d+)?E\+?\d+$")
_TRAILING_ZERO_FRACTION_RE = re.compile(r"^(\d+)\.0+$")
_ID_SHAPE_RE = re.compile(r"^[0-9A-Z]+$")

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_BODY_RE = re.compile(r"^[0-9A-Z]{8}$")
# GB 32100-2015: the registering authority (1st) and entity type (2nd) may be letters
# (e.g. N for 农业, Y for 其他), which stdnum's format check does not allow; the check
# character is computed over the same alphabet for all 18 positions.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")

_RETRY = "请核对后重新输入。"
_NOT_ID_CHARACTERS = "号码含有数字和字母以外的字符。"
_TEXT_COLUMN_HINT = (
    "号码被表格软件存成了数字，后几位已丢失，无法还原。请在原表中把该列设为“文本”格式、"
    "重新填入号码后再导入。"
)


def clean_id_text(text: str) -> str:
    """Normalise how an identifier was typed or pasted.

    The text rule (`text.clean`: invisible characters removed, digits of every script as
    0–9, NFKC, stray accents removed), accents taken off letters, all whitespace (including
    U+3000 and NBSP) and hyphens removed (organisation codes are often written
    `12345678-9`), upper-case. Look-alike letters of other scripts are left for
    `text.id_readings`.
    """
    if text.isascii() and text.isalnum():  # the common case: nothing to strip
        return text.upper()
    text = text_rules.fold_marks(text_rules.clean_text(text))
    text = _WHITESPACE_RE.sub("", text.translate(_STRIP_TABLE))
    return text.upper()


def _check_char_message(label: str, position: int, expected: str, given: str) -> str:
    return f"{label}校验位错误：第{position}位应为“{expected}”，输入的是“{given}”。{_RETRY}"


def _length_message(length: int) -> str:
    return (
        f"号码位数不对：输入的是{length}位。身份证号码应为18位（旧证15位），"
        f"统一社会信用代码为18位，组织机构代码为9位。{_RETRY}"
    )


# Excel keeps 15 significant digits of a number: an 18-digit ID stored in a number cell
# ends with 000 (its last three digits lost).
TRUNCATED_ID_MESSAGE = (
    "身份证号码的末三位是000，很可能是在Excel中按数字存储而丢失了末三位（Excel只保留15位"
    "有效数字），不是原来的号码。请从原件或设为文本格式的单元格重新复制完整的号码。"
)


def may_be_truncated(id18: str) -> bool:
    """Whether an 18-character resident ID looks like one Excel stored as a number."""
    return len(id18) == 18 and id18.endswith("000")


def resident_id_error(id18: str, today: datetime.date | None = None) -> str | None:
    """Why an 18-character resident ID (as cleaned by `clean_id_text`) is invalid, or None.

    Checks the format, the check digit, that the birth date exists and lies between
    1900-01-01 and `today`, and that the area code exists or existed at any time. It does
    not check the area code's history against the birth year: that would refuse real IDs.
    """
    if len(id18) != 18:
        return _length_message(len(id18))
    if not id18[:17].isdigit() or not (id18[17].isdigit() or id18[17] == "X"):
        return f"身份证号码格式不对：前17位应为数字，第18位为数字或X。{_RETRY}"
    expected = ric.calc_check_digit(id18)
    if id18[17] != expected:
        if may_be_truncated(id18):
            return TRUNCATED_ID_MESSAGE
        return _check_char_message("身份证号码", 18, expected, id18[17])
    birth = id18[6:14]
    try:
        born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return f"身份证号码中的出生日期“{birth}”不存在（第7–14位）。{_RETRY}"
    if born.year < 1900:
        return f"身份证号码中的出生日期“{birth}”早于1900年（第7–14位）。{_RETRY}"
    if born > (today or datetime.date.today()):
        return f"身份证号码中的出生日期“{birth}”晚于今天（第7–14位）。{_RETRY}"
    if not regions.area_exists(id18[:6]):
        return f"身份证号码前6位地区码“{id18[:6]}”不存在，也不是已撤销的旧地区码。{_RETRY}"
    return None


def convert_15_to_18(id15: str) -> str:
    """Convert a 15-digit resident ID (issued before 1999) to 18 digits.

    The year gains its century (19) and a check digit is appended. Raises ValueError if
    `id15` is not 15 digits.
    """
    if len(id15) != 15 or not id15.isdigit():
        raise ValueError(f"not a 15-digit resident ID: {id15!r}")
    body = id15[:6] + "19" + id15[6:]
    # calc_check_digit expects the full 18 characters and ignores the last one.
    return body + ric.calc_check_digit(body + "0")


# The USCC check sums value(character i) × 3^i (mod 31) over the first 17 characters. With
# each character written as the base-34 digit of its value and the text reversed, int(…, 34)
# is that sum plus a multiple of 31 (34 ≡ 3 mod 31): one int() call instead of a loop.
_USCC_DIGITS = str.maketrans(
    {char: "0123456789abcdefghijklmnopqrstu"[value] for value, char in enumerate(_USCC_ALPHABET)}
)


def _uscc_check_char(code: str) -> str:
    """GB 32100 check character of the first 17 characters (already validated).

    The same computation as python-stdnum's `cn.uscc.calc_check_digit` (a test compares
    them), without its input cleaning, which costs ~10 µs a call: list imports run this on
    every row.
    """
    total = int(code[16::-1].translate(_USCC_DIGITS), 34)
    return _USCC_ALPHABET[-total % 31]


def uscc_error(code: str) -> str | None:
    """Why an 18-character USCC (cleaned) is invalid, or None.

    The message of a wrong check character names the right one.
    """
    if len(code) != 18:
        return _length_message(len(code))
    if not _USCC_RE.match(code):
        return (
            "统一社会信用代码格式不对：第3–8位应为数字，其余为数字或大写字母"
            f"（不含I、O、Z、S、V）。{_RETRY}"
        )
    expected = _uscc_check_char(code)
    if code[17] != expected:
        return _check_char_message("统一社会信用代码", 18, expected, code[17])
    return None


def org_code_check_char(body: str) -> str:
    """The GB 11714-1997 check character of an 8-character organisation code body."""
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True)
    )
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def org_code_error(code: str) -> str | None:
    """Why a 9-character organisation code (cleaned, no hyphen) is invalid, or None."""
    if len(code) != 9:
        return _length_message(len(code))
    if not _ORG_CODE_BODY_RE.match(code[:8]) or not (code[8].isdigit() or code[8] == "X"):
        return (
            "组织机构代码格式不对：前8位应为数字或大写字母，第9位为数字或X"
            f"（可写作12345678-9）。{_RETRY}"
        )
    expected = org_code_check_char(code[:8])
    if code[8] != expected:
        return _check_char_message("组织机构代码", 9, expected, code[8])
    return None


def org_code_of_uscc(code: str) -> str:
    """The organisation code embedded in a USCC: characters 9–17."""
    return code[8:17]


def _is_resident_id_shape(text: str) -> bool:
    return len(text) == 18 and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")


def _expected_check(kind: InputKind, value: str) -> str | None:
    if kind is InputKind.RESIDENT_ID and may_be_truncated(value):
        return None  # no check digit to suggest: the digits before it are lost too
    if kind is InputKind.RESIDENT_ID and _is_resident_id_shape(value):
        expected = ric.calc_check_digit(value)
    elif kind is InputKind.USCC and _USCC_RE.match(value):
        expected = _uscc_check_char(value)
    elif kind is InputKind.ORG_CODE and len(value) == 9 and _ORG_CODE_BODY_RE.match(value[:8]):
        expected = org_code_check_char(value[:8])
    else:
        return None
    return expected if expected != value[-1] else None


def _classify(cleaned: str) -> tuple[InputKind, str, str | None, bool]:
    """(kind, normalised value, error, converted_from_15) of an identifier-shaped text."""
    if len(cleaned) == 18:
        if _is_resident_id_shape(cleaned):
            error = resident_id_error(cleaned)
            if error is not None and uscc_error(cleaned) is None:
                return InputKind.USCC, cleaned, None, False
            return InputKind.RESIDENT_ID, cleaned, error, False
        return InputKind.USCC, cleaned, uscc_error(cleaned), False
    if len(cleaned) == 15 and cleaned.isdigit():
        converted = convert_15_to_18(cleaned)
        return InputKind.RESIDENT_ID, converted, resident_id_error(converted), True
    if len(cleaned) == 15 and cleaned[:14].isdigit() and cleaned[14] == "X":
        return InputKind.RESIDENT_ID, cleaned, _OLD_ID_WITH_X, False
    if len(cleaned) == 9:
        return InputKind.ORG_CODE, cleaned, org_code_error(cleaned), False
    if len(cleaned) <= 10:
        kind = InputKind.ORG_CODE
    elif re.search(r"[A-WYZ]", cleaned):
        kind = InputKind.USCC
    else:
        kind = InputKind.RESIDENT_ID
    return kind, cleaned, _length_message(len(cleaned)), False


_OLD_ID_WITH_X = (
    "输入的是15位，末位是X：15位的旧身份证号码全是数字，没有校验位，末位不会是X；"
    "末位可能是X的是18位的新号码。请核对是否漏输了几位后重新输入。"
)


def _well_formed(kind: InputKind, value: str) -> bool:
    """Whether an identifier has the right characters in the right places (so that only
    its check character, birth date or area code can be wrong)."""
    if kind is InputKind.RESIDENT_ID:
        return _is_resident_id_shape(value) or (len(value) == 15 and value.isdigit())
    if kind is InputKind.USCC:
        return _USCC_RE.match(value) is not None
    return len(value) == 9 and _ORG_CODE_BODY_RE.match(value[:8]) is not None


def _read_identifier(
    cleaned: str,
) -> tuple[InputKind, str, str | None, bool, tuple[TextNote, ...]] | None:
    """(kind, value, error, converted_from_15, notes) of an identifier-shaped text (as
    `clean_id_text` makes it), reading look-alike letters of other scripts as `text.id_readings`
    offers: the first valid reading, else the best formed. None when some character is no
    identifier character in any reading."""
    if cleaned.isascii():  # one reading: the text itself (what list imports meet)
        if not _ID_SHAPE_RE.match(cleaned):
            return None
        return (*_classify(cleaned), ())
    best: tuple[int, tuple[InputKind, str, str | None, bool, tuple[TextNote, ...]]] | None
    best = None
    for reading in text_rules.id_readings(cleaned):
        candidate = reading.text.upper()
        if not _ID_SHAPE_RE.match(candidate):
            continue
        kind, value, error, converted = _classify(candidate)
        rank = 0 if error is None else 1 if _well_formed(kind, value) else 2
        if best is None or rank < best[0]:
            best = (rank, (kind, value, error, converted, reading.notes))
        if rank == 0:
            break
    return best[1] if best else None


def _digit_count(cleaned: str) -> int:
    """Digits in a text, counting the look-alikes that pass for one (О, І, З)."""
    return sum(char.isdigit() or char in text_rules.LOOKALIKE_DIGITS for char in cleaned)


def _is_org_code(cleaned: str) -> bool:
    """Whether a text (as `clean_id_text` makes it) reads as a valid organisation code. Codes
    issued since 2015 may be letters only (MAPHPTNX-X)."""
    read = _read_identifier(cleaned) if len(cleaned) == 9 else None
    return read is not None and read[0] is InputKind.ORG_CODE and read[2] is None


def _is_identifier_run(run: str, before: str, after: str) -> bool:
    """Whether a run of identifier characters (as `clean_id_text` makes it) is an
    identifier: 15 or 18 characters with at least five digits, or 9 with a digit (or a
    valid organisation code of letters) and not written inside Chinese text (an
    organisation code, not a company name's number)."""
    digits = _digit_count(run)
    if len(run) in (15, 18):
        return digits >= 5
    if len(run) != 9 or _is_cjk(before) or _is_cjk(after):
        return False
    return digits > 0 or _is_org_code(run)


def _identifier_runs(text: str) -> list[str]:
    """The identifiers in a text (cleaned) apart from each other: runs without whitespace
    of 15 or 18 characters with five digits, or valid organisation codes (a 9-character
    piece of an identifier typed in groups is not one)."""
    found = []
    for match in _TIGHT_RUN_RE.finditer(text):
        run = clean_id_text(match.group())
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if _is_identifier_run(run, before, after) and (len(run) != 9 or _is_org_code(run)):
            found.append(text_rules.id_readings(run)[0].text.upper())
    return found


def _joined_identifiers(cleaned: str) -> list[str]:
    """Two valid identifiers typed without anything between them (36 characters …)."""
    for first in (18, 15):
        second = len(cleaned) - first
        if second in (15, 18):
            parts = [cleaned[:first], cleaned[first:]]
            if all(_classify(part)[2] is None for part in parts):
                return parts
    return []


def several_identifiers_message(found: list[str]) -> str:
    """What to say when a field holds more than one identifier."""
    shown = "、".join(found[:_SHOWN_IDENTIFIERS])
    if len(found) > _SHOWN_IDENTIFIERS:
        shown += " 等"
    return (
        f"输入中有 {len(found)} 个号码：{shown}。一次只能核查一个主体：请逐个输入核查；"
        "号码较多时，可把它们写入一个文件，用批量核查（命令行 check --batch 文件）一次核查完。"
    )


def _several(text: str, found: list[str]) -> ParsedQuery:
    kind = _classify(found[0])[0]
    return ParsedQuery(text, kind, text, several_identifiers_message(found), None, False)


def _strange_chars_message(cleaned: str) -> str:
    strange = [c for c in cleaned if not (c.isascii() and c.isalnum())]
    shown = "、".join(f"“{c}”" for c in dict.fromkeys(strange))
    return (
        f"输入像是证件号码，但其中有号码里不会有的字符：{shown}。"
        "证件号码只由数字和大写字母组成。请核对后重新输入；按名称核查时请输入完整的名称。"
    )


def parse_query(text: str) -> ParsedQuery:
    """Recognise what a clerk typed or pasted and validate it. Never raises.

    The text first goes through the text rule (`text.clean`: invisible characters, digits
    of other scripts, NFKC, stray accents), whose notes the result keeps; bytes that were
    not text are refused. Then: several identifiers (apart, or two joined without a gap)
    are refused with a list of them. A text without Chinese characters and with at least
    five digits, of digits only, or of 9 characters with a digit (or a valid organisation
    code of letters only) is an identifier, its look-alike letters of other scripts read
    as Latin ones (or as digits where that makes a valid identifier), and its kind decided
    by length: 18 (resident ID if 17 digits + digit/X, else USCC), 15 digits (old resident
    ID, converted), 9 (organisation code); one with characters no identifier has is
    refused, never searched as a name. A name and
    one identifier pasted together (two cells copied from a table) are the identifier, with
    the name in `name`; Chinese text with a long number that is not that is refused.
    Anything else is a name.
    """
    cleaned = text_rules.clean(text)
    if cleaned.undecodable:
        return ParsedQuery(text, InputKind.NAME, "", _UNDECODABLE, None, False, notes=cleaned.notes)
    parsed = _parse_clean(cleaned.text)
    return dataclasses.replace(parsed, raw=text, notes=cleaned.notes + parsed.notes)


def _parse_clean(text: str) -> ParsedQuery:
    """`parse_query` of a text the text rule has cleaned."""
    code = _ODD_CODE_SEPARATOR_RE.fullmatch(text)
    if code:  # MATLCF01.3, MATLCF01_3: an organisation code with another separator
        text = f"{code[1]}-{code[2]}"
    found = _identifier_runs(text)
    if len(found) > 1:
        read = _read_identifier(clean_id_text(text)) if _id_shaped(clean_id_text(text)) else None
        if read is None or read[2] is not None:  # not one identifier typed in groups
            return _several(text, found)
    trimmed = text.strip(_AROUND_ID)
    if trimmed and trimmed != text.strip() and _id_shaped(clean_id_text(trimmed)):
        parsed = _parse_clean(trimmed)
        if parsed.kind is not InputKind.NAME:
            return dataclasses.replace(parsed, raw=text)
    split = _split_name_and_id(text)
    if split is not None:
        name, identifier = split
        if not identifier:
            display = names.clean_display(text)
            return ParsedQuery(text, InputKind.NAME, display, _NOT_ONE_SUBJECT, None, False)
        parsed = _parse_clean(identifier)
        name, name_refused = check_name_text(name) if name else (name, None)
        return dataclasses.replace(parsed, raw=text, name=name, name_refused=name_refused)
    cleaned = clean_id_text(text)
    digits = _digit_count(cleaned)
    if digits >= 5 and any(char in _MASK_CHARS for char in cleaned):
        error = "号码中有被遮蔽的字符（*）。查询时请输入完整的号码，或改按名称查询。"
        kind = InputKind.RESIDENT_ID if len(cleaned) in (15, 18) else InputKind.USCC
        return ParsedQuery(text, kind, cleaned, error, None, False)
    has_cjk = any(_is_cjk(char) for char in cleaned)
    # Organisation codes such as MA5KB5X9-1 have few digits; names have none or come with
    # Chinese characters.
    org_code_like = len(cleaned) == 9 and (digits > 0 or _is_org_code(cleaned))
    if not has_cjk and (digits >= 5 or cleaned.isdigit() or org_code_like):
        joined = _joined_identifiers(cleaned) if len(cleaned) > 18 else []
        if joined:
            return _several(text, joined)
        read = _read_identifier(cleaned)
        if read is None:
            kind = _classify("".join(c for c in cleaned if c.isascii() and c.isalnum()))[0]
            return ParsedQuery(text, kind, cleaned, _strange_chars_message(cleaned), None, False)
        kind, value, error, converted, notes = read
        expected = _expected_check(kind, value) if error else None
        return ParsedQuery(text, kind, value, error, expected, converted, notes=notes)
    if has_cjk and digits >= _MIXED_DIGITS:
        display = names.clean_display(text)
        return ParsedQuery(text, InputKind.NAME, display, _NOT_ONE_SUBJECT, None, False)
    # Lines and tab-separated cells stay apart (the display turns them into spaces) when
    # each is a whole name or a note; otherwise the break is inside one name (a cell's
    # line break in the middle of 柳州市鑫源贸易有限 / 公司).
    lines = [line.strip() for line in _LINES_RE.split(text) if line.strip()]
    apart = all(_whole_name(names.clean_display(line)) or _is_note(line) for line in lines)
    cells = ("、" if apart else "").join(lines)
    display, refused = check_name_text(names.clean_display(cells).strip(_AROUND_NAME_QUERY))
    _mapped, notes = text_rules.map_name_lookalikes(display)
    error = refused
    if not display:
        error = "请输入身份证号码、统一社会信用代码、组织机构代码或名称。"
    elif len(names.normalize_name(display)) < 2:
        error = "名称至少输入两个字。请输入完整的姓名或单位名称。"
    return ParsedQuery(
        text, InputKind.NAME, display, error, None, False, notes=notes, name_refused=refused
    )


def check_name_text(display: str) -> tuple[str, str | None]:
    """A name as typed (alone, with an ID, or in a name field of its own): without a label
    before it (姓名：), and the refusal of what is not one name as written, else None."""
    display = _NAME_LABEL_RE.sub("", display, count=1).strip(_AROUND_NAME_QUERY) or display
    display = _unwrapped(display)
    if len(names.normalize_name(display)) < 2:
        return display, None
    if len(display) > _NAME_MAX_LEN:
        return display, (
            f"输入的名称有 {len(display)} 个字符，比任何姓名或单位名称都长，可能粘贴了多余的内容。"
            "请只输入一个姓名或名称。"
        )
    return display, (
        _unpaired_brackets(display)
        or _annotated_person(display)
        or _annotated_organization(display)
        or _not_one_name(display)
        or _strange_characters(display)
    )


_LINES_RE = re.compile(r"[\r\n\t]+")
_NAME_MAX_LEN = 100
# Brackets of every style a name may be written or annotated with, openings and closings.
_OPENINGS, _CLOSINGS = "([【〔〈<《「『", ")]】〕〉>》」』"
_CLOSING_OF = dict(zip(_OPENINGS, _CLOSINGS, strict=True))


def _unwrapped(display: str) -> str:
    """A name wrapped whole in brackets or book-title marks (《韦小宝》, 【柳州市…有限公司】)
    without them."""
    if _CLOSING_OF.get(display[:1]) != display[-1:] or len(display) < 3:
        return display
    depth = 0
    for position, char in enumerate(display):
        depth += (char in _OPENINGS) - (char in _CLOSINGS)
        if depth == 0 and position < len(display) - 1:
            return display  # the first bracket closes before the end: (1)韦小宝, (中国)…(有限)
    return display[1:-1].strip()


def _unpaired_brackets(display: str) -> str | None:
    opened = sum(display.count(c) for c in _OPENINGS)
    if opened == sum(display.count(c) for c in _CLOSINGS):
        return None
    return (
        f"“{display}”中的括号不成对，可能少输入或多粘贴了内容。"
        "请只输入完整的姓名或名称（括号成对）后重新核查。"
    )


# Notes in brackets after an organisation's name that are not part of it: a stamp, or a
# label with its value (（法定代表人：韦小宝）, （原名：…）).
_ORG_NOTE_RE = re.compile(
    r"^(?P<name>.+?)\s*[(\[【〔〈<《「『]\s*(?P<note>(?:已)?(?:盖章|公章|签章|签字|印章|章)"
    r"|[^()]{1,12}[:：][^()]*|原[^()]{4,}|(?:法定代表人|法人代表|负责人|联系人|经营者)[^()]+)"
    r"\s*[)\]】〕〉>》」』]$"
)
# A stamp written after an organisation's name without brackets.
_STAMP_AFTER_RE = re.compile(r"(?:已)?(?:盖章|盖公章|公章|签章)$")


def _annotated_organization(display: str) -> str | None:
    match = _ORG_NOTE_RE.match(display)
    if match is not None and names.name_parts(match["name"]).is_organization:
        return _note_message(display, [f"（{match['note']}）"], match["name"].strip())
    stamp = _STAMP_AFTER_RE.search(display)
    if stamp and names.name_parts(display[: stamp.start()]).suffix:
        return _note_message(display, [stamp.group()], display[: stamp.start()].strip())
    return None


# An organisation code written with a separator other than a hyphen before its check
# character (new codes have few digits: MATLCF01.3 would otherwise be searched as a name).
_ODD_CODE_SEPARATOR_RE = re.compile(r"\s*([0-9A-Za-z]{8})\s*[.．。·_/,，、:：]\s*([0-9A-Za-z])\s*")
# A number before a name, as in a numbered list (1.韦小宝, （1）韦小宝, 1、, ①).
_NUMBERING_RE = re.compile(r"^(?:\d{1,3}\s*[.、)]|\(\d{1,3}\)|第\d{1,3}[名位号])\s*(?=\D)")
# Characters of a person's name besides Chinese ones: middle dots (and what looks like
# one), spaces, Latin letters (a foreigner's name). An organisation's name may also have
# digits, brackets, quotes and a few signs (3D科技, A&B, “好又多”, 1+1).
# (A person's name keeps brackets only around a Latin original that `_annotated_person`
# let through: 约翰·史密斯（JOHN SMITH）.)
_PERSON_EXTRA = frozenset(" ·'()" + text_rules.DOT_LOOKALIKES + text_rules.MIDDLE_DOT_STAND_INS)
_ORGANIZATION_EXTRA = frozenset(
    _PERSON_EXTRA | set(_OPENINGS + _CLOSINGS) | set("-&.'+\"“”‘’/_,、")
)


def _strange_characters(display: str) -> str | None:
    """The refusal of a name with characters no name has (★, emoji, #, a digit in a
    person's name, a list's numbering before it), else None."""
    numbering = _NUMBERING_RE.match(display)
    if numbering:
        return (
            f"“{display}”开头的“{numbering.group().strip()}”像是序号，不是名称的一部分。"
            f"请只输入“{display[numbering.end() :]}”核查。"
        )
    # A name without Chinese characters (SAMSUNG CO., LTD., H&M, 3M) is read by its signs
    # as an organisation's may be.
    person = any(map(_is_name_char, display)) and not names.name_parts(display).is_organization
    allowed = _PERSON_EXTRA if person else _ORGANIZATION_EXTRA
    odd = [
        c
        for c in dict.fromkeys(display)
        if not (
            _is_name_char(c)
            or c.isalpha()
            or (c.isdigit() and c.isascii() and not person)
            or c in allowed
        )
    ]
    if not odd:
        # Letters mixed into a Chinese name outside brackets (韦小宝w, wei韦小宝: an input
        # method's leftovers); a Latin original in brackets is how courts write one.
        latin = [c for c in _BRACKETED_RE.sub("", display) if c.isascii() and c.isalpha()]
        rest = "".join(c for c in display if not (c.isascii() and c.isalpha())).strip()
        if latin and _whole_name(rest) and not names.name_parts(rest).is_organization:
            odd, person = list(dict.fromkeys(latin)), True
    if not odd:
        return None
    shown = "、".join(
        f"“{c}”（U+{ord(c):04X}）" if not c.isprintable() or _private(c) else f"“{c}”"
        for c in odd[:5]
    )
    what = "姓名" if person else "名称"
    return (
        f"{what}“{display}”中有不属于{what}的字符（{shown}），带着它们核查会查不到名单上的主体。"
        f"请去掉后重新输入。"
    )


def _is_name_char(char: str) -> bool:
    """A Chinese character: the unified ideographs and their extensions, 〇 (中核四〇四), 々,
    and the private-use area, where older systems keep rare characters of names."""
    return (
        "\u3400" <= char <= "\u9fff"
        or "\uf900" <= char <= "\ufaff"
        or "\U00020000" <= char <= "\U000323af"
        or char in "\u3005\u3007"
        or _private(char)
    )


def _private(char: str) -> bool:
    return "\ue000" <= char <= "\uf8ff"


# A label pasted before a name (姓名：, 被执行人名称：), taken off as it is before an ID.
_NAME_LABEL_RE = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,7}(?:名|称|人|方|商|者|位|业|象|体|户))?\s*[:：]\s*"
)
# Words written with a name that are not part of it. After a gap, a person's sex, nation or
# form of address, or 等 (and others); before it, a role in the case, with or without a gap
# (被执行人韦小宝). Joined after a name, only the words no given name ends with (a given name
# may end with 男: 李胜男).
_NOTE_AFTER_GAP = frozenset(
    {"男", "女", "男性", "女性", "先生", "女士", "同志", "等", "等人", "户主", "本人", "家属"}
    | {"已故", "死亡", "已死亡", "备注", "待查", "待核", "签字", "签名", "盖章"}
)
_NATION_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}族$")
_NOTE_JOINED_AFTER = (
    *("等人", "先生", "女士", "同志", "本人", "夫妇", "老板", "全家", "一家", "们", "等"),
    *("户主", "之妻", "之夫", "之子", "之女", "之父", "之母", "夫妻", "家属", "签字", "签名"),
    *("总经理", "经理", "董事长", "老师", "律师", "同学"),
)
# 等3家, 等五人: others left out.
_OTHERS_AFTER_RE = re.compile(r"等[\d一二三四五六七八九十两几多]+[家人户个名位]$")
_ROLES_BEFORE = (
    "失信被执行人",
    "被执行人",
    "被申请人",
    "申请人",
    "当事人",
    "法定代表人",
    "实际控制人",
    "负责人",
    "经营者",
    "投资人",
    "借款人",
    "担保人",
    "供应商",
    "投标人",
    "中标人",
    "户主",
    "法人",
    "法人代表",
    "姓名",
    "名称",
    "被告人",
    "被告",
    "原告",
    "第三人",
    "申请执行人",
    "犯罪嫌疑人",
    "罪犯",
    "个体工商户",
    "个体户",
)
# Longest first: 被告人张三 is 被告人 + 张三, not 被告 + 人张三.
_ROLES_LONGEST_FIRST = sorted(_ROLES_BEFORE, key=len, reverse=True)
# A former or other name written after the name (张三曾用名张四, 张三又名张四).
_ALIAS_RE = re.compile(r"^(?P<name>.{2,}?)\s*(?P<word>曾用名|又名|别名|原名|化名)\s*[:：]?\s*\S")
# A form of address after a surname alone (王先生, 张女士, 李老板, 王总).
_ADDRESS_AFTER_SURNAME = ("先生", "女士", "小姐", "老板", "总", "经理", "老师", "师傅", "同志")
# Two subjects joined by a word (张三和李四, 柳州市…有限公司及张三).
_JOINED_RE = re.compile(r"(?:和|与|及|以及|跟)")
# What apart parts of a name query: cell and list separators, and spaces (a name may have
# spaces: 王 振邦, 天津市 滨海新区 鑫达物流有限公司).
_NAME_SEPARATORS_RE = re.compile(r"[\t\n,;|/\\、]+")


_CJK_ONLY_RE = re.compile(r"[\u4e00-\u9fff]+")
_BRACKETED_RE = re.compile(r"\([^()]*\)")


def _complete_subject(part: str) -> bool:
    """Whether a part of a name query is a whole name by itself: a person's (a surname and a
    given name) or an organisation's with its region and legal form."""
    norm = names.normalize_name(part)
    if names.looks_like_person(norm):
        return _CJK_ONLY_RE.fullmatch(norm) is not None
    if norm.count("(") != norm.count(")"):  # a name cut inside its brackets
        return False
    parts = names.name_parts(part)
    region, suffix = parts.region, parts.suffix
    return bool(parts.is_organization and region and suffix and norm.startswith(region))


_DOT_SPLIT_RE = re.compile(
    "[" + re.escape("·" + text_rules.DOT_LOOKALIKES + text_rules.MIDDLE_DOT_STAND_INS) + "]"
)


def _whole_name(text: str) -> bool:
    """A whole name, or Chinese characters only that are no organisation's (a person's name
    with a surname the list of common ones lacks: 令狐冲, 那日苏)."""
    if _complete_subject(text):
        return True
    norm = names.normalize_name(text)
    return (
        len(norm) >= 2
        and bool(_CJK_ONLY_RE.fullmatch(norm))
        and not names.name_parts(norm).is_organization
    )


def _is_note(word: str) -> bool:
    """A word written after a name that is no part of it (sex, nation, role, remark, a
    number such as a year or a telephone number)."""
    return (
        word in _NOTE_AFTER_GAP
        or word in _ROLES_BEFORE
        or _NATION_RE.match(word) is not None
        or (word.isdigit() and word.isascii())
    )


def _not_one_name(display: str) -> str | None:
    """The refusal of a name query that is not one name as written, else None: several
    names (韦小宝、张三; 韦小宝 张三; two organisations), or a name with words that are not
    part of it (韦小宝 男, 韦小宝，男，汉族, 被执行人韦小宝, 韦小宝等). Searched as written, each
    answers 未发现 for a listed subject."""
    cells = [c.strip() for c in _NAME_SEPARATORS_RE.split(display) if c.strip()]
    words = [w for cell in cells for w in cell.split()]
    dotted = _DOT_SPLIT_RE.split(display.strip())
    if len(words) == 1 and len(dotted) > 1 and all(map(_is_note, dotted[1:])):
        return _note_message(display, dotted[1:], dotted[0])
    if len(cells) > 1 or len(words) > 1:
        notes = [w for w in words[1:] if _is_note(w)]
        role = words[0] if words[0] in _ROLES_BEFORE else None
        kept = [w for w in words[1 if role else 0 :] if not _is_note(w)]
        if (notes or role) and kept:
            name = " ".join(kept) if len(cells) == 1 else kept[0]
            return _note_message(display, [role] if role else notes, name)
        if (
            len(cells) == 1
            and _complete_subject(words[0])
            and all(len(w) >= 2 and not _complete_subject(w) for w in words[1:])
            and not names.name_parts(display).is_organization
        ):
            return _note_message(display, words[1:], words[0])  # 韦小宝 已故
        # Whole names apart by a separator or by spaces (a space or a separator inside one
        # name, 王 振邦, 苏州 市信联投资有限公司, 甲、乙联合体, A/B科技, leaves a part that is
        # no whole name).
        if len(cells) > 1 and all(map(_whole_name, cells)):
            return _several_message(cells)
        if len(cells) == 1 and all(map(_complete_subject, words)):
            return _several_message(words, spaced=True)
    joined = [p for p in _JOINED_RE.split(display.replace(" ", "")) if p]
    if len(joined) > 1 and all(map(_complete_subject, joined)):
        return _several_message(joined)
    alias = _ALIAS_RE.match(display)
    if alias and _whole_name(alias["name"]):
        return (
            f"“{display}”中“{alias['word']}”后面是另一个名字。请只输入“{alias['name'].strip()}”"
            "核查；曾用名、别名请另行输入核查。"
        )
    norm = display.replace(" ", "")
    half = len(norm) // 2
    if len(norm) >= 4 and len(norm) % 2 == 0 and norm[:half] == norm[half:]:
        return f"“{display}”像是同一个名字粘贴了两次。请只输入一次“{norm[:half]}”核查。"
    for word in _ADDRESS_AFTER_SURNAME:
        surname = norm[: -len(word)]
        if norm.endswith(word) and names.looks_like_surname(surname):
            return (
                f"“{display}”只有姓氏“{surname}”和称呼“{word}”，不是完整的姓名，"
                "核查会查不到名单上的人。请输入完整的姓名核查。"
            )
    for role in _ROLES_LONGEST_FIRST:
        rest = norm[len(role) :]
        if norm.startswith(role) and len(rest) >= 2 and _whole_name(rest):
            return _note_message(display, [role], rest)
    others = _OTHERS_AFTER_RE.search(norm)
    if others and len(norm[: others.start()]) >= 2:
        return _note_message(display, [others.group()], norm[: others.start()])
    for word in _NOTE_JOINED_AFTER:
        rest = norm[: -len(word)]
        if norm.endswith(word) and len(rest) >= 2 and _whole_name(rest):
            return _note_message(display, [word], rest)
    return None


def _several_message(parts: list[str], spaced: bool = False) -> str:
    hint = (
        "如果这是一个人的姓名（如少数民族或外国人的姓名），请用间隔号“·”连接各部分后核查。"
        if spaced
        else ""
    )
    return (
        "输入的内容像是多个主体（" + "、".join(f"“{p}”" for p in parts) + "），"
        "无法分辨要核查哪一个。每次请只输入一个姓名或名称；多个主体请分别核查，或用批量核查。"
        + hint
    )


def _note_message(display: str, notes: list[str], name: str) -> str:
    written = "、".join(f"“{n}”" for n in notes)
    others = "其他主体请分别核查。" if any(n.startswith("等") for n in notes) else ""
    return (
        f"“{display}”中的{written}不是姓名或名称的一部分，带着它核查会查不到名单上的主体。"
        f"请只输入“{name}”核查。{others}"
    )


# A person's name followed by a bracketed note (韦小宝（男）, 张伟(曾用名), 李娜（原名：李小娜）):
# searched as written it is no listed name, and nothing near enough to offer.
_ANNOTATED_NAME_RE = re.compile(
    r"^(?P<name>[^()（）\[\]【】〔〕〈〉<>《》「」『』]+?)\s*[（(\[【〔〈<《「『]\s*"
    r"(?P<note>[^()（）\[\]【】〔〕〈〉<>《》「」『』]*?)\s*[）)\]】〕〉>》」』]$"
)
# Notes that are part of a listed name: a sole trader's or a one-person business's form.
_NAME_FORMS_IN_BRACKETS = ("个体工商户", "个人独资企业")


def _annotated_person(display: str) -> str | None:
    """The refusal of a person's name with a bracketed note after it, else None: the note is
    not part of the name, and the name with it would answer 未发现 for a listed person."""
    match = _ANNOTATED_NAME_RE.match(display)
    if match is None or match["note"] in _NAME_FORMS_IN_BRACKETS:
        return None
    if match["note"] and not any(map(_is_name_char, match["note"])):
        return None  # 约翰·史密斯（JOHN SMITH）, 陈大文（CHAN TAI MAN）: how courts write them
    person = names.normalize_name(match["name"])
    if len(person) < 2 or names.name_parts(match["name"]).is_organization:
        return None
    note = f"（{match['note']}）" if match["note"] else "括号"
    return (
        f"姓名“{match['name'].strip()}”后面的{note}不是姓名的一部分，带着它核查会查不到名单上的人。"
        "请只输入姓名核查；曾用名、别名请另行输入核查。"
    )


def _id_shaped(cleaned: str) -> bool:
    """Whether a cleaned text is identifier characters only (look-alikes read as letters)."""
    return _ID_SHAPE_RE.match(text_rules.id_readings(cleaned)[0].text.upper()) is not None


_LOOKALIKE_CLASS = re.escape("".join(sorted(text_rules.LOOKALIKES)))
# A run of identifier characters inside a longer text (spaces and hyphens allowed between
# them; look-alike letters of other scripts too), the same without spaces (one identifier
# each), labels pasted with a name or a number, and what may surround a name.
_ID_RUN_RE = re.compile(
    f"[0-9A-Za-z*×{_LOOKALIKE_CLASS}](?:[0-9A-Za-z*×{_LOOKALIKE_CLASS}\\s-]*"
    f"[0-9A-Za-z*×{_LOOKALIKE_CLASS}])?"
)
_TIGHT_RUN_RE = re.compile(
    f"[0-9A-Za-z*×{_LOOKALIKE_CLASS}](?:[0-9A-Za-z*×{_LOOKALIKE_CLASS}-]*"
    f"[0-9A-Za-z*×{_LOOKALIKE_CLASS}])?"
)
_LABEL_RE = re.compile(
    r"(?:(?:姓名|名称|单位名称|企业名称|号码)\s*[:：]"
    r"|(?:身份证号码|身份证号|身份证|证件号码|统一社会信用代码|信用代码|组织机构代码)\s*[:：]?)"
)
# Cells of a copied row are apart by tabs or commas: the name is the first with Chinese.
_CELL_SEPARATORS_RE = re.compile(r"[\t,;|、，；]+")
_AROUND_NAME = " \t\r\n:;,|/'\"、，；：“”‘’"
# Around a name typed alone: quotes and the punctuation of a sentence it was copied from.
_AROUND_NAME_QUERY = " 。，、；：？！.,;:!?\"'`“”‘’-‐‒–—―－"
_OPENING, _CLOSING = "([【《<（", ")]】》>）"
_EMPTY_BRACKETS_RE = re.compile(r"[(\[【《<（]\s*[)\]】》>）]")
# Around an identifier typed alone: quotes (Excel's text mark), brackets, full stops.
_AROUND_ID = " \t\r\n'\"`“”‘’()[]（）【】.,;:。，；：、"
_NOT_ONE_SUBJECT = (
    "输入中有多个号码，或号码与其他文字混在一起，无法分辨要核查的主体。"
    "请只输入一个证件号码（可另填姓名），或只输入一个名称。"
)
_UNDECODABLE = (
    "输入中有无法识别的字符（不是有效的文字编码，可能是复制或转码时出错）。"
    "请重新输入，或从原件重新复制。"
)
# Chinese text with this many digits or more is no name (a name and a number mixed up).
_MIXED_DIGITS = 9
_SHOWN_IDENTIFIERS = 10


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def _split_name_and_id(text: str) -> tuple[str | None, str] | None:
    """A name in Chinese characters and one identifier pasted together: (name, identifier).

    `text` has been through the text rule. An identifier run is as `_is_identifier_run`
    says. None when the text has no Chinese character or no such run (the caller reads it
    as an identifier or a name); (None, identifier) for a label such as 身份证： and the
    identifier; (None, "") when Chinese text comes with several runs, or with a run of 15 or
    more characters that is not one identifier.
    """
    if not any(_is_cjk(char) for char in text):
        return None
    runs: list[tuple[int, int]] = []
    several = False
    for found in _ID_RUN_RE.finditer(text):
        spans = [(found.start(), found.end())]
        if not _is_identifier_span(text, *spans[0]) and any(c.isspace() for c in found.group()):
            # A name starting or ending with letters or digits next to the identifier
            # (91450200MA5KB5X91T TCL科技集团…, 李JOHN 4502…): its words one by one.
            words = [
                (found.start() + word.start(), found.start() + word.end())
                for word in re.finditer(r"\S+", found.group())
            ]
            # Only beside words with letters: digits beside an ID may be more of a number
            # (张三 4502…1239 123 stays refused).
            if all(
                _is_identifier_span(text, *word) or not text[word[0] : word[1]].isdigit()
                for word in words
            ):
                spans = words
        identifiers_in = [span for span in spans if _is_identifier_span(text, *span)]
        runs += identifiers_in
        if not identifiers_in:
            run = clean_id_text(found.group())
            several = several or (len(run) > 15 and _digit_count(run) >= 5)
    if several or len(runs) > 1:
        return None, ""
    if not runs:
        return None
    start, end = runs[0]
    rest = f"{text[:start]} {text[end:]}"
    rest = _EMPTY_BRACKETS_RE.sub(" ", rest)  # where the identifier was in brackets
    cells = [
        cell.strip(_AROUND_NAME).rstrip(_OPENING).lstrip(_CLOSING).strip(_AROUND_NAME)
        for cell in _CELL_SEPARATORS_RE.split(_LABEL_RE.sub(" ", rest))
    ]
    cells = [cell for cell in cells if cell]
    named = [cell for cell in cells if any(_is_cjk(char) for char in cell)]
    name = names.clean_display(named[0] if named else " ".join(cells))
    if not name:
        return None, text[start:end]  # a label and the identifier
    if not any(_is_cjk(char) for char in name):
        return None, ""
    return name, text[start:end]


def _is_identifier_span(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return _is_identifier_run(clean_id_text(text[start:end]), before, after)


def _masked_cell(cleaned: str) -> IdCell:
    masked = _X_RUN_RE.sub(lambda m: "*" * len(m.group()), cleaned)
    masked = "".join("*" if char in _MASK_CHARS else char for char in masked)
    first = masked.index("*")
    last = masked.rindex("*")
    prefix, suffix = masked[:first], masked[last + 1 :]
    if len(prefix) + len(suffix) < 4:
        return IdCell("invalid", cleaned, None, "号码几乎全部被遮蔽（可见字符少于4个），无法比对。")
    resident_like = (
        len(masked) == 18 and (prefix.isdigit() or not prefix) and re.match(r"^\d*X?$", suffix)
    )
    kind = "masked_resident_id" if resident_like else "masked_other"
    return IdCell(kind, masked, (prefix, suffix), None)


def _has_mask(cleaned: str) -> bool:
    if "*" in cleaned or "×" in cleaned:
        return True
    if "XX" not in cleaned or sum(c.isdigit() for c in cleaned) < 4:
        return False
    # A run of X hides digits, unless the text is a valid code that contains "XX" itself.
    return not (
        (len(cleaned) == 18 and uscc_error(cleaned) is None)
        or (len(cleaned) == 9 and org_code_error(cleaned) is None)
    )


def _from_number(value: int | float) -> str | IdCell:
    """The digits of a numeric cell, or an invalid cell if precision was lost."""
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return IdCell("invalid", repr(value), None, f"号码不是有效的数字：{value!r}。")
        # Beyond 2**53 a double cannot hold every integer: the last digits are guesses.
        if abs(value) >= 2**53:
            return IdCell("invalid", f"{value:.0f}", None, _TEXT_COLUMN_HINT)
        value = int(value)
    return str(value)


def _pad_org_code(digits: str) -> str | None:
    """A numeric organisation code that lost its leading zeros, padded if that validates."""
    padded = digits.zfill(9)
    return padded if org_code_error(padded) is None else None


def normalize_id_cell(value: object) -> IdCell:
    """Normalise the identifier cell of one list row (str, int, float or None).

    Handles what spreadsheets do to numbers: full-width digits, spaces, scientific notation
    (`1.1e17`) and floats beyond double precision (invalid: the user must re-export the
    column as text), `123.0`, organisation codes that lost leading zeros (padded only when
    the padded code validates), 15-digit IDs (converted), lower-case x, and masked IDs such
    as `4501**********1234` or `450102********123x`.
    """
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if value is None:
        return IdCell("empty", None, None, None)
    if numeric:
        digits = _from_number(value)  # type: ignore[arg-type]
        if isinstance(digits, IdCell):
            return digits
        cleaned = digits
    else:
        cleaned = clean_id_text(str(value))
    if not cleaned:
        return IdCell("empty", None, None, None)
    if _SCIENTIFIC_RE.match(cleaned):
        return IdCell("invalid", cleaned, None, _TEXT_COLUMN_HINT)
    fraction = _TRAILING_ZERO_FRACTION_RE.match(cleaned)
    if fraction:
        cleaned = fraction.group(1)
    # Look-alike letters of other scripts read as Latin ones (or as digits, see
    # `_read_identifier`); the first reading shows what the cell holds.
    plain = cleaned.isascii()
    shown = cleaned if plain else text_rules.id_readings(cleaned)[0].text.upper()
    if _has_mask(shown):
        if plain:
            return _masked_cell(shown)
        readings = [reading.text.upper() for reading in text_rules.id_readings(cleaned)]
        masked = [_masked_cell(reading) for reading in readings]
        return next((m for m in masked if m.kind == "masked_resident_id"), masked[0])
    if shown.isdigit() and len(shown) < 9:
        padded = _pad_org_code(shown)
        if padded:
            return IdCell("org_code", padded, None, None)
    if plain:
        if not _ID_SHAPE_RE.match(cleaned):
            return IdCell("invalid", cleaned, None, _NOT_ID_CHARACTERS)
        kind, normalised, error, _converted = _classify(cleaned)
    else:
        read = _read_identifier(cleaned)
        if read is None:
            return IdCell("invalid", shown, None, _NOT_ID_CHARACTERS)
        kind, normalised, error, _converted, _notes = read
        cleaned = shown
    if error:
        if numeric and len(cleaned) >= 16:
            error = _TEXT_COLUMN_HINT
        return IdCell("invalid", cleaned, None, error)
    return IdCell(kind.value, normalised, None, None)


def classify_id_cell(value: object, today: datetime.date) -> tuple[str, str | None, str | None]:
    """`normalize_id_cell(value)` as (kind, value, error), fast for the usual valid cells.

    A list import runs this on every row. A cell holding a valid resident ID or USCC as 18
    plain ASCII letters and digits is accepted here after the same checks as
    `resident_id_error` and `uscc_error` (check character, birth date between 1900 and
    `today`, area code known), without the cleaning steps; any other cell, and any failed
    check, goes through `normalize_id_cell`, which also words the error. `today` is the
    import's date, so a birth date after it is left to `normalize_id_cell` (the clock's date).
    """
    if value.__class__ is str and len(value) == 18 and value.isascii() and value.isalnum():  # type: ignore[arg-type]
        code = value.upper()  # type: ignore[attr-defined]
        if code[:17].isdigit():
            if (code[17].isdigit() or code[17] == "X") and _plain_resident_id(code, today):
                return "resident_id", code, None
        elif _USCC_RE.match(code) and _uscc_check_char(code) == code[17]:
            return "uscc", code, None
    cell = normalize_id_cell(value)
    return cell.kind, cell.value, cell.error


# Birth dates (YYYYMMDD) of the resident IDs `classify_id_cell` has seen: the date, or None
# when it does not exist or lies before 1900. A national list has a few tens of thousands of
# distinct birth dates; the bound keeps a hostile file from growing the table without limit.
_BIRTH_DATES: dict[str, datetime.date | None] = {}
_BIRTH_DATES_LIMIT = 100_000


def _plain_resident_id(code: str, today: datetime.date) -> bool:
    """True when an 18-character resident ID (17 digits, then a digit or X) is valid."""
    birth = code[6:14]
    if birth in _BIRTH_DATES:
        born = _BIRTH_DATES[birth]
    else:
        try:
            born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
        except ValueError:
            born = None
        if born is not None and born.year < 1900:
            born = None
        if len(_BIRTH_DATES) >= _BIRTH_DATES_LIMIT:
            _BIRTH_DATES.clear()
        _BIRTH_DATES[birth] = born
    return (
        born is not None
        and born <= today
        and ric.calc_check_digit(code) == code[17]
        and code[:6] in _area_codes()
    )


@cache
def _area_codes() -> frozenset[str]:
    """Every area code that exists or existed (`regions.area_exists`), as one set."""
    return frozenset(regions.area_codes())


def mask_id(kind: str, value: str) -> str:
    """How an identifier is shown or printed.

    A resident ID is personal: it keeps the first 6 and the last 4 characters
    (`450102********123X`), and so does an invalid value shaped like one (a mistyped ID is
    still someone's). USCCs and organisation codes are public and shown whole; masked values
    are already masked.
    """
    id_shaped = len(value) in (15, 18) and value[:15].isdigit()
    if (kind == "resident_id" and len(value) > 10) or (kind == "invalid" and id_shaped):
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return value


def masked_matches(masked_value: str, full_id: str) -> bool:
    """True if `full_id` agrees with every visible character of `masked_value`.

    Both must have the same length; a `*` (or ×, ＊) in the masked value matches anything.
    Letters are compared case-insensitively. A masked match alone is never a hit: the
    caller must also compare the name.
    """
    if len(masked_value) != len(full_id):
        return False
    return all(
        m in "*×＊" or m.upper() == f.upper() for m, f in zip(masked_value, full_id, strict=True)
    )


# Masked identifiers are filed in the ID index under a key of their visible characters, so
# that a full ID typed without a name can say how many masked listings it might be (they
# never match without the name): the length, up to 4 characters after the mask and as many
# before it as make 8 at most (`4501**********1234`, `450102198501******` → first 8).
MASKED_KEY_MARK = "*"
_MASKED_KEY_AFTER = 4
_MASKED_KEY_SHOWN = 8


def masked_lookup_key(masked_value: str) -> str | None:
    """The ID-index key of a masked identifier (`4501**********1234` → `*18~4501|1234`)."""
    first = masked_value.find("*")
    if first < 0:
        return None
    last = masked_value.rfind("*")
    prefix, suffix = masked_value[:first].upper(), masked_value[last + 1 :].upper()
    after = min(len(suffix), _MASKED_KEY_AFTER)
    before = min(len(prefix), _MASKED_KEY_SHOWN - after)
    shown_after = suffix[len(suffix) - after :] if after else ""
    return f"{MASKED_KEY_MARK}{len(masked_value)}~{prefix[:before]}|{shown_after}"


def masked_key_shape(key: str) -> str:
    """The shape of a masked ID's key: its length and how many characters it keeps before
    and after the mask (`*18~4501|1234` → `18~4|4`). `lists_store.MASKED_SHAPE_SQL` computes
    the same in SQL."""
    length, shown = key[1:].split("~", 1)
    before, after = shown.split("|", 1)
    return f"{length}~{len(before)}|{len(after)}"


def masked_lookup_keys(full_id: str, shapes: Collection[str] | None = None) -> list[str]:
    """Every key under which a masked form of `full_id` with at least 4 visible characters
    can be filed (see `masked_lookup_key`); what they find still goes through
    `masked_matches`. Given the `shapes` (`masked_key_shape`) that the list's masked IDs
    have, only keys of those shapes: a list masks its IDs one or two ways, and each key is a
    read of the ID index (25 of them for an 18-character ID otherwise)."""
    value, length = full_id.upper(), len(full_id)
    keys = []
    for after in range(_MASKED_KEY_AFTER + 1):
        for before in range(_MASKED_KEY_SHOWN - after + 1):
            if shapes is not None and f"{length}~{before}|{after}" not in shapes:
                continue
            if 4 <= before + after < length:
                shown_after = value[length - after :] if after else ""
                keys.append(f"{MASKED_KEY_MARK}{length}~{value[:before]}|{shown_after}")
    return keys
