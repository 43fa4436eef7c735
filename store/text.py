"""Wording shared by pages, emails and messages."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """'1 project', '3 projects', '0 days' (nouns that take an s)."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
