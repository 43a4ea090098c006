"""How alike a typed name is to a listed one: a score, the reason in words, and which parts
of the name agree (region, brand, industry, legal form; a person's name as a whole).

The score is 100 minus a cost per difference, the same cost for persons and organisations,
short names and long ones, so that `names.POSSIBLE_MATCH_THRESHOLD` (80) means one thing
everywhere: a difference a clerk or a scanner makes by mistake costs little, a difference
that makes another name costs enough to fall under the threshold by itself.

| difference in the core (a person's name, an organisation's brand and industry) | cost |
|---|---|
| a number written in other numerals (1号 / 一号, 3D / 三D) | 0.5 |
| a middle dot missing or extra (阿卜杜拉买买提 / 阿卜杜拉·买买提) | 1 |
| the same trade words of one family (饰品店 / 饰品商行, 文化传媒 / 文化传播) | 3 |
| the trade in fewer words (漓江源旅游 / 漓江源旅游开发, 华鼎模具 / 华鼎精密模具) | 5 |
| the trade in near-synonymous words (建筑工程 / 建设工程, 物业管理 / 物业服务) | 10 |
| a homophone (张伟/张玮, 常兴/长兴: a common reading of each character is the same) | 7.5 |
| a transcribed name spelt another way (多吉/多杰, 索朗/索南: `transliterations`) | 7.5 |
| a look-alike from OCR or handwriting (己/已/巳, 亳/毫, 冉/再 …: `lookalikes`) | 10 |
| a rare character written as its parts (陶吉吉 / 陶喆) | 10 |
| two adjacent characters swapped (永辉/辉永) | 10 |
| a character doubled or one of a doubled pair dropped (张伟伟 / 张伟) | 10 |
| the industry missing on one side (永辉 / 永辉超市) | 10 |
| a character dropped or added, the shorter core keeping 4+ characters or the brand intact | 15 |
| a transcribed name's two parts the other way round (艾力·买买提 / 买买提·艾力) | 15 |
| a near-homophone (刘伟/牛伟: n/l, zh/z, ch/c, sh/s, eng/en, ing/in, hu/f: 湖/福) | 20 |
| a character dropped or added from a shorter core (张晓伟 / 张伟) | 25 |
| any other different character (张伟/王伟, 鑫源/鑫达) | 30 |
| another number (第二十中学 / 第二十一中学, 3号 / 5号) | 30 |

Outside the core: a different region 25 (an organisation's name is unique within the
region that registers it: the same brand in another city is another company), a region one
homophone or look-alike from the listed one 12 (彬州市 / 郴州市), a county-level place and
the city it lies in 6 (泰兴市 / 泰州市), a province and a place in it 3 (四川 / 成都市), one
missing 3, more or less detail 1, written differently 0.5 (大理州 / 大理白族自治州); a legal
form missing or with words missing 3, another legal form 6; a region or legal form read
through a slip (候马市, 有限司: `names.NameParts.corrections`) 4 and 3; a person's name
against an organisation's 15 (a brand typed alone that starts with a surname, 金瓯, is read
both ways, as a brand at 3 more). A branch (…有限公司柳南分公司) and its head office
(…有限公司) are flagged `branch`: related, never the same subject; the same branch written
differently (五一路店 / 五一路分店, 岳麓区 / 岳麓分公司) costs 1, with a slip 3.

Pure functions: no I/O, no Qt, no SQL. Scoring a pair costs tens of microseconds: the
alignment is rapidfuzz's (C), only its few edits are looked at here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from desktop_app.models import names, pinyin, regions, transliterations, typos
from desktop_app.models.lookalikes import alike, joined, picked_by_hand

DOT_COST = 1.0
HOMOPHONE_COST = 7.5
LOOKALIKE_COST = 10.0
# A look-alike known only from shape data (lookalikes_shape.py): ranked behind the
# hand-picked ones, so that 田自 still offers 田白 before 田目, 田申 …
SHAPE_LOOKALIKE_COST = 12.0
SWAP_COST = 10.0
PARTS_SWAPPED_COST = 15.0  # a transcribed name's two parts the other way round
DOUBLED_COST = 10.0
INDUSTRY_MISSING_COST = 10.0
INDUSTRY_SHORTENED_COST = 5.0
INDUSTRY_WRITING_COST = 3.0
# Trade words of one synonym group (`names.trade_sense`: 建筑工程 / 建设工程, 物业管理 /
# 物业服务): the same region, brand and legal form stay a possible match (90), another brand
# with them does not (30 + 10).
INDUSTRY_SYNONYM_COST = 10.0
LONG_INDEL_COST = 15.0
NEAR_HOMOPHONE_COST = 20.0
SHORT_INDEL_COST = 25.0
OTHER_CHAR_COST = 30.0
NUMBER_COST = 30.0  # another number: 第二十中学 / 第二十一中学, 3号 / 5号
NUMBER_WRITING_COST = 0.5  # the same number in other numerals: 1号 / 一号
# An indel costs LONG_INDEL_COST when the shorter core keeps this many characters.
LONG_CORE = 4

REGION_DIFFERENT_PENALTY = 25.0
REGION_SIMILAR_PENALTY = 12.0
REGION_SLIP_PENALTY = 4.0
REGION_MISSING_PENALTY = 3.0
REGION_NESTED_PENALTY = 3.0  # a province and a place in it (四川 / 成都市)
REGION_NESTED_CITY_PENALTY = 6.0  # a city and a county or district in it (泰州市 / 泰兴市)
REGION_DETAIL_PENALTY = 1.0
REGION_WRITING_PENALTY = 0.5  # keeps 100 for names that are the same after normalisation
SUFFIX_PENALTY = 3.0
LEGAL_FORM_SLIP_PENALTY = 3.0
LEGAL_FORM_PENALTY = 6.0
BRANCH_WRITING_PENALTY = 1.0
BRANCH_SLIP_PENALTY = 3.0
KIND_PENALTY = 15.0
AMBIGUOUS_BRAND_COST = 3.0  # a brand typed alone that starts with a surname (金瓯)

# A part's agreement: same, similar (a typo apart), written_differently / more_detail (the
# same region), different, missing (not typed, listed), extra (typed, not listed).
VERDICTS = (
    "same",
    "similar",
    "written_differently",
    "more_detail",
    "different",
    "missing",
    "extra",
)
PART_LABELS = {
    "name": "姓名",
    "region": "地区",
    "brand": "字号",
    "industry": "行业",
    "legal_form": "组织形式",
    "branch": "分支机构",
}
_VERDICT_WORDS = {
    "same": "相同",
    "similar": "相近",
    "written_differently": "写法不同",
    "more_detail": "详略不同",
    "different": "不同",
    "missing": "未输入",
    "extra": "名单中没有",
}


@dataclass(frozen=True)
class PartMatch:
    """How one part of the typed name agrees with the listed name's."""

    part: str  # name | region | brand | industry | legal_form | branch
    query: str | None
    listed: str | None
    verdict: str  # one of VERDICTS
    note: str | None = None  # what differs, for similar parts (同音字 …)

    @property
    def label(self) -> str:
        return PART_LABELS[self.part]

    @property
    def text(self) -> str:
        """The part's agreement in a few Chinese words: 字号相近（同音字 chang xing）."""
        words = f"{self.label}{_VERDICT_WORDS[self.verdict]}"
        if self.verdict == "same":
            return f"{words}（{self.listed}）" if self.listed else words
        if self.verdict == "missing":
            return f"未输入{self.label}（名单中为“{self.listed}”）"
        if self.verdict == "extra":
            return f"输入了{self.label}“{self.query}”，名单中没有"
        detail = self.note or f"“{self.query}”/名单中为“{self.listed}”"
        return f"{words}（{detail}）"

    def to_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "label": self.label,
            "query": self.query,
            "listed": self.listed,
            "verdict": self.verdict,
            "text": self.text,
        }


