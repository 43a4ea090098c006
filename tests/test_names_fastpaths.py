"""Name normalisation skips work for plain names: it must give what the full steps give."""

from __future__ import annotations

import itertools
import random

from property_support import naive_clean

from desktop_app.models import names
from desktop_app.models import text as text_rules
from desktop_app.models.names import (
    _MATCH_TABLE,
    _ORG_WORDS_RE,
    _WHITESPACE_RE,
    _t2s,
)


def full_clean_display(text: str) -> str:
    text = naive_clean(text)
    return _WHITESPACE_RE.sub(" ", text).strip()


def full_normalize_name(text: str) -> str:
    text = naive_clean(text)
    text = _WHITESPACE_RE.sub("", text.translate(_MATCH_TABLE))
    text = text_rules.fold_marks(text_rules.map_name_lookalikes(text)[0])
    if not text.isascii():
        # Converted when some character on its own is traditional (as OpenCC sees it).
        if any(_t2s().convert(char) != char for char in text):
            text = _t2s().convert(text)
        text = text_rules.middle_dots(text, hyphens=not _ORG_WORDS_RE.search(text))
    return text.upper()


def tricky_names() -> list[str]:
    bases = [
        "张伟",
        "柳州市鑫源贸易有限公司",
        "阿卜杜拉·买买提",
        "John Smith",
        "華潤(柳州)置業",
        "a",
    ]
    extras = list("【】〔〕〖〗{}〈〉《》[]•‧・∙⋅●·.。-－—（）()ＡＢａｂ１２張偉國業¨ｶﾞ①㈱")
    extras += [" ", "\u3000", "\t", "\n", "\xa0", "\u200b", "\u200d", "\u2060", "\ufeff", "\xad"]
    extras += ["\x1f", "\u2028", "\u202f"]
    # what the one text rule removes or maps (issue 11)
    extras += ["\u202e", "\u2066", "\ufe0f", "\u0301", "\u20dd", "٤", "४", "А", "о", "é", "\x07"]
    rng = random.Random(2)
    found = [b + e for b, e in itertools.product(bases, extras)]
    found += [e + b for b, e in itertools.product(bases, extras)]
    for _ in range(3000):
        chars = list(rng.choice(bases))
        for _ in range(rng.randrange(1, 4)):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(extras))
        found.append("".join(chars))
    return found


def test_plain_name_shortcuts_give_the_full_result():
    for text in tricky_names():
        assert names.clean_display(text) == full_clean_display(text), repr(text)
        assert names.normalize_name.__wrapped__(text) == full_normalize_name(text), repr(text)


def test_traditional_characters_are_found_wherever_they_stand():
    assert names.normalize_name("張偉") == "张伟"
    assert names.normalize_name("柳州市华润置業有限公司") == "柳州市华润置业有限公司"
    assert names.normalize_name("张伟") == "张伟"
