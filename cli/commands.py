"""Importing this module registers every part's commands on the `callmatch` group."""

from . import background, bench, crawl, demo, match, web  # noqa: F401