@dataclass(frozen=True)
class Similarity:
    """How alike two names are: `score` 0–100, the reason in Chinese, the parts' agreement,
    and whether one is a branch of the other's organisation (related, not the same)."""

    score: float
    reason: str
    parts: tuple[PartMatch, ...] = ()
    branch: bool = False

    def parts_json(self) -> list[dict[str, Any]]:
        return [part.to_json() for part in self.parts]

    def parts_text(self) -> str:
        """The parts in one line: 地区相同（柳州市）；字号相近（…）；行业相同（食品）…"""
        return "；".join(part.text for part in self.parts)


# --- edits of a core -------------------------------------------------------------------

_COUNT_WORDS = {2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}


def _quote_chars(chars: str) -> str:
    count = "" if len(chars) == 1 else _COUNT_WORDS.get(len(chars))
    return f"“{chars}”" if count is None else f"“{chars}”{count}字"


@dataclass(frozen=True)
class _Edit:
    # homophone | near | lookalike | other | swap | doubled | dropped | extra | dot | number
    # | number_written | transliteration | split | parts_swapped
    kind: str
    typed: str
    listed: str
    cost: float


def _substitution(typed: str, listed: str) -> _Edit:
    if names.readings(typed) & names.readings(listed):
        return _Edit("homophone", typed, listed, HOMOPHONE_COST)
    if alike(typed, listed):
        cost = LOOKALIKE_COST if picked_by_hand(typed, listed) else SHAPE_LOOKALIKE_COST
        return _Edit("lookalike", typed, listed, cost)
    if pinyin.fuzzy_readings(typed) & pinyin.fuzzy_readings(listed):
        return _Edit("near", typed, listed, NEAR_HOMOPHONE_COST)
    return _Edit("other", typed, listed, OTHER_CHAR_COST)


@lru_cache(maxsize=1 << 16)
def core_edits(query: str, candidate: str) -> tuple[_Edit, ...]:
    """The differences between a typed core and a listed one, each with its cost.

    Levenshtein's edit operations (rapidfuzz) are read in order; a pair of them that swaps
    two adjacent characters is one swap. A character doubled on one side is taken as such
    first when that explains the pair better (程燕燕翆 / 程燕翠: a doubled 燕 and a
    homophone, not two other characters). Numbers are compared by value (`_numbers`): one
    that changes (第二十中学 / 第二十一中学, 3号 / 5号) is another subject, one written in
    other numerals (1号 / 一号, 3D / 三D) is the same.
    """
    if query == candidate:
        return ()
    edits = _character_edits(query, candidate)
    q_spellings, c_spellings = (
        transliterations.spellings(query),
        transliterations.spellings(candidate),
    )
    if q_spellings or c_spellings:
        # The same transcribed name spelt another way (多杰/多吉) costs as a homophone does.
        other = (
            *_character_edits(
                transliterations.canonical(query), transliterations.canonical(candidate)
            ),
            *(
                _Edit("transliteration", typed, listed, HOMOPHONE_COST)
                for typed, listed in _other_spellings(q_spellings, c_spellings)
            ),
        )
        if _cost(other) < _cost(edits):
            edits = other
    q_joined, c_joined = joined(query), joined(candidate)
    if (q_joined, c_joined) != (query, candidate):
        # A rare character written as its parts (陶吉吉 / 陶喆) costs as a look-alike does.
        other = (
            *_character_edits(q_joined, c_joined),
            _Edit("split", query, candidate, LOOKALIKE_COST),
        )
        if _cost(other) < _cost(edits):
            edits = other
    if query.count("·") == candidate.count("·") == 1:
        given, _dot, father = query.partition("·")
        if f"{father}·{given}" == candidate:  # 艾力·买买提 / 买买提·艾力
            edits = (_Edit("parts_swapped", query, candidate, PARTS_SWAPPED_COST),)
    if _NUMERAL_RE.search(query) or _NUMERAL_RE.search(candidate):
        edits = _numbers(query, candidate, edits)
    return edits


