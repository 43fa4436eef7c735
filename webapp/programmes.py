"""Funding streams: where the fitting calls are, by programme, and which programmes the team has not tried."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, render_template

from store import profiles
from store.programmes import NEW_FOR, funding_streams, unmatched

from . import current_profile_id, db, settings
from .pipeline import TOP

bp = Blueprint("programmes", __name__)


@bp.route("/programmes")
def index():
    profile = profiles.get_profile(db(), current_profile_id())
    streams = funding_streams(db(), profile, datetime.now(timezone.utc), TOP)
    current = [s for s in streams if s["open"] or s["forthcoming"]]
    return render_template("programmes.html", title="Funding streams", profile=profile, streams=current,
                           closed_only=[s for s in streams if not (s["open"] or s["forthcoming"])],
                           untried=[s for s in current if s["untried"]], new=[s for s in streams if s["new"]],
                           missing=unmatched(db(), profile["programmes"]), top=TOP, new_days=NEW_FOR.days,
                           today=settings().as_of())
