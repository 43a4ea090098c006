"""Write the labelled name-matching evaluation set: `bench/name_eval/pairs.csv`.

    .venv/bin/python bench/name_eval/make_pairs.py [--seed 13] [--out bench/name_eval/pairs.csv]

Each row is a pair (a name on a list, a name a clerk types) with the subject kind (person /
organization), the pattern it exercises, its tier and what the check should say:

| tier | meaning | expected |
|---|---|---|
| must | the same subject, written as clerks and lists do | listed or possible |
| should | the same subject through a typo, a scan or a shortened name | possible (or listed) |
| must_not | another subject | none, or related (a branch and its head office) |

Names are built from the material of the synthetic lists (`services/lists/demo_data`:
surnames, given names, 字号 characters, industries, regions and legal forms) plus the
patterns of issue 13: swapped adjacent characters, doubled and dropped characters,
homophones, near-homophones, look-alike characters (OCR, handwriting), brands that are also
place names, a brand typed alone or with its industry, legal forms written differently,
branches, minority names with the middle dot and its look-alikes or without it, and former
names (曾用名, in a column or written `（原名：…）` in the name cell). A pair whose "different"
name happens to sound or look like the listed one is not made a must-not pair: a name alone
cannot tell such a pair from a typo, so it belongs to the homophone and look-alike patterns.

Deterministic for a seed; the committed file is the set the baseline
(`bench/name_eval/baseline.csv`) and `tests/test_name_eval.py` are about.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop_app.models import names  # noqa: E402
from desktop_app.models.lookalikes import alternatives  # noqa: E402
from desktop_app.services.lists import demo_data  # noqa: E402

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "pairs.csv"
COLUMNS = ("pair_id", "subject", "pattern", "tier", "expected", "listed", "former", "query")

SURNAMES = [s for s in demo_data._SURNAMES.split() if s]
SURNAMES = ["".join(c for c in s if not c.isdigit()) for s in SURNAMES]
GIVEN = demo_data._MALE_GIVEN.split() + demo_data._FEMALE_GIVEN.split()
SHOP = list(demo_data._SHOP_NAME_CHARS)
INDUSTRIES = list(demo_data._INDUSTRIES)
CITIES = ["柳州市", "南宁市", "昆山市", "包头市", "鄂尔多斯市", "桂林市"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
# Characters of given names that have look-alikes (玉/王, 琳/淋, 申/由 …).
LOOKALIKE_GIVEN = [
    c for c in "玉琳申由甲白今令晴娟斌榕侯候盛微治日末未土士天戊己" if alternatives(c)
]
# Brands that are county-level places too (泰兴市, 海安市 …), and their homophone typos.
PLACE_BRANDS = {
    "泰兴": "太兴",
    "海安": "海岸",
    "华容": "华荣",
    "永安": "永按",
    "长兴": "常兴",
    "荣成": "荣城",
    "江山": "江珊",
    "东阳": "东洋",
    "福清": "福青",
    "兴化": "星化",
}
MINORITY = ["阿卜杜拉·买买提", "热依拉·艾力", "古丽娜尔·吐尔逊", "艾尔肯·吾斯曼", "努尔兰·哈力克"]
MINORITY += ["巴图·额尔敦", "其木格·苏和", "扎西·顿珠", "买买提·依明", "迪丽娜·阿不都"]
DOT_LOOKALIKES = ["•", "・", "．", "."]
BRANCHES = ["柳南分公司", "城中分公司", "南宁分公司", "营业部", "第一分公司"]


def _similar(a: str, b: str) -> bool:
    """Whether two characters sound or look alike (then a pair is no must-not pair)."""
    fuzzy_a = {names.fuzzy_syllable(r) for r in names.readings(a)}
    fuzzy_b = {names.fuzzy_syllable(r) for r in names.readings(b)}
    return bool(fuzzy_a & fuzzy_b) or b in alternatives(a)


def _homophone(char: str, rng: random.Random, pool: list[str]) -> str | None:
    """A character a pinyin input method offers for `char`'s usual reading."""
    usual = names.pinyin_syllables(char)[0]
    options = [c for c in pool if c != char and usual in names.readings(c)]
    return rng.choice(options) if options else None


def _near(char: str, rng: random.Random, pool: list[str]) -> str | None:
    mine = {names.fuzzy_syllable(r) for r in names.readings(char)}
    options = [
        c
        for c in pool
        if c != char
        and not names.readings(c) & names.readings(char)
        and mine & {names.fuzzy_syllable(r) for r in names.readings(c)}
    ]
    return rng.choice(options) if options else None


def _different(char: str, rng: random.Random, pool: list[str]) -> str:
    while True:
        other = rng.choice(pool)
        if other != char and not _similar(char, other):
            return other