def _other_spellings(
    typed: tuple[tuple[str, str], ...], listed: tuple[tuple[str, str], ...]
) -> list[tuple[str, str]]:
    """The transcriptions written one way on one side and another way on the other."""
    left = list(listed)
    found = []
    for written, group in typed:
        for k, (other, other_group) in enumerate(left):
            if other_group == group:
                if other != written:
                    found.append((written, other))
                del left[k]
                break
    return found


def _character_edits(query: str, candidate: str) -> tuple[_Edit, ...]:
    edits = _edits(query, candidate)
    collapsed = names.collapse_doubled(query)
    if collapsed != query:
        doubled = [_Edit("doubled", c, "", DOUBLED_COST) for c in _removed_doubles(query)]
        edits = min(edits, (*doubled, *_edits(collapsed, candidate)), key=_cost)
    collapsed = names.collapse_doubled(candidate)
    if collapsed != candidate:
        doubled = [_Edit("doubled", "", c, DOUBLED_COST) for c in _removed_doubles(candidate)]
        edits = min(edits, (*doubled, *_edits(query, collapsed)), key=_cost)
    return edits


_NUMERALS = "0123456789零〇一二三四五六七八九十百千两"
_NUMERAL_RE = re.compile(f"[{_NUMERALS}]+")
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
# What follows a number in a name: 3号, 五一路, 8栋, 二队 … (一中 is written out as 第一中学
# by `names.name_parts`)
_COUNTERS = frozenset("号路期栋幢楼层队组届班街巷弄村厂门站局所处部")


def _number_runs(text: str) -> list[tuple[str, int | str]]:
    """The numbers in a name, as written and by value: runs of numerals with an Arabic
    digit, of two or more Chinese numerals, or of one digit after 第, before a counter (号,
    路, 中 …) or beside a Latin letter (三D); 一 in 统一 or 一心 is no number, nor is 千 alone."""
    found: list[tuple[str, int | str]] = []
    for match in _NUMERAL_RE.finditer(text):
        run, start, end = match.group(), match.start(), match.end()
        before, after = text[start - 1 : start], text[end : end + 1]
        if len(run) == 1 and run in _CHINESE_UNITS:
            continue  # 千 in 赵千里, 百 in 百佳: no number alone
        if (
            len(run) >= 2
            or run.isdigit()
            or before == "第"
            or after in _COUNTERS
            or (after.isascii() and after.isalnum())
            or (before.isascii() and before.isalnum())
        ):
            found.append((run, _number_value(run)))
    return found


def _number_value(run: str) -> int | str:
    if run.isdecimal() and run.isascii():
        return int(run)
    digits = [_CHINESE_DIGITS.get(c, int(c) if c.isdigit() else c) for c in run]
    if not any(c in _CHINESE_UNITS for c in run):
        return int("".join(map(str, digits)))
    total = current = 0
    for char, digit in zip(run, digits, strict=True):
        if char in _CHINESE_UNITS:
            total += (current or 1) * _CHINESE_UNITS[char]
            current = 0
        elif isinstance(digit, int):
            current = digit
        else:
            return run
    return total + current


def _numbers(query: str, candidate: str, edits: tuple[_Edit, ...]) -> tuple[_Edit, ...]:
    """`edits` with those inside numbers replaced by one number edit: another number costs
    `NUMBER_COST`, the same number in other numerals `NUMBER_WRITING_COST`."""
    q_runs, c_runs = _number_runs(query), _number_runs(candidate)
    if not q_runs and not c_runs:
        return edits
    q_chars = set("".join(run for run, _value in q_runs))
    c_chars = set("".join(run for run, _value in c_runs))
    inside = [
        edit
        for edit in edits
        if (edit.typed and set(edit.typed) <= q_chars)
        or (edit.listed and set(edit.listed) <= c_chars)
    ]
    if not inside and [v for _r, v in q_runs] == [v for _r, v in c_runs]:
        return edits
    others = tuple(edit for edit in edits if edit not in inside)
    typed = "、".join(run for run, _value in q_runs)
    listed = "、".join(run for run, _value in c_runs)
    if [v for _r, v in q_runs] != [v for _r, v in c_runs]:
        return (*others, _Edit("number", typed, listed, NUMBER_COST))
    return (*others, _Edit("number_written", typed, listed, NUMBER_WRITING_COST))


