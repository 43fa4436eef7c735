"""The words a search that finds nothing is set right against (`store.text.respelt`): the calls' and the
organisations' names', and the programmes the partner data's projects were in, read once and kept between
requests until what they are read from changes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from store import calls as call_store
from store import partners as partner_store
from store.db import Database, table_version

from . import db

_lock = threading.Lock()
_kept: dict[str, tuple] = {}


def _kept_words(name: str, version: tuple, read: Callable[[Database], object]):
    key = (db().url, version)
    with _lock:
        if _kept.get(name, (None,))[0] != key:
            _kept[name] = (key, read(db()))
        return _kept[name][1]


def call_words() -> dict[str, int]:
    return _kept_words("calls", table_version(db(), "calls"), call_store.call_words)


def organisation_words() -> dict[str, int]:
    return _kept_words("organisations", table_version(db(), "organisations"), partner_store.organisation_words)


def programme_names() -> dict[str, list[str]]:
    """`store.partners.programme_names`. Projects keep no time of change: a project added or removed is what
    reads them again (a programme renamed in a project that stays waits for the next)."""
    version = db().fetchone("SELECT count(*) AS n, coalesce(max(id), 0) AS newest FROM projects")
    return _kept_words("programmes", tuple(version.values()), partner_store.programme_names)
