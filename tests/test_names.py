"""Names: display and matching forms, parts, fuzzy keys and similarity."""

from __future__ import annotations

import pytest

from desktop_app.models import pinyin
from desktop_app.models.name_similarity import similarity
from desktop_app.models.names import (
    KEY_WINDOW,
    POSSIBLE_MATCH_THRESHOLD,
    NameParts,
    clean_display,
    fuzzy_keys,
    name_core,
    name_parts,
    normalize_name,
    pinyin_syllables,
)

# --- display and matching forms -----------------------------------------------------------


def test_clean_display() -> None:
    assert (
        clean_display("  （柳州）鑫源\u3000\u3000贸易\u200b有限公司 \n")
        == "(柳州)鑫源 贸易有限公司"
    )
    assert clean_display("ＡＢＣ１２３") == "ABC123"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("張 偉", "张伟"),
        ("张\u3000伟\u200b", "张伟"),
        ("【柳州】鑫源貿易有限公司", "(柳州)鑫源贸易有限公司"),
        ("〔柳州〕鑫源", "(柳州)鑫源"),
        ("[柳州]鑫源", "(柳州)鑫源"),
        ("（柳州）鑫源", "(柳州)鑫源"),
        ("阿卜杜拉•买买提", "阿卜杜拉·买买提"),
        ("阿卜杜拉‧买买提", "阿卜杜拉·买买提"),
        ("阿卜杜拉・买买提", "阿卜杜拉·买买提"),
        ("阿卜杜拉.买买提", "阿卜杜拉·买买提"),
        ("ａｐｐｌｅ inc.", "APPLEINC."),
    ],
)
def test_normalize_name(raw: str, normal: str) -> None:
    assert normalize_name(raw) == normal


# --- parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("张伟", NameParts(None, "张伟", None, False)),
        ("欧阳娜娜", NameParts(None, "欧阳娜娜", None, False)),
        ("阿卜杜拉·买买提", NameParts(None, "阿卜杜拉·买买提", None, False)),
        ("张伟（又名张三）", NameParts(None, "张伟(又名张三)", None, False)),
        ("John Smith", NameParts(None, "JOHNSMITH", None, False)),
        ("Apple Inc.", NameParts(None, "APPLEINC.", None, True)),
        ("柳州市鑫源贸易有限公司", NameParts("柳州市", "鑫源贸易", "有限公司", True)),
        ("（柳州）鑫源贸易有限公司", NameParts("柳州", "鑫源贸易", "有限公司", True)),
        ("柳州鑫源贸易有限责任公司", NameParts("柳州", "鑫源贸易", "有限责任公司", True)),
        (
            "广西壮族自治区柳州市城中区鑫源商行",
            NameParts("广西壮族自治区柳州市城中区", "鑫源商行", None, True),
        ),
        ("华润（柳州）置业有限公司", NameParts("柳州", "华润置业", "有限公司", True)),
        ("华为技术（中国）有限公司", NameParts("中国", "华为技术", "有限公司", True)),
        (
            "中国石化销售股份有限公司广西柳州石油分公司",
            NameParts(None, "中国石化销售", "股份有限公司广西柳州石油分公司", True),
        ),
        (
            "柳州鑫源投资合伙企业（有限合伙）",
            NameParts("柳州", "鑫源投资", "合伙企业(有限合伙)", True),
        ),
        ("昆山市鑫源机械集团有限公司", NameParts("昆山市", "鑫源机械", "集团有限公司", True)),
        ("昆山恒达机械有限公司", NameParts("昆山", "恒达机械", "有限公司", True)),
        ("同仁堂", NameParts(None, "同仁堂", None, False)),
        ("内蒙古鑫源煤业股份有限公司", NameParts("内蒙古", "鑫源煤业", "股份有限公司", True)),
        (
            "柳州市柳北区鑫源农民专业合作社",
            NameParts("柳州市柳北区", "鑫源", "农民专业合作社", True),
        ),
        ("柳州市人民医院", NameParts("柳州市", "人民医院", None, True)),
        ("东方雨虹防水技术股份有限公司", NameParts(None, "东方雨虹防水技术", "股份有限公司", True)),
    ],
)
def test_name_parts(raw: str, parts: NameParts) -> None:
    assert name_parts(raw) == parts


def test_region_is_not_stripped_when_nothing_would_remain() -> None:
    assert name_parts("柳州市有限公司").core == "柳州市"
    assert name_core("柳州市") == "柳州市"


def test_name_core_of_person_is_the_normalised_name() -> None:
    assert name_core("張 偉") == "张伟"


# --- pinyin and keys ------------------------------------------------------------------


def test_pinyin_syllables() -> None:
    assert pinyin_syllables("张伟") == ["zhang", "wei"]
    assert pinyin_syllables("吕A1") == ["lv", "a", "1"]
    assert pinyin_syllables("张宁", fuzzy=True) == ["zan", "lin"]


