"""Characters that look alike: what OCR of a scanned list or a hurried hand confuses.

Each group is a set of characters a reader takes for one another (己/已/巳, 戊/戌/戍, 末/未,
土/士, 日/曰 …). Only groups of characters that appear in names are kept: a typo between two
characters of a group is a near miss (`name_similarity`), and a query that contains one is
also looked up under the others (`names.lookup_keys`), because two characters that look
alike rarely share a pinyin key.
"""

from __future__ import annotations

from functools import cache

_GROUPS = (
    "己已巳",
    "戊戌戍",
    "末未",
    "土士",
    "日曰",
    "人入八",
    "大太犬",
    "王玉主",
    "天夭",
    "刀力",
    "千干于",
    "贝见",
    "田由甲申",
    "白自",
    "今令",
    "折拆",
    "壁璧",
    "冶治",
    "鸟乌",
    "即既",
    "候侯",
    "晴睛",
    "辨辩",
    "拔拨",
    "免兔",
    "祟崇",
    "汩汨",
    "籍藉",
    "锡钖",
    "徽微",
    "栗粟",
    "胜盛",
    "茵菌",
    "衷哀",
    "戎戒",
    "侍待",
    "弋戈",
    "采彩",
    "铁钱",
    "淋琳",
    "斌赋",
    "娟绢",
    "榕溶",
)


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _GROUPS:
        for char in group:
            table[char] = table.get(char, "") + group.replace(char, "")
    return table


def alike(a: str, b: str) -> bool:
    """Whether two different characters are in one look-alike group."""
    return b in _table().get(a, "")


def alternatives(char: str) -> str:
    """The characters that look like `char` (empty for most characters)."""
    return _table().get(char, "")
