"""One listing as a person reads it (`lists show HIT_ID`): its fields and its history.

Personal data stays masked: a resident ID shows its first 6 and last 4 characters
(`identifiers.mask_id`), in the ID field and wherever an ID-shaped number appears in the
other fields and in the listing's earlier states. Once accounts exist, looking at a listing
needs a login and is audited (`listing_view`); the full numbers only for an administrator who
asks for them (`unmasked`), and that is audited too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from desktop_app.errors import UsageError
from desktop_app.models.identifiers import mask_id
from desktop_app.models.lists_store import FIELD_ID, listing_fields
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit

if TYPE_CHECKING:
    from desktop_app.context import AppContext

# A number shaped like a resident ID (18 characters, the last may be X; or 15 digits) that is
# not part of a longer run of letters and digits (a USCC, a case number's digits).
_ID_SHAPED = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """`text` with every resident-ID-shaped number in it masked."""
    return _ID_SHAPED.sub(lambda m: mask_id("resident_id", m.group()), text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def show_listing(
    ctx: AppContext, user: User | None, hit_id: int, *, unmasked: bool = False
) -> dict[str, Any]:
    """The listing `hit_id` (a check result's `hit_id`) with its fields and history.

    Once accounts exist: any logged-in user (masked), an administrator for `unmasked`; each
    look is audited. Raises `UsageError` for an unknown id.
    """
    accounts.require_once_accounts_exist(ctx, user, "lists.read")
    if unmasked:
        accounts.require_once_accounts_exist(ctx, user, "lists.unmasked")
    listing = ctx.lists.listing(hit_id)
    if listing is None:
        raise UsageError(f"没有编号为 {hit_id} 的名单记录。编号见核查结果的 hit_id。")
    fields = listing_fields(listing)
    history = ctx.lists.listing_history(listing["id"])
    if not unmasked:
        if listing["id_value"]:
            fields[FIELD_ID] = mask_id(listing["id_kind"], listing["id_value"])
        fields = _masked(fields)
        history = _masked(history)
    data = {
        "hit_id": listing["id"],
        "list": listing["list"],
        "category": listing["category"],
        "name": listing["name"],
        "id_kind": listing["id_kind"],
        "subject_type": listing["subject_type"],
        "listed_on": listing["listed_on"],
        "revoked_on": listing["revoked_on"],
        "case_no": listing["case_no"],
        "court": listing["court"],
        "source_row": listing["source_row"],
        "formula_flag": bool(listing["formula_flag"]),
        "fields": fields,
        "history": history,
        "masked": not unmasked,
    }
    if accounts.accounts_exist(ctx):
        audit.log_event(
            ctx,
            user,
            "listing_view",
            details={"hit_id": listing["id"], "list": listing["list"], "unmasked": unmasked},
        )
    return data