# A pool of common characters to pick homophones from (GB2312 level 1).
def _common_chars() -> list[str]:
    chars = []
    for code in range(0x4E00, 0x9FA6):
        char = chr(code)
        try:
            encoded = char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if encoded[0] < 0xD8:  # level-1 characters: rows 16–55
            chars.append(char)
    return chars


class Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: list[dict[str, str]] = []
        self.common = _common_chars()

    def add(
        self,
        subject: str,
        pattern: str,
        tier: str,
        expected: str,
        listed: str,
        query: str,
        former: str = "",
    ) -> None:
        if listed == query and pattern not in ("former_name_column", "former_name_cell"):
            return
        self.rows.append(
            {
                "pair_id": f"{len(self.rows) + 1:05d}",
                "subject": subject,
                "pattern": pattern,
                "tier": tier,
                "expected": expected,
                "listed": listed,
                "former": former,
                "query": query,
            }
        )

    # -- persons ---------------------------------------------------------------------------

    def person(self, given_chars: int | None = None) -> str:
        rng = self.rng
        count = given_chars or (2 if rng.random() < 0.7 else 1)
        given = rng.sample(GIVEN, count)
        return rng.choice(SURNAMES) + "".join(given)

    def persons(self, per_pattern: int) -> None:
        rng = self.rng
        p = "person"
        self._repeat(per_pattern, lambda: self._person_homophone(), "homophone")
        self._repeat(per_pattern // 2, lambda: self._person_near(), "near_homophone")
        for _ in range(per_pattern):
            listed = self.person()
            given = rng.choice(LOOKALIKE_GIVEN)
            listed = listed[:-1] + given
            self.add(
                p,
                "lookalike",
                "should",
                "possible",
                listed,
                listed[:-1] + rng.choice(alternatives(given)),
            )
        for _ in range(per_pattern):
            listed = self.person(2)
            self.add(p, "swap", "should", "possible", listed, listed[:-2] + listed[-1] + listed[-2])
        for _ in range(per_pattern):
            listed = self.person()
            position = rng.randrange(1, len(listed))
            self.add(
                p,
                "doubled",
                "should",
                "possible",
                listed,
                listed[: position + 1] + listed[position:],
            )
        for _ in range(per_pattern // 2):
            listed = rng.choice(MINORITY)
            position = rng.choice([i for i, c in enumerate(listed) if c != "·" and i > 0])
            self.add(
                p,
                "dropped",
                "should",
                "possible",
                listed,
                listed[:position] + listed[position + 1 :],
            )
        for _ in range(per_pattern // 2):
            listed = self.person(2)
            other = _homophone(listed[-1], rng, self.common)
            if other:
                typed = (
                    listed[:-1] + other + other
                    if rng.random() < 0.5
                    else listed[:-2] + (listed[-2] + listed[-2] + other)
                )
                self.add(p, "combined", "should", "possible", listed, typed)
        for _ in range(per_pattern // 2):
            listed = rng.choice(MINORITY)
            self.add(
                p,
                "middle_dot_lookalike",
                "must",
                "listed",
                listed,
                listed.replace("·", rng.choice(DOT_LOOKALIKES)),
            )
        for _ in range(per_pattern // 2):
            listed = rng.choice(MINORITY)
            self.add(p, "middle_dot_missing", "must", "possible", listed, listed.replace("·", ""))
        for _ in range(per_pattern // 2):
            listed = self.person()
            traditional = {
                "张": "張",
                "刘": "劉",
                "陈": "陳",
                "杨": "楊",
                "黄": "黃",
                "赵": "趙",
                "吴": "吳",
                "孙": "孫",
                "马": "馬",
                "郑": "鄭",
                "谢": "謝",
                "罗": "羅",
            }
            typed = "".join(traditional.get(c, c) for c in listed)
            typed = typed if typed != listed else " ".join(listed)
            self.add(p, "written_differently", "must", "listed", listed, typed)
        for _ in range(per_pattern // 2):
            listed, former = self.person(), self.person()
            self.add(p, "former_name_column", "must", "listed", listed, former, former=former)
        # Another person: a different surname, a different given character, unrelated.
        for _ in range(per_pattern):
            listed = self.person()
            typed = _different(listed[0], rng, [s for s in SURNAMES if len(s) == 1]) + listed[1:]
            self.add(p, "different_surname", "must_not", "none", listed, typed)
        for _ in range(per_pattern):
            listed = self.person()
            position = rng.randrange(1, len(listed))
            typed = (
                listed[:position]
                + _different(listed[position], rng, GIVEN)
                + listed[position + 1 :]
            )
            self.add(p, "different_given_name", "must_not", "none", listed, typed)
        for _ in range(per_pattern // 2):
            listed, typed = self.person(), self.person()
            if not any(_similar(a, b) for a, b in zip(listed, typed, strict=False)):
                self.add(p, "unrelated", "must_not", "none", listed, typed)
        for _ in range(per_pattern // 2):
            listed = self.person(2)
            self.add(p, "given_name_dropped", "must_not", "none", listed, listed[:-1])

    def _repeat(self, times: int, make: Callable[[], None], _pattern: str) -> None:
        for _ in range(times):
            make()

    def _person_homophone(self) -> None:
        listed = self.person()
        position = self.rng.randrange(len(listed))
        other = _homophone(listed[position], self.rng, self.common)
        if other:
            tier = "must" if position else "should"
            typed = listed[:position] + other + listed[position + 1 :]
            self.add("person", "homophone", tier, "possible", listed, typed)

    def _person_near(self) -> None:
        listed = self.person()
        position = self.rng.randrange(1, len(listed))
        other = _near(listed[position], self.rng, self.common)
        if other:
            typed = listed[:position] + other + listed[position + 1 :]
            self.add("person", "near_homophone", "should", "possible", listed, typed)

    # -- organisations ---------------------------------------------------------------------

    def company(
        self,
        brand: str | None = None,
        industry: str | None = None,
        city: str | None = None,
        form: str | None = None,
    ) -> tuple[str, str, str, str, str]:
        rng = self.rng
        brand = brand or rng.choice(SHOP) + rng.choice(SHOP)
        while brand[0] == brand[1]:
            brand = brand[0] + rng.choice(SHOP)
        industry = industry or rng.choice(INDUSTRIES)
        city = city or rng.choice(CITIES)
        form = form or rng.choice(FORMS)
        return f"{city}{brand}{industry}{form}", city, brand, industry, form

    def organisations(self, per_pattern: int) -> None:
        rng = self.rng
        o = "organization"
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company()
            position = rng.randrange(2)
            other = _homophone(brand[position], rng, self.common)
            if other:
                typed_brand = brand[:position] + other + brand[position + 1 :]
                self.add(
                    o,
                    "homophone",
                    "must",
                    "possible",
                    listed,
                    f"{city}{typed_brand}{industry}{form}",
                )
        for _ in range(per_pattern // 2):
            listed, city, brand, industry, form = self.company()
            position = rng.randrange(2)
            other = _near(brand[position], rng, self.common)
            if other:
                typed_brand = brand[:position] + other + brand[position + 1 :]
                self.add(
                    o,
                    "near_homophone",
                    "should",
                    "possible",
                    listed,
                    f"{city}{typed_brand}{industry}{form}",
                )
        for _ in range(per_pattern):
            char = rng.choice(LOOKALIKE_GIVEN)
            brand = char + rng.choice(SHOP) if rng.random() < 0.5 else rng.choice(SHOP) + char
            listed, city, brand, industry, form = self.company(brand=brand)
            typed_brand = brand.replace(char, rng.choice(alternatives(char)), 1)
            self.add(
                o, "lookalike", "should", "possible", listed, f"{city}{typed_brand}{industry}{form}"
            )
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company()
            self.add(
                o, "swap", "should", "possible", listed, f"{city}{brand[::-1]}{industry}{form}"
            )
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company()
            core = brand + industry
            position = rng.randrange(len(core))
            typed_core = core[: position + 1] + core[position:]
            self.add(o, "doubled", "should", "possible", listed, f"{city}{typed_core}{form}")
        for _ in range(per_pattern):
            industry = rng.choice([i for i in INDUSTRIES if len(i) >= 4])
            listed, city, brand, industry, form = self.company(industry=industry)
            position = rng.randrange(len(industry))
            typed = industry[:position] + industry[position + 1 :]
            self.add(o, "dropped", "should", "possible", listed, f"{city}{brand}{typed}{form}")
        for _ in range(per_pattern):
            place = rng.choice(list(PLACE_BRANDS))
            listed, city, brand, industry, form = self.company(brand=place)
            self.add(
                o,
                "place_brand",
                "must",
                "listed",
                listed,
                listed.replace(city, "", 1)
                if rng.random() < 0.3
                else f"（{city[:-1]}）{brand}{industry}{form}",
            )
            self.add(
                o,
                "place_brand_homophone",
                "should",
                "possible",
                listed,
                f"{city}{PLACE_BRANDS[place]}{industry}{form}",
            )
        for _ in range(per_pattern):
            brand = rng.choice(SHOP) + rng.choice(SHOP)
            if brand[0] == brand[1] or names.looks_like_person(brand):
                continue
            listed, *_ = self.company(brand=brand)
            self.add(o, "brand_alone", "should", "possible", listed, brand)
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company()
            self.add(o, "brand_industry", "must", "possible", listed, f"{brand}{industry}")
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company(form="有限公司")
            other = rng.choice(["有限责任公司", "股份有限公司", "公司", "股份公司"])
            self.add(o, "legal_form", "must", "possible", listed, f"{city}{brand}{industry}{other}")
        for _ in range(per_pattern // 2):
            listed, city, brand, industry, form = self.company()
            typed = rng.choice(
                [
                    f"（{city[:-1]}）{brand}{industry}{form}",
                    f"{city[:-1]}{brand}{industry}{form}",
                    f"{brand}（{city[:-1]}）{industry}{form}",
                ]
            )
            self.add(o, "region_written_differently", "must", "possible", listed, typed)
        for _ in range(per_pattern // 2):
            listed, city, brand, industry, form = self.company()
            former, *_ = self.company(city=city, form=form)
            self.add(o, "former_name_column", "must", "listed", listed, former, former=former)
        for _ in range(per_pattern // 2):
            listed, city, brand, industry, form = self.company()
            former, *_ = self.company(city=city, form=form)
            self.add(o, "former_name_cell", "must", "listed", f"{listed}（原名：{former}）", former)
        # Two mistakes at once: the costs add up.
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company()
            position = rng.randrange(2)
            other = _homophone(brand[position], rng, self.common)
            kind = rng.randrange(3)
            if kind == 0 and other:
                typed = f"{brand[:position]}{other}{brand[position + 1 :]}{industry}"
            elif kind == 1:
                typed = f"{city}{brand[::-1]}{industry}有限责任公司"
            else:
                char = rng.choice(LOOKALIKE_GIVEN)
                listed, city, brand, industry, form = self.company(brand=rng.choice(SHOP) + char)
                typed = f"（{city[:-1]}）{brand[0]}{rng.choice(alternatives(char))}{industry}{form}"
            self.add(o, "combined", "should", "possible", listed, typed)
        # Another organisation: the same brand and industry in another city, a branch,
        # a different brand in the same region and industry, another industry, a
        # person's name that a brand starts with, unrelated.
        for _ in range(per_pattern):
            listed, *_ = self.company()
            branch = f"{listed}{rng.choice(BRANCHES)}"
            if rng.random() < 0.5:
                self.add(o, "branch", "must_not", "related", listed, branch)
            else:
                self.add(o, "branch", "must_not", "related", branch, listed)
        for _ in range(per_pattern * 2):
            listed, city, brand, industry, form = self.company()
            position = rng.randrange(2)
            typed_brand = (
                brand[:position] + _different(brand[position], rng, SHOP) + brand[position + 1 :]
            )
            if typed_brand[0] == typed_brand[1]:
                continue
            self.add(
                o,
                "different_brand",
                "must_not",
                "none",
                listed,
                f"{city}{typed_brand}{industry}{form}",
            )
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company()
            other_city = rng.choice([c for c in CITIES if c != city])
            self.add(
                o,
                "different_region",
                "must_not",
                "none",
                listed,
                f"{other_city}{brand}{industry}{form}",
            )
        for _ in range(per_pattern // 2):
            listed, city, brand, industry, form = self.company()
            typed_brand = _different(brand[0], rng, SHOP) + _different(brand[1], rng, SHOP)
            if typed_brand[0] != typed_brand[1]:
                self.add(
                    o,
                    "different_brand_both",
                    "must_not",
                    "none",
                    listed,
                    f"{city}{typed_brand}{industry}{form}",
                )
        for _ in range(per_pattern):
            listed, city, brand, industry, form = self.company()
            other = rng.choice([i for i in INDUSTRIES if not set(i) & set(industry)])
            self.add(
                o, "different_industry", "must_not", "none", listed, f"{city}{brand}{other}{form}"
            )
        for _ in range(per_pattern // 2):
            person = self.person()
            listed, *_ = self.company(brand=person)
            self.add(o, "person_name_brand", "must_not", "none", listed, person)
        for _ in range(per_pattern // 2):
            listed, city, *_ = self.company()
            typed, *_ = self.company(city=city)
            listed_core, typed_core = names.name_core(listed), names.name_core(typed)
            if not any(_similar(a, b) for a, b in zip(listed_core, typed_core, strict=False)):
                self.add(o, "unrelated", "must_not", "none", listed, typed)


def make(seed: int) -> list[dict[str, str]]:
    maker = Maker(seed)
    maker.persons(120)
    maker.organisations(120)
    return maker.rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=PAIRS)
    args = parser.parse_args()
    rows = make(args.seed)
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} pairs to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
