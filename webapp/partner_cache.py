"""Partner recommendations for the call page, with the partner index kept in memory between requests."""

from __future__ import annotations

import threading
from collections.abc import Collection

from matcher import partners
from matcher.embedder import Embedder, EmbeddingStore
from matcher.partner_search import for_call, standing
from store.partners import participations_version

from . import db, settings

_lock = threading.Lock()
_cached: dict = {}


def embedding_store() -> EmbeddingStore:
    """The app's model, loaded once per process (and per model: two apps of one process may differ)."""
    model = settings().model
    with _lock:
        if ("embedder", model) not in _cached:
            _cached["embedder", model] = Embedder.from_settings(settings())
        return EmbeddingStore(db(), _cached["embedder", model])


def partner_index() -> partners.PartnerIndex | None:
    """Rebuilt only when participations changed (an import or a crawl of partners)."""
    version = participations_version(db())
    if not version[0]:
        return None
    key = (db().url, settings().model, *version)
    store = embedding_store()
    with _lock:
        if _cached.get("key") != key:
            _cached["index"] = partners.PartnerIndex.load(db(), store)
            _cached["key"] = key
        return _cached["index"]


def partner_suggestions(call: dict, member_ids: list[int], applicant: dict | None = None, limit: int = 15,
                        sector: str | None = None, country: str | None = None,
                        declined: list[int] = (), technology: bool = False,
                        with_us: dict[int, dict] | None = None, order: str = "overall",
                        among: Collection[int] | None = None) -> dict | None:
    index = partner_index()
    if index is None:
        return None
    return for_call(db(), embedding_store(), call["identifier"], member_ids, limit, index=index, applicant=applicant,
                    sector=sector, country=country, declined=declined, technology=technology, with_us=with_us,
                    order=order, among=among)


def partner_standing(identifier: str, organisation_id: int, member_ids: list[int],
                     applicant: dict | None = None, declined: list[int] = ()) -> dict | None:
    """Where one organisation ranks as a partner for a call, with the consortium as it stands."""
    index = partner_index()
    if index is None:
        return None
    return standing(db(), embedding_store(), identifier, organisation_id, member_ids, index=index, applicant=applicant,
                    declined=declined)