def _cost(edits: tuple[_Edit, ...]) -> float:
    return sum(edit.cost for edit in edits)


def _removed_doubles(text: str) -> list[str]:
    """The characters `collapse_doubled` removes from `text`, in order."""
    return [char for i, char in enumerate(text) if i and text[i - 1] == char]


def _edits(query: str, candidate: str) -> tuple[_Edit, ...]:
    if query == candidate:
        return ()
    ops = Levenshtein.editops(query, candidate)
    indel = LONG_INDEL_COST if min(len(query), len(candidate)) >= LONG_CORE else SHORT_INDEL_COST
    edits: list[_Edit] = []
    k = 0
    count = len(ops)
    while k < count:
        tag, i, j = ops[k]
        following = ops[k + 1] if k + 1 < count else None
        if following is not None:
            tag2, i2, j2 = following
            swap = (
                (
                    tag == tag2 == "replace"
                    and (i2, j2) == (i + 1, j + 1)
                    and query[i] == candidate[j2]
                    and query[i2] == candidate[j]
                )
                or (
                    tag == "delete"
                    and tag2 == "insert"
                    and i2 == i + 2
                    and j2 == j + 1
                    and candidate[j2] == query[i]
                    and query[i + 1] == candidate[j]
                )
                or (
                    tag == "insert"
                    and tag2 == "delete"
                    and i2 == i + 1
                    and j2 == j + 2
                    and query[i2] == candidate[j]
                    and query[i] == candidate[j + 1]
                )
            )
            if swap:
                start, end = min(i, i2), min(i, i2) + 2
                edits.append(_Edit("swap", query[start:end], candidate[j : j + 2], SWAP_COST))
                k += 2
                continue
        if tag == "replace":
            edits.append(_substitution(query[i], candidate[j]))
        elif tag == "insert":  # the listed character is missing from what was typed
            char = candidate[j]
            if char == "·":
                edits.append(_Edit("dot", "", char, DOT_COST))
            elif char in candidate[max(j - 1, 0) : j] + candidate[j + 1 : j + 2]:
                edits.append(_Edit("doubled", "", char, DOUBLED_COST))
            else:
                edits.append(_Edit("dropped", "", char, indel))
        else:  # delete: a character typed that the listed name has not
            char = query[i]
            if char == "·":
                edits.append(_Edit("dot", char, "", DOT_COST))
            elif char in query[max(i - 1, 0) : i] + query[i + 1 : i + 2]:
                edits.append(_Edit("doubled", char, "", DOUBLED_COST))
            else:
                edits.append(_Edit("extra", char, "", indel))
        k += 1
    return tuple(edits)


def _display_pinyin(text: str) -> str:
    return " ".join(names.pinyin_syllables(text)).replace("v", "ü")


def _shared_pinyin(query: str, candidate: str) -> str:
    """The pinyin both spellings share, character by character (常兴/长兴: chang xing)."""
    if len(query) != len(candidate):
        return _display_pinyin(candidate)
    syllables = []
    for typed, listed in zip(query, candidate, strict=True):
        first = names.pinyin_syllables(listed)[0]
        shared = names.readings(typed) & names.readings(listed)
        syllables.append(first if first in shared or not shared else sorted(shared)[0])
    return " ".join(syllables).replace("v", "ü")


def _edit_note(edit: _Edit) -> str:
    if edit.kind == "number":
        return f"数字不同（“{edit.typed or '无'}”/名单中为“{edit.listed or '无'}”）"
    if edit.kind == "split":
        return f"“{edit.typed}”像是把生僻字拆开书写（名单中为“{edit.listed}”）"
    if edit.kind == "parts_swapped":
        return "间隔号前后两部分顺序颠倒（本人名与父名的顺序不同，也可能是另一人）"
    if edit.kind == "transliteration":
        return f"“{edit.typed}”与名单中的“{edit.listed}”是同一音译名的不同写法"
    if edit.kind == "number_written":
        return f"数字写法不同（“{edit.typed}”/名单中为“{edit.listed}”）"
    if edit.kind == "swap":
        return f"“{edit.typed}”与名单中的“{edit.listed}”前后颠倒"
    if edit.kind == "lookalike":
        return f"“{edit.typed}”与名单中的“{edit.listed}”形近"
    if edit.kind == "homophone":
        return f"“{edit.typed}”与名单中的“{edit.listed}”同音"
    if edit.kind == "near":
        return f"“{edit.typed}”与名单中的“{edit.listed}”近音"
    if edit.kind == "other":
        return f"“{edit.typed}”与名单中的“{edit.listed}”不同"
    if edit.kind == "dot":
        return "缺少间隔号“·”" if edit.listed else "多出间隔号“·”"
    if edit.kind == "doubled":
        return f"重复了“{edit.typed}”字" if edit.typed else f"少写了重复的“{edit.listed}”字"
    if edit.kind == "dropped":
        return f"缺少{_quote_chars(edit.listed)}"
    return f"多出{_quote_chars(edit.typed)}"


def _merge_runs(edits: tuple[_Edit, ...]) -> list[_Edit]:
    """Adjacent dropped (or extra) characters named together: 缺少“有限”二字."""
    merged: list[_Edit] = []
    for edit in edits:
        last = merged[-1] if merged else None
        if last is not None and last.kind == edit.kind and edit.kind in ("dropped", "extra"):
            merged[-1] = _Edit(
                edit.kind, last.typed + edit.typed, last.listed + edit.listed, last.cost + edit.cost
            )
        else:
            merged.append(edit)
    return merged


