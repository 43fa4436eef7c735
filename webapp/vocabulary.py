"""The words a search that finds nothing is set right against (`store.text.respelt`): the calls' and the
organisations' names', read once and kept between requests until what they are read from changes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from store import calls as call_store
from store import partners as partner_store
from store.db import Database

from . import db

_lock = threading.Lock()
_kept: dict[str, tuple] = {}


def _kept_words(name: str, version: tuple, read: Callable[[Database], dict[str, int]]) -> dict[str, int]:
    key = (db().url, version)
    with _lock:
        if _kept.get(name, (None,))[0] != key:
            _kept[name] = (key, read(db()))
        return _kept[name][1]


def call_words() -> dict[str, int]:
    return _kept_words("calls", call_store.calls_version(db()), call_store.call_words)


def organisation_words() -> dict[str, int]:
    return _kept_words("organisations", partner_store.organisations_version(db()), partner_store.organisation_words)
