"""Names of persons and organisations: display form, matching form, parts, fuzzy index keys
and similarity. Pure functions: no I/O, no Qt, no SQL.

Matching form (`normalize_name`): NFKC, no whitespace, one kind of bracket and middle dot,
simplified characters (OpenCC t2s), Latin upper-case. Two names are the same name when
their matching forms are equal; a store indexes that form for exact lookups.

Near misses (`fuzzy_keys`): a store files every name under a few keys and, for a query,
fetches the names that share at least one key with the query's keys, then ranks them with
`similarity` and keeps those scoring at least `POSSIBLE_MATCH_THRESHOLD`. No list scan.
The keys, all computed on the *core* of the name (without leading region and legal form,
see `name_parts`), cut to its first `KEY_WINDOW` characters:

* ``d:<core>`` and, for cores of 3+ characters, ``d:<core minus one character>`` for each
  position (SymSpell-style deletions). Two names share a key when they differ by one
  missing, extra, substituted or (adjacent) swapped character. For persons the surname is
  never deleted: 张晓伟/王晓伟 is no typo, and the bucket ``d:晓伟`` would be huge. Cores of
  2 characters get no deletions (``d:伟`` would hold every ?伟).
  Cutting at the window keeps long names to at most window+2 keys and still catches an
  error inside the window (the shifted character falls out at the end).
* ``p:<pinyin>``: the toneless pinyin of the core with the common fuzzy-pinyin merges
  (zh/z, ch/c, sh/s, n/l, eng/en, ing/in), so that a homophone picked from a pinyin input
  method (张伟/章伟/张玮) or a dialect confusion (刘/牛) lands in the same bucket.

So a 2-character person name has 2 keys, a 3-character one 4, a company with a 5-character
core 7. Keys depend only on the name: a store can keep one row per (key, distinct name)
and join to listings, which collapses the tens of thousands of 张伟 to one row per key.
Pinyin comes from a character → syllable table filled from pypinyin's data (first reading
of each character, the same for the query and the list, so polyphones agree).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import opencc
from rapidfuzz.distance import Levenshtein

from desktop_app.models import regions

# A score from `similarity` at or above this makes a "possible match". Chosen so that a
# homophone in a 2-character name (张伟/张玮: 92.5) or a dialect near-homophone (刘伟/牛伟:
# 80) is shown, while a different character in a short name (张伟/王伟: 50, 鑫源贸易/鑫达贸易:
# 75) is not.
POSSIBLE_MATCH_THRESHOLD = 80.0
KEY_WINDOW = 12

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE_TABLE = str.maketrans("", "", _INVISIBLE)
_WHITESPACE_RE = re.compile(r"\s+")
# After NFKC: （）［］｛｝ are already ASCII. Every other bracket pair becomes ( ), every middle
# dot the U+00B7 used in transcribed minority and foreign names.
_MATCH_TABLE = str.maketrans(
    {
        **dict.fromkeys("[【〔〖{〈《", "("),
        **dict.fromkeys("]】〕〗}〉》", ")"),
        **dict.fromkeys("•‧・∙⋅●", "·"),
        **dict.fromkeys(_INVISIBLE, None),
    }
)
_CJK = r"\u3400-\u9fff"
# A full stop between two Chinese characters is a middle dot typed with the wrong key.
_DOT_BETWEEN_CJK_RE = re.compile(rf"(?<=[{_CJK}])\.(?=[{_CJK}])")


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


# CJK blocks a name can use: Extension A, Unified Ideographs, Compatibility Ideographs.
_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@cache
def _traditional_chars() -> re.Pattern[str]:
    """Any character that OpenCC t2s changes, found by converting every CJK character once.

    A converter call costs ~10 µs, searching a name with this pattern well under 1 µs, and
    most names are already simplified. (One call on all ~28,000 characters, one a line so
    that no phrase rule joins them, takes ~20 ms.) A t2s phrase rule whose characters are
    all unchanged on their own is missed; OpenCC's phrase tables are about words, not names.
    """
    chars = [chr(code) for start, end in _CJK_BLOCKS for code in range(start, end)]
    converted = _t2s().convert("\n".join(chars)).split("\n")
    changed = "".join(a for a, b in zip(chars, converted, strict=True) if a != b)
    return re.compile(f"[{re.escape(changed)}]")


# Characters that `_MATCH_TABLE` changes: a name without any of them (the usual) is not
# translated, which saves most of the time of a first normalisation.
_MATCH_CHARS_RE = re.compile(f"[{re.escape(''.join(map(chr, _MATCH_TABLE)))}]")


def _plain(text: str) -> bool:
    """True when `text` has no whitespace and no invisible character.

    Both are unprintable (str.isprintable) except the ASCII space, so two quick checks
    replace a translation and a regular-expression substitution for most names.
    """
    return text.isprintable() and " " not in text


def clean_display(text: str) -> str:
    """The form a clerk sees: NFKC, whitespace collapsed to one space, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    if _plain(text):
        return text
    text = text.translate(_INVISIBLE_TABLE)
    return _WHITESPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)
