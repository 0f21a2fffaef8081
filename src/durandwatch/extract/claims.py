"""Statements by a party to the conflict: who claims or says what, with the quote."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .records import Actor, Claim

CLAIM = re.compile(
    r"\b(claim\w* (?:the )?responsibility|claimed|according to|spokes(?:man|person|woman)|"
    r"said in a statement|statement|said|says|told|confirmed|alleged|accused)\b",
    re.IGNORECASE,
)


def find_claim(text: str, actors: Sequence[Actor]) -> Claim | None:
    parties = [a for a in actors if a.kind in ("state", "rebel", "external")]
    for m in CLAIM.finditer(text):
        window_start = max(0, m.start() - 80)
        near = [a for a in parties if text.find(a.text, window_start, m.end() + 80) >= 0]
        if not near:
            continue
        kind = (
            "responsibility"
            if "responsib" in m.group(1).lower()
            or (m.group(1).lower() == "claimed" and any(a.kind == "rebel" for a in near))
            else "statement"
        )
        sentence_start = max(text.rfind(".", 0, m.start()) + 1, text.rfind(";", 0, m.start()) + 1)
        end_candidates = [i for i in (text.find(".", m.end()), text.find(";", m.end())) if i >= 0]
        sentence_end = min(end_candidates) if end_candidates else len(text)
        quote = text[sentence_start:sentence_end].strip()
        start = text.find(quote, sentence_start)
        return Claim(
            party=near[0].name, kind=kind, start=start, end=start + len(quote), quote=quote
        )
    return None
