"""Find organisations by what they worked on: nearest neighbours on an HNSW index (pgvector)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from store.db import Database
from store.errors import CallmatchError
from store.partners import organisation_filters

from .embedder import EmbeddingStore, text_hash

log = logging.getLogger(__name__)
DIMS = 384  # organisation_vectors.embedding is vector(384): all-MiniLM-L6-v2, the default model


class NotIndexable(CallmatchError):
    """The model's vectors are not of the size the organisation index holds."""

    def __init__(self, model: str, dims: int):
        super().__init__(f"Finding organisations by what they worked on needs a model of {DIMS}-dimension vectors "
                         f"(all-MiniLM-L6-v2, the default); {model} gives {dims}. The ranking of partners for a "
                         "call works with any model.")


def organisation_text(name: str, topics: list[str]) -> str:
    return f"{name}. Worked on: {'; '.join(topics)}" if topics else name


def index_organisations(db: Database, store: EmbeddingStore, progress: Callable[[int, int], None] | None = None) -> int:
    """Embed each organisation's text when it changed (or the model did); returns how many were indexed."""
    rows = db.fetchall(
        """SELECT o.id, o.name,
                  array_remove(array_agg(DISTINCT coalesce(nullif(p.topic_title, ''), p.title)), NULL) AS topics
           FROM organisations o LEFT JOIN participations x ON x.organisation_id = o.id
           LEFT JOIN projects p ON p.id = x.project_id GROUP BY o.id ORDER BY o.id""")
    model = store.embedder.vectors_key
    known = {(r["organisation_id"]): (r["model"], r["text_hash"])
             for r in db.fetchall("SELECT organisation_id, model, text_hash FROM organisation_vectors")}
    texts = {r["id"]: organisation_text(r["name"], sorted(r["topics"])[:12]) for r in rows}
    changed = {oid: t for oid, t in texts.items() if known.get(oid) != (model, text_hash(t))}
    if not changed:
        return 0
    vectors = store.vectors(list(changed.values()), progress)
    if vectors.shape[1] != DIMS:
        log.warning("Organisations not indexed: %s", NotIndexable(store.embedder.model_name, vectors.shape[1]))
        return 0
    with db.transaction() as cur:
        cur.executemany(
            """INSERT INTO organisation_vectors (organisation_id, model, text_hash, embedding) VALUES (%s, %s, %s, %s)
               ON CONFLICT (organisation_id) DO UPDATE SET model = EXCLUDED.model, text_hash = EXCLUDED.text_hash,
                   embedding = EXCLUDED.embedding, updated_at = now()""",
            [(oid, model, text_hash(t), v) for (oid, t), v in zip(changed.items(), vectors, strict=True)])
    return len(changed)


def search_sql(conditions: list[str] = ()) -> str:
    """Nearest vectors straight off the HNSW index first, then their organisations; with `conditions` (on
    organisations `o`, as store.partners.organisation_filters writes them) only those that meet them."""
    keep = (" AND EXISTS (SELECT 1 FROM organisations o WHERE o.id = v.organisation_id AND "
            + " AND ".join(conditions) + ")") if conditions else ""
    return f"""
SELECT o.id, o.name, o.country, o.sector, nearest.distance
FROM (SELECT organisation_id, embedding <=> %(query)s AS distance FROM organisation_vectors v
      WHERE model = %(model)s{keep} ORDER BY embedding <=> %(query)s LIMIT %(limit)s) nearest
JOIN organisations o ON o.id = nearest.organisation_id
"""


def _nearest(db: Database, vector, model: str, limit: int, conditions: list[str], params: dict) -> list[dict]:
    sql = search_sql(conditions)
    with db.transaction() as cur:
        # Vectors of another model, or organisations the conditions leave out, may come first: keep scanning
        # the graph until enough match.
        cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        rows = cur.execute(sql, {**params, "query": vector, "model": model, "limit": limit}).fetchall()
    return sorted(rows, key=lambda r: r["distance"])


def similar_to(db: Database, organisation_id: int, limit: int = 10) -> list[dict]:
    """The organisations whose past work is closest to this one's (their indexed texts), nearest first:
    others to ask where it cannot join, or more of its kind. None before it is indexed."""
    row = db.fetchone("SELECT model, embedding FROM organisation_vectors WHERE organisation_id = %s",
                      (organisation_id,))
    if row is None:
        return []
    return _nearest(db, row["embedding"], row["model"], limit, ["o.id <> %(itself)s"], {"itself": organisation_id})


def search(db: Database, store: EmbeddingStore, query: str, limit: int = 20, **filters) -> list[dict]:
    """The organisations closest to `query`, among those the Partners page's `filters` leave (a name or PIC,
    country, sector, programme). NotIndexable when the model's vectors cannot be compared with the index's (a
    query of another size would find nothing, and say nothing of why)."""
    vector = store.embedder.encode_query(query)
    if len(vector) != DIMS:
        raise NotIndexable(store.embedder.model_name, len(vector))
    params = {}
    conditions = organisation_filters(params, **filters)
    return _nearest(db, vector, store.embedder.vectors_key, limit, conditions, params)