def normalize_name(text: str) -> str:
    """The matching form of a name (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    if not _plain(text) or _MATCH_CHARS_RE.search(text):
        text = _WHITESPACE_RE.sub("", text.translate(_MATCH_TABLE))
    if not text.isascii():
        if _traditional_chars().search(text):
            text = _t2s().convert(text)
        if "." in text:
            text = _DOT_BETWEEN_CJK_RE.sub("·", text)
    upper = text.upper()
    # The same object when nothing changed (most Chinese names): list imports keep and
    # send both forms of millions of names.
    return text if upper == text else upper


@dataclass(frozen=True)
class NameParts:
    """A name split for matching (all parts in matching form).

    region: a leading place (柳州市, (柳州), 广西壮族自治区柳州市) or a bracketed place inside
    an organisation's name; core: what identifies the subject (字号 + 行业 for
    organisations, the whole name for persons); suffix: the legal form (有限公司,
    股份有限公司, 合伙企业(有限合伙), …, with a branch such as 柳州分公司).
    """

    region: str | None
    core: str
    suffix: str | None
    is_organization: bool


_LEGAL_FORM = (
    r"(?:集团)?股份有限公司|有限责任公司|集团有限公司|有限公司|集团公司|公司"
    r"|合伙企业\((?:有限|普通)合伙\)|\((?:有限|普通)合伙\)|合伙企业|个人独资企业"
    r"|个体工商户|(?:农民)?专业合作社|合作社"
)
_BRANCH = r"(?:分公司|分厂|分店|分行|支行|营业部|办事处)"
_SUFFIX_RE = re.compile(rf"(?:(?:{_LEGAL_FORM})(?:.{{0,10}}?{_BRANCH})?|{_BRANCH})$")
# Every legal form and branch word ends with one of these: most names skip the regex.
_SUFFIX_LAST_CHARS = frozenset("司)业户社厂店行部处")
_BRACKET_RE = re.compile(r"\(([^()]{2,16})\)")
# Words that make a name an organisation's wherever they stand, and single characters that
# do so at the end of a name of 4+ characters (a person's name is rarely that long).
_ORG_WORDS_RE = re.compile(
    r"公司|企业|集团|合作社|事务所|工作室|经营部|门市|商行|商店|超市|中心|医院|诊所|药房|学校"
    r"|大学|学院|幼儿园|协会|委员会|银行|政府|研究|酒店|宾馆|饭店|餐厅|贸易|商贸|科技|建筑"
    r"|工程|投资|实业|置业|房地产|物流|装饰|劳务|餐饮|农场|养殖|种植|运输|汽车|电子|机械"
    r"|LTD|LIMITED|INC\b|LLC|CORP|GMBH|CO\."
)
_ORG_LAST_CHARS = frozenset("厂店社局站馆所院场部队村处室行会园")
_PERSON_MAX_LEN = 5


def _is_organization(name: str, suffix: str | None) -> bool:
    if suffix or _ORG_WORDS_RE.search(name):
        return True
    # Lists add aliases in brackets (张伟(又名张三)); Latin names are judged by keywords only.
    bare = _BRACKET_RE.sub("", name) if "(" in name else name
    if "·" in bare or bare.isascii():
        return False
    return len(bare) > _PERSON_MAX_LEN or (len(bare) >= 4 and bare[-1] in _ORG_LAST_CHARS)


# "中国" is a region only in brackets (华为(中国)…); leading, it is part of the name (中国石化).
_BRACKET_ONLY_PLACES = frozenset({"中国"})


@cache
def _places() -> tuple[frozenset[str], frozenset[str], dict[str, tuple[int, ...]]]:
    """(leading place names, bracketed place names, first character → name lengths)."""
    leading = regions.place_names() | regions.short_place_names()
    lengths: dict[str, set[int]] = {}
    for place in leading:
        lengths.setdefault(place[0], set()).add(len(place))
    by_first = {char: tuple(sorted(found, reverse=True)) for char, found in lengths.items()}
    return leading, leading | _BRACKET_ONLY_PLACES, by_first


def _leading_places(rest: str) -> int:
    """How many leading characters of `rest` are place names (chained: 广西柳州市城中区)."""
    places, _bracketed, by_first = _places()
    end = 0
    while end < len(rest):
        for length in by_first.get(rest[end], ()):
            # Keep at least two characters of core after the places; longest name first.
            if end + length <= len(rest) - 2 and rest[end : end + length] in places:
                end += length
                break
        else:
            return end
    return end


@lru_cache(maxsize=1 << 16)
def name_parts(text: str) -> NameParts:
    """Split a name into region, core and legal form, and tell persons from organisations.

    Persons are never split: their core is the whole matching form.
    """
    name = normalize_name(text)
    match = _SUFFIX_RE.search(name) if name[-1:] in _SUFFIX_LAST_CHARS else None
    suffix = match.group() if match and match.start() >= 2 else None
    if not _is_organization(name, suffix):
        return NameParts(None, name, None, False)
    rest = name[: len(name) - len(suffix)] if suffix else name
    region = None
    leading = _BRACKET_RE.match(rest)
    places = _places()[1]
    if leading and leading.group(1) in places and len(rest) - leading.end() >= 2:
        region, rest = leading.group(1), rest[leading.end() :]
    else:
        end = _leading_places(rest)
        if end:
            region, rest = rest[:end], rest[end:]
    # A bracketed place inside the name (华润(柳州)置业) is a region too.
    for inner in _BRACKET_RE.finditer(rest):
        if inner.group(1) in places and len(rest) - len(inner.group()) >= 2:
            region = region or inner.group(1)
            rest = rest.replace(inner.group(), "", 1)
            break
    return NameParts(region, rest, suffix, True)


def name_core(text: str) -> str:
    """The normalised core of a name (for persons: the normalised name)."""
    return name_parts(text).core


# --- pinyin ---------------------------------------------------------------------------

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("eng", "en"), ("ing", "in"))


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fuzzy(syllable: str) -> str:
    for full, merged in _FUZZY_INITIALS:
        if syllable.startswith(full):
            syllable = merged + syllable[len(full) :]
            break
    for full, merged in _FUZZY_FINALS:
        if syllable.endswith(full):
            return syllable[: -len(full)] + merged
    return syllable


@cache
def _pinyin_readings() -> dict[str, str]:
    """pypinyin's character table (code point → readings), read from its data file.

    Read directly rather than through `import pypinyin`, whose package import also loads
    its 2.5 MB phrase table (over a second) that name matching does not use. Looked up on
    `sys.path` so that a PyInstaller bundle that collects pypinyin's data files finds it.
    """
    for base in sys.path:
        path = Path(base or ".") / "pypinyin" / "pinyin_dict.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise ModuleNotFoundError("pypinyin (pinyin_dict.json) is not installed")


class _SyllableTable(dict[str, str]):
    """character → toneless (or fuzzy) pinyin of its first reading, filled on first use."""

    def __init__(self, fuzzy: bool) -> None:
        super().__init__()
        self.fuzzy = fuzzy

    def __missing__(self, char: str) -> str:
        readings = _pinyin_readings().get(str(ord(char)))
        if readings is None:
            syllable = char.lower()
        else:
            syllable = _toneless(readings.split(",", 1)[0])
            if self.fuzzy:
                syllable = _fuzzy(syllable)
        self[char] = syllable
        return syllable


_EXACT_SYLLABLES = _SyllableTable(fuzzy=False)
_FUZZY_SYLLABLES = _SyllableTable(fuzzy=True)


def pinyin_syllables(text: str, fuzzy: bool = False) -> list[str]:
    """Toneless pinyin of each character (ü as v); other characters stand for themselves."""
    table = _FUZZY_SYLLABLES if fuzzy else _EXACT_SYLLABLES
    return list(map(table.__getitem__, text))


# --- fuzzy keys -----------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _keys(core: str, is_organization: bool) -> tuple[str, ...]:
    window = core[:KEY_WINDOW]
    keys = {"d:" + window}
    if len(window) >= 3:
        first = 0 if is_organization else 1
        keys.update(["d:" + window[:i] + window[i + 1 :] for i in range(first, len(window))])
    if len(window) >= 2 and not window.isascii():
        keys.add("p:" + "".join(map(_FUZZY_SYLLABLES.__getitem__, window)))
    return tuple(sorted(keys))


def fuzzy_keys(text: str) -> list[str]:
    """Index keys under which near misses of this name are filed (see the module docstring).

    An empty name has no keys.
    """
    parts = name_parts(text)
    if not parts.core:
        return []
    return list(_keys(parts.core, parts.is_organization))


# --- similarity -----------------------------------------------------------------------


@dataclass(frozen=True)
class Similarity:
    """How alike two names are: `score` 0–100 and the reason in Chinese."""

    score: float
    reason: str


_HOMOPHONE_WEIGHT = 0.85
_NEAR_HOMOPHONE_WEIGHT = 0.6
_REGION_DIFFERENT_PENALTY = 8.0
_REGION_MISSING_PENALTY = 3.0
_REGION_DETAIL_PENALTY = 1.0
_REGION_WRITING_PENALTY = 0.5  # keeps 100 for names that are the same after normalisation
_SUFFIX_PENALTY = 3.0
_LEGAL_FORM_PENALTY = 6.0
_KIND_PENALTY = 15.0
_COUNT_WORDS = {2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}


def _quote_chars(chars: str) -> str:
    return f"“{chars}”{_COUNT_WORDS.get(len(chars), '')}字"


def _describe_edits(query: str, candidate: str, limit: int = 3) -> list[str]:
    """Chinese descriptions of how `query` differs from `candidate` (what the clerk typed)."""
    notes = []
    for op in Levenshtein.opcodes(query, candidate):
        typed, listed = query[op.src_start : op.src_end], candidate[op.dest_start : op.dest_end]
        if op.tag == "insert":
            notes.append(f"缺少{_quote_chars(listed)}")
        elif op.tag == "delete":
            notes.append(f"多出{_quote_chars(typed)}")
        elif op.tag == "replace":
            notes.append(f"“{typed}”与名单中的“{listed}”不同")
    return notes if len(notes) <= limit else ["多处文字不同"]


def _display_pinyin(syllables: tuple[str, ...]) -> str:
    return " ".join(syllables).replace("v", "ü")


@lru_cache(maxsize=1 << 14)
def _sounds(core: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(exact, fuzzy) pinyin syllables of a core; the query's is reused for every candidate."""
    return tuple(pinyin_syllables(core)), tuple(pinyin_syllables(core, fuzzy=True))


