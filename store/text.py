"""Wording shared by pages, emails and messages."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 project', '3 projects', '0 days'; `plural` for a noun that does not just take an s."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