def describe_core(query: str, candidate: str, limit: int = 3) -> tuple[float, str]:
    """(cost, reason) of the differences between two cores."""
    edits = core_edits(query, candidate)
    if not edits:
        return 0.0, "名称主体相同"
    cost = sum(edit.cost for edit in edits)
    kinds = {edit.kind for edit in edits}
    if kinds == {"homophone"}:
        return cost, f"同音字（{_shared_pinyin(query, candidate)}）"
    if kinds <= {"homophone", "near"} and len(query) == len(candidate):
        return cost, f"近音字（{_display_pinyin(query)} / {_display_pinyin(candidate)}）"
    notes = [_edit_note(edit) for edit in _merge_runs(edits)]
    return cost, "；".join(notes if len(notes) <= limit else ["多处文字不同"])


def _part(part: str, query: str, listed: str) -> PartMatch | None:
    """The agreement of one part of a core (a name, a brand, an industry)."""
    if not query and not listed:
        return None
    if not query:
        return PartMatch(part, None, listed, "missing")
    if not listed:
        return PartMatch(part, query, None, "extra")
    if query == listed:
        return PartMatch(part, query, listed, "same")
    cost, reason = describe_core(query, listed)
    verdict = "similar" if cost <= NEAR_HOMOPHONE_COST else "different"
    return PartMatch(part, query, listed, verdict, reason if verdict == "similar" else None)


# --- region and legal form -------------------------------------------------------------

_ADMIN_SUFFIX_RE = re.compile(
    r"(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市|地区|盟|州)$"
)


@lru_cache(maxsize=1 << 12)
def _region_chain(region: str) -> tuple[str, ...]:
    """The places a region names, in order (广西壮族自治区柳州市 → 广西壮族自治区, 柳州市);
    the region itself when it is not made of known places."""
    places, _bracketed, by_first = names._places()
    found = []
    rest = region.strip("()")
    while rest:
        for length in by_first.get(rest[0], ()):
            if rest[:length] in places:
                found.append(rest[:length])
                rest = rest[length:]
                break
        else:
            return (region,)
    return tuple(found)


def _short(place: str) -> str:
    found = regions.autonomous_base(regions.autonomous_short_names().get(place, place))
    if found is not None:
        return found[0]
    return _ADMIN_SUFFIX_RE.sub("", place) or place


@lru_cache(maxsize=1 << 12)
def _region_places(region: str) -> frozenset[str]:
    """The places a region names, in short form: 广西壮族自治区柳州市 → {广西, 柳州};
    大理白族自治州, 大理州 → {大理}."""
    return frozenset(map(_short, _region_chain(region)))


def _region_relation(query: str, candidate: str) -> str:
    """How two regions relate: same (written differently), detail (one names more of the
    same place: 柳州市 / 广西柳州市), nested (one lies in the other: 四川 / 成都市; nested_city
    for a city and a county in it: 泰州市 / 泰兴市), similar
    (one place a homophone or look-alike of the other: 彬州市 / 郴州市) or different."""
    typed, listed = _region_places(query), _region_places(candidate)
    if typed == listed:
        return "same"
    if typed < listed or listed < typed:
        return "detail"
    inner_typed, inner_listed = _region_chain(query)[-1], _region_chain(candidate)[-1]
    for outer, inner in ((inner_typed, inner_listed), (inner_listed, inner_typed)):
        if regions.contains(outer, inner):
            return "nested" if regions.is_province(outer) else "nested_city"
    if regions.same_area(inner_typed, inner_listed):
        return "same"
    if typos.slip(inner_typed, inner_listed) in (typos.HOMOPHONE, typos.LOOKALIKE):
        return "similar"
    return "different"


_REGION_RELATIONS = {
    "same": (REGION_WRITING_PENALTY, "written_differently", "地区写法不同"),
    "detail": (REGION_DETAIL_PENALTY, "more_detail", "地区前缀详略不同"),
    "nested": (REGION_NESTED_PENALTY, "more_detail", "地区前缀一方包含另一方"),
    "nested_city": (REGION_NESTED_CITY_PENALTY, "more_detail", "地区前缀一方包含另一方"),
    "similar": (REGION_SIMILAR_PENALTY, "similar", "地区前缀音近或形近"),
    "different": (REGION_DIFFERENT_PENALTY, "different", "地区前缀不同"),
}


def _region(query: str | None, candidate: str | None) -> tuple[float, str | None, PartMatch | None]:
    if query == candidate:
        part = PartMatch("region", query, candidate, "same") if query else None
        return 0.0, None, part
    if not query:
        return (
            REGION_MISSING_PENALTY,
            f"缺少地区前缀“{candidate}”",
            PartMatch("region", None, candidate, "missing"),
        )
    if not candidate:
        return (
            REGION_MISSING_PENALTY,
            f"多出地区前缀“{query}”",
            PartMatch("region", query, None, "extra"),
        )
    penalty, verdict, words = _REGION_RELATIONS[_region_relation(query, candidate)]
    written = f"“{query}”/名单中为“{candidate}”"
    return penalty, f"{words}（{written}）", PartMatch("region", query, candidate, verdict, written)