def _core_similarity(query: str, candidate: str) -> tuple[float, str]:
    if query == candidate:
        return 1.0, "名称主体相同"
    by_char = Levenshtein.normalized_similarity(query, candidate)
    (exact_q, fuzzy_q), (exact_c, fuzzy_c) = _sounds(query), _sounds(candidate)
    by_sound = Levenshtein.normalized_similarity(exact_q, exact_c)
    by_near_sound = Levenshtein.normalized_similarity(fuzzy_q, fuzzy_c)
    score = max(
        by_char,
        by_char + (by_sound - by_char) * _HOMOPHONE_WEIGHT,
        by_char + (by_near_sound - by_char) * _NEAR_HOMOPHONE_WEIGHT,
    )
    if exact_q == exact_c:
        reason = f"同音字（{_display_pinyin(exact_c)}）"
    elif len(exact_q) == len(exact_c) and by_near_sound == 1.0:
        reason = f"近音字（{_display_pinyin(exact_q)} / {_display_pinyin(exact_c)}）"
    else:
        reason = "；".join(_describe_edits(query, candidate))
    return score, reason


def _suffix_note(query: str | None, candidate: str | None) -> tuple[float, str | None]:
    if query == candidate:
        return 0.0, None
    if not query or not candidate:
        missing = "缺少" if candidate else "多出"
        return _SUFFIX_PENALTY, f"{missing}组织形式{_quote_chars(candidate or query or '')}"
    ops = [op for op in Levenshtein.opcodes(query, candidate) if op.tag != "equal"]
    if all(op.tag in ("insert", "delete") for op in ops):
        return _SUFFIX_PENALTY, "；".join(_describe_edits(query, candidate))
    return _LEGAL_FORM_PENALTY, f"组织形式不同（“{query}”/名单中为“{candidate}”）"


