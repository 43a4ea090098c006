"""One rule for the text people type and lists hold (issue 11): what a query, a list cell and
a name are made of before anything classifies, stores or compares them. Pure functions: no
I/O, no Qt, no SQL.

`clean(text)` applies the rule and says what it did:

1. lone surrogates (bytes of the command line that were not UTF-8) are removed and counted,
   so that the caller can refuse the input rather than guess;
2. invisible characters are removed: every format character (category Cf: bidi controls
   U+202A–U+202E and U+2066–U+2069, zero-width U+200B–U+200D, U+2060, BOM, soft hyphen …),
   the other default-ignorable characters (variation selectors, the combining grapheme
   joiner, Hangul fillers, Mongolian free variation selectors), the braille blank and control
   characters that are not whitespace;
3. digits of every script (category Nd: ٤ ४ ๔ …) become ASCII 0–9 (`unicodedata.digit`);
   NFKC alone leaves them, and Python's `int()` would read them silently;
4. Unicode NFKC: full-width letters and digits, compatibility ideographs, Kangxi radicals;
5. combining marks that do not belong to what they follow are removed: after a Chinese
   character, a digit, punctuation or a Latin, Greek, Cyrillic or Armenian letter that NFKC
   could not compose them with (`韦́小宝` → `韦小宝`); marks of scripts written with them
   (Tibetan, Mongolian, Arabic, Devanagari …) stay.

Whitespace is left to the caller: an identifier drops all of it, a name keeps single spaces.
Printable ASCII and the CJK ideographs need none of this, so `clean_text` returns such text
as it is (the list import calls it on millions of cells).

Look-alikes: Cyrillic, Greek and Armenian letters that look like Latin ones (А В С Е Н К М О Р
Т Х …) are read as the Latin letter in text shaped like an identifier (`id_readings`, which
also offers the digit that О, І and З pass for), and in a name whose other letters are Latin
or Chinese (`map_name_lookalikes`). `fold_marks` takes the accents off Latin, Greek,
Cyrillic and Armenian letters for the matching form of names and identifiers.

What was removed or mapped comes back as `TextNote`s whose `text` a clerk reads under the
search field and on the record ("已忽略 1 个不可见字符（U+202E）").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

INVISIBLE = "invisible"
DIGITS = "digits"
COMBINING = "combining"
LOOKALIKE = "lookalike"
LOOKALIKE_DIGIT = "lookalike_digit"
UNDECODABLE = "undecodable"

# Characters that need no look: printable ASCII, CJK Unified Ideographs and Extension A.
# NFKC leaves all of them as they are, and none is invisible, a digit of another script or a
# combining mark.
_NEEDS_LOOK_RE = re.compile(r"[^\x20-\x7e\u3400-\u4dbf\u4e00-\u9fff]")

# Default-ignorable characters outside category Cf (which is removed as a whole), and the
# braille blank, which shows nothing either.
_IGNORABLE = frozenset(
    (
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800),
        *(0x3164, 0xFFA0),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    )
)

# A character that may be invisible: every one `is_invisible` is true for in the Basic
# Multilingual Plane (as of Unicode 15, a test checks every code point), lone surrogates and
# any character beyond the BMP (a class of astral ranges makes the search several times
# slower), for a quick search of text that is otherwise kept as it is.
MAYBE_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\ud800-\udfff\U00010000-\U0010ffff]"
)

_SURROGATE_RE = re.compile("[\ud800-\udfff]")

# Scripts whose letters take no combining mark that NFKC would not have composed: a mark
# left after one of them was put there by mistake (or to make two names differ unseen).
_MARKLESS_SCRIPTS = (
    "CJK ",
    "LATIN ",
    "GREEK ",
    "CYRILLIC ",
    "ARMENIAN ",
    "HIRAGANA ",
    "KATAKANA ",
    "HANGUL ",
    "BOPOMOFO ",
    "IDEOGRAPHIC ",
)

# Cyrillic, Greek and Armenian letters that look like a Latin letter (or, for some, a digit),
# as (look-alike, Latin letter or "", digit or "").
_LOOKALIKE_TABLE: tuple[tuple[str, str, str], ...] = (
    # Cyrillic capitals
    ("А", "A", ""),
    ("В", "B", ""),
    ("С", "C", ""),
    ("Е", "E", ""),
    ("Н", "H", ""),
    ("І", "I", "1"),
    ("Ӏ", "I", "1"),
    ("Ј", "J", ""),
    ("К", "K", ""),
    ("М", "M", ""),
    ("О", "O", "0"),
    ("Р", "P", ""),
    ("Ԛ", "Q", ""),
    ("Ѕ", "S", ""),
    ("Т", "T", ""),
    ("У", "Y", ""),
    ("Ү", "Y", ""),
    ("Х", "X", ""),
    ("Ԝ", "W", ""),
    ("З", "", "3"),
    # Cyrillic small letters
    ("а", "a", ""),
    ("с", "c", ""),
    ("ԁ", "d", ""),
    ("е", "e", ""),
    ("һ", "h", ""),
    ("і", "i", "1"),
    ("ӏ", "l", "1"),
    ("ј", "j", ""),
    ("к", "k", ""),
    ("м", "m", ""),
    ("о", "o", "0"),
    ("р", "p", ""),
    ("ԛ", "q", ""),
    ("ѕ", "s", ""),
    ("т", "t", ""),
    ("у", "y", ""),
    ("х", "x", ""),
    ("ԝ", "w", ""),
    ("з", "", "3"),
    # Greek capitals
    ("Α", "A", ""),
    ("Β", "B", ""),
    ("Ε", "E", ""),
    ("Ζ", "Z", ""),
    ("Η", "H", ""),
    ("Ι", "I", "1"),
    ("Κ", "K", ""),
    ("Μ", "M", ""),
    ("Ν", "N", ""),
    ("Ο", "O", "0"),
    ("Ρ", "P", ""),
    ("Τ", "T", ""),
    ("Υ", "Y", ""),
    ("Χ", "X", ""),
    # Greek small letters
    ("α", "a", ""),
    ("ι", "i", "1"),
    ("κ", "k", ""),
    ("ν", "v", ""),
    ("ο", "o", "0"),
    ("ρ", "p", ""),
    ("τ", "t", ""),
    ("υ", "u", ""),
    ("χ", "x", ""),
    # Armenian
    ("Օ", "O", "0"),
    ("օ", "o", "0"),
    ("Ս", "U", ""),
    ("ս", "u", ""),
)
LOOKALIKE_LETTERS: dict[str, str] = {c: latin for c, latin, _ in _LOOKALIKE_TABLE if latin}
LOOKALIKE_DIGITS: dict[str, str] = {c: digit for c, _, digit in _LOOKALIKE_TABLE if digit}
LOOKALIKES = frozenset(c for c, _, _ in _LOOKALIKE_TABLE)
# Letters of the scripts look-alikes come from: Cyrillic, Greek (and Coptic), Armenian.
_LOOKALIKE_SCRIPTS_RE = re.compile("[\u0370-\u03ff\u0400-\u052f\u0531-\u058f\u1f00-\u1fff]")
_SCRIPT_WORDS = (("CYRILLIC", "西里尔字母"), ("GREEK", "希腊字母"), ("ARMENIAN", "亚美尼亚字母"))
# Latin, Greek, Cyrillic and Armenian letters that may carry an accent (precomposed or not).
_ACCENTABLE_RE = re.compile("[\u00c0-\u024f\u0370-\u058f\u1e00-\u1fff]")
_SHOWN = 3


@dataclass(frozen=True)
class TextNote:
    """One kind of thing the rule did to a text: `count` characters, the first few of them
    (`chars`, as found) and, for mapped ones, what they became (`became`); `text` says it in
    Chinese."""

    kind: str
    count: int
    chars: tuple[str, ...]
    became: tuple[str, ...] = ()
    more: bool = False  # more kinds of character than `chars` shows

    @property
    def text(self) -> str:
        codes = "、".join(f"U+{ord(c):04X}" for c in self.chars)
        more = " 等" if self.more else ""
        if self.kind == INVISIBLE:
            return f"已忽略 {self.count} 个不可见字符（{codes}{more}）"
        if self.kind == COMBINING:
            return f"已忽略 {self.count} 个附加符号（{codes}{more}）"
        if self.kind == UNDECODABLE:
            return f"有 {self.count} 个无法识别的字符（不是有效的文字编码）"
        pairs = "、".join(f"“{c}”→“{b}”" for c, b in zip(self.chars, self.became, strict=True))
        if self.kind == DIGITS:
            return f"已将 {self.count} 个其他文字的数字按 0–9 处理（{pairs}{more}）"
        scripts = "、".join(dict.fromkeys(_script_word(c) for c in self.chars))
        as_what = "数字" if self.kind == LOOKALIKE_DIGIT else "拉丁字母"
        return f"已将 {self.count} 个{scripts}按{as_what}处理（{pairs}{more}）"

    def to_json(self, field: str = "query") -> dict[str, Any]:
        """The note as the check JSON and the record keep it (`input_notes`)."""
        return {
            "field": field,
            "kind": self.kind,
            "count": self.count,
            "chars": [f"U+{ord(c):04X}" for c in self.chars],
            "text": self.text,
        }


def _script_word(char: str) -> str:
    name = unicodedata.name(char, "")
    for prefix, word in _SCRIPT_WORDS:
        if name.startswith(prefix):
            return word
    return "外文字母"


@dataclass(frozen=True)
class Cleaned:
    """A text after `clean`, and what was removed or mapped on the way."""

    text: str
    notes: tuple[TextNote, ...] = ()

    @property
    def undecodable(self) -> int:
        """How many lone surrogates (undecodable bytes) the text had."""
        return sum(note.count for note in self.notes if note.kind == UNDECODABLE)


class _Tally:
    """Characters met per kind of note, in order."""

    def __init__(self) -> None:
        self.found: dict[str, list[tuple[str, str]]] = {}

    def add(self, kind: str, char: str, became: str = "") -> None:
        self.found.setdefault(kind, []).append((char, became))

    def notes(self, order: Iterable[str]) -> tuple[TextNote, ...]:
        notes = []
        for kind in order:
            found = self.found.get(kind)
            if not found:
                continue
            distinct = list(dict.fromkeys(found))
            shown = distinct[:_SHOWN]
            became = tuple(b for _, b in shown) if any(b for _, b in shown) else ()
            chars = tuple(c for c, _ in shown)
            notes.append(TextNote(kind, len(found), chars, became, len(distinct) > _SHOWN))
        return tuple(notes)


def is_invisible(char: str) -> bool:
    """True for a character the rule removes as invisible (see the module docstring)."""
    category = unicodedata.category(char)
    if category == "Cf" or ord(char) in _IGNORABLE:
        return True
    return category == "Cc" and not char.isspace()


def _takes_marks(base: str) -> bool:
    """Whether combining marks after `base` are part of its writing (kept)."""
    if not unicodedata.category(base).startswith("L"):
        return False
    return not unicodedata.name(base, "").startswith(_MARKLESS_SCRIPTS)


def clean(text: str) -> Cleaned:
    """The rule (see the module docstring) with notes of what it removed or mapped.

    Each step looks at single characters only where a quick search finds one it may
    concern (text with full-width brackets, the usual non-plain name, goes through NFKC
    alone); tests compare the result with a character-by-character reading of the rule."""
    if _NEEDS_LOOK_RE.search(text) is None:
        return Cleaned(text)
    tally = _Tally()
    cleaned = _clean(text, tally)
    return Cleaned(cleaned, tally.notes((UNDECODABLE, INVISIBLE, DIGITS, COMBINING)))


def _clean(text: str, tally: _Tally | None) -> str:
    """The steps of the rule on text that is not plain, counting in `tally` (when given).

    Invisible characters go before NFKC (which could compose across them); digits of other
    scripts and marks after it, where only the characters NFKC left outside printable ASCII
    and the Chinese ideographs need a look."""
    if MAYBE_INVISIBLE_RE.search(text) is not None:
        text = _without_invisible(text, tally or _Tally())
    normalized = unicodedata.normalize("NFKC", text)
    for found in _NEEDS_LOOK_RE.finditer(normalized):
        if unicodedata.category(found.group()) in _DIGITS_AND_MARKS:
            return _with_digits_without_stray_marks(normalized, tally or _Tally())
    return normalized


_MARKS = ("Mn", "Me")
_DIGITS_AND_MARKS = ("Nd", *_MARKS)


def _without_invisible(text: str, tally: _Tally) -> str:
    kept = []
    for char in text:
        if 0xD800 <= ord(char) <= 0xDFFF:
            tally.add(UNDECODABLE, char)
        elif is_invisible(char):
            tally.add(INVISIBLE, char)
        else:
            kept.append(char)
    return "".join(kept)


def _with_digits_without_stray_marks(text: str, tally: _Tally) -> str:
    kept = []
    base = ""
    for char in text:
        category = unicodedata.category(char)
        if category in _MARKS:
            if base and _takes_marks(base):
                kept.append(char)
            else:
                tally.add(COMBINING, char)
            continue
        if category == "Nd" and ord(char) > 0x7F:
            digit = str(unicodedata.digit(char))
            tally.add(DIGITS, char, digit)
            char = digit
        base = char
        kept.append(char)
    return "".join(kept)


def clean_text(text: str) -> str:
    """`clean(text).text`: the rule without its notes; text that needs nothing (printable
    ASCII, Chinese characters) is returned as it is."""
    if _NEEDS_LOOK_RE.search(text) is None:
        return text
    return _clean(text, None)


def without_invisible(text: str) -> str:
    """`text` without its invisible characters, otherwise unchanged (for the cells of a list
    row that are shown but never compared: case numbers, courts, amounts)."""
    if MAYBE_INVISIBLE_RE.search(text) is None:
        return text
    return "".join(char for char in text if not is_invisible(char))


def has_surrogates(text: str) -> bool:
    """Whether `text` holds lone surrogates (bytes that were not valid UTF-8)."""
    return _SURROGATE_RE.search(text) is not None


def printable(text: str) -> str:
    """`text` with every lone surrogate shown as U+FFFD (�), so that it can be printed."""
    return _SURROGATE_RE.sub("\ufffd", text)


def fold_marks(text: str) -> str:
    """`text` with the accents taken off Latin, Greek and Cyrillic letters (é → e, ö → o,
    й → и), for the matching form of names and identifiers; other scripts keep theirs."""
    if _ACCENTABLE_RE.search(text) is None:
        return text
    kept = []
    base = ""
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            if base and _takes_marks(base):
                kept.append(char)
            continue
        base = char
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


# Letters of the scripts `clean_for_matching` folds: Latin beyond ASCII, Greek, Cyrillic,
# Armenian.
_FOLDED_SCRIPTS_RE = re.compile("[\u00c0-\u052f\u0531-\u058f\u1e00-\u1fff]")


def clean_for_matching(text: str) -> str:
    """What the text rule makes of a name for its matching form: `clean_text`, then
    look-alikes read as Latin letters (`map_name_lookalikes`) and accents taken off
    (`fold_marks`). Printable ASCII and Chinese text is returned as it is."""
    if _NEEDS_LOOK_RE.search(text) is None:
        return text
    text = _clean(text, None)
    if _FOLDED_SCRIPTS_RE.search(text) is None:
        return text
    return fold_marks(map_name_lookalikes(text)[0])


# --- the middle dot of transcribed names --------------------------------------------------

MIDDLE_DOT = "\u00b7"
# Characters drawn like the middle dot (•, ・, ‧ …): always read as it. The set is the
# Unicode characters drawn as one dot at mid height: bullets and operators (• ∙ ⋅ ● ⦁), the
# Katakana middle dot (・), the hyphenation point (‧), the Hangul araea that a Korean input
# method gives for the dot (ㆍ U+318D, ᆞ U+119E), the Latin sinological dot (ꞏ), the word
# separator and raised dots (⸱ ⸳), the Canadian syllabics and runic middle dots (ᐧ ᛫).
DOT_LOOKALIKES = "•‧・∙⋅●⦁ㆍᆞꞏ⸱⸳ᐧ᛫"
# What is typed for the middle dot between two parts of a transcribed name (古丽米拉·阿不都
# 热合曼): a full stop, the ideographic full stop a Chinese input method gives for '.', and
# hyphens and dashes (NFKC has made － into -).
_STOPS = ".。"
_HYPHENS = "-‐‒–—―"
# What a middle dot is typed as by mistake between two Chinese characters (`middle_dots`).
MIDDLE_DOT_STAND_INS = _STOPS + _HYPHENS
_BETWEEN_CJK = "(?<=[\u3400-\u9fff]){}(?=[\u3400-\u9fff])"
_STOP_RE = re.compile(_BETWEEN_CJK.format(f"[{re.escape(_STOPS)}]"))
_STOP_OR_HYPHEN_RE = re.compile(_BETWEEN_CJK.format(f"[{re.escape(_STOPS + _HYPHENS)}]"))


def middle_dots(text: str, hyphens: bool = True) -> str:
    """`text` with a full stop (. or 。) between two Chinese characters read as the middle
    dot of a transcribed name, and with `hyphens` a hyphen or dash there too (a caller
    leaves hyphens alone in an organisation's name: 中国-东盟)."""
    pattern = _STOP_OR_HYPHEN_RE if hyphens else _STOP_RE
    return pattern.sub(MIDDLE_DOT, text)


def has_middle_dot_stand_in(text: str) -> bool:
    """Whether `text` may hold something `middle_dots` reads as the dot (a quick test)."""
    return any(char in text for char in _STOPS + _HYPHENS)


# --- look-alikes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One way of reading an identifier-shaped text: the text and what was mapped."""

    text: str
    notes: tuple[TextNote, ...] = ()


def id_readings(text: str) -> tuple[Reading, ...]:
    """The ways of reading an identifier-shaped text that holds look-alikes: first every
    look-alike as its Latin letter (a look-alike that is no letter, such as З, as its digit);
    then, when some also pass for a digit (О → 0, І → 1), those as digits. A text without
    look-alikes has one reading, itself. The caller takes the first reading that is a valid
    identifier."""
    if text.isascii() or not any(char in LOOKALIKES for char in text):
        return (Reading(text),)
    letters, digits = _Tally(), _Tally()
    as_letters, as_digits = [], []
    for char in text:
        latin, digit = LOOKALIKE_LETTERS.get(char), LOOKALIKE_DIGITS.get(char)
        if latin is None and digit is None:
            as_letters.append(char)
            as_digits.append(char)
            continue
        if latin:
            letters.add(LOOKALIKE, char, latin)
            as_letters.append(latin)
        else:
            letters.add(LOOKALIKE_DIGIT, char, digit or "")
            as_letters.append(digit or "")
        if digit:
            digits.add(LOOKALIKE_DIGIT, char, digit)
            as_digits.append(digit)
        else:
            digits.add(LOOKALIKE, char, latin or "")
            as_digits.append(latin or "")
    order = (LOOKALIKE, LOOKALIKE_DIGIT)
    readings = [Reading("".join(as_letters), letters.notes(order))]
    if as_digits != as_letters:
        readings.append(Reading("".join(as_digits), digits.notes(order)))
    return tuple(readings)


def map_name_lookalikes(text: str) -> tuple[str, tuple[TextNote, ...]]:
    """A name with its Cyrillic, Greek or Armenian look-alikes read as Latin letters, when
    the name also has Latin letters or Chinese characters and every letter of those scripts
    in it is a look-alike (`АВС科技` → `ABC科技`); a name written in one of those scripts
    (`Пётр`, `ООО`) is left as it is. Returns the text and the note of what was mapped."""
    if text.isascii() or _LOOKALIKE_SCRIPTS_RE.search(text) is None:
        return text, ()
    foreign = [c for c in text if _LOOKALIKE_SCRIPTS_RE.match(c) and c.isalpha()]
    if not all(c in LOOKALIKE_LETTERS for c in foreign):
        return text, ()
    others = [c for c in text if c.isalpha() and not _LOOKALIKE_SCRIPTS_RE.match(c)]
    if not others:
        return text, ()
    tally = _Tally()
    for char in foreign:
        tally.add(LOOKALIKE, char, LOOKALIKE_LETTERS[char])
    mapped = "".join(LOOKALIKE_LETTERS.get(c, c) for c in text)
    return mapped, tally.notes((LOOKALIKE,))
