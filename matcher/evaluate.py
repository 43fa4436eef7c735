"""The two leave-one-out tasks of the benchmark (shared/benchmarks/README.md), to the letter.

Both read a CORDIS dump already loaded by the production importer into a database of its own,
and rank with the production scorer. Rank = 1 + the number of candidates scored strictly higher.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from store.db import Database

from . import partners as partner_fit
from .embedder import EmbeddingStore
from .scoring import CandidateSet, Profile, history_items, score
from .signals import code_years

Progress = Callable[[int, int], None] | None


def no_queries(task: str, started: float) -> dict:
    """The result of a dump without a query of the task: the command reports it rather than figures of 0."""
    return {"task": task, "queries": 0, "seconds": round(time.perf_counter() - started, 2), "methods": {},
            "intervals": None}


def metrics(ranks: list[int]) -> dict:
    r = np.asarray(ranks, dtype=np.float64)
    if r.size == 0:
        return {"recall@10": 0.0, "recall@50": 0.0, "mrr": 0.0}
    return {"recall@10": round(float((r <= 10).mean()), 4), "recall@50": round(float((r <= 50).mean()), 4),
            "mrr": round(float((1 / r).mean()), 4)}


def rank_of(scores: np.ndarray, target: int, mask: np.ndarray) -> int:
    return 1 + int(((scores > scores[target]) & mask).sum())


def recall_intervals(ranks: dict[str, list[int]], clusters: list, baseline: str, clustered_by: str,
                     resamples: int = 2000) -> dict:
    """95% bootstrap intervals of recall@10, for each method and for callmatch's lead over the baseline.

    Queries of one organisation (calls) or one project (partners) are not independent, so whole
    clusters are resampled: the interval says how far the figure may move on another dump of the
    same kind. Seeded, so the same ranks always give the same interval. Without queries, no interval."""
    if not clusters:
        return {"methods": {method: [math.nan, math.nan] for method in ranks}, "baseline": baseline,
                "lead": [math.nan, math.nan], "clusters": clustered_by}
    keys, cluster_of = np.unique(np.asarray(clusters), return_inverse=True)
    sizes = np.bincount(cluster_of, minlength=len(keys)).astype(np.float64)
    picks = np.random.default_rng(0).integers(0, len(keys), (resamples, len(keys)))
    queries = sizes[picks].sum(axis=1)
    recall = {}
    for method, r in ranks.items():
        hits = np.bincount(cluster_of, weights=(np.asarray(r) <= 10), minlength=len(keys))
        recall[method] = hits[picks].sum(axis=1) / queries

    def bounds(values: np.ndarray) -> list[float]:
        return [round(float(v), 4) for v in np.percentile(values, [2.5, 97.5])]

    return {"methods": {method: bounds(values) for method, values in recall.items()}, "baseline": baseline,
            "lead": bounds(recall["callmatch"] - recall[baseline]), "clusters": clustered_by}


# -- calls ---------------------------------------------------------------------------------------------


def calls_queries(db: Database) -> tuple[list[dict], dict[int, dict], list[dict]]:
    """(queries, projects by id, topics): every (organisation, hidden project) pair of the task."""
    topics = db.fetchall("SELECT code, title FROM topics ORDER BY code")
    projects = {p["id"]: p for p in db.fetchall(
        "SELECT id, coalesce(title, '') AS title, coalesce(acronym, '') AS acronym, topic_code FROM projects"
        " WHERE topic_code IN (SELECT code FROM topics)")}
    by_org = defaultdict(set)
    for row in db.fetchall("SELECT DISTINCT organisation_id, project_id FROM participations"):
        if row["project_id"] in projects:
            by_org[row["organisation_id"]].add(row["project_id"])
    queries = []
    for org, held in sorted(by_org.items()):
        if len(held) < 3:
            continue
        for hidden in sorted(held):
            others = sorted(held - {hidden})
            if projects[hidden]["topic_code"] in {projects[o]["topic_code"] for o in others}:
                continue
            queries.append({"organisation": org, "hidden": hidden, "others": others})
    return queries, projects, topics


def evaluate_calls(db: Database, store: EmbeddingStore, limit: int | None = None, progress: Progress = None) -> dict:
    started = time.perf_counter()
    queries, projects, topics = calls_queries(db)
    if limit:
        queries = queries[:limit]
    if not queries:
        return no_queries("calls", started)
    codes = [t["code"] for t in topics]
    titles = [t["title"] or t["code"] for t in topics]
    title_of = dict(zip(codes, titles, strict=True))
    position = {c: i for i, c in enumerate(codes)}
    candidates = CandidateSet.build(store, codes, codes, titles, [""] * len(codes))
    years = [code_years(c) for c in codes]

    profile_texts = sorted({t for p in projects.values() for t in (p["title"], title_of.get(p["topic_code"], "")) if t})
    vector_of = dict(zip(profile_texts, store.vectors(profile_texts, progress), strict=True))

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # its import sets DEBUG, which printed its chatter
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(titles, stopwords="en", show_progress=False), show_progress=False)

    ranks = {"callmatch": [], "bm25": []}
    for n, query in enumerate(queries, 1):
        target_code = projects[query["hidden"]]["topic_code"]
        target_years = code_years(target_code)
        mask = np.array([not target_years or not y or bool(y & target_years) for y in years])
        others = [{**projects[o], "topic_title": title_of.get(projects[o]["topic_code"], "")} for o in query["others"]]
        items, codes = history_items(others)
        profile = Profile(items, np.stack([vector_of[i] for i in items]), codes)
        ranks["callmatch"].append(rank_of(score(candidates, profile).scores, position[target_code], mask))
        tokens = bm25s.tokenize(" ".join(items), stopwords="en", show_progress=False, return_ids=False)[0]
        ranks["bm25"].append(rank_of(retriever.get_scores(tokens), position[target_code], mask))
        if progress and n % 100 == 0:
            progress(n, len(queries))
    return {"task": "calls", "queries": len(queries), "seconds": round(time.perf_counter() - started, 2),
            "methods": {name: metrics(r) for name, r in ranks.items()},
            "intervals": recall_intervals(ranks, [q["organisation"] for q in queries], "bm25", "organisations")}


# -- partners ------------------------------------------------------------------------------------------


def partner_queries(db: Database) -> list[tuple[int, int]]:
    """(project id, organisation id) of every query of the task: a participant of a project with two or
    more, which takes part in another project too. By project, then organisation."""
    return [(row["project_id"], row["organisation_id"]) for row in db.fetchall(
        "WITH links AS (SELECT DISTINCT organisation_id, project_id FROM participations),"
        " shared AS (SELECT project_id FROM links GROUP BY project_id HAVING count(*) >= 2),"
        " active AS (SELECT organisation_id FROM links GROUP BY organisation_id HAVING count(*) >= 2)"
        " SELECT project_id, organisation_id FROM links JOIN shared USING (project_id)"
        " JOIN active USING (organisation_id) ORDER BY project_id, organisation_id")]


def evaluate_partners(db: Database, store: EmbeddingStore, limit: int | None = None, progress: Progress = None) -> dict:
    started = time.perf_counter()
    pairs = partner_queries(db)
    if limit:
        pairs = pairs[:limit]
    if not pairs:  # before the index embeds its projects' texts: loading the model takes seconds
        return no_queries("partners", started)
    index = partner_fit.PartnerIndex.load(db, store)
    members = partner_fit.by_project(index)
    counts = np.asarray(index.membership.sum(axis=1)).ravel()
    meta = {p["id"]: p for p in db.fetchall(
        "SELECT p.id, coalesce(p.acronym, '') AS acronym, coalesce(p.title, '') AS title,"
        " coalesce(t.title, p.topic_title, '') AS topic_title"
        " FROM projects p LEFT JOIN topics t ON t.code = p.topic_code")}
    project_position = {p: i for i, p in enumerate(index.project_ids)}
    queries = []
    for project_id, org_id in pairs:
        project, org = project_position[project_id], index.positions[org_id]
        queries.append((project, org, sorted(set(members[project]) - {org})))
    call_texts = {}
    for project, _, _ in queries:
        info = meta[index.project_ids[project]]
        code = index.project_codes[project] or ""
        call_texts[project] = " ".join(x for x in (code, info["topic_title"], info["acronym"], info["title"]) if x)
    texts = sorted(set(call_texts.values()))
    vector_of = dict(zip(texts, store.vectors(texts, progress), strict=True))

    ranks = {"callmatch": [], "popularity": []}
    linked = []  # had the missing partner worked with the rest of the consortium before (P left out)?
    for n, (project, hidden, rest) in enumerate(queries, 1):
        mask = np.ones(len(index.org_ids), bool)
        mask[rest] = False
        ranking = partner_fit.rank(index, index.project_codes[project], vector_of[call_texts[project]], rest,
                                   leave_out_project=project)
        scores = np.where(np.isfinite(ranking.scores), ranking.scores, -math.inf)
        ranks["callmatch"].append(rank_of(scores, hidden, mask))
        linked.append(bool(ranking.signals["network"][hidden] > 0))
        popularity = counts - np.asarray(index.membership[:, project].todense()).ravel()
        ranks["popularity"].append(rank_of(popularity, hidden, mask))
        if progress and n % 100 == 0:
            progress(n, len(queries))
    return {"task": "partners", "queries": len(queries), "seconds": round(time.perf_counter() - started, 2),
            "methods": {name: metrics(r) for name, r in ranks.items()},
            "intervals": recall_intervals(ranks, [project for project, _, _ in queries], "popularity", "projects"),
            "cases": recall_by_case(ranks["callmatch"], linked)}


def recall_by_case(ranks: list[int], linked: list[bool]) -> dict:
    """callmatch's recall@10 apart for the queries whose missing partner had worked with the rest of the
    consortium before and for those whose had not: the links find the first kind, and almost nothing
    in this data finds the second, so the share of each sets what the whole can reach."""
    r, linked = np.asarray(ranks), np.asarray(linked, bool)
    return {case: {"queries": int(chosen.sum()), "recall@10": metrics(r[chosen])["recall@10"]}
            for case, chosen in (("linked", linked), ("never linked", ~linked))}


# The baselines ../shared/benchmarks/README.md publishes: (method, dump, recall@10, MRR). The held-out
# dump's figures let a run on that dump be read against them directly.
BASELINES_PUBLISHED = {
    "calls": [("bm25", "cordis-dev", 0.181, 0.075), ("bm25", "the held-out dump", 0.169, 0.079),
              ("all-MiniLM-L6-v2, mean of the top 3 cosines", "the held-out dump", 0.177, 0.079)],
    "partners": [("popularity", "cordis-dev", 0.130, 0.079), ("popularity", "the held-out dump", 0.122, 0.063)],
}
