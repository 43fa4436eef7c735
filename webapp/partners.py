"""Search organisations; an organisation's projects and collaborators."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from matcher.partners import collaborators
from store.partners import SECTOR_LABELS

from . import db

bp = Blueprint("partners", __name__)
PER_PAGE = 30


@bp.route("/partners")
def index():
    q = (request.args.get("q") or "").strip()[:100]
    country = (request.args.get("country") or "").strip().upper()[:2]
    sector = request.args.get("sector") or ""
    if sector and sector not in SECTOR_LABELS:
        sector = ""
    programme = (request.args.get("programme") or "").strip()[:60]
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    where, params = ["TRUE"], {"limit": PER_PAGE, "offset": (page - 1) * PER_PAGE}
    if q:
        where.append("(o.name ILIKE %(q)s OR o.short_name ILIKE %(q)s OR o.pic = %(exact)s)")
        params.update(q=f"%{q}%", exact=q)
    if country:
        where.append("o.country = %(country)s")
        params["country"] = country
    if sector:
        where.append("o.sector = %(sector)s")
        params["sector"] = sector
    if programme:
        where.append("EXISTS (SELECT 1 FROM participations x JOIN projects p ON p.id = x.project_id"
                     " WHERE x.organisation_id = o.id AND (p.topic_code ILIKE %(prog)s OR p.framework ILIKE %(prog)s))")
        params["prog"] = f"{programme}%"
    base = f"FROM organisations o WHERE {' AND '.join(where)}"
    total = db().scalar(f"SELECT count(*) {base}", params)
    rows = db().fetchall(
        f"""SELECT o.*, (SELECT count(DISTINCT project_id) FROM participations WHERE organisation_id = o.id) AS projects
            {base} ORDER BY projects DESC, o.name LIMIT %(limit)s OFFSET %(offset)s""", params)
    about = (request.args.get("about") or "").strip()[:200]
    similar = None
    if about:
        from matcher.organisation_search import search

        from .partner_cache import embedding_store

        similar = search(db(), embedding_store(), about, limit=15)
    countries = [r["country"] for r in db().fetchall(
        "SELECT DISTINCT country FROM organisations WHERE country IS NOT NULL ORDER BY country")]
    return render_template("partners.html", title="Partners", rows=rows, total=total, page=page, about=about,
                           similar=similar,
                           pages=max(1, -(-total // PER_PAGE)), countries=countries, sectors=SECTOR_LABELS,
                           args={k: v for k, v in request.args.items() if k != "page"})


@bp.route("/organisations/<int:organisation_id>")
def organisation(organisation_id):
    org = db().fetchone("SELECT * FROM organisations WHERE id = %s", (organisation_id,))
    if org is None:
        abort(404, "No such organisation.")
    projects = db().fetchall(
        """SELECT DISTINCT ON (p.id) p.*, x.role, x.eu_contribution FROM participations x
           JOIN projects p ON p.id = x.project_id WHERE x.organisation_id = %s ORDER BY p.id DESC""", (organisation_id,))
    identifiers = db().fetchall("SELECT scheme, value FROM organisation_identifiers WHERE organisation_id = %s",
                                (organisation_id,))
    return render_template("organisation.html", title=org["name"], org=org, projects=projects,
                           collaborators=collaborators(db(), organisation_id), identifiers=identifiers,
                           sectors=SECTOR_LABELS)
