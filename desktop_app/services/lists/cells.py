"""What the cells of a list file read as: text, dates, and the first characters with which a
spreadsheet program would run a cell as a formula."""

from __future__ import annotations

import datetime
import re

from desktop_app.models.text import clean_text

# First characters with which a spreadsheet program would run a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[T\s]+\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)

# How much of a value a message quotes.
QUOTED_CHARS = 60


def parse_list_date(value: object) -> str | None:
    """An ISO date (YYYY-MM-DD) from a date cell, None for an empty cell.

    Accepts date/datetime objects, Excel serial numbers, `2019-01-02`, `2019/1/2`,
    `2019.1.2`, `2019年1月2日` (each optionally with a time), `20190102` and full-width
    digits. Raises ValueError for anything else, or a date before 1900 or after 2100.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return _checked(value.date())
    if isinstance(value, datetime.date):
        return _checked(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(value)
    text = str(value).strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return _checked(datetime.date.fromisoformat(text))
        except ValueError:
            pass
    text = clean_text(text).strip()  # the one text rule: invisible characters, other digits
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _checked(datetime.date(year, month, day))
    if _SERIAL_RE.match(text):
        return _from_number(float(text))
    raise ValueError(text)


def _from_number(number: float) -> str:
    if 19000101 <= number <= 21001231 and float(number).is_integer():
        digits = str(int(number))
        return _checked(datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])))
    if 1 <= number < 73051:  # Excel serials up to 2099-12-31
        return _checked(_EXCEL_EPOCH + datetime.timedelta(days=int(number)))
    raise ValueError(str(number))


def _checked(day: datetime.date) -> str:
    if not 1900 <= day.year <= 2100:
        raise ValueError(day.isoformat())
    return day.isoformat()


def cell_text(value: object) -> str:
    """A cell as text, trimmed; integral numbers without `.0`, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def quoted(value: str) -> str:
    """A value for a message, in quotes: cut to `QUOTED_CHARS` characters with its length
    (`“AAAA…”（共 1000 字）`), so that a report stays readable whatever a file holds."""
    if len(value) <= QUOTED_CHARS:
        return f"“{value}”"
    return f"“{value[:QUOTED_CHARS]}…”（共 {len(value)} 字）"
