"""Sources describe organisation types in their own words; matching needs one small vocabulary."""

from __future__ import annotations

_RULES = (
    ("academic", ("university", "higher education", "hes", "school", "college")),
    ("research", ("research", "rec")),
    ("public", ("public", "authority", "municipal", "ministry", "agency", "pub", "region", "government")),
    ("ngo", ("ngo", "non-profit", "non profit", "association", "foundation", "civil society", "interest group")),
    ("private", ("sme", "enterprise", "company", "business", "private", "prc")),
)


def sector_of(description: str | None) -> str | None:
    if not description:
        return None
    text = description.strip().lower()
    for sector, words in _RULES:
        if any(word == text or word in text.split() or (len(word) > 3 and word in text) for word in words):
            return sector
    return "other"
