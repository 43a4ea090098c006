"""Characters that look alike: what OCR of a scanned list or a hurried hand confuses.

Each group is a set of characters a reader takes for one another (己/已/巳, 戊/戌/戍, 末/未,
土/士, 日/曰 …): a typo between two characters of a group is a near miss (`name_similarity`),
and a query that contains one is also looked up under the others (`names.lookup_keys`),
because two characters that look alike rarely share a pinyin key.

Source of the table: written by hand from the look-alike characters (形近字) that Chinese
school word lists and OCR error reports name again and again, kept to characters that
appear in names of persons, companies and places. A pair belongs here when the characters
differ by one stroke or one small component in the same place (己/已, 亳/毫, 冉/再, 戚/威,
佘/余, 特/持, 鸣/呜, 荥/荣, 郴/彬, 绵/锦, 巿/市, 荼/茶, 郗/郄), by a radical of the same shape
(拔/拨, 辨/辩, 峰/锋, 浦/蒲, 坊/防), or repeat one component (淼/森). A character may sit
in several groups; a group is not a chain (童 looks like 重, not like everything 重 looks
like). Characters of different sound that merely share a phonetic part (杨/汤) are here
only where the shapes, not the sounds, are what a reader confuses.

Besides the groups picked by hand, the pairs of `lookalikes_shape.py` are derived from shape
data (stroke order and four-corner code of each GB2312 character, see
bench/name_eval/make_lookalikes.py): one stroke more or less, or the same strokes put
together differently (本/木, 亨/享, 廷/延, 睢/雎).
"""

from __future__ import annotations

import re
from functools import cache

from desktop_app.models.lookalikes_shape import PAIRS

_GROUPS = (
    "己已巳",
    "戊戌戍",
    "末未",
    "土士",
    "日曰",
    "人入八",
    "大太犬",
    "王玉主",
    "天夭夫",
    "刀力",
    "千干于",
    "贝见",
    "田由甲申",
    "白自",
    "今令",
    "折拆析",
    "壁璧",
    "冶治",
    "鸟乌",
    "即既",
    "候侯",
    "晴睛",
    "辨辩辫瓣",
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
    "衷哀衰",
    "戎戒",
    "侍待",
    "弋戈",
    "采彩",
    "铁钱",
    "淋琳",
    "斌赋",
    "娟绢",
    "榕溶",
    "亳毫",
    "郴彬",
    "荥荣荧",
    "萤莹营",
    "绵锦",
    "特持",
    "鸣呜",
    "冉再",
    "戚威",
    "佘余",
    "淼森焱",
    "荼茶",
    "巿市",
    "刁刀",
    "郗郄",
    "毋母",
    "卯卵",
    "厉历",
    "仑仓",
    "伦抡论轮沦",
    "苍抢枪",
    "宫官",
    "管菅",
    "旦且",
    "买卖",
    "夹来",
    "尤龙",
    "乒乓兵",
    "巨臣",
    "叨叼",
    "冈岗",
    "风凤",
    "凡几",
    "兀元无",
    "尺尽",
    "斤斥",
    "史吏",
    "矢失",
    "开井",
    "住往注柱驻",
    "狼狠很恨",
    "眼跟根银痕",
    "扰犹",
    "杖仗",
    "挣睁",
    "清请情",
    "园圆",
    "困因囚",
    "汪旺",
    "海悔梅侮",
    "贷货袋",
    "猴喉",
    "胡湖蝴糊",
    "刻该孩咳核",
    "杨扬场汤肠畅",
    "诊珍疹",
    "纱沙砂莎",
    "抄炒吵钞",
    "妙秒",
    "坊防访仿纺",
    "晓烧绕浇饶",
    "峰锋蜂烽",
    "逢蓬",
    "俊峻骏浚竣",
    "凌陵菱棱",
    "玲铃伶龄零怜",
    "村材",
    "枝技",
    "杆竿秆",
    "偷愉",
    "傅博搏缚",
    "薄簿",
    "浦蒲铺捕哺埔辅",
    "熊能态",
    "崖涯",
    "准淮",
    "惟维唯帷",
    "堆推",
    "摊滩",
    "锥椎",
    "埋理",
    "童重",
    "董懂",
    "则测侧厕",
    "贱钱浅线践残",
    "载栽裁截戴",
    "徐涂途",
    "洪烘哄",
    "拱供",
    "宋宗",
    "宇字",
    "亮亭",
    "亭停",
    "稿搞镐",
    "嵩蒿",
    "辉挥晖",
    "连运",
    "辽迁",
    "逐遂",
    "永水",
    "泳咏",
    "毛手",
    "午牛",
    "陈阵",
    "陆陡",
    "明朋",
    "朗郎",
    "做作",
    "作昨怎",
    "诈炸",
    "暑署薯",
    "老考孝",
    "钢刚纲",
    "说悦",
    "脱税",
    "棉锦",
    "绿缘",
    "禄录碌",
    "姻烟",
    "济挤剂",
    "祥详样翔",
    "福幅副",
    "祝视",
    "祖租组阻粗",
    "峡侠狭挟陕",
    "检捡俭",
    "诚城",
    "萍苹",
    "评坪",
    "泽译择",
    "涛滔",
    "蓉容",
    "熔溶",
    "捐娟涓鹃",
    "莉利俐",
    "梨犁",
    "霞暇瑕",
    "琪棋淇",
    "瑶遥谣摇",
    "颖颍",
    "婉碗腕",
    "媛援缓",
    "璐路",
    "珊删栅",
    "杉衫",
    "式试拭",
    "昊吴",
    "荣劳",
    "凯恺剀",
    "健键",
    "帆帜",
    "帅师",
    "旭旬",
    "建延",
    "廷庭",
    "舂春",
    "德徳",
    "华毕",
    "平乎",
    "李季",
    "季秀",
    "英荚",
    "洁浩",
    "金全",
    "泰秦奏",
    "降隆",
    "嘉喜",
    "瑞端",
    "万方",
    "腾滕藤",
    "广厂",
    "庄压",
    "司可",
    "业亚",
    "区匹",
    "江汪",
    "津律",
    "冀翼",
    "晋普",
    "粤奥",
    "桂挂",
    "凉谅",
    "贵责",
    "甘廿",
    "内肉",
    "辽边",
    "吉古",
    "浙淅",
    "休体",
    "问间",
    "券卷",
    "幕慕暮墓募",
    "炙灸",
    "赢羸嬴",
    "脏赃",
    "竞竟",
    "妹妺",
    "苟茍荀",
    "壶壸",
    "盲肓",
    "徒徙",
    "梁粱",
    "蓝篮",
    # Surnames and given-name characters that a reader takes for a character with one
    # component changed in the same place (a radical 木/礻/扌, 衤/讠/礻, 犭/子, 阝's other
    # side, a top 覀/毋, 艹/宀, 氵/冫): the confusions that name lists, household-register
    # transcriptions and OCR of scanned lists show again and again. The shape-derived table
    # does not find them (more than a stroke apart), and a surname confused there costs the
    # whole name: a person is not found under a misread surname by any other key.
    "贾贯",
    "杜社",
    "蔡察",
    "郁都",
    "狐孤",
    "枸拘",
    "羌差",
    "褚诸",
    "祎袆",
    "沪泸",
    "晶品",
    "祁祈",
    "郜部",
    "寇冠",
    "辛幸",
    "邵绍",
    "闵闽",
    "晏宴",
    "谌湛",
    "庞宠",
)


