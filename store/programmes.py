"""Funding streams: the calls open or coming, by programme, for a profile, and the programmes new to the data.

SIC's strategy names changes in EU funding instruments as the biggest risk to its survival and asks for new
funding streams: this is where a programme's fitting calls, the team's record in it, and a programme that
appeared only lately are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .calls import FIRST_CRAWL, programmes
from .db import Database
from .decisions import success_rate, win_record
from .evaluations import by_criterion, scores_record

# The name a call source gives a programme it has no name for yet (the portal's code of a new instrument):
# the crawler writes "Other EU programme (EP)", after the prefix of its topics' identifiers.
UNNAMED_PROGRAMME = "Other EU programme"

# A programme is new to the data while its first call was first seen less than this long ago, and after
# the first crawl of its source (the first crawl finds every programme at once: none of them is news).
NEW_FOR = timedelta(days=365)

# Each call once, with whether it passes the profile's screening while open or forthcoming (a closed call
# counts only in the decisions), then counted per programme.
_STREAMS = """
    WITH started AS (SELECT source, min(first_seen) AS at FROM calls GROUP BY source),
         each_call AS (
           SELECT c.programme, c.status, c.topic_budget, c.first_seen, m.rank, d.id AS decision, d.state, d.approval,
                  d.outcome, d.evaluation_score / d.evaluation_out_of AS score_share, d.evaluation_criteria,
                  c.first_seen > s.at + %(first_crawl)s AS after_first_crawl,
                  c.status <> 'closed' AND m.screened_out IS FALSE AS passes
           FROM calls c JOIN started s ON s.source = c.source
           LEFT JOIN match_results m ON m.call_id = c.id AND m.profile_id = %(profile)s
           LEFT JOIN decisions d ON d.call_id = c.id AND d.profile_id = %(profile)s
           WHERE c.programme IS NOT NULL)
    SELECT programme,
           count(*) FILTER (WHERE status = 'open') AS open,
           count(*) FILTER (WHERE status = 'forthcoming') AS forthcoming,
           count(*) FILTER (WHERE passes) AS passing,
           count(*) FILTER (WHERE passes AND rank <= %(top)s) AS at_top,
           min(rank) FILTER (WHERE passes) AS best_rank,
           sum(topic_budget) FILTER (WHERE passes) AS budget,
           count(decision) AS decided,
           count(decision) FILTER (WHERE state = 'bid' AND approval <> 'rejected') AS bids,
           count(decision) FILTER (WHERE outcome = 'won') AS won,
           count(decision) FILTER (WHERE outcome = 'lost') AS lost,
           count(score_share) AS scored, avg(score_share) AS mean_score,
           jsonb_agg(evaluation_criteria) FILTER (WHERE evaluation_criteria <> '[]') AS scored_criteria,
           min(first_seen) AS first_seen,
           bool_and(after_first_crawl) AS after_first_crawl
    FROM each_call GROUP BY programme
    ORDER BY best_rank NULLS LAST, count(*) FILTER (WHERE status <> 'closed') DESC, programme"""


def preferred(programme: str | None, wanted: Sequence[str]) -> bool:
    """Whether a call's programme is one the profile prefers: a preference names the programme or a part
    of its name ("Interreg" covers "Interreg Baltic Sea Region"), in any case."""
    return bool(programme) and any(w and w.lower() in programme.lower() for w in wanted)


def unmatched(db: Database, wanted: Sequence[str]) -> list[str]:
    """The preferred programmes no stored call is in: one whose source is not crawled yet, or a typing slip."""
    stored = programmes(db)
    return [w for w in wanted if not any(preferred(programme, [w]) for programme in stored)]


def funding_streams(db: Database, profile: dict, now: datetime, top: int = 50) -> list[dict]:
    """Per programme, best-placed first: its calls open and forthcoming (`open`, `forthcoming`), those of
    them that pass the profile's screening (`passing`; `at_top` among its `top` best-ranked, `best_rank`,
    `budget`: their topic budgets added up, unknown ones left out), the profile's decisions on its calls
    of any year (`decided`, `bids` not rejected, `won`, `lost`; `record`: `decisions.win_record`, and the
    programme's published `success_rate`; the evaluators' scores recorded, as a share of each maximum: how many
    `scored`, their `mean_score` and `scores`, `evaluations.scores_record`; and by criterion, `criteria`,
    `evaluations.by_criterion`), whether the profile prefers it
    (`preferred`), and whether it is `new` to the data (see NEW_FOR) or `unnamed` (a programme code the
    crawler has no name for). `untried`: calls among the `top`, yet neither preferred nor ever decided on, a
    funding stream the team has not tried. Programmes with only closed calls come last, with nothing open."""
    rows = db.fetchall(_STREAMS, {"profile": profile["id"], "top": top, "first_crawl": FIRST_CRAWL})
    for row in rows:
        row["new"] = bool(row["after_first_crawl"]) and row["first_seen"] > now - NEW_FOR
        row["unnamed"] = row["programme"].startswith(UNNAMED_PROGRAMME)
        row["preferred"] = preferred(row["programme"], profile["programmes"])
        row["untried"] = bool(row["at_top"]) and not row["preferred"] and not row["decided"]
        row["record"] = win_record(row["won"], row["lost"])
        row["scores"] = scores_record(row["scored"], row["mean_score"])
        row["criteria"] = by_criterion({"evaluation_criteria": found} for found in row.pop("scored_criteria") or [])
        row["success_rate"] = success_rate(row["programme"])
    return rows


def new_programmes(db: Database, profile: dict, since: datetime, now: datetime) -> list[dict]:
    """The programmes whose first call was first seen after `since` (a digest's period), not in the first
    crawl of their source: a funding instrument that was not there before."""
    return [row for row in funding_streams(db, profile, now) if row["new"] and row["first_seen"] > since]


def stream_json(row: dict) -> dict:
    """The public shape of a funding stream, as `callmatch programmes --json` prints it."""
    shaped = {key: value for key, value in row.items() if key != "after_first_crawl"}
    shaped["budget"] = float(row["budget"]) if row["budget"] is not None else None
    shaped["mean_score"] = round(float(row["mean_score"]), 4) if row["mean_score"] is not None else None
    shaped["criteria"] = [{**c, "share": round(float(c["share"]), 4)} for c in row["criteria"]]
    shaped["first_seen"] = row["first_seen"].isoformat()
    return shaped
