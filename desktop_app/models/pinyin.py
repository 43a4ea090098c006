"""How names sound: the toneless pinyin of a character, its common readings, and the sound
keys (`sound_keys`) under which a name is filed for near misses. Pure functions: no I/O
but pypinyin's character table (read once), no Qt, no SQL.

Readings. pypinyin lists every reading a dictionary gives a character, many of them
literary or obsolete (肉 rù, 胜 xīng, 陆 liù in financial numerals): with all of them 肉/乳
or 陆/刘 would count as homophones. Here a character has one reading, pypinyin's first,
unless `_COMMON_READINGS` names its common readings: the polyphones whose other reading is
in everyday use or in names (长 zhǎng/cháng, 重 zhòng/chóng, 曾 zēng/céng, 单 shàn,
解 xiè, 仇 qiú, 区 ōu, 查 zhā, 翟 zhái, 晟 shèng …).

Sound keys. A name's key is its fuzzy pinyin (zh/z, ch/c, sh/s, n/l, eng/en, ing/in merged;
the middle dot of transcribed names left out, so that 买买提·艾力 and 买买提艾力 sound the
same), once for each combination of the common readings of its first `_KEYED_POLYPHONES`
polyphones. Both the listed name and the typed one are keyed that way, so a polyphone read
either way on either side meets (曾志强 filed under ceng… and zeng…, found from 郑志强 via
zeng…; 阿不都/阿卜杜: 卜 bo/bu, 都 dou/du).
"""

from __future__ import annotations

import itertools
import json
import sys
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

# Characters with more than one reading in common use, each reading toneless (ü as v).
# Made from two sources and then read through by hand:
# * the readings of polyphones that pypinyin 0.55's phrase dictionary (phrases_dict.json,
#   47,111 words) uses in at least 10 % (and at least 2) of the words with the character,
#   kept where the word is in everyday use (重 chóng in 重庆, 会 kuài in 会计, 行 háng in 银行),
#   dropped where it is literary, archaic or financial only (冯 píng, 陆 liù, 艾 yì, 贾 gǔ,
#   纶 guān, 褚 zhǔ), and everyday readings the phrase count misses (盛 chéng, 弄 lòng);
# * the readings of surnames and name characters that differ from the character's usual
#   reading, as the surname lists (百家姓) and name dictionaries give them (单 shàn, 解 xiè,
#   仇 qiú, 区 ōu, 查 zhā, 翟 zhái, 盖 gě, 覃 qín, 缪 miào, 召 shào, 员 yùn, 秘 bì, 种 chóng,
#   句 gōu, 万 mò (万俟), 尉 yù (尉迟), 莘 xīn, 蕃 bō, 阚 kàn, 郇 xún, 繁 pó, 洗 xiǎn,
#   祭 zhài, 隗 kuí, 朴 piáo, 晟 shèng, 牟 mù, 车 jū).
_COMMON_READINGS_TEXT = """
长 zhang chang|曾 ceng zeng|乐 le yue|行 xing hang|重 zhong chong|朝 chao zhao
传 chuan zhuan|参 can shen|厦 xia sha|卜 bo bu|宿 su xiu|尉 wei yu|屏 ping bing
省 sheng xing|校 xiao jiao|柏 bai bo|朴 pu piao|藏 cang zang|都 dou du|阿 a e
调 diao tiao|降 jiang xiang|薄 bao bo|圈 quan juan|塞 sai se|弹 dan tan|折 zhe she
拓 tuo ta|模 mo mu|没 mei mo|泊 po bo|澄 cheng deng|率 lv shuai|畜 chu xu
着 zhe zhao zhuo|称 cheng chen|纤 xian qian|给 gei ji|胖 pang pan|茜 qian xi
莞 guan wan|茄 qie jia|著 zhu zhuo|蔓 man wan|藉 ji jie|属 shu zhu|差 cha chai
觉 jue jiao|还 hai huan|露 lu lou|靓 jing liang|颤 chan zhan|便 bian pian|佛 fu fo
伽 ga jia qie|劲 jin jing|勒 lei le|卡 ka qia|吁 xu yu|壳 ke qiao|娜 na nuo|扎 zha za
琢 zhuo zuo|的 de di|了 le liao|什 shen shi|似 shi si|仔 zai zi|削 xue xiao|剥 bo bao
咽 yan ye|桔 ju jie|扁 bian pian|俩 lia liang|粘 zhan nian|辟 pi bi|会 hui kuai
单 dan shan|解 jie xie|仇 chou qiu|区 qu ou|查 cha zha|翟 di zhai|盖 gai ge|覃 tan qin
晟 cheng sheng|缪 mou miao miu|召 zhao shao|员 yuan yun|秘 mi bi|种 zhong chong
句 ju gou|万 wan mo|莘 shen xin|蕃 fan bo|车 che ju|乘 cheng sheng|阚 han kan
郇 huan xun|繁 fan po|洗 xi xian|奇 qi ji|祭 ji zhai|牟 mou mu|隗 kui wei
盛 sheng cheng|弄 nong long
"""