_ADMIN_SUFFIX_RE = re.compile(
    r"(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市|地区|盟)$"
)


@lru_cache(maxsize=1 << 12)
def _region_places(region: str) -> frozenset[str]:
    """The places a region names, in short form: 广西壮族自治区柳州市 → {广西, 柳州}."""
    places, _bracketed, by_first = _places()
    found = []
    rest = region.strip("()")
    while rest:
        for length in by_first.get(rest[0], ()):
            if rest[:length] in places:
                found.append(rest[:length])
                rest = rest[length:]
                break
        else:
            return frozenset({region})
    return frozenset(_ADMIN_SUFFIX_RE.sub("", place) or place for place in found)


def _region_note(query: str | None, candidate: str | None) -> tuple[float, str | None]:
    if query == candidate:
        return 0.0, None
    if not query:
        return _REGION_MISSING_PENALTY, f"缺少地区前缀“{candidate}”"
    if not candidate:
        return _REGION_MISSING_PENALTY, f"多出地区前缀“{query}”"
    typed, listed = _region_places(query), _region_places(candidate)
    if typed == listed:  # 柳州 / 柳州市 / (柳州): the same place written differently
        return _REGION_WRITING_PENALTY, f"地区写法不同（“{query}”/名单中为“{candidate}”）"
    if typed < listed or listed < typed:  # 柳州市 / 广西柳州市
        return _REGION_DETAIL_PENALTY, f"地区前缀详略不同（“{query}”/名单中为“{candidate}”）"
    return _REGION_DIFFERENT_PENALTY, f"地区前缀不同（“{query}”/名单中为“{candidate}”）"


def similarity(query: str, candidate: str) -> Similarity:
    """How alike the name a clerk typed (`query`) is to a listed name (`candidate`).

    Scored on the cores (rapidfuzz Levenshtein on characters, raised towards the score of
    the pinyin syllables for homophones), so that a shared 有限公司 or (柳州) does not
    dominate; a different or missing region or legal form lowers the score a little and is
    named in the reason. Compare the score with `POSSIBLE_MATCH_THRESHOLD`.
    """
    if normalize_name(query) == normalize_name(candidate):
        same = clean_display(query) == clean_display(candidate)
        return Similarity(100.0, "名称相同" if same else "名称相同（仅全半角、繁简体或空格不同）")
    q, c = name_parts(query), name_parts(candidate)
    score, reason = _core_similarity(q.core, c.core)
    score *= 100
    notes = [reason]
    for penalty, note in (_region_note(q.region, c.region), _suffix_note(q.suffix, c.suffix)):
        if note:
            score -= penalty
            notes.append(note)
    if q.is_organization != c.is_organization:
        score -= _KIND_PENALTY
        notes.append("一方像个人姓名、一方像单位名称")
    return Similarity(round(max(0.0, min(score, 100.0)), 1), "；".join(n for n in notes if n))
