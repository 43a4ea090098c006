"""Names of Tibetan, Mongolian, Uyghur and Kazakh persons written in Chinese characters in
more than one way: the same name transcribed with other characters that are not
homophones (Dorje: 多吉/多杰, Sonam: 索朗/索南, Baatar: 巴特尔/巴图尔). Pure functions.

Source: written by hand from the transcriptions that registers and lists use side by side
for common names (藏族、蒙古族、维吾尔族人名汉字音译的常见异写). Homophone spellings (扎西/扎喜,
买买提/麦麦提, 阿不都/阿卜杜) are left out: the pinyin already makes them near misses. Each
group's first spelling stands for the group (`canonical`).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

_GROUPS = (
    # Tibetan
    "多吉 多杰 朵吉",
    "索朗 索南",
    "次仁 才仁 策仁",
    "次旦 才旦",
    "顿珠 东珠 敦珠",
    "平措 彭措",
    "白玛 贝玛 班玛",
    "央金 央吉",
    "拉姆 拉毛",
    "格桑 格松",
    "土登 图丹",
    "强巴 江白",
    # Mongolian
    "巴特尔 巴图尔",
    "额尔敦 额尔登 额尔德尼",
    "阿拉坦 阿拉腾 阿勒坦",
    "朝鲁 朝洛",
    "特木尔 铁木尔",
    "吉日嘎拉 吉日格勒",
    # Uyghur and Kazakh
    "艾尔肯 艾尔坎 艾力肯",
    "玉素甫 尤素甫 玉苏普",
    "托合提 托乎提",
    "阿依努尔 阿依诺尔",
)


@cache
def _table() -> tuple[re.Pattern[str], dict[str, str]]:
    spellings = {}
    for group in _GROUPS:
        first, *others = group.split()
        spellings[first] = first
        spellings.update(dict.fromkeys(others, first))
    pattern = "|".join(sorted(spellings, key=len, reverse=True))
    return re.compile(pattern), spellings


@lru_cache(maxsize=1 << 14)
def spellings(text: str) -> tuple[tuple[str, str], ...]:
    """The transcriptions in `text` that have other spellings: (as written, the group's
    first spelling), in order."""
    pattern, table = _table()
    return tuple((found, table[found]) for found in pattern.findall(text))


def canonical(text: str) -> str:
    """`text` with every transcription of `_GROUPS` written as its group's first spelling."""
    pattern, table = _table()
    return pattern.sub(lambda match: table[match.group()], text)
