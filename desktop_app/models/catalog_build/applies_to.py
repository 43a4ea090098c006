"""Whom a measure applies to, from its wording: `person`, `organization` or `any`.

The rule is deliberately narrow, because a measure marked for one kind of subject is hidden
from checks of the other kind: only wording that states a condition on the subject counts.

* `person`: the measure applies when the subject is a natural person — `…为自然人的`,
  `…是自然人的`, `…为个人的`, `…是个人的` (`失信责任主体为个人的，…`), or it names its subject
  as a natural person (`对严重失信的自然人`, `…被判处刑罚的自然人`).
* `organization`: the measure applies when the subject is an organisation — `…是机构的`,
  `…为机构的`, `…为单位的`, `…属工业企业的`, `…成为认证企业的`, or it acts on the legal
  representative of the listed enterprise (`对…失信企业的法定代表人…`).
* a measure with wording of both kinds applies to `any` and is reported as ambiguous;
  everything else applies to `any` (e.g. `对企业和个人给予表彰奖励时…`, or a measure that
  only a person can meet in practice, such as recruitment as a civil servant, but whose
  wording states no condition).
"""

from __future__ import annotations

PERSON_PHRASES = (
    "为自然人的",
    "是自然人的",
    "为个人的",
    "是个人的",
    "对严重失信的自然人",
    "被判处刑罚的自然人",
)
ORGANIZATION_PHRASES = (
    "是机构的",
    "为机构的",
    "为单位的",
    "属工业企业的",
    "成为认证企业的",
    "失信企业的法定代表人",
)


def applies_to(text: str) -> tuple[str, list[str]]:
    """(`person` | `organization` | `any`, the phrases that decided it)."""
    person = [phrase for phrase in PERSON_PHRASES if phrase in text]
    organization = [phrase for phrase in ORGANIZATION_PHRASES if phrase in text]
    if person and organization:
        return "any", person + organization
    if person:
        return "person", person
    if organization:
        return "organization", organization
    return "any", []