@cache
def _hand_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _GROUPS:
        for char in group:
            table[char] = table.get(char, "") + group.replace(char, "")
    return table


@cache
def _table() -> dict[str, str]:
    """The hand-picked look-alikes of each character first, then the shape-derived ones."""
    table = dict(_hand_table())
    for a, b in PAIRS:
        if b not in table.get(a, ""):
            table[a] = table.get(a, "") + b
            table[b] = table.get(b, "") + a
    return table


def picked_by_hand(a: str, b: str) -> bool:
    """Whether two look-alike characters are in a hand-picked group (what readers are
    known to confuse); the shape-derived pairs are weaker evidence and cost a little more."""
    return b in _hand_table().get(a, "")


def alike(a: str, b: str) -> bool:
    """Whether two different characters are in one look-alike group."""
    return b in _table().get(a, "")


def alternatives(char: str) -> str:
    """The characters that look like `char` (empty for most characters)."""
    return _table().get(char, "")


# Rare characters that a clerk who cannot type them writes as their parts (拆字: 陶喆 as
# 陶吉吉), written by hand from the name characters most often met so: character → parts.
_SPLITS = {
    "喆": "吉吉",
    "嚞": "吉吉吉",
    "堃": "方方土",
    "犇": "牛牛牛",
    "淼": "水水水",
    "焱": "火火火",
    "垚": "土土土",
    "鑫": "金金金",
    "森": "木木木",
    "磊": "石石石",
    "晶": "日日日",
    "赟": "文武贝",
    "玥": "王月",
    "珺": "王君",
    "旻": "日文",
    "昇": "日升",
    "昊": "日天",
}
_WHOLE = {parts: char for char, parts in _SPLITS.items()}
_PARTS_RE = re.compile("|".join(sorted(_WHOLE, key=len, reverse=True)))


def joined(text: str) -> str:
    """`text` with characters written as their parts (吉吉 for 喆) written whole again; the
    same text when it holds none."""
    if _PARTS_RE.search(text) is None:
        return text
    return _PARTS_RE.sub(lambda match: _WHOLE[match.group()], text)
