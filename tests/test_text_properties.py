"""Property-based tests of the text rule (issue 11): for every listed identifier and name of
the demo lists, perturbations with invisible, look-alike, full-width and other-script
characters find the same listing (or are refused as invalid input), never 未发现.

The normal run draws a few dozen perturbations per property (repeatably) and sweeps every
listing with one perturbation of each kind; `-m slow` draws thousands (tests/conftest.py).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from property_support import (
    COMBINING,
    DIGIT_BLOCKS,
    DIGIT_TWINS,
    INVISIBLE,
    LETTER_TWINS,
    SPACES,
    other_digit,
    perturbed_identifier,
    perturbed_name,
    slow_profile,
)

from desktop_app import paths
from desktop_app.models import names
from desktop_app.models.catalog import Catalog
from desktop_app.models.identifiers import InputKind, parse_query
from desktop_app.models.lists_store import ListStore
from desktop_app.services.lists.session import import_list
from desktop_app.services.screening.check import run_check

AS_OF = "2026-03-01"
DEMO_FILES = (
    ("dishonest_debtors.csv", "失信被执行人"),
    ("tax_violations.csv", "重大税收违法案件当事人"),
    ("procurement.csv", "政府采购领域严重违法失信主体"),
    ("wage_arrears.csv", "严重拖欠农民工工资用人单位及其有关人员"),
)
ID_KINDS = ("resident_id", "uscc", "org_code")


@pytest.fixture(scope="module")
def catalog():
    opened = Catalog.open(paths.catalog_path())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory, catalog):
    opened = ListStore.open(tmp_path_factory.mktemp("properties") / "lists.db")
    for name, category in DEMO_FILES:
        import_list(opened, paths.resources_dir() / "demo" / name, category, catalog=catalog)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def listings(store) -> list[dict[str, Any]]:
    rows = store.conn.execute(
        "SELECT id, name, name_norm, id_kind, id_value FROM listings ORDER BY id"
    ).fetchall()
    return [dict(r) for r in rows]


@pytest.fixture(scope="module")
def identified(listings) -> list[dict[str, Any]]:
    return [listing for listing in listings if listing["id_kind"] in ID_KINDS]


class Checks:
    """run_check against the demo lists, with the result of each clean query remembered."""

    def __init__(self, catalog: Any, store: ListStore) -> None:
        self.catalog, self.store = catalog, store
        self.clean: dict[str, Any] = {}

    def run(self, query: str) -> Any:
        return run_check(self.catalog, self.store, query, "柳州", "市场监管局", as_of=AS_OF)

    def same_as_clean(self, listing_id: int, clean: str, perturbed: str) -> None:
        """The perturbed query finds the listing with the status of the clean one; never a
        未发现 where the clean query finds something. The one refusal these perturbations
        may meet: spaces that cut an identifier into two valid ones (said so, as several
        numbers)."""
        if clean not in self.clean:
            self.clean[clean] = self.run(clean)
        expected = self.clean[clean]
        assert listing_id in {hit["hit_id"] for hit in expected.hits}
        result = self.run(perturbed)
        if result.status == "invalid_input" and "输入中有 2 个号码" in (result.error or ""):
            return
        assert result.status == expected.status, (perturbed, result.error)
        assert listing_id in {hit["hit_id"] for hit in result.hits}, perturbed


@pytest.fixture(scope="module")
def checks(catalog, store) -> Checks:
    return Checks(catalog, store)


def test_the_demo_lists_have_identifiers_and_names_to_perturb(listings, identified):
    kinds = {listing["id_kind"] for listing in identified}
    assert kinds == set(ID_KINDS) and len(identified) > 100 and len(listings) > 200


# --- every listing, each kind of perturbation (parse level, fast) ---------------------------


def _id_perturbations(value: str, rng: random.Random) -> list[str]:
    def each(transform):
        return "".join(transform(c) if rng.random() < 0.5 else c for c in value)

    def insert(extras):
        chars = list(value)
        for _ in range(3):
            chars.insert(rng.randrange(1, len(chars) + 1), rng.choice(extras))
        return "".join(chars)

    block = rng.choice(DIGIT_BLOCKS)
    return [
        insert(INVISIBLE),
        insert(COMBINING),
        insert(SPACES),
        each(lambda c: other_digit(c, block) if c.isdigit() else c),
        each(lambda c: chr(ord(c) + 0xFEE0)),
        each(lambda c: rng.choice(LETTER_TWINS.get(c, (c,)))),
        each(lambda c: rng.choice(DIGIT_TWINS.get(c) or (c,))),
        each(str.lower),
        f"“{value}”",
    ]


def test_every_listed_identifier_survives_each_kind_of_perturbation(identified):
    rng = random.Random(11)
    failures = []
    for listing in identified:
        for perturbed in _id_perturbations(listing["id_value"], rng):
            parsed = parse_query(perturbed)
            if (parsed.value, parsed.error) != (listing["id_value"], None):
                failures.append((listing["id_value"], perturbed, parsed.value, parsed.error))
            elif parsed.kind is InputKind.NAME:
                failures.append((listing["id_value"], perturbed, "searched as a name"))
    assert failures == []


def _name_perturbations(value: str, rng: random.Random) -> list[str]:
    def insert(extras):
        chars = list(value)
        for _ in range(3):
            chars.insert(rng.randrange(0, len(chars) + 1), rng.choice(extras))
        return "".join(chars)

    return [insert(INVISIBLE), insert(COMBINING), insert(SPACES), f"“{value}”。"]


def test_every_listed_name_survives_each_kind_of_perturbation(listings):
    rng = random.Random(12)
    failures = []
    for listing in listings:
        for perturbed in _name_perturbations(listing["name"], rng):
            parsed = parse_query(perturbed)
            matching = names.normalize_name(parsed.value)
            if parsed.kind is not InputKind.NAME or matching != listing["name_norm"]:
                failures.append((listing["name"], perturbed, parsed.value, parsed.error))
    assert failures == []


# --- drawn perturbations, through the check --------------------------------------------------


def _identifier_property(checks: Checks, identified: list, data: st.DataObject) -> None:
    listing = data.draw(st.sampled_from(identified), label="listing")
    perturbed = data.draw(perturbed_identifier(listing["id_value"]), label="typed")
    checks.same_as_clean(listing["id"], listing["id_value"], perturbed)


def _name_property(checks: Checks, listings: list, data: st.DataObject) -> None:
    listing = data.draw(st.sampled_from(listings), label="listing")
    perturbed = data.draw(perturbed_name(listing["name"]), label="typed")
    checks.same_as_clean(listing["id"], listing["name"], perturbed)


@given(data=st.data())
def test_a_perturbed_listed_identifier_is_found(checks, identified, data):
    _identifier_property(checks, identified, data)


@given(data=st.data())
def test_a_perturbed_listed_name_is_found(checks, listings, data):
    _name_property(checks, listings, data)


@pytest.mark.slow
@slow_profile
@given(data=st.data())
def test_a_perturbed_listed_identifier_is_found_long_run(checks, identified, data):
    _identifier_property(checks, identified, data)


@pytest.mark.slow
@slow_profile
@given(data=st.data())
def test_a_perturbed_listed_name_is_found_long_run(checks, listings, data):
    _name_property(checks, listings, data)
