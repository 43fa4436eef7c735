"""Importing this module registers every part's commands on the `callmatch` group."""

from . import background, crawl, demo, match, web  # noqa: F401
