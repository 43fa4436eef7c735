"""The words a search that finds nothing is set right against (`store.text.respelt`): the calls' and the
organisations' names', read once and kept between requests until what they are read from changes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from store import calls as call_store
from store import partners as partner_store
from store.db import Database, table_version

from . import db

_lock = threading.Lock()
_kept: dict[str, tuple] = {}


def _kept_words(table: str, read: Callable[[Database], dict[str, int]]) -> dict[str, int]:
    key = (db().url, table_version(db(), table))
    with _lock:
        if _kept.get(table, (None,))[0] != key:
            _kept[table] = (key, read(db()))
        return _kept[table][1]


def call_words() -> dict[str, int]:
    return _kept_words("calls", call_store.call_words)


def organisation_words() -> dict[str, int]:
    return _kept_words("organisations", partner_store.organisation_words)
