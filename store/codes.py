"""Topic codes and series: what a call's identifier says about where it belongs.

A portal topic code (HORIZON-CL2-2027-01-DEMOCRACY-03) names its programme, its part and its strand; without
its years and numbers, it names the family the topic belongs to year after year. The ranking reads the family
as a signal of an organisation's history, and the team's record reads it as a call's series.
"""

from __future__ import annotations

import re
from functools import lru_cache

_YEAR_OR_NUMBER = re.compile(r"^(20\d\d|\d+)$")


def code_tokens(code: str) -> list[str]:
    """'HORIZON-CL2-2027-01-DEMOCRACY-03' -> ['HORIZON', 'CL2', 'DEMOCRACY']: the topic family without years
    and numbers."""
    return [t for t in re.split(r"[-_.\s/]+", code.upper()) if t and not _YEAR_OR_NUMBER.match(t)]


# Cached: every scoring of a profile asks for the family of every candidate at three depths, the same
# few thousand codes each time (the calls benchmark: 8.8 million asks, most of its run time uncached).
@lru_cache(maxsize=1 << 16)
def family(code: str | None, depth: int) -> str | None:
    if not code:
        return None
    tokens = code_tokens(code)
    return "-".join(tokens[:depth]) if len(tokens) >= depth else None


def series_of(call: dict) -> str | None:
    """The series a call comes back in: on the portal its strand (HORIZON-CL2-DEMOCRACY, the topic code
    without its years and numbers); elsewhere its programme, whose calls differ only by their page."""
    if call["source"] == "ft_portal":
        return family(call["identifier"], 3) or family(call["identifier"], 2)
    return call.get("programme")