# Polyphones of a name whose readings are combined into its sound keys (the others keep
# their first reading), and at most this many keys per name.
_KEYED_POLYPHONES = 2
MAX_SOUND_KEYS = 6

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("r", "l"))
_FUZZY_FINALS = (("eng", "en"), ("ing", "in"), ("ang", "an"))
# hu- and f- merged as speakers in Fujian, Hunan, Guangdong and Guangxi merge them (湖/福,
# 辉/飞, 华/发, 宏/丰), after the other merges (feng → fen).
_HU_F = {
    "hu": "fu",
    "hua": "fa",
    "huan": "fan",
    "huang": "fang",
    "hui": "fei",
    "hun": "fen",
    "huo": "fo",
    "hong": "fen",
}
# Left out of sound keys: a middle dot is not pronounced.
_SILENT = "·"


@cache
def _common_readings() -> dict[str, tuple[str, ...]]:
    table = {}
    for entry in _COMMON_READINGS_TEXT.replace("\n", "|").split("|"):
        if entry.strip():
            char, *found = entry.split()
            table[char] = tuple(found)
    return table


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


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fuzzy_syllable(syllable: str) -> str:
    """A toneless syllable with the fuzzy-pinyin merges (zh→z, ch→c, sh→s, n→l, r→l,
    eng→en, ing→in, ang→an, hu-→f-: hua→fa, hong→fen): 荣/隆, 润/伦, 帆/方."""
    for full, merged in _FUZZY_INITIALS:
        if syllable.startswith(full):
            syllable = merged + syllable[len(full) :]
            break
    for full, merged in _FUZZY_FINALS:
        if syllable.endswith(full):
            syllable = syllable[: -len(full)] + merged
            break
    return _HU_F.get(syllable, syllable)


class _SyllableTable(dict[str, str]):
    """character → toneless (or fuzzy) pinyin of its first reading, filled on first use."""

    def __init__(self, fuzzy: bool) -> None:
        super().__init__()
        self.fuzzy = fuzzy

    def __missing__(self, char: str) -> str:
        found = _pinyin_readings().get(str(ord(char)))
        syllable = char.lower() if found is None else _toneless(found.split(",", 1)[0])
        if self.fuzzy and found is not None:
            syllable = fuzzy_syllable(syllable)
        self[char] = syllable
        return syllable


_EXACT_SYLLABLES = _SyllableTable(fuzzy=False)
_FUZZY_SYLLABLES = _SyllableTable(fuzzy=True)


def syllables(text: str, fuzzy: bool = False) -> list[str]:
    """Toneless pinyin of each character's first reading (ü as v); other characters stand
    for themselves."""
    table = _FUZZY_SYLLABLES if fuzzy else _EXACT_SYLLABLES
    return list(map(table.__getitem__, text))


@lru_cache(maxsize=1 << 14)
def readings(char: str) -> frozenset[str]:
    """The common toneless readings of a character (长: zhang, chang; 肉: rou only); the
    character itself when it has no pinyin."""
    common = _common_readings().get(char)
    if common is not None:
        return frozenset(common)
    return frozenset({_EXACT_SYLLABLES[char]})


@lru_cache(maxsize=1 << 14)
def fuzzy_readings(char: str) -> frozenset[str]:
    """`readings` with the fuzzy-pinyin merges (zh/z, n/l, ing/in …)."""
    if char not in _common_readings():
        return frozenset({_FUZZY_SYLLABLES[char]})
    return frozenset(fuzzy_syllable(reading) for reading in readings(char))


def sound_keys(text: str) -> list[str]:
    """The fuzzy pinyin of `text` (no separators, the middle dot left out), once per
    combination of the common readings of its first polyphones (see the module doc); empty
    for text without a Chinese character."""
    text = text.replace(_SILENT, "")
    if text.isascii():
        return []
    plain = syllables(text, fuzzy=True)
    table = _common_readings()
    positions = [i for i, char in enumerate(text) if char in table][:_KEYED_POLYPHONES]
    if not positions:
        return ["".join(plain)]
    choices = [sorted(fuzzy_readings(text[i])) for i in positions]
    keys = []
    for combination in itertools.islice(itertools.product(*choices), MAX_SOUND_KEYS):
        spelt = list(plain)
        for position, syllable in zip(positions, combination, strict=True):
            spelt[position] = syllable
        keys.append("".join(spelt))
    return sorted(set(keys))
