"""Chinese administrative divisions, read once from python-stdnum's `cn/loc.dat`.

One place for the area-code facts that resident IDs, name parsing and demo data rely on.
The data file keeps the history of every code (`[1983-2003]新城区,[2004-]青秀区`); here a code
"exists" if it was ever assigned, because an ID keeps the area code of first registration
for life, even after the district is renamed or merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from stdnum import numdb

from desktop_app.models import typos

_HISTORY_RE = re.compile(r"^\[(\d*)-(\d*)\](.+)$")


@dataclass(frozen=True)
class AreaName:
    """One name an area code carried, with the years it was valid (None = open)."""

    name: str
    start: int | None
    end: int | None

    def valid_in(self, year: int) -> bool:
        """True if the code carried this name in `year`."""
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)


def _parse_history(value: str) -> tuple[AreaName, ...]:
    names = []
    for part in value.split(","):
        match = _HISTORY_RE.match(part)
        if match:
            start, end, name = match.groups()
            names.append(AreaName(name, int(start) if start else None, int(end) if end else None))
        else:
            names.append(AreaName(part, None, None))
    return tuple(names)


@cache
def _areas() -> tuple[dict[str, tuple[AreaName, ...]], dict[str, str]]:
    """(6-digit code → names over time, 2-digit province code → province name)."""
    codes: dict[str, tuple[AreaName, ...]] = {}
    provinces: dict[str, str] = {}
    for _length, low, _high, props, children in numdb.get("cn/loc").prefixes:
        provinces[low] = props.get("province", "")
        for _clen, clow, _chigh, cprops, _grandchildren in children:
            if "county" in cprops:
                codes[low + clow] = _parse_history(cprops["county"])
    return codes, provinces


def area_exists(code: str) -> bool:
    """True if the 6-digit area code exists now or existed at any time."""
    return code in _areas()[0]


def area_names(code: str) -> tuple[AreaName, ...]:
    """Every name the 6-digit area code carried (empty if the code never existed)."""
    return _areas()[0].get(code, ())


def province_name(code: str) -> str | None:
    """The province of a 2-digit (or longer) area code prefix, e.g. '45' → 广西壮族自治区."""
    return _areas()[1].get(code[:2]) or None


def area_codes(prefix: str = "", year: int | None = None) -> list[str]:
    """Sorted 6-digit county-level codes starting with `prefix`.

    With `year`, only codes that had a name valid in that year, excluding the 市辖区 and
    城区/郊区 placeholders and the prefecture (xxxx00) rows, i.e. codes a person born that
    year could plausibly carry.
    """
    result = []
    for code, names in _areas()[0].items():
        if not code.startswith(prefix):
            continue
        if year is not None:
            if code.endswith("00"):
                continue
            valid = [n for n in names if n.valid_in(year)]
            if not valid or all(n.name in ("市辖区", "县", "郊区", "市区") for n in valid):
                continue
        result.append(code)
    return sorted(result)


@cache
def place_names() -> frozenset[str]:
    """Every name of a province, prefecture or county that ever existed (with its suffix).

    Placeholders such as 市辖区 or 县 are left out: they never start a real name.
    """
    placeholders = {"市辖区", "县", "郊区", "市区", "矿区", "城区"}
    names: set[str] = set()
    codes, provinces = _areas()
    names.update(p for p in provinces.values() if p)
    for history in codes.values():
        for area in history:
            if area.name not in placeholders and "直辖" not in area.name and len(area.name) >= 2:
                names.add(area.name)
    return frozenset(names)


_PROVINCE_SUFFIX_RE = re.compile(r"(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")


@cache
def short_place_names() -> frozenset[str]:
    """Short forms of provinces and of prefecture- and county-level cities: 广西, 内蒙古,
    柳州, 南宁, 昆山 (company names often drop the 市), and of autonomous prefectures,
    counties and banners as they are usually written (`autonomous_short_names`: 大理州,
    延边州, 延边, 融水县).

    Short forms that are also ordinary words at the start of company names (东方, 永安,
    同仁, …) are left out, and so are those of counties and districts (柳城, 城中): a
    company named after one of those keeps it in its core.
    """
    codes, provinces = _areas()
    shorts: set[str] = set()
    for name in provinces.values():
        short = _PROVINCE_SUFFIX_RE.sub("", name)
        if len(short) >= 2:
            shorts.add(short)
    for code, history in codes.items():
        if code.endswith("0000"):
            continue
        prefecture = code.endswith("00")
        for area in history:
            if len(area.name) >= 3 and (
                area.name.endswith("市") or (prefecture and area.name.endswith("盟"))
            ):
                shorts.add(area.name[:-1])
    shorts.update(autonomous_short_names())
    return frozenset(shorts - AMBIGUOUS_SHORT_NAMES)


@cache
def city_names() -> frozenset[str]:
    """Names of provinces and prefecture-level cities, full and short (广西, 广西壮族自治区,
    柳州, 柳州市, 大理州): the places a company's name may carry inside it (华信柳州汽车)."""
    codes, provinces = _areas()
    found: set[str] = set()
    for name in provinces.values():
        if name:
            found.update({name, _PROVINCE_SUFFIX_RE.sub("", name)})
    for code, history in codes.items():
        if code.endswith("00") and not code.endswith("0000"):
            for area in history:
                found.add(area.name)
                if area.name.endswith(("市", "盟")):
                    found.add(area.name[:-1])
    found.update(short for short, name in autonomous_short_names().items() if name in found)
    return frozenset(name for name in found if len(name) >= 2) & (
        place_names() | short_place_names()
    )