def test_person_keys_are_few_and_keep_the_surname() -> None:
    assert fuzzy_keys("张伟") == ["d:张伟", "p:zanwei"]
    assert fuzzy_keys("张晓伟") == ["d:张伟", "d:张晓", "d:张晓伟", "p:zanxiaowei"]


def test_company_keys_ignore_region_and_legal_form() -> None:
    keys = fuzzy_keys("柳州市鑫源贸易有限公司")
    assert keys == fuzzy_keys("鑫源贸易公司") == fuzzy_keys("（南宁）鑫源貿易有限責任公司")
    assert len(keys) == 1 + 4 + 1


def test_long_names_have_a_bounded_number_of_keys() -> None:
    long_name = "柳州市" + "鑫源达华通盛恒泰丰和建设工程咨询管理" + "有限公司"
    # The whole window, one deletion per character, a sound key per reading of 盛.
    assert len(fuzzy_keys(long_name)) == 1 + KEY_WINDOW + 2
    # However many polyphones a name has, its sound keys are bounded.
    polyphones = "长乐重行朝传参厦卜宿尉屏"
    assert len(fuzzy_keys(polyphones)) <= 1 + KEY_WINDOW + pinyin.MAX_SOUND_KEYS
    assert fuzzy_keys("") == []


def shares_key(a: str, b: str) -> bool:
    return bool(set(fuzzy_keys(a)) & set(fuzzy_keys(b)))


@pytest.mark.parametrize(
    ("listed", "typed"),
    [
        ("张伟", "章伟"),  # homophone surname
        ("张伟", "张玮"),  # homophone given name
        ("刘伟", "牛伟"),  # n/l confusion
        ("张晓伟", "张小伟"),
        ("张晓伟", "张晓玲"),  # one different character in a 3-character name
        ("张晓伟", "张伟"),  # missing character
        ("张伟", "张晓伟"),  # extra character
        ("阿卜杜拉·买买提", "阿卜杜拉买买提"),
        ("柳州市鑫源贸易有限公司", "鑫元贸易有限公司"),
        ("柳州市鑫源贸易有限公司", "鑫源商贸易公司"),
        ("柳州市鑫源贸易有限公司", "源鑫贸易有限公司"),  # swapped
        ("柳州市鑫源贸易有限公司", "鑫源贸有限公司"),
        # An error past the key window is still found: the window itself is unchanged.
        (
            "柳州鑫源达华通盛恒泰丰和建设工程咨询管理有限公司",
            "柳州鑫源达华通盛恒泰丰和建设工程咨询官理有限公司",
        ),
        # An error inside the window of a long name shifts the rest.
        (
            "柳州鑫源达华通盛恒泰丰和建设工程咨询管理有限公司",
            "柳州鑫源华通盛恒泰丰和建设工程咨询管理有限公司",
        ),
    ],
)
def test_near_misses_share_a_key(listed: str, typed: str) -> None:
    assert shares_key(listed, typed)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("张伟", "王伟"),  # different surname, nothing to do with each other
        ("张晓伟", "王晓伟"),
        ("张伟", "李娜"),
        ("鑫源贸易有限公司", "华润置业有限公司"),
    ],
)
def test_unrelated_names_share_no_key(a: str, b: str) -> None:
    assert not shares_key(a, b)


# --- similarity -----------------------------------------------------------------------


def test_same_name_after_normalisation_scores_100() -> None:
    assert similarity("张伟", "张伟").score == 100.0
    result = similarity("張 偉", "张伟")
    assert result.score == 100.0 and "繁简体" in result.reason


@pytest.mark.parametrize(
    ("typed", "listed", "reason"),
    [
        ("张伟", "张玮", "同音字（zhang wei）"),
        ("章伟", "张伟", "同音字（zhang wei）"),
        ("张小伟", "张晓伟", "同音字（zhang xiao wei）"),
        ("牛伟", "刘伟", "近音字（niu wei / liu wei）"),
    ],
)
def test_two_and_three_character_homophones_are_possible_matches(
    typed: str, listed: str, reason: str
) -> None:
    result = similarity(typed, listed)
    assert result.score >= POSSIBLE_MATCH_THRESHOLD
    assert result.reason == reason


def test_homophone_scores_above_near_homophone() -> None:
    assert similarity("张伟", "张玮").score > similarity("牛伟", "刘伟").score


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        ("张伟", "王伟"),
        ("王伟", "张伟"),
        ("张伟", "李娜"),
        ("张晓伟", "张晓明"),
        ("张伟", "张晓伟"),
        ("鑫源贸易有限公司", "鑫达贸易有限公司"),
        ("张伟", "张伟贸易有限公司"),
    ],
)
def test_not_meaningful_pairs_are_below_the_threshold(typed: str, listed: str) -> None:
    assert similarity(typed, listed).score < POSSIBLE_MATCH_THRESHOLD


