"""Rank every stored call for a profile; store score, gates and explanation in match_results.

The UI reads stored results. Re-ranking after a crawl rewrites only the calls whose inputs
(call content, profile, model, weights, judging day, the scorer's version) changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date

import numpy as np
from psycopg.types.json import Jsonb

from store import profiles
from store.calls import refresh_statuses
from store.codes import family
from store.db import Database
from store.errors import Conflict, NotFound
from store.text import counted

from . import gates
from .embedder import EmbeddingStore
from .scoring import (DEFAULT_WEIGHTS, HELD_PENALTY, VERSION, CandidateSet, Profile, build_profile, contributions,
                      history_items, profile_items, score)
from .signals import shared_keywords

log = logging.getLogger(__name__)


def _inputs_hash(call_hash: str, profile: dict, history: str, model: str, weights: dict, today: date) -> str:
    profile_part = json.dumps({k: str(profile.get(k)) for k in sorted(profile) if k not in ("id",)}, sort_keys=True)
    key = (f"{VERSION}|{call_hash}|{profile_part}|{history}|{model}|{json.dumps(weights, sort_keys=True)}"
           f"|{today.isoformat()}")
    return hashlib.sha256(key.encode()).hexdigest()


def active_weights(profile: dict) -> dict:
    learned = (profile.get("weights") or {}).get("signals")
    return {**DEFAULT_WEIGHTS, **learned} if learned else dict(DEFAULT_WEIGHTS)


def excerpt(text: str, limit: int = 400) -> str:
    """The start of a passage for an explanation, cut at a word boundary and marked as cut; a passage
    that begins in the middle of a sentence (passages are runs of words) is marked at its start too."""
    lead = "…" if text[:1].islower() else ""
    if len(text) <= limit:
        return lead + text
    cut = text[:limit].rsplit(" ", 1)[0]  # no space at all: the whole first `limit` characters
    return lead + cut.rstrip(" ,;:") + "…"


def explanation(candidates: CandidateSet, index: int, profile: Profile, per_item: np.ndarray, lift: np.ndarray,
                signals: dict, call_code: str | None, weights: dict) -> dict:
    """Which passage of the call matched which part of the profile, shared words, history, and how the
    score adds up from the signals and the weights it was scored with.

    The profile items shown are those the score used (highest lift first), each with its plain cosine
    and its lift.
    """
    rows = list(candidates.passages_of(index))
    pairs = []
    best_items = np.argsort(-lift[index])[:3]
    for item in best_items:
        if per_item[index, item] <= 0:
            continue
        # the call passage that produced this item's best similarity
        sims = candidates.passage_vectors[rows] @ profile.vectors[item]
        passage = rows[int(np.argmax(sims))]
        # The similarity is what a reader can judge; how far it is above the item's usual is what counted.
        pairs.append({"call": excerpt(candidates.passage_texts[passage]), "profile": profile.items[item],
                      "similarity": round(float(per_item[index, item]), 3),
                      "above_usual": round(float(lift[index, item]), 3)})
    return {
        "matches": pairs,
        "keywords": shared_keywords(profile.text, candidates.texts[index]),
        "signals": {name: round(float(values[index]), 4) for name, values in signals.items()},
        "score_parts": score_parts({name: float(values[index]) for name, values in signals.items()}, weights),
        "history": {
            "family": family(call_code, 2),
            "programme_family": family(call_code, 1),
            "past_projects": len(profile.codes),
            "in_programme_family": round(float(signals["family1"][index]) * len(profile.codes)),
            "strand": family(call_code, 3),
            "in_strand": round(float(signals["family3"][index]) * len(profile.codes)),
            "programme_preferred": bool(signals["programme"][index]),
            "programmes": profile.programmes,
            "already_held": bool(signals["held"][index]),
        },
    }


def score_parts(signals: dict, weights: dict) -> list[dict]:
    """Each signal's value, weight and share of the score in points (score x 100, as pages show it);
    the parts add up to the score. The held penalty is listed only for a call already held."""
    shares = contributions(signals, weights)
    weights = {**weights, "held": -HELD_PENALTY}
    return [{"signal": name, "value": round(signals[name], 4), "weight": weights.get(name, 0.0),
             "points": round(100 * share, 1)} for name, share in shares.items() if name != "held" or signals["held"]]


def rank_calls(db: Database, store: EmbeddingStore, profile_id: int | None = None, today: date | None = None,
               progress: Callable[[int, int], None] | None = None, only_changed: bool = True) -> dict:
    today = today or date.today()
    # A profile deleted after its ranking was queued is NotFound, not silently SIC's.
    profile = profiles.load_profile(db, profile_id)
    refresh_statuses(db, today)  # the statuses shown agree with the gates: both as of `today`
    calls = db.fetchall(
        "SELECT id, identifier, programme, title, description_text, content_hash, deadlines, grant_max, topic_budget,"
        " eligibility, unlisted_since FROM calls ORDER BY id")
    if not calls:
        return {"profile": profile["id"], "calls": 0, "scored": 0}
    weights = active_weights(profile)
    model = store.embedder.vectors_key
    # The linked organisation's past projects: a new import that adds one re-scores every call.
    history = profiles.organisation_history(db, profile.get("organisation_id"))
    past_items, history_codes = history_items(history)
    history_key = hashlib.sha256(json.dumps([[p["id"], p["topic_code"]] for p in history]).encode()).hexdigest()
    # A call its source stopped listing is screened out, and one listed again is not: both re-score it.
    hashes = {c["id"]: _inputs_hash(f"{c['content_hash']}|{c['unlisted_since']}", profile, history_key, model,
                                    weights, today) for c in calls}
    stored = {r["call_id"]: r["inputs_hash"] for r in db.fetchall(
        "SELECT call_id, inputs_hash FROM match_results WHERE profile_id = %s", (profile["id"],))}
    # The semantic signal measures each call against the average of all stored calls, so a crawl that
    # adds calls moves an unchanged call's score by a hair (50 new calls among 1,456 moved none by more
    # than 0.0015); unchanged calls keep their stored scores until their own inputs change.
    todo = [i for i, c in enumerate(calls) if not only_changed or stored.get(c["id"]) != hashes[c["id"]]]
    if todo:
        candidates = CandidateSet.build(
            store, [c["id"] for c in calls], [c["identifier"] for c in calls], [c["title"] for c in calls],
            [c["description_text"] for c in calls], [c["programme"] for c in calls], progress)
        items = profile_items(profile) + past_items
        prof = build_profile(store, items, history_codes, profile.get("programmes") or [])
        result = score(candidates, prof, weights)
        rows = []
        for i in todo:
            call = calls[i]
            screened = gates.screen(call, profile, today)
            rows.append((
                profile["id"], call["id"], model, float(result.scores[i]),
                Jsonb({k: round(float(v[i]), 4) for k, v in result.signals.items()}),
                Jsonb([g.as_json() for g in screened]), not all(g.passed for g in screened),
                Jsonb(explanation(candidates, i, prof, result.item_similarity, result.item_lift, result.signals,
                                  call["identifier"], weights)),
                hashes[call["id"]],
            ))
        try:
            _save_results(db, rows)
        except Conflict:
            if profiles.get_profile(db, profile["id"]) is None:
                raise NotFound(f"Profile {profile['name']!r} was deleted while its calls were ranked.") from None
            raise
    with db.transaction() as cur:
        cur.execute(
            """UPDATE match_results m SET rank = r.position FROM (
                   SELECT call_id, row_number() OVER (ORDER BY screened_out, score DESC, call_id) AS position
                   FROM match_results WHERE profile_id = %s) r
               WHERE m.profile_id = %s AND m.call_id = r.call_id AND m.rank IS DISTINCT FROM r.position""",
            (profile["id"], profile["id"]))
    log.info("ranked %s for %s; %d rescored", counted(len(calls), "call"), profile["name"], len(todo))
    return {"profile": profile["id"], "calls": len(calls), "scored": len(todo)}


def _save_results(db: Database, rows: list[tuple]) -> None:
    with db.transaction() as cur:
        cur.executemany(
            """INSERT INTO match_results (profile_id, call_id, model, score, signals, gates, screened_out,
                                          explanation, inputs_hash)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (profile_id, call_id) DO UPDATE SET model = EXCLUDED.model, score = EXCLUDED.score,
                   signals = EXCLUDED.signals, gates = EXCLUDED.gates, screened_out = EXCLUDED.screened_out,
                   explanation = EXCLUDED.explanation, inputs_hash = EXCLUDED.inputs_hash, computed_at = now()""",
            rows)