def _slips(q: names.NameParts, c: names.NameParts) -> tuple[float, list[str]]:
    """(cost, notes) of the regions and legal forms read through a slip (候马市, 有限司)."""
    cost = 0.0
    notes = []
    for side, parts in (("", q), ("名单中的", c)):
        for part, written, read in parts.corrections:
            cost += REGION_SLIP_PENALTY if part == "region" else LEGAL_FORM_SLIP_PENALTY
            notes.append(f"{side}“{written}”疑为“{read}”之误")
    return cost, notes


_BRANCH_PART_RE = re.compile(rf"(?<=[司业社)])(.{{0,10}}?{names.BRANCH_ANY})$")
_BRANCH_KIND_RE = re.compile(rf"{names.BRANCH_ANY}$")


def _split_branch(suffix: str | None) -> tuple[str | None, str | None]:
    """(legal form, branch) of a suffix: 有限公司柳南分公司 → (有限公司, 柳南分公司)."""
    if not suffix:
        return None, None
    match = _BRANCH_PART_RE.search(suffix)
    if match is None:
        if _BRANCH_KIND_RE.fullmatch(suffix) and suffix not in names.BRANCH_AFTER_FORM:
            return None, suffix
        return suffix, None
    return suffix[: match.start()] or None, match.group()


_BRANCH_FAMILY = {"分店": "店", "门店": "店", "门市": "门市部"}


def _same_branch(query: str, candidate: str) -> float | None:
    """The cost of two branches that are one written differently (岳麓区分公司 / 岳麓分公司,
    五一路店 / 五一路分店) or with a slip, None for two branches (柳南 / 柳北分公司)."""
    q_kind = _BRANCH_KIND_RE.search(query)
    c_kind = _BRANCH_KIND_RE.search(candidate)
    if q_kind is None or c_kind is None:
        return None
    q_word, c_word = q_kind.group(), c_kind.group()
    if _BRANCH_FAMILY.get(q_word, q_word) != _BRANCH_FAMILY.get(c_word, c_word):
        return None
    q_place, c_place = query[: q_kind.start()], candidate[: c_kind.start()]
    if _branch_place(q_place) == _branch_place(c_place):
        return BRANCH_WRITING_PENALTY
    if typos.slip(q_place, c_place):
        return BRANCH_SLIP_PENALTY
    return None


def _branch_place(place: str) -> str:
    """A branch's place without the kind of area (岳麓区 → 岳麓)."""
    return place[:-1] if len(place) >= 3 and place[-1] in "省市县区镇乡" else place


def _legal_form(query: str | None, candidate: str | None) -> tuple[float, str | None]:
    if query == candidate:
        return 0.0, None
    if not query or not candidate:
        missing = "缺少" if candidate else "多出"
        return SUFFIX_PENALTY, f"{missing}组织形式{_quote_chars(candidate or query or '')}"
    ops = [op for op in Levenshtein.opcodes(query, candidate) if op.tag != "equal"]
    if all(op.tag in ("insert", "delete") for op in ops):
        notes = []
        for op in ops:
            typed, listed = query[op.src_start : op.src_end], candidate[op.dest_start : op.dest_end]
            notes.append(
                f"缺少{_quote_chars(listed)}"
                if op.tag == "insert"
                else f"多出{_quote_chars(typed)}"
            )
        return SUFFIX_PENALTY, "；".join(notes)
    return LEGAL_FORM_PENALTY, f"组织形式不同（“{query}”/名单中为“{candidate}”）"


def _legal_form_part(query: str | None, candidate: str | None) -> PartMatch | None:
    if not query and not candidate:
        return None
    if query == candidate:
        return PartMatch("legal_form", query, candidate, "same")
    if not query:
        return PartMatch("legal_form", None, candidate, "missing")
    if not candidate:
        return PartMatch("legal_form", query, None, "extra")
    penalty, note = _legal_form(query, candidate)
    verdict = "similar" if penalty <= SUFFIX_PENALTY else "different"
    return PartMatch("legal_form", query, candidate, verdict, note)


# --- the score -------------------------------------------------------------------------


def core_cost(query: str, candidate: str) -> float:
    """The cost of the differences between two cores (`describe_core` without words)."""
    return sum(edit.cost for edit in core_edits(query, candidate))


def _organisation_core(
    q: names.NameParts, c: names.NameParts, query_core: str, explain: bool = True
) -> tuple[float, str, list[PartMatch]]:
    """(cost, reason, brand and industry parts) of two organisations' cores; without
    `explain` the cost only (no reason, no parts)."""
    q_brand, q_industry = names.split_core(query_core)
    c_brand, c_industry = names.split_core(c.core)
    parts = []
    if explain:
        found = (_part("brand", q_brand, c_brand), _part("industry", q_industry, c_industry))
        parts = [part for part in found if part]
        cost, reason = describe_core(query_core, c.core)
    else:
        cost, reason = core_cost(query_core, c.core), ""
    if len(c_brand) >= 2 and query_core.startswith(c_brand) and query_core != c_brand:
        # The brand is intact: a character dropped or added is in the trade word (辉广电子 /
        # 辉广电), a typo however short the core.
        indels = sum(
            1
            for edit in core_edits(query_core, c.core)
            if edit.kind in ("dropped", "extra") and edit.cost == SHORT_INDEL_COST
        )
        cost -= indels * (SHORT_INDEL_COST - LONG_INDEL_COST)
    if q_brand and c_brand and q_industry != c_industry:
        # One side names its trade and the other does not (永辉 / 永辉超市), or names it in
        # fewer words (漓江源旅游 / 漓江源旅游开发, 华鼎模具 / 华鼎精密模具) or in words that
        # stand for one another (饰品店 / 饰品商行): the brands decide, unless the whole cores
        # are closer (a typo in the trade word: 矿业 / 矿晔).
        found = _industry_difference(q_industry, c_industry)
        if found is not None:
            industry_cost, note = found
            if explain:
                brand_cost, brand_reason = describe_core(q_brand, c_brand)
            else:
                brand_cost, brand_reason = core_cost(q_brand, c_brand), ""
            if brand_cost + industry_cost < cost:
                reason = note if brand_reason == "名称主体相同" else f"{brand_reason}；{note}"
                return brand_cost + industry_cost, reason, parts
    if (
        cost > INDUSTRY_SYNONYM_COST
        and q_industry != c_industry
        and names.has_trade_synonym(query_core)
        and names.has_trade_synonym(c.core)
    ):
        synonym = _synonym_trade(query_core, c.core, explain)
        if synonym is not None and synonym[0] < cost:
            cost, reason, parts = synonym
    return cost, reason, parts