def test_shared_suffix_and_region_do_not_dominate() -> None:
    # Raw strings share 8 of 10 characters, but the cores 鑫源/华润 have nothing in common.
    assert similarity("(柳州)鑫源置业有限公司", "(柳州)华润置业有限公司").score < 60


def test_missing_legal_form_words_lower_the_score_a_little_and_are_named() -> None:
    result = similarity("鑫源贸易公司", "鑫源贸易有限公司")
    assert 90 <= result.score < 100
    assert "缺少“有限”二字" in result.reason


def test_region_difference_is_named() -> None:
    # The same brand and industry in another city is another company (a name is unique
    # only within the region that registers it); a region left out is no difference.
    different = similarity("柳州鑫源贸易有限公司", "南宁鑫源贸易有限公司")
    missing = similarity("鑫源贸易有限公司", "柳州市鑫源贸易有限公司")
    assert "地区前缀不同" in different.reason
    assert "缺少地区前缀“柳州市”" in missing.reason
    assert different.score < POSSIBLE_MATCH_THRESHOLD <= missing.score < 100


def test_same_place_written_differently_is_not_a_region_difference() -> None:
    written = similarity("（柳州）鑫源贸易有限公司", "柳州市鑫源贸易有限公司")
    assert written.score == 99.5
    assert written.reason == "名称主体相同；地区写法不同（“柳州”/名单中为“柳州市”）"
    detail = similarity("柳州市鑫源贸易有限公司", "广西柳州市鑫源贸易有限公司")
    assert detail.score == 99.0 and "地区前缀详略不同" in detail.reason
    different = similarity("南宁鑫源贸易有限公司", "柳州市鑫源贸易有限公司")
    assert different.score == 75.0 and "地区前缀不同（“南宁”/名单中为“柳州市”）" in different.reason


def test_legal_form_change_is_named() -> None:
    result = similarity("鑫源贸易合作社", "鑫源贸易有限公司")
    assert "组织形式不同" in result.reason
    assert result.score < similarity("鑫源贸易公司", "鑫源贸易有限公司").score


def test_edit_reasons() -> None:
    assert similarity("张伟", "张晓伟").reason == "缺少“晓”字"
    assert similarity("张晓伟", "张伟").reason == "多出“晓”字"
    assert "“源”与名单中的“达”不同" in similarity("鑫源贸易公司", "鑫达贸易公司").reason


def test_similarity_scores_stay_in_range() -> None:
    pairs = [("", "张伟"), ("A", "B"), ("张伟", ""), ("有限公司", "有限公司柳州分公司")]
    for a, b in pairs:
        assert 0 <= similarity(a, b).score <= 100


# --- recall on generated names (property-style) -------------------------------------------


def _generated_names(count: int) -> list[str]:
    from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows

    index = STANDARD_FIELDS.index("失信被执行人姓名/名称")
    return [row[index] for row in bulk_rows(count, seed=11)]


def _homophones() -> dict[str, list[str]]:
    """Toneless syllable → common characters with that reading (GB2312 level-1 range)."""
    by_sound: dict[str, list[str]] = {}
    for code in range(0x4E00, 0x9FA6):
        char = chr(code)
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        by_sound.setdefault(pinyin_syllables(char)[0], []).append(char)
    return by_sound


def test_typical_typos_of_generated_names_are_found_and_scored() -> None:
    import random

    rng = random.Random(5)
    by_sound = _homophones()
    checked = dict.fromkeys(("homophone", "deleted", "inserted"), 0)
    misses: list[tuple[str, str, str]] = []
    low: list[tuple[str, str, float]] = []
    for listed in _generated_names(400):
        parts = name_parts(listed)
        core = parts.core
        # A person's surname is typed right or is a homophone; other typos are in the given name.
        first = 0 if parts.is_organization else 1
        position = rng.randrange(first, len(core)) if len(core) > first else 0
        sound = pinyin_syllables(core[position])[0]
        others = [c for c in by_sound.get(sound, []) if c != core[position]]
        typos = {"deleted": core[:position] + core[position + 1 :] if len(core) >= 3 else None}
        if others:
            typos["homophone"] = core[:position] + rng.choice(others) + core[position + 1 :]
        if len(core) >= 2:
            typos["inserted"] = core[:position] + "华" + core[position:]
        for kind, typed_core in typos.items():
            if typed_core is None:
                continue
            typed = listed.replace(core, typed_core, 1)
            checked[kind] += 1
            if not shares_key(listed, typed):
                misses.append((kind, listed, typed))
            if kind == "homophone":
                score = similarity(typed, listed).score
                if score < POSSIBLE_MATCH_THRESHOLD:
                    low.append((listed, typed, score))
    assert checked["homophone"] > 300 and checked["deleted"] > 100 and checked["inserted"] > 300
    assert misses == []
    assert low == []
