"""Perturbations of what a clerk types, for the property-based tests of the text rule: the
invisible, look-alike, full-width and other-script characters that must never turn a listed
subject into 未发现 (issue 11). Each strategy draws a perturbed text from a clean one.

`slow_profile` is the settings decorator of the long runs (`-m slow`, see tests/conftest.py).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import opencc
from hypothesis import settings
from hypothesis import strategies as st

from desktop_app.models import text as text_rules

slow_profile = settings(settings.get_profile("slow"))

INVISIBLE = (
    *"\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e",
    *"\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ufe0f\ufe00\u034f\u180e\u180b",
    *"\u2800\u3164\x07\x1b\x7f",
    "\U000e0041",
    "\U000e0001",
    "\U000e0100",
)
COMBINING = tuple("\u0301\u0300\u0308\u030c\u0323\u0336\u20dd\u20e3")
# Where the digits 0–9 of a script start (unicodedata.digit reads them all).
DIGIT_BLOCKS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x0F20, 0x1810, 0xFF10, 0x1D7CE, 0x1D7F6)
SPACES = (" ", "\u3000", "\u00a0", "\u2002", "\u202f")
DASHES = ("-", "\u2010", "\u2013", "\u2014", "\u2212", "\uff0d")
AROUND_ID = (("“", "”"), ("'", ""), ("（", "）"), ("", "。"), (" ", "\n"), ("【", "】"))
AROUND_NAME = (("“", "”"), ("‘", "’"), ("", "。"), ("", "，"), ("\u3000", " "), ("", "；"))
# Latin capitals and the look-alikes that stand for them only (О and І also pass for digits).
LETTER_TWINS: dict[str, tuple[str, ...]] = {}
for _twin, _latin in text_rules.LOOKALIKE_LETTERS.items():
    if _latin.isupper() and _twin not in text_rules.LOOKALIKE_DIGITS:
        LETTER_TWINS.setdefault(_latin, ())
        LETTER_TWINS[_latin] += (_twin,)
DIGIT_TWINS = {
    digit: tuple(t for t, d in text_rules.LOOKALIKE_DIGITS.items() if d == digit)
    for digit in "0123456789"
}


def other_digit(digit: str, block: int) -> str:
    return chr(block + int(digit))


# Scripts whose letters take no combining mark NFKC did not compose (the first word of a
# character's name).
MARKLESS = {"CJK", "LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "HIRAGANA", "KATAKANA", "HANGUL"}
MARKLESS |= {"BOPOMOFO", "IDEOGRAPHIC"}


def naive_clean(text: str) -> str:
    """The text rule as the module docstring of desktop_app.models.text states it, one
    character at a time and without any shortcut (what `text.clean` must give)."""
    kept = []
    for char in text:
        if 0xD800 <= ord(char) <= 0xDFFF or text_rules.is_invisible(char):
            continue
        if unicodedata.category(char) == "Nd":
            kept.append(str(unicodedata.digit(char)))
        else:
            kept.append(char)
    normalized = unicodedata.normalize("NFKC", "".join(kept))
    result, base = [], ""
    for char in normalized:
        if unicodedata.category(char) in ("Mn", "Me"):
            script = unicodedata.name(base, "").split(" ")[0] if base else ""
            if unicodedata.category(base or " ").startswith("L") and script not in MARKLESS:
                result.append(char)
            continue
        base = char
        result.append(char)
    return "".join(result)


# Characters the rule has something to say about, and some it leaves alone, for drawing text.
RULE_ALPHABET = (
    "张伟韦小宝柳州市（）()·ABCxyz0123456789 \u3000\t-—"
    + "".join(INVISIBLE)
    + "".join(COMBINING)
    + "١٢٣४५६０１２𝟎𝟏АВСОоΑΟԱՕéÉ्ཀྲ\ud800\udcff⼈丽"
)


@cache
def _compatibility_twins() -> dict[str, tuple[str, ...]]:
    """Chinese character → the Kangxi radicals and compatibility ideographs that NFKC makes
    it (the same character to the eye)."""
    found: dict[str, tuple[str, ...]] = {}
    ranges = (range(0x2F00, 0x2FD6), range(0xF900, 0xFB00), range(0x2F800, 0x2FA1E))
    for code in (c for block in ranges for c in block):
        twin = chr(code)
        target = unicodedata.normalize("NFKC", twin)
        if len(target) == 1 and target != twin:
            found[target] = (*found.get(target, ()), twin)
    return found


@cache
def _traditional() -> dict[str, str]:
    """Simplified → traditional character, where converting back gives the same character."""
    s2t, t2s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    found = {}
    for code in range(0x4E00, 0xA000):
        char = chr(code)
        traditional = s2t.convert(char)
        if traditional != char and len(traditional) == 1 and t2s.convert(traditional) == char:
            found[char] = traditional
    return found


@st.composite
def perturbed_identifier(draw: st.DrawFn, value: str) -> str:
    """An identifier as it might arrive: characters of other scripts and widths, look-alike
    letters and digits, lower case, invisible characters, stray accents, spaces and dashes
    between characters, quotes or brackets around."""
    chars = []
    for char in value:
        if char.isdigit():
            options = [char, other_digit(char, draw(st.sampled_from(DIGIT_BLOCKS)))]
            options += list(DIGIT_TWINS[char])
        else:
            options = [char, char.lower(), chr(ord(char) + 0xFEE0), *LETTER_TWINS.get(char, ())]
            options.append(chr(0x1D400 + ord(char) - ord("A")))  # mathematical bold
        chars.append(draw(st.sampled_from(options)) if draw(st.booleans()) else char)
    for _ in range(draw(st.integers(0, 4))):
        extra = draw(
            st.sampled_from(INVISIBLE)
            | st.sampled_from(COMBINING)
            | st.sampled_from(SPACES)
            | st.sampled_from(DASHES)
        )
        position = draw(st.integers(1, len(chars)))
        chars.insert(position, extra)
    before, after = draw(st.sampled_from((("", ""), *AROUND_ID)))
    return before + "".join(chars) + after


@st.composite
def perturbed_name(draw: st.DrawFn, value: str) -> str:
    """A name as it might arrive: invisible characters, stray accents and variation
    selectors, spaces, Kangxi radicals and compatibility ideographs, traditional characters,
    full-width or half-width brackets, quotes or punctuation around."""
    twins, traditional = _compatibility_twins(), _traditional()
    chars = []
    for char in value:
        options = [char, *twins.get(char, ())]
        if char in traditional:
            options.append(traditional[char])
        if char in "（）":
            options.append(unicodedata.normalize("NFKC", char))
        if char in "()":
            options.append(chr(ord(char) + 0xFEE0))
        chars.append(draw(st.sampled_from(options)))
    for _ in range(draw(st.integers(0, 4))):
        extra = draw(
            st.sampled_from(INVISIBLE) | st.sampled_from(COMBINING) | st.sampled_from(SPACES)
        )
        chars.insert(draw(st.integers(0, len(chars))), extra)
    before, after = draw(st.sampled_from((("", ""), *AROUND_NAME)))
    return before + "".join(chars) + after
