"""Names of persons and organisations: display form, matching form, parts, fuzzy index keys
(similarity and its explanations: `name_similarity`). Pure functions: no I/O, no Qt, no SQL.

Display form (`clean_display`): the text rule of `desktop_app.models.text` (invisible
characters removed, digits of every script as 0–9, NFKC, stray accents removed), whitespace
collapsed. Matching form (`normalize_name`): the display form without whitespace, one kind
of bracket and middle dot, Cyrillic and Greek look-alikes in a Latin or Chinese name read as
Latin letters, accents taken off Latin letters, simplified characters (OpenCC t2s), Latin
upper-case. Two names are the same name when their matching forms are equal; a store
indexes that form for exact lookups.

Parts (`name_parts`): an organisation's leading places (chained only while each lies in
the one before: 柳州市城中区, not 柳州市泰兴; a place written one slip away from a known one,
候马市, is read as it), its core (brand 字号 + industry 行业, see `split_core`; a place name
before trade words only is the brand: 泰兴食品) and its legal form with any branch (a form
written one slip away from a known one, 有限司, is read as it). What was read through a slip
is kept in `NameParts.corrections`.

Near misses (`fuzzy_keys`): a store files every name under a few keys and, for a query,
fetches the names that share at least one key with the query's keys (`lookup_keys`: also
those of its look-alike spellings, of its doubled characters written once, of a rare
character written as its parts, and of a short name the other way round), and the names
whose keys start with the query's (`prefix_keys`: a brand typed alone or with fewer trade
words, 永辉 → 永辉超市, 漓江源旅游 → 漓江源旅游开发), then ranks them with
`name_similarity.similarity` and keeps those scoring at least `POSSIBLE_MATCH_THRESHOLD`.
No list scan. The keys, all computed on the *core* of the name (without leading region and
legal form, see `name_parts`), cut to its first `KEY_WINDOW` characters:

* ``d:<core>`` and, for cores of 3+ characters, ``d:<core minus one character>`` for each
  position (SymSpell-style deletions). Two names share a key when they differ by one
  missing, extra, substituted or (adjacent) swapped character. For persons the surname is
  never deleted: 张晓伟/王晓伟 is no typo, and the bucket ``d:晓伟`` would be huge. Cores of
  2 characters get no deletions (``d:伟`` would hold every ?伟).
  Cutting at the window keeps long names to at most window+2 keys and still catches an
  error inside the window (the shifted character falls out at the end).
* ``p:<pinyin>``: the toneless pinyin of the core with the common fuzzy-pinyin merges
  (zh/z, ch/c, sh/s, n/l, eng/en, ing/in, hu-/f-) and without the middle dot, so that a
  homophone picked from a pinyin input method (张伟/章伟/张玮) or a dialect confusion (刘/牛,
  湖/福) lands in the same bucket; once per combination of the common readings of the
  core's first polyphones (`pinyin.sound_keys`: 曾志强 under ceng… and zeng…), on the listed
  and the typed side alike, and once more for a transcribed name's other spelling
  (`transliterations`: 扎西多杰 also as 扎西多吉).

So a 2-character person name has 2 keys, a 3-character one 4, a company with a 5-character
core 7 (a sound key more per reading of a polyphone, at most `pinyin.MAX_SOUND_KEYS`). Keys
depend only on the name: a store can keep one row per (key, distinct name) and join to
listings, which collapses the tens of thousands of 张伟 to one row per key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc

from desktop_app.models import pinyin, regions, transliterations, typos
from desktop_app.models import text as text_rules
from desktop_app.models.lookalikes import alternatives, joined, picked_by_hand

# A score from `name_similarity.similarity` at or above this makes a "possible match": a
# homophone (张伟/张玮: 92.5), a look-alike, a swap or a doubled character (90), a dialect
# near-homophone (刘伟/牛伟: 80) is shown, while another character (张伟/王伟, 鑫源贸易/鑫达贸易:
# 70) is not, in short and long names alike (the costs do not depend on the length).
POSSIBLE_MATCH_THRESHOLD = 80.0
KEY_WINDOW = 12
# The version of what a name is filed and looked up under (`normalize_name`, `name_parts`,
# `fuzzy_keys`, `lookup_keys`, `prefix_keys`): raised with every change to them, so that
# what was filed by an older version (the watch keys of re-checks) is filed again.
# 1: issue 13's third round (dot look-alikes, doubled legal forms, numbers in digits, r/l,
# an/ang, shape-derived look-alikes). 2: the fourth round (a query also looked up with its
# trade words' synonyms, a county written short or in full, more hand-picked look-alikes);
# what lists.db files (`fuzzy_keys`, `name_parts`) is unchanged, only watched subjects'
# keys are made again.
KEYING_VERSION = 2

_WHITESPACE_RE = re.compile(r"\s+")
# After NFKC: （）［］｛｝ are already ASCII. Every other bracket pair becomes ( ), every middle
# dot the U+00B7 used in transcribed minority and foreign names (`text.middle_dots`).
_MATCH_TABLE = str.maketrans(
    {
        **dict.fromkeys("[【〔〖{〈《", "("),
        **dict.fromkeys("]】〕〗}〉》", ")"),
        **dict.fromkeys(text_rules.DOT_LOOKALIKES, text_rules.MIDDLE_DOT),
    }
)


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
    """True when `text` has no whitespace.

    After the text rule every whitespace character but the ASCII space is unprintable
    (str.isprintable), so two quick checks replace a regular-expression substitution for
    most names.
    """
    return text.isprintable() and " " not in text


def clean_display(text: str) -> str:
    """The form a clerk sees: the text rule (`text.clean_text`), whitespace collapsed to one
    space, trimmed."""
    text = text_rules.clean_text(text)
    if _plain(text):
        return text
    return _WHITESPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)
def normalize_name(text: str) -> str:
    """The matching form of a name (see the module docstring)."""
    text = text_rules.clean_for_matching(text)
    if not _plain(text) or _MATCH_CHARS_RE.search(text):
        text = _WHITESPACE_RE.sub("", text.translate(_MATCH_TABLE))
    if not text.isascii():
        if _traditional_chars().search(text):
            text = _t2s().convert(text)
        if text_rules.has_middle_dot_stand_in(text):
            # A full stop, 。 or a hyphen between two Chinese characters is a middle dot typed
            # with the wrong key; a hyphen only outside organisations' names (中国-东盟).
            text = text_rules.middle_dots(text, hyphens=not _ORG_WORDS_RE.search(text))
    upper = text.upper()
    # The same object when nothing changed (most Chinese names): list imports keep and
    # send both forms of millions of names.
    return text if upper == text else upper


@dataclass(frozen=True)
class NameParts:
    """A name split for matching (all parts in matching form).

    region: a leading place (柳州市, (柳州), 广西壮族自治区柳州市) or a place inside an
    organisation's name, in brackets or before its trade words (华信(柳州)汽车, 华信柳州汽车);
    core: what identifies the subject (字号 + 行业 for organisations, the whole name for
    persons); suffix: the legal form (有限公司, 股份有限公司, 合伙企业(有限合伙),
    (特殊普通合伙), …, with a branch such as 柳州分公司 or 五一路店).

    A region or legal form written one slip away from a known one (`typos.slip`: 候马市,
    呼和特市, 有限司, 限有公司, 广西分司) is read as the known one; `corrections` keeps what
    was written: (part, as written, as read), part "region" or "legal_form".
    """

    region: str | None
    core: str
    suffix: str | None
    is_organization: bool
    corrections: tuple[tuple[str, str, str], ...] = ()


_LEGAL_FORM = (
    r"(?:集团)?股份(?:有限)?公司|有限责任公司|集团有限公司|有限公司|集团公司|公司"
    r"|合伙企业\((?:有限|普通|特殊普通)合伙\)|\((?:有限|普通|特殊普通)合伙\)"
    r"|(?:有限|普通|特殊普通)?合伙企业|\((?:个人独资企业|个体工商户)\)|个人独资企业|个体工商户"
    r"|(?:农民)?专业合作(?:联)?社|(?:股份)?经济合作社|股份合作(?:社|公司|企业)|合作社"
)
# Branch words, those that name one only after a legal form (…有限公司五一路店), and the
# slips of the longer ones (分司 for 分公司) that a legal form before them makes certain.
_BRANCH_WORDS = ("分公司", "分厂", "分店", "分行", "支行", "营业部", "办事处", "门市部", "分理处")
_BRANCH = "(?:{})".format("|".join(_BRANCH_WORDS))
BRANCH_AFTER_FORM = ("店", "门店", "门市")


def _branch_slips() -> dict[str, str]:
    found: dict[str, str] = {}
    for word in _BRANCH_WORDS:
        if len(word) < 3:
            continue
        spellings = {word[:i] + word[i + 1 :] for i in range(len(word))}  # dropped
        spellings |= {word[: i + 1] + word[i:] for i in range(len(word))}  # doubled
        spellings |= {
            word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)
        }  # swapped
        for spelling in spellings - {word, "公司", "分公", "营业", "业部"}:
            found.setdefault(spelling, word)
    return found


_BRANCH_SLIPS = _branch_slips()
BRANCH_ANY = "(?:{})".format(
    "|".join(sorted((*_BRANCH_WORDS, *BRANCH_AFTER_FORM, *_BRANCH_SLIPS), key=len, reverse=True))
)
_SUFFIX_RE = re.compile(
    rf"(?:(?P<form>{_LEGAL_FORM})(?:.{{0,10}}?(?P<branch>{BRANCH_ANY}))?|{_BRANCH})$"
)
# Every legal form and branch word ends with one of these: most names skip the regex.
_SUFFIX_LAST_CHARS = frozenset("司)业户社厂店行部处市")
# Legal forms read through a slip (有限司, 有限限公司, 限有公司, 有线公司), longest first, and
# the characters a name's last four must include for one to be looked for at all.
_SLIP_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "合伙企业", "专业合作社")
_SLIP_FORM_CHARS = frozenset("有限公司责任股份集团合伙企业专作社")
_BRANCH_AFTER_RE = re.compile(rf".{{1,10}}?{BRANCH_ANY}")
_BRACKET_RE = re.compile(r"\(([^()]{2,16})\)")
# Words that make a name an organisation's wherever they stand, and single characters that
# do so at the end of a name of 4+ characters (a person's name is rarely that long).
_ORG_WORDS_RE = re.compile(
    r"公司|企业|集团|合作社|事务所|工作室|经营部|门市|商行|商店|超市|中心|医院|诊所|药房|学校"
    r"|大学|学院|中学|小学|幼儿园|协会|委员会|银行|政府|研究|酒店|宾馆|饭店|餐厅|贸易|商贸|科技|建筑"
    r"|工程|投资|实业|置业|房地产|物流|装饰|劳务|餐饮|农场|养殖|种植|运输|汽车|电子|机械"
    r"|LTD|LIMITED|INC\b|LLC|CORP|GMBH|CO\."
)
_ORG_LAST_CHARS = frozenset("厂店社局站馆所院场部队村处室行会园")
_PERSON_MAX_LEN = 5

# Words naming a trade (行业) at the end of an organisation's core, after its brand (字号):
# 鑫源 + 贸易, 永辉 + 超市, 鑫源 + 建筑 + 装饰 + 工程, 华鼎 + 精密 + 模具; and the kind of
# establishment that individual businesses, schools and firms end with (店, 商行, 中心, 学校,
# 事务所). The vocabulary of trade words in registered Chinese company names (the words of
# the national industry classification as names use them), written by hand.
INDUSTRY_WORDS = frozenset(
    (  # noqa: SIM905
        "贸易 商贸 工贸 经贸 物贸 商业 商务 实业 投资 置业 控股 集团 发展 开发 建设 建筑 建工 "
        "建材 工程 劳务 装饰 装修 装潢 设计 房地产 地产 房产 物业 物流 运输 货运 客运 快递 "
        "仓储 供应链 冷链 科技 技术 网络 信息 软件 数据 智能 电子 电器 电气 家电 通信 通讯 "
        "数码 电脑 机械 设备 机电 机床 电机 五金 汽车 汽配 配件 零部件 摩托车 电动车 销售 "
        "维修 安装 加工 制造 制品 餐饮 快餐 小吃 火锅 管理 服务 咨询 顾问 中介 经纪 代理 "
        "广告 传媒 传播 文化 影视 演艺 娱乐 会展 策划 营销 摄影 婚庆 教育 培训 旅游 旅行社 "
        "酒店 宾馆 旅馆 酒家 酒楼 餐馆 餐厅 饭馆 食府 食品 农业 林业 牧业 渔业 农牧 农牧业 农林 "
        "种植 养殖 畜牧 种业 肥业 农资 果蔬 果业 花木 花卉 苗木 园林 园艺 绿化 水产 茶叶 "
        "茶业 参业 乳业 酒业 肉业 禽业 粮油 米业 油脂 饲料 调味品 饮料 饮品 烘焙 化工 "
        "化学 医药 制药 药业 中药 饮片 药材 药房 药店 医疗 器械 诊所 门诊部 医院 口腔 康复 "
        "养老 健康 护理 生物 生态 环保 环境 水务 燃气 能源 电力 新能源 光伏 光电 照明 "
        "电池 煤业 煤炭 焦化 矿业 矿产 石油 石化 稀土 钢铁 钢材 金属 冶金 铸造 铝业 铜业 "
        "管业 阀门 材料 新材料 精密 模具 塑料 塑业 橡胶 纸业 纸品 印刷 印务 包装 纺织 "
        "家纺 针织 服装 服饰 鞋业 皮革 箱包 眼镜 钟表 珠宝 首饰 饰品 工艺品 礼品 玩具 "
        "文具 体育 艺术 健身 美容 美发 化妆品 日化 家具 家居 木业 门窗 卫浴 厨具 石材 陶瓷 "
        "玻璃 涂料 水泥 混凝土 商砼 砂石 防水 钢结构 幕墙 路桥 市政 交通 水利 水电 检测 "
        "测绘 勘察 监理 造价 保安 保洁 家政 清洁 物资 回收 再生资源 租赁 担保 保险 典当 "
        "拍卖 电商 超市 百货 商场 商行 商店 商铺 门市 门店 专卖店 经营部 门市部 "
        "批发部 服务部 维修部 饭店 修理厂 工厂 制造厂 "
        "中心 学校 幼儿园 事务所 律师事务所 会计师事务所 工作室 俱乐部 "
        "厂 店 馆 坊"
    ).split()
)
# Trade words that stand for one another in names (a shop written 店 or 商行, a works 厂 or
# 加工厂): one family each.
_TRADE_FAMILIES = (
    "店 商店 商行 商铺 门市 门店 门市部 经营部 专卖店",
    "厂 工厂 制造厂",
    "传媒 传播",
    "贸易 商贸",
    "科技 技术",
    "餐馆 餐厅 饭馆 酒家 酒楼 食府",
)
_TRADE_FAMILY = {word: family.split()[0] for family in _TRADE_FAMILIES for word in family.split()}
_INDUSTRY_LENGTHS = tuple(sorted({len(w) for w in INDUSTRY_WORDS}, reverse=True))

# Trade words that name nearly the same trade (近义行业用语): companies register one and
# clerks, lists and the companies themselves write the other (建筑工程 / 建设工程, 装饰 / 装修,
# 农业开发 / 农业发展, 建材 / 建筑材料, 医药 / 药业, 物业管理 / 物业服务, 劳务派遣 / 劳务服务,
# 汽车销售 / 汽车贸易 / 汽车销售服务, 餐饮 / 饮食服务). Unlike a family (`_TRADE_FAMILIES`) the
# words do not say quite the same thing, so a name written with the other word is a possible
# match at a cost (`name_similarity.INDUSTRY_SYNONYM_COST`), never the same name. Written by
# hand from the pairs of trade words that registered company names use for one trade; a
# word or phrase may stand in one group only. Phrases here (劳务派遣, 饮食服务) are read as
# one trade word when names are compared, not when they are split (`split_core`).
_TRADE_SYNONYMS = (
    "建设 建筑 建工",
    "装饰 装修 装潢",
    "开发 发展",
    "建材 建筑材料",
    "医药 药业 制药",
    "管理 服务",
    "劳务派遣 劳务服务",
    "贸易 商贸 销售 销售服务",
    "餐饮 饮食 饮食服务",
    "房地产 房产 地产 置业",
    "电商 电子商务",
    "汽配 汽车配件",
    "咨询 顾问",
    "保洁 清洁",
    "店 馆",
)
_SYNONYM_OF = {word: group.split()[0] for group in _TRADE_SYNONYMS for word in group.split()}
_SYNONYM_GROUP = {word: tuple(group.split()) for group in _TRADE_SYNONYMS for word in group.split()}
_SENSE_WORDS = INDUSTRY_WORDS | frozenset(_SYNONYM_OF)
# Any word that `trade_sense` may read as a synonym's (the groups' words and the words of
# the families they hold): a core without one has no synonym to read.
_SYNONYM_RE = re.compile(
    "|".join(
        sorted(
            {*_SYNONYM_OF, *(w for w, head in _TRADE_FAMILY.items() if head in _SYNONYM_OF)},
            key=len,
            reverse=True,
        )
    )
)


def has_trade_synonym(core: str) -> bool:
    """Whether a core holds a trade word of a synonym group (`_TRADE_SYNONYMS`)."""
    return _SYNONYM_RE.search(core) is not None


_SENSE_LENGTHS = tuple(sorted({len(w) for w in _SENSE_WORDS}, reverse=True))


@lru_cache(maxsize=1 << 16)
def _trade_words(text: str) -> tuple[str, ...]:
    """The trade words that make up the longest end of `text` made only of them, in order
    (永兴五金加工厂 → 五金, 加工, 厂: not 工厂, which would leave 加 to the brand). Where two
    segmentations cover as much, the one with fewer words."""
    return _segment(text, INDUSTRY_WORDS, _INDUSTRY_LENGTHS)


def _segment(text: str, vocabulary: frozenset[str], lengths: tuple[int, ...]) -> tuple[str, ...]:
    """The words of `vocabulary` that make up the longest end of `text` (see `_trade_words`)."""
    # best[i]: the fewest words that make up text[i:], None when it cannot be made up.
    best: list[tuple[str, ...] | None] = [None] * (len(text) + 1)
    best[len(text)] = ()
    start = len(text)
    for i in range(len(text) - 1, -1, -1):
        for length in lengths:
            rest = best[i + length] if i + length <= len(text) else None
            if rest is not None and text[i : i + length] in vocabulary:
                found = (text[i : i + length], *rest)
                if best[i] is None or len(found) < len(best[i] or ()):
                    best[i] = found
        if best[i] is not None:
            start = i
    return best[start] or ()


def industry_words(industry: str) -> tuple[str, ...]:
    """The trade words of an industry (`split_core`'s second part), each as its family's
    first word (商行 → 店): 汽车销售服务 → (汽车, 销售, 服务)."""
    return tuple(_TRADE_FAMILY.get(word, word) for word in _trade_words(industry))


@lru_cache(maxsize=1 << 16)
def split_core(core: str) -> tuple[str, str]:
    """(brand, industry) of an organisation's core: the longest end made of trade words is
    the industry (鑫源建筑装饰工程 → 鑫源, 建筑装饰工程; 永兴五金加工厂 → 永兴, 五金加工厂). A
    core with no trade word at its end is all brand; a core that is all trade words has no
    brand."""
    length = sum(map(len, _trade_words(core)))
    return core[: len(core) - length], core[len(core) - length :]


@lru_cache(maxsize=1 << 16)
def trade_sense(core: str) -> tuple[str, tuple[str, ...]]:
    """(brand, trade) of an organisation's core with its trade words read for their sense:
    each word as its family's first (`industry_words`), then as its synonym group's first
    (`_TRADE_SYNONYMS`), and the phrases of the groups as one word (劳务派遣, 饮食服务):
    宏建建筑工程 and 宏建建设工程 both give (宏建, (建设, 工程)), 众力劳务服务 gives
    (众力, (劳务派遣,))."""
    words = _segment(core, _SENSE_WORDS, _SENSE_LENGTHS)
    brand = core[: len(core) - sum(map(len, words))]
    sense = []
    for word in words:
        word = _TRADE_FAMILY.get(word, word)
        sense.append(_SYNONYM_OF.get(word, word))
    return brand, tuple(sense)


def synonym_spellings(core: str, limit: int = 6) -> list[str]:
    """A core with one trade word written as each of its synonyms (`_TRADE_SYNONYMS`):
    宏建建设工程 → 宏建建筑工程, 宏建建工工程. What a query is also looked up under, so that
    a listing registered with the other word is found by its own keys."""
    words = _segment(core, _SENSE_WORDS, _SENSE_LENGTHS)
    brand = core[: len(core) - sum(map(len, words))]
    if not brand:
        return []
    found: list[str] = []
    for position, word in enumerate(words):
        for other in _SYNONYM_GROUP.get(word, ()):
            if other != word:
                spelt = (*words[:position], other, *words[position + 1 :])
                found.append(brand + "".join(spelt))
    return found[:limit]


# Trade words that are also common given names (欧阳建设, 司马文化): no sign of a company alone.
_GIVEN_NAME_TRADES = frozenset("建设 发展 文化 信息 技术 设计 服务 管理 开发 健康 生态".split())  # noqa: SIM905


def _ends_with_industry(name: str) -> bool:
    brand, industry = split_core(name)
    return len(industry) >= 2 and len(brand) >= 2 and industry not in _GIVEN_NAME_TRADES


def _is_organization(name: str, suffix: str | None) -> bool:
    if suffix or _ORG_WORDS_RE.search(name):
        return True
    # Lists add aliases in brackets (张伟(又名张三)); Latin names are judged by keywords only.
    bare = _BRACKET_RE.sub("", name) if "(" in name else name
    if "·" in bare or bare.isascii():
        return False
    if len(bare) >= 4 and _ends_with_industry(bare):  # 鑫源五金, 永辉超市
        return True
    if len(bare) >= 3 and bare[1] == "记" and bare[0] in _SURNAMES:  # 李记螺蛳粉: a shop
        return True
    return len(bare) > _PERSON_MAX_LEN or (len(bare) >= 4 and bare[-1] in _ORG_LAST_CHARS)


def long_personal_name(parts: NameParts) -> bool:
    """Whether an organisation's name is one only by its length: six to eight Chinese
    characters without a region, legal form, trade word or word of organisations, as a
    Mongolian or Tibetan person's name written without a dot is (乌日根毕力格)."""
    core = parts.core
    return (
        parts.is_organization
        and not parts.region
        and not parts.suffix
        and _PERSON_MAX_LEN < len(core) <= 8
        and not core.isascii()
        and "(" not in core
        and core[-1] not in _ORG_LAST_CHARS
        and not split_core(core)[1]
        and not _ORG_WORDS_RE.search(core)
    )


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


def _leading_places(rest: str) -> tuple[int, int, list[tuple[str, str]]]:
    """(how many leading characters of `rest` are place names, chained: 广西柳州市城中区;
    where the last of them starts; the places among them written with a slip, as written
    and as read: 候马市 → 侯马市, see `regions.misspelt_place`)."""
    places, _bracketed, by_first = _places()
    end = last = 0
    previous = ""
    slips: list[tuple[str, str]] = []
    while end < len(rest):
        for length in by_first.get(rest[end], ()):
            # Keep at least two characters of core after the places; longest name first. A
            # place that does not lie in the one before it starts the core (柳州市泰兴食品).
            place = rest[end : end + length]
            if (
                end + length <= len(rest) - 2
                and place in places
                and (not end or regions.nests_in(place, previous))
            ):
                last, end, previous = end, end + length, place
                break
        else:
            read = _misspelt_place(rest, end, previous)
            if read is None:
                return end, last, slips
            slips.append((rest[end : end + len(read[0])], read[1]))
            last, end, previous = end, end + len(read[0]), read[1]
    return end, last, slips


def _misspelt_place(rest: str, start: int, previous: str) -> tuple[str, str] | None:
    """(as written, as read) of a place one slip away from a known one at `start` of
    `rest` (ending with 市, 区 …, inside `previous` when there is one), or None."""
    for end in range(min(len(rest) - 2, start + 9), start + 2, -1):
        if rest[end - 1] not in regions.ADMIN_ENDINGS:
            continue
        written = rest[start:end]
        read = regions.misspelt_place(written)
        if read is not None and (not previous or regions.nests_in(read, previous)):
            return written, read
    return None


def _suffix(name: str) -> tuple[str | None, tuple[tuple[str, str, str], ...]]:
    """(legal form with any branch, as read; the slips read through) at the end of `name`.

    A legal form whose first part is written twice (有限有限公司, 有限公司有限公司) is read
    once, as a character typed twice is."""
    suffix, corrections = _suffix_once(name)
    if suffix is None or corrections:
        return suffix, corrections
    rest = name[: len(name) - len(suffix)]
    for length in range(len(suffix), 1, -1):
        doubled = suffix[:length]
        if rest.endswith(doubled) and len(rest) - length >= 2:
            return suffix, (("legal_form", doubled + suffix, suffix),)
    return suffix, corrections


def _suffix_once(name: str) -> tuple[str | None, tuple[tuple[str, str, str], ...]]:
    match = _SUFFIX_RE.search(name) if name[-1:] in _SUFFIX_LAST_CHARS else None
    if match and match.start() >= 2:
        suffix, form, branch = match.group(), match.group("form"), match.group("branch")
        if form != "公司":  # 有限公公司 and 限有公司 end with 公司: look for a slip first
            return _read_branch_slip(suffix, branch)
    slipped = _slipped_form(name) if len(name) >= 6 else None
    if slipped is not None:
        return slipped
    if match and match.start() >= 2:
        return _read_branch_slip(match.group(), match.group("branch"))
    return None, ()


def _read_branch_slip(
    suffix: str, branch: str | None
) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """A suffix with a branch word written with a slip (广西分司) read as the word."""
    for slip_, word in _BRANCH_SLIPS.items():
        if branch and suffix.endswith(slip_) and not suffix.endswith(word):
            read = suffix[: -len(slip_)] + word
            return read, (("legal_form", suffix, read),)
    return suffix, ()


def _slipped_form(name: str) -> tuple[str, tuple[tuple[str, str, str], ...]] | None:
    """A legal form one slip away from a known one (有限司, 有限限公司, 限有公司), at the end
    of the name or before a branch (…有限司广西分公司)."""
    if not _SLIP_FORM_CHARS & set(name[-4:]) and not _BRANCH_AFTER_RE.search(name):
        return None
    for end in range(len(name), max(len(name) - 14, 4), -1):
        after = name[end:]
        if after and not _BRANCH_AFTER_RE.fullmatch(after):
            continue
        if not _SLIP_FORM_CHARS & set(name[end - 2 : end]):
            continue
        for form in _SLIP_FORMS:
            for length in (len(form) + 1, len(form), len(form) - 1):
                start = end - length
                written = name[start:end]
                if start >= 2 and typos.slip(written, form):
                    read, corrections = _read_branch_slip(form + after, after or None)
                    if corrections:
                        return None  # two slips: too far to read
                    return read, (("legal_form", written + after, read),)
    return None


@lru_cache(maxsize=1 << 16)
def name_parts(text: str) -> NameParts:
    """Split a name into region, core and legal form, and tell persons from organisations.

    Persons are never split: their core is the whole matching form.
    """
    name = _school(normalize_name(text))
    suffix, corrections = _suffix(name)
    if not _is_organization(name, suffix):
        return NameParts(None, name, None, False)
    written_suffix = corrections[0][1] if corrections else suffix
    rest = name[: len(name) - len(written_suffix)] if written_suffix else name
    region = None
    leading = _BRACKET_RE.match(rest)
    places = _places()[1]
    if leading and leading.group(1) in places and len(rest) - leading.end() >= 2:
        region, rest = leading.group(1), rest[leading.end() :]
    else:
        end, last, slips = _leading_places(rest)
        # A short place name right before a core of trade words only is the brand (柳州市泰兴
        # 食品: 泰兴 is a county-level city and this company's 字号).
        if end and rest[end - 1] not in regions.ADMIN_ENDINGS and not split_core(rest[end:])[0]:
            end = last
        if end:
            region, rest = rest[:end], rest[end:]
            for written, read in slips:
                corrections += (("region", written, read),)
                region = region.replace(written, read, 1)
    # A place inside the name, in brackets (华润(柳州)置业) or right before its trade words
    # (华信柳州汽车零部件), is a region too.
    for inner in _BRACKET_RE.finditer(rest):
        if inner.group(1) in places and len(rest) - len(inner.group()) >= 2:
            region = region or inner.group(1)
            rest = rest.replace(inner.group(), "", 1)
            break
    else:
        inner_place = _place_before_trade(rest)
        if inner_place is not None:
            start, place = inner_place
            region = region or place
            rest = rest[:start] + rest[start + len(place) :]
    if "(集团)" in rest and len(rest) > 6:
        # 鸿达(集团)实业有限公司: the group is part of the legal form (集团有限公司).
        rest = rest.replace("(集团)", "", 1)
        suffix = "集团" + (suffix or "")
    return NameParts(region, rest, suffix, True, corrections)


@cache
def _short_counties() -> dict[str, dict[str, tuple[str, ...]]]:
    """First character → short form → full name of the counties, districts and county-level
    cities as names write them after their prefecture without 县/区/市/旗 (田阳 for 田阳区,
    綦江 for 綦江区, 祥云 for 祥云县); short forms that are ordinary words at the start of a
    company's name (`regions.short_place_names`' exceptions) are left out."""
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    ambiguous = regions.AMBIGUOUS_SHORT_NAMES
    codes = regions.place_codes()
    for place in sorted(regions.place_names()):
        if (
            len(place) >= 3
            and place[-1] in "县区市旗"
            and place[:-1] not in ambiguous
            and any(len(code) == 6 for code in codes.get(place, ()))
        ):
            by_short = found.setdefault(place[0], {})
            by_short[place[:-1]] = (*by_short.get(place[:-1], ()), place)
    return found


@lru_cache(maxsize=1 << 12)
def _last_place(region: str) -> str | None:
    """The last known place of a region (广西百色 → 百色, 重庆市綦江区 → 綦江区)."""
    bare = region.strip("()")
    end, last, _slips = _leading_places(bare + "名称")
    return bare[last:end] if end == len(bare) else None


def county_reading(parts: NameParts, other_region: str | None = None) -> NameParts | None:
    """An organisation's name read with a county written short after its region (广西百色
    田阳壮乡芒果种植: 田阳区 of 百色, 重庆綦江东溪古镇旅游开发: 綦江区 of 重庆, 云南大理祥云
    云岭建材: 祥云县 of 大理) as a region: the county moved from the core to the region; None
    when the core does not start with a county of the region, or what follows has no brand
    (柳州市柳城食品: 柳城 is the brand). Of a county's names (田阳县, now 田阳区) the one
    `other_region` writes, else the first."""
    if not parts.is_organization or not parts.region or len(parts.core) < 5:
        return None
    counties = _short_counties().get(parts.core[0], {})
    if parts.core[:2] not in counties and parts.core[:3] not in counties:
        return None  # most names: no county starts the core
    outer = _last_place(parts.region)
    if outer is None:
        return None
    for length in (3, 2):
        rest = parts.core[length:]
        fulls = [f for f in counties.get(parts.core[:length], ()) if regions.contains(outer, f)]
        if not fulls or len(rest) < 3:
            continue
        written = [f for f in fulls if other_region and f in other_region]
        full = (written or fulls)[0]
        if len(split_core(rest)[0]) >= 2:
            region = parts.region + full
            return NameParts(region, rest, parts.suffix, True, parts.corrections)
    return None


def county_written_short(parts: NameParts) -> str | None:
    """The core of an organisation whose region ends with a county, with the county written
    short before it (百色市田阳区 + 壮乡芒果种植 → 田阳壮乡芒果种植): how a list that writes
    the region short files it. None for other names."""
    if not parts.is_organization or not parts.region:
        return None
    last = _last_place(parts.region)
    if last is None or len(last) < 3 or last[-1] not in "县区市旗":
        return None
    if last not in _short_counties().get(last[0], {}).get(last[:-1], ()):
        return None
    return last[:-1] + parts.core


_SCHOOL_SHORT_RE = re.compile("(.{2,}?)第?([一二三四五六七八九十]{1,3})([中小])")


def _school(name: str) -> str:
    """A school as people shorten it after its place (南宁市二中, 柳州三小) written out
    (南宁市第二中学, 柳州第三小学); other names as they are."""
    if name[-1:] not in "中小":
        return name
    match = _SCHOOL_SHORT_RE.fullmatch(name)
    if match is None or _leading_places(match.group(1) + "学校")[0] != len(match.group(1)):
        return name
    return f"{match.group(1)}第{match.group(2)}{match.group(3)}学"


def _place_before_trade(core: str) -> tuple[int, str] | None:
    """(where, which) place of a province or a city stands between a brand of two or more
    characters and trade words only (华信柳州汽车零部件: 柳州), or None."""
    cities = regions.city_names()
    by_first = _places()[2]
    for start in range(2, len(core) - 2):
        for length in by_first.get(core[start], ()):
            place = core[start : start + length]
            if place in cities and start + length < len(core):
                brand, industry = split_core(core[start + length :])
                if industry and not brand:
                    return start, place
    return None


def name_core(text: str) -> str:
    """The normalised core of a name (for persons: the normalised name)."""
    return name_parts(text).core


# --- pinyin (see `pinyin`) ------------------------------------------------------------

readings = pinyin.readings
fuzzy_syllable = pinyin.fuzzy_syllable


def pinyin_syllables(text: str, fuzzy: bool = False) -> list[str]:
    """Toneless pinyin of each character (ü as v); other characters stand for themselves."""
    return pinyin.syllables(text, fuzzy)


# --- fuzzy keys -----------------------------------------------------------------------


_DIGIT_WORDS = "〇一二三四五六七八九"


def _written_out(number: str) -> str:
    """A number of up to three Arabic digits as it is written in Chinese: 24 → 二十四,
    10 → 十, 105 → 一百零五; with a leading zero digit by digit (07 → 〇七)."""
    if len(number) > 1 and number[0] == "0":
        return "".join(_DIGIT_WORDS[int(d)] for d in number)
    value = int(number)
    if value < 10:
        return _DIGIT_WORDS[value]
    hundreds, tens, ones = value // 100, value // 10 % 10, value % 10
    text = _DIGIT_WORDS[hundreds] + "百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else _DIGIT_WORDS[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    return text + (_DIGIT_WORDS[ones] if ones else "")


def digits_written_out(core: str) -> str:
    """`core` with its numbers of up to three Arabic digits written in Chinese numerals
    (第24中学 → 第二十四中学): the similarity compares numbers by value, so the keys file
    both writings together."""
    if not any("0" <= char <= "9" for char in core):
        return core
    return re.sub(r"(?<![0-9])[0-9]{1,3}(?![0-9])", lambda m: _written_out(m.group()), core)


@lru_cache(maxsize=1 << 16)
def _keys(core: str, is_organization: bool) -> tuple[str, ...]:
    window = digits_written_out(core)[:KEY_WINDOW]
    keys = {"d:" + window}
    if len(window) >= 3:
        first = 0 if is_organization else 1
        keys.update(["d:" + window[:i] + window[i + 1 :] for i in range(first, len(window))])
    if len(window) >= 2:
        keys.update("p:" + key for key in pinyin.sound_keys(window))
        if transliterations.spellings(window):  # 扎西多杰 is filed as 扎西多吉 sounds too
            keys.update("p:" + key for key in pinyin.sound_keys(transliterations.canonical(window)))
    return tuple(sorted(keys))


def fuzzy_keys(text: str) -> list[str]:
    """Index keys under which near misses of this name are filed (see the module docstring).

    An empty name has no keys.
    """
    parts = name_parts(text)
    if not parts.core:
        return []
    return list(_keys(parts.core, parts.is_organization))


# At most this many look-alike or other-reading spellings of a query are looked up.
_QUERY_VARIANTS = 8


def _variants(core: str) -> list[str]:
    """Spellings of a query core with one character replaced by a look-alike (己 for 已): the
    hand-picked look-alikes of every position first, then the shape-derived ones, so that
    one character with many shape-derived look-alikes (田: 由甲申 …) does not use up the
    spellings of the others."""
    picked, derived = [], []
    for position, char in enumerate(core[:KEY_WINDOW]):
        for other in alternatives(char):
            spelling = core[:position] + other + core[position + 1 :]
            (picked if picked_by_hand(char, other) else derived).append(spelling)
    return (picked + derived)[:_QUERY_VARIANTS]


_DOUBLED_RE = re.compile(r"(.)\1+")


def collapse_doubled(text: str) -> str:
    """`text` with each run of one character written once (张伟伟 → 张伟)."""
    return _DOUBLED_RE.sub(r"\1", text) if _DOUBLED_RE.search(text) else text


def lookup_keys(text: str) -> list[str]:
    """The keys a query looks up: its `fuzzy_keys` and those of its look-alike spellings, of
    its spelling with doubled characters written once, with a rare character written whole
    (陶吉吉 → 陶喆), and of a two-character name or a transcribed name's two parts the other
    way round."""
    parts = name_parts(text)
    if not parts.core:
        return []
    core = parts.core
    keys = dict.fromkeys(_keys(core, parts.is_organization))
    # A look-alike spelling is looked up as a whole: its one character is the typo.
    keys.update(dict.fromkeys("d:" + variant[:KEY_WINDOW] for variant in _variants(core)))
    collapsed = collapse_doubled(core)
    variants = [collapsed] if collapsed != core else []
    if len(core) == 2 and not parts.is_organization:
        variants.append(core[::-1])  # 林王 for 王林: no deletion key reaches it
    if core.count("·") == 1:
        given, _dot, father = core.partition("·")
        variants.append(f"{father}·{given}")  # the parts in the other order
    if joined(core) != core:
        variants.append(joined(core))  # 陶吉吉 for 陶喆
    county = county_reading(parts)
    if county is not None:  # 广西百色田阳壮乡芒果种植: filed as 壮乡芒果种植 under 田阳区
        variants.append(county.core)
    short = county_written_short(parts)
    if short is not None:  # 百色市田阳区壮乡芒果种植: filed as 田阳壮乡芒果种植 under 百色
        keys["d:" + digits_written_out(short)[:KEY_WINDOW]] = None
    if parts.is_organization:
        # The trade written with a near-synonym (建设工程 for 建筑工程): looked up as a whole.
        keys.update(
            dict.fromkeys(
                "d:" + digits_written_out(spelling)[:KEY_WINDOW]
                for spelling in synonym_spellings(core)
            )
        )
    for variant in variants:
        keys.update(dict.fromkeys(_keys(variant, parts.is_organization)))
    return list(keys)


def brand_query(text: str) -> str | None:
    """The core of a query that may be a brand typed alone (永辉 for 永辉超市股份有限公司, 金瓯
    for 金瓯眼镜有限公司): two to four characters, no legal form, not clearly a person's name
    (`person_likeness` is not "strong": 张伟 is looked up as a person only). Stores look it
    up as the start of organisations' cores."""
    parts = name_parts(text)
    core = parts.core
    if parts.suffix or parts.region or not 2 <= len(core) <= 4 or core.isascii():
        return None
    if parts.is_organization:
        return None if split_core(core)[1] else core
    return None if person_likeness(core) == "strong" else core


def prefix_keys(text: str) -> list[str]:
    """Key prefixes under which a store looks for organisations' cores that extend the
    query's: a brand typed alone (永辉 → 永辉超市), a brand with fewer trade words than listed
    (漓江源旅游 → 漓江源旅游开发, 华鼎模具 → 华鼎精密模具), also by sound (a homophone in the
    brand). Narrowest first; empty for persons."""
    parts = name_parts(text)
    core = parts.core[:KEY_WINDOW]
    if len(core) < 2 or core.isascii():
        return []
    if not parts.is_organization and brand_query(text) is None:
        return []
    found = ["d:" + core, *("p:" + key for key in pinyin.sound_keys(core))]
    brand, industry = split_core(core)
    if industry and len(brand) >= 2:
        found.append("d:" + brand)
    return found


# The commonest surnames (about 85 % of people).
_SURNAMES = frozenset(
    (  # noqa: SIM905
        "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 高 罗 郑 梁 谢 宋 唐 许 韩 冯 "
        "邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 "
        "陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 "
        "贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 施 文 牛 樊 葛 邢 安 齐 易 "
        "乔 伍 庞 颜 倪 庄 聂 章 鲁 岳 翟 殷 詹 申 欧 耿 关 兰 焦 俞 左 柳 甘 祝 包 宁 尚 符 "
        "舒 阮 柯 纪 梅 童 凌 毕 单 季 裴 霍 涂 成 苗 谷 盛 曲 翁 冉 骆 蓝 路 游 辛 靳 管 "
        "柴 蒙 鲍 华 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 穆 农 司 卓 古 吉 缪 简 车 项 "
        "连 芦 麦 褚 娄 窦 戚 岑 景 党 宫 费 卜 冷 晏 席 卫 米 柏 宗 瞿 桂 全 佟 应 臧 闵 "
        "苟 邬 边 卞 姬 师 和 仇 栾 隋 商 刁 沙 荣 巫 寇 桑 郎 甄 丛 仲 虞 敖 巩 明 佘 池 "
        "查 麻 苑 迟 邝"
    ).split()
)
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯".split()  # noqa: SIM905
)


