"""Department names a new user types, and what the README says of the departments (issue 17
items 6 and 14)."""

from __future__ import annotations

import re

import pytest

from desktop_app import paths
from desktop_app.models.catalog import Catalog
from desktop_app.models.catalog_build.reconcile import RENAMED_DEPARTMENTS


@pytest.fixture(scope="module")
def catalog():
    with Catalog.open(paths.catalog_path()) as opened:
        yield opened


@pytest.mark.parametrize(
    ("jurisdiction", "department"),
    [(j, d) for j, renamed in RENAMED_DEPARTMENTS.items() for d in renamed],
)
def test_every_other_name_of_a_department_finds_it(catalog, jurisdiction, department) -> None:
    for name in RENAMED_DEPARTMENTS[jurisdiction][department]:
        assert catalog.resolve_department(jurisdiction, name) == department, name
        # written with the jurisdiction in front, as on a letterhead
        short = jurisdiction.removesuffix("市").removesuffix("自治区")
        if not name.startswith(("市", "自治区", short, "国家", "中国", "苏州", "内蒙古")):
            assert catalog.resolve_department(jurisdiction, short + name) == department


@pytest.mark.parametrize(
    ("jurisdiction", "former", "today"),
    [
        ("柳州市", "工商局", "市市场监管局"),
        ("柳州市", "质监局", "市市场监管局"),
        ("柳州市", "食药监局", "市市场监管局"),
        ("柳州市", "国税局", "市税务局"),
        ("柳州市", "地税局", "市税务局"),
        ("柳州市", "人事局", "市人力资源社会保障局"),
        ("柳州市", "劳动局", "市人力资源社会保障局"),
        ("柳州市", "国土资源局", "市自然资源和规划局"),
        ("柳州市", "安监局", "市应急局"),
        ("内蒙古自治区", "工商局", "自治区市场监督管理局"),
        ("内蒙古自治区", "地税局", "国家税务总局内蒙古自治区税务局"),
        ("内蒙古自治区", "国土资源厅", "自治区自然资源厅"),
        ("昆山市", "应急管理局", "市安监局"),
        ("昆山市", "工商局", "市市场监督管理局"),
    ],
)
def test_the_renamings_the_issue_names(catalog, jurisdiction, former, today) -> None:
    assert catalog.resolve_department(jurisdiction, former) == today
    aliases = next(d for d in catalog.departments(jurisdiction) if d["name"] == today)["aliases"]
    assert former in aliases  # the window's picker shows it in the tooltip (又称…)


def test_the_readme_says_what_the_catalog_holds_for_kunshan(catalog) -> None:
    readme = (paths.project_root() / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme[readme.index("昆山市 (41 + 11") :].split("\n- ")[0].split())
    departments = catalog.departments("昆山市")
    members = {unit["department"] for unit in catalog.member_units("昆山市")}
    generic = [d["name"] for d in departments if d["kind"] == "generic"]
    named_only_elsewhere = [
        d["name"] for d in departments if d["kind"] != "generic" and d["name"] not in members
    ]
    said = re.search(
        r"(\d+) implementing departments: the (\d+) member units of 附件3, (\d+) units", text
    )
    assert said, text
    assert [int(n) for n in said.groups()] == [
        len(departments),
        len(members),
        len(named_only_elsewhere),
    ]
    assert f"{len(generic)} generic holders" in text
    for name in named_only_elsewhere:
        assert name in text
