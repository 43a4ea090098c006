"""One slip of the hand between a word as written and a known word (a legal form, a place):
what lets a misspelt 有限公司 or 侯马市 still be read as one. Pure functions, no I/O.

A slip is one of: a character dropped (有限司), one written twice (有限限公司), two adjacent
characters swapped (限有公司, 城鹿区), or one replaced by a homophone or a look-alike
(有线公司, 候马市). Replacing a character by an unrelated one is not a slip here: 有限公园
is no legal form, 柳州市 and 梧州市 are two cities. Only the hand-picked look-alikes count
(`lookalikes.picked_by_hand`): with the shape-derived ones a misspelt place would read as
several places at once.
"""

from __future__ import annotations

from desktop_app.models import pinyin
from desktop_app.models.lookalikes import picked_by_hand

DROPPED, DOUBLED, SWAPPED, HOMOPHONE, LOOKALIKE = (
    "dropped",
    "doubled",
    "swapped",
    "homophone",
    "lookalike",
)


def slip(written: str, meant: str) -> str | None:
    """The kind of slip that makes `meant` into `written`, or None when there is none (the
    two are equal, or further apart than one slip)."""
    if written == meant:
        return None
    length, target = len(written), len(meant)
    if length == target - 1:
        for i in range(target):
            if meant[:i] + meant[i + 1 :] == written:
                return DROPPED
        return None
    if length == target + 1:
        for i in range(1, length):
            if written[i] == written[i - 1] and written[:i] + written[i + 1 :] == meant:
                return DOUBLED
        return None
    if length != target:
        return None
    differing = [i for i in range(length) if written[i] != meant[i]]
    if len(differing) == 2:
        i, j = differing
        if j == i + 1 and written[i] == meant[j] and written[j] == meant[i]:
            return SWAPPED
        return None
    if len(differing) != 1:
        return None
    typed, known = written[differing[0]], meant[differing[0]]
    if pinyin.readings(typed) & pinyin.readings(known):
        return HOMOPHONE
    if picked_by_hand(typed, known):
        return LOOKALIKE
    return None


def near_spellings(word: str) -> set[str]:
    """The strings one deletion away from `word`, and `word` itself: two words a slip apart
    share at least one of them (SymSpell's rule), which finds candidates for `slip`."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}