# The peoples whose names autonomous areas carry (民族), as the area names write them (some
# without 族: 博尔塔拉蒙古自治州, 伊犁哈萨克自治州).
_PEOPLES = (  # noqa: SIM905
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_AUTONOMOUS_TAIL_RE = re.compile(
    "(?:(?:{})族?)+自治([州县旗])".format("|".join(sorted(_PEOPLES, key=len, reverse=True)))
)


def autonomous_base(name: str) -> tuple[str, str] | None:
    """(the place, its kind: 州, 县 or 旗) of an autonomous area's name (融水苗族自治县 →
    融水, 县; 黔东南苗族侗族自治州 → 黔东南, 州), None for other names. The place is the
    shortest start of two or more characters after which only peoples follow (融水, not 融:
    水 is also a people's name)."""
    if "自治" not in name:
        return None
    for start in range(2, len(name) - 3):
        match = _AUTONOMOUS_TAIL_RE.fullmatch(name, start)
        if match is not None:
            return name[:start], match.group(1)
    return None


@cache
def autonomous_short_names() -> dict[str, str]:
    """Short form → full name of the autonomous prefectures, counties and banners: the
    place with 州, 县 or 旗 (大理白族自治州 → 大理州, 融水苗族自治县 → 融水县, 鄂温克族自治旗 →
    鄂温克旗), and a prefecture's place alone (延边, 恩施) as cities are written."""
    shorts: dict[str, str] = {}
    for name in place_names():
        found = autonomous_base(name)
        if found is None:
            continue
        base, kind = found
        shorts.setdefault(base + kind, name)
        if kind == "州":
            shorts.setdefault(base, name)
    return shorts


# City and prefecture short forms that are also common words at the start of company names.
AMBIGUOUS_SHORT_NAMES = frozenset(
    "中山 大同 安康 白银 长安 太平 朝阳 东方 合作 新星 同仁 江山 明光 长乐 永安 龙泉 安宁 "  # noqa: SIM905
    "高明 新民 天长 永康 大安 乐平 白杨 华亭 北安 开平 海西 海北 红河 玉树 黄南 文山".split()
)


@cache
def place_codes() -> dict[str, frozenset[str]]:
    """Place name (full, and the short forms of `short_place_names`) → the code prefixes it
    names: "45" for a province, "4502" for a prefecture, "450202" for a county. A place
    written after another in a name is part of it only when one of its codes starts with one
    of the other's (柳州市城中区; not 柳州市泰兴: 泰兴 is a city in 江苏, there a company's
    name)."""
    codes, provinces = _areas()
    found: dict[str, set[str]] = {}

    def add(name: str, prefix: str) -> None:
        found.setdefault(name, set()).add(prefix)
        short = _PROVINCE_SUFFIX_RE.sub("", name)
        if short != name and len(short) >= 2:
            found.setdefault(short, set()).add(prefix)

    for code, name in provinces.items():
        if name:
            add(name, code)
    for code, history in codes.items():
        prefix = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
        for area in history:
            add(area.name, prefix)
            if area.name.endswith("盟"):
                found.setdefault(area.name[:-1], set()).add(prefix)
    for short, name in autonomous_short_names().items():
        found.setdefault(short, set()).update(found.get(name, ()))
    return {name: frozenset(prefixes) for name, prefixes in found.items()}


def contains(outer: str, inner: str) -> bool:
    """Whether known place `inner` lies in known place `outer` and is not the same area
    (四川 contains 成都市; unknown places are in nothing)."""
    table = place_codes()
    inner_codes, outer_codes = table.get(inner), table.get(outer)
    if not inner_codes or not outer_codes:
        return False
    return any(
        code.startswith(prefix) and code != prefix for code in inner_codes for prefix in outer_codes
    )


def is_province(place: str) -> bool:
    """Whether a known place name is a province's (广西, 广西壮族自治区, 四川省)."""
    return any(len(code) == 2 for code in place_codes().get(place, ()))


def same_area(one: str, other: str) -> bool:
    """Whether two known place names share an area code (彬县 and 彬州市 are one county)."""
    table = place_codes()
    return bool(table.get(one, frozenset()) & table.get(other, frozenset()))


def nests_in(inner: str, outer: str) -> bool:
    """Whether place `inner` lies in place `outer` (see `place_codes`); unknown places do."""
    table = place_codes()
    inner_codes, outer_codes = table.get(inner), table.get(outer)
    if not inner_codes or not outer_codes:
        return True
    return any(code.startswith(prefix) for code in inner_codes for prefix in outer_codes)


# The last character of a place name that ends with its kind of area.
ADMIN_ENDINGS = frozenset("省市县区旗盟州")


@cache
def _near_places() -> dict[str, tuple[str, ...]]:
    """Near spellings (`typos.near_spellings`) → the places of 3+ characters ending with
    their kind of area (侯马市, 城中区, 大理州) that have them."""
    found: dict[str, set[str]] = {}
    for place in place_names() | frozenset(autonomous_short_names()):
        if len(place) >= 3 and place[-1] in ADMIN_ENDINGS:
            for spelling in typos.near_spellings(place[:-1]):
                found.setdefault(spelling + place[-1], set()).add(place)
    return {spelling: tuple(sorted(places)) for spelling, places in found.items()}


@lru_cache(maxsize=1 << 12)
def misspelt_place(written: str) -> str | None:
    """The place that `written` (not itself a place, ending with 市, 县, 区 …) is one slip
    away from (`typos.slip`: 候马市 → 侯马市, 呼和特市 → 呼和浩特市, 城鹿区 → 鹿城区), or None
    when none or more than one is."""
    if len(written) < 3 or written[-1] not in ADMIN_ENDINGS or written in place_codes():
        return None
    near = _near_places()
    candidates = {
        place
        for spelling in typos.near_spellings(written[:-1])
        for place in near.get(spelling + written[-1], ())
        if typos.slip(written, place)
    }
    return candidates.pop() if len(candidates) == 1 else None