def _synonym_trade(
    query: str, listed: str, explain: bool
) -> tuple[float, str, list[PartMatch]] | None:
    """(cost, reason, brand and industry parts) of two cores whose trades are written in
    near-synonymous words (`names.trade_sense`: 宏建建设工程 / 宏建建筑工程, 众力劳务服务 /
    众力劳务派遣), the brands compared as usual; None when the trades differ in sense (also
    when one names fewer of them) or are not there."""
    q_brand, q_sense = names.trade_sense(query)
    c_brand, c_sense = names.trade_sense(listed)
    if not q_brand or not c_brand or not q_sense or not c_sense:
        return None
    q_trade, c_trade = query[len(q_brand) :], listed[len(c_brand) :]
    if q_trade == c_trade or q_sense != c_sense:
        # Only the same trade in other words: with words left out too (汽车销售 / 贸易) the
        # trade is another one.
        return None
    industry_cost = INDUSTRY_SYNONYM_COST
    note = f"行业用词相近（“{q_trade}”/名单中为“{c_trade}”）"
    if explain:
        brand_cost, brand_reason = describe_core(q_brand, c_brand)
    else:
        brand_cost, brand_reason = core_cost(q_brand, c_brand), ""
    reason = note if brand_reason == "名称主体相同" else f"{brand_reason}；{note}"
    parts = []
    if explain:
        brand_part = _part("brand", q_brand, c_brand)
        written = f"近义词：“{q_trade}”/名单中为“{c_trade}”"
        parts = [
            *([brand_part] if brand_part else []),
            PartMatch("industry", q_trade, c_trade, "similar", written),
        ]
    return brand_cost + industry_cost, reason, parts


def _industry_difference(query: str, listed: str) -> tuple[float, str] | None:
    """(cost, note) of two trades that are one written shorter or otherwise (see
    `_organisation_core`), None for two trades."""
    if not query or not listed:
        note = f"缺少行业“{listed}”" if listed else f"多出行业“{query}”"
        return INDUSTRY_MISSING_COST, note
    typed, known = names.industry_words(query), names.industry_words(listed)
    if typed == known:
        return INDUSTRY_WRITING_COST, f"行业写法不同（“{query}”/名单中为“{listed}”）"
    shorter, longer = sorted((typed, known), key=len)
    if _is_subsequence(shorter, longer):
        return INDUSTRY_SHORTENED_COST, f"行业详略不同（“{query}”/名单中为“{listed}”）"
    return None


def _is_subsequence(words: tuple[str, ...], within: tuple[str, ...]) -> bool:
    remaining = iter(within)
    return all(word in remaining for word in words)


def core_bound(query: str) -> Callable[[str], float]:
    """The highest score any listed name with a given core can have against `query`: its
    core compared with the query's, region, legal form and kind left out (each of those can
    only cost). What ranks hundreds of candidate cores before any listing is read."""
    q = names.name_parts(query)
    if q.is_organization or names.brand_query(query):
        # A county written short after the region (广西百色田阳…) is compared without it, and a
        # county in the region as a list may write it short (田阳壮乡… for 百色市田阳区壮乡…).
        county = names.county_reading(q)
        readings = [q.core, *([county.core] if county else [])]
        short = names.county_written_short(q)
        county_prefix = short[: len(short) - len(q.core)] if short else None

        def bound(candidate_core: str) -> float:
            # Never more than the cores' edits (read as a person's name would be).
            listed = names.NameParts(None, candidate_core, None, True)
            cores = readings
            if county_prefix and candidate_core.startswith(county_prefix):
                cores = [*readings, county_prefix + q.core]
            cost = min(_organisation_core(q, listed, core, explain=False)[0] for core in cores)
            return max(0.0, 100.0 - cost)

        return bound
    return lambda candidate_core: max(0.0, 100.0 - core_cost(q.core, candidate_core))


