"""Calls by decision state, with their deadlines: the team's board."""

from __future__ import annotations

from flask import Blueprint, render_template

from store.decisions import STATES

from . import current_profile_id, db, settings

bp = Blueprint("pipeline", __name__)


@bp.route("/pipeline")
def index():
    rows = db().fetchall(
        """SELECT c.identifier, c.title, c.programme, c.grant_max, d.state, d.approval, d.outcome, d.updated_at,
                  (SELECT min((x->>'date')::date) FROM jsonb_array_elements(c.deadlines) x
                   WHERE (x->>'date')::date >= %s) AS next_deadline, m.score
           FROM decisions d JOIN calls c ON c.id = d.call_id
           LEFT JOIN match_results m ON m.call_id = c.id AND m.profile_id = d.profile_id
           WHERE d.profile_id = %s ORDER BY next_deadline NULLS LAST, c.identifier""",
        (settings().as_of(), current_profile_id()))
    columns = {state: [r for r in rows if r["state"] == state] for state in STATES}
    return render_template("pipeline.html", title="Pipeline", columns=columns, states=STATES, today=settings().as_of())