def looks_like_surname(text: str) -> bool:
    """Whether `text` is a common surname alone (王, 欧阳)."""
    return text in _SURNAMES or text in _COMPOUND_SURNAMES


def looks_like_person(core: str) -> bool:
    """A core of two to four characters that starts with a common surname: a person's name
    rather than a brand typed alone."""
    if core[:2] in _COMPOUND_SURNAMES:
        return 3 <= len(core) <= 4
    return core[:1] in _SURNAMES and 2 <= len(core) <= 3


# Characters common in given names, written by hand from the published lists of the
# commonest given names (men's and women's): a core of a common surname and these only is
# read as a person's name, not a brand (张伟, 王建国; but 金瓯, 蒙源 may be brands).
_GIVEN_NAME_CHARS = frozenset(
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红玲建文辉力林鹏飞斌宇浩凯健俊"
    "帆帅旭宁龙欢阳佳丹晨琳颖婷雪慧倩悦晶妍月凤琴云洁蓉薇璐珊琪露瑶怡婉蕾媛嘉晓春金翠美梅"
    "莉巧燕海亮成峰国志永毅坤锋昊博睿杨振兵德荣彬江鑫波东新清贵福生元全胜学祥才发武中立信"
    "子昌进有坚和彪诚先敬震壮会思群豪心邦承乐绍功松善厚庆民友裕河哲政谦亨奇固之翰朗伯宏"
    "言若鸣朋梁栋维启克伦翔泽辰士以家致树炎行时泰盛雄琛钧冠策腾楠榕风航弘淑惠珠雅芝娥芬"
    "彩菊素莲真环爱妹香莺瑞凡琼勤珍贞娣叶璧娅琦茜秋莎锦黛青姣娴瑾婵雁蓓仪荷眉君蕊菁梦岚"
    "苑婕馨琰韵融艺咏卿聪澜纯毓昭冰爽琬茗羽希欣飘育滢馥筠柔竹凝霄枫芸菲寒伊亚宜可舒影荔"
    "枝世广义兴良山仁利富顺康星光天达安岩茂长宝忠彤涵轩萱梓铭皓逸宸然晗"
)


def person_likeness(core: str) -> str | None:
    """How much a core reads as a person's name: "strong" for a common surname with common
    given-name characters (张伟, 欧阳建国, 蒙宇玲), "weak" for another name that starts with
    a surname (金瓯, 蒙源: brands as often), None for the rest."""
    if not looks_like_person(core):
        return None
    surname = 2 if core[:2] in _COMPOUND_SURNAMES else 1
    if all(char in _GIVEN_NAME_CHARS for char in core[surname:]):
        return "strong"
    return "weak"