def similarity(query: str, candidate: str, *, explain: bool = True) -> Similarity:
    """How alike the name a clerk typed (`query`) is to a listed name (`candidate`): see the
    module doc. Compare the score with `names.POSSIBLE_MATCH_THRESHOLD`.

    Without `explain` only the score is worked out (the reason is empty, no parts): what
    ranking hundreds of candidates needs, at a third of the cost."""
    q, c = names.name_parts(query), names.name_parts(candidate)
    if names.normalize_name(query) == names.normalize_name(candidate):
        same = names.clean_display(query) == names.clean_display(candidate)
        reason = "名称相同" if same else "名称相同（仅全半角、繁简体或空格不同）"
        return Similarity(100.0, reason, _same_parts(c))
    # A brand typed alone (永辉, 金瓯) reads like a person's name: compared as an
    # organisation's core unless it clearly is a person's (张伟, `names.brand_query`); one
    # that starts with a surname (金瓯) is read both ways, and the closer reading counts.
    as_brand = not q.is_organization and c.is_organization and names.brand_query(query)
    if c.is_organization and (q.is_organization or as_brand):
        cost, notes, parts, branch = _organisations(q, c, explain)
        # A county written short after its region (广西百色田阳 / 百色市田阳区) read as one.
        q_county, c_county = names.county_reading(q, c.region), names.county_reading(c, q.region)
        for q_read, c_read in ((q_county, c), (q, c_county)):
            if q_read is not None and c_read is not None:
                other = _organisations(q_read, c_read, explain)
                if other[0] < cost:
                    cost, notes, parts, branch = other
        if as_brand and names.person_likeness(q.core):
            cost += AMBIGUOUS_BRAND_COST
            notes.append("输入的也可能是人名")
            person = _persons(q, c, explain)
            if person[0] < cost:
                cost, notes, parts, branch = person
    else:
        cost, notes, parts, branch = _persons(q, c, explain)
    if not cost and not branch:  # written differently in a way no part shows (华信柳州)
        cost = REGION_WRITING_PENALTY
        notes.append("写法不同")
    score = round(max(0.0, min(100.0 - cost, 100.0)), 1)
    return Similarity(score, "；".join(n for n in notes if n), tuple(parts), branch)


def _organisations(
    q: names.NameParts, c: names.NameParts, explain: bool
) -> tuple[float, list[str], list[PartMatch], bool]:
    """(cost, notes, parts, branch) of a typed name read as an organisation's."""
    parts: list[PartMatch] = []
    cost, reason, core_parts = _organisation_core(q, c, q.core, explain)
    penalty, region_note, region_part = _region(q.region, c.region)
    q_form, q_branch = _split_branch(q.suffix)
    c_form, c_branch = _split_branch(c.suffix)
    form_penalty, form_note = _legal_form(q_form, c_form)
    slip_cost, slip_notes = _slips(q, c) if q.corrections or c.corrections else (0.0, [])
    cost += penalty + form_penalty + slip_cost
    notes = [reason, region_note or "", form_note or "", *slip_notes]
    if explain:
        found = (region_part, *core_parts, _legal_form_part(q_form, c_form))
        parts = [part for part in found if part]
    branch = q_branch != c_branch
    if branch and q_branch and c_branch:
        same_branch = _same_branch(q_branch, c_branch)
        if same_branch is not None:
            branch = False
            cost += same_branch
            written = f"“{q_branch}”/名单中为“{c_branch}”"
            notes.append(f"分支机构写法不同（{written}）")
            if explain:
                parts.append(
                    PartMatch("branch", q_branch, c_branch, "written_differently", written)
                )
    if branch and explain:
        parts.append(_branch_part(q_branch, c_branch))
        notes.append(_branch_note(q_branch, c_branch))
    return cost, notes, parts, branch


def _persons(
    q: names.NameParts, c: names.NameParts, explain: bool
) -> tuple[float, list[str], list[PartMatch], bool]:
    """(cost, notes, parts, branch) of two names compared as wholes (persons, or a person's
    name and an organisation's)."""
    parts: list[PartMatch] = []
    if explain:
        cost, reason = describe_core(q.core, c.core)
        name_part = _part("name", q.core, c.core)
        parts = [name_part] if name_part else []
    else:
        cost, reason = core_cost(q.core, c.core), ""
    notes = [reason]
    org = q if q.is_organization else c
    # A transcribed name without its middle dot is long enough to read as a company's.
    dotted = "·" in q.core + c.core and not org.suffix and not org.region
    # So is a six-character Mongolian name (乌日根毕力格): an organisation's by length only.
    if q.is_organization != c.is_organization and not dotted and not names.long_personal_name(org):
        cost += KIND_PENALTY
        notes.append("一方像个人姓名、一方像单位名称")
    return cost, notes, parts, False


def _branch_part(query: str | None, candidate: str | None) -> PartMatch:
    if not query:
        return PartMatch("branch", None, candidate, "missing")
    if not candidate:
        return PartMatch("branch", query, None, "extra")
    return PartMatch("branch", query, candidate, "different")


def _branch_note(query: str | None, candidate: str | None) -> str:
    if not query:
        return f"名单中为分支机构“{candidate}”，不是同一主体"
    if not candidate:
        return f"输入的是分支机构“{query}”，名单中为其总机构，不是同一主体"
    return f"分支机构不同（“{query}”/名单中为“{candidate}”），不是同一主体"


def _same_parts(parts: names.NameParts) -> tuple[PartMatch, ...]:
    """The parts of a name compared with itself (every one the same)."""
    if not parts.is_organization:
        return (PartMatch("name", parts.core, parts.core, "same"),)
    brand, industry = names.split_core(parts.core)
    form, branch = _split_branch(parts.suffix)
    found = [
        ("region", parts.region),
        ("brand", brand),
        ("industry", industry),
        ("legal_form", form),
        ("branch", branch),
    ]
    return tuple(PartMatch(part, value, value, "same") for part, value in found if value)
