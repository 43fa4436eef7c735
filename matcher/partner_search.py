"""Partner ranking for a stored call: what the web app and `callmatch partners` show."""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

from store.calls import get_call, nearest_identifier
from store.consortium import confirmed_with_us
from store.db import Database
from store.errors import NotFound
from store.partners import organisations_by_reference, projects_with_members, sector_label
from store.text import area_text, country_code

from . import partners
from .embedder import EmbeddingStore
from .signals import passages

# How the recommended partners may be listed: by the ranking, or by how close their past work is to the call.
ORDERS = ("overall", "past_work")


def call_vector(store: EmbeddingStore, call: dict):
    """The call's title and opening passage: both already embedded when the call was ranked."""
    opening = passages(call.get("description_text") or "", store.embedder.max_words)[:1]
    vectors = store.vectors([call["title"], *opening])
    mean = vectors.mean(axis=0)
    return mean / (float((mean @ mean) ** 0.5) or 1.0)


def _ranked(db: Database, store: EmbeddingStore, identifier: str, members: list, index: partners.PartnerIndex | None,
            applicant: dict | None, declined: Collection[int] = (), with_us: dict[int, dict] | None = None) -> dict:
    """Every organisation ranked as a partner for the call, given the members already in and the applicant
    (its organisation in the network, its countries and sectors covered, and the organisations that confirmed
    joining its other consortia: `with_us` as `store.consortium.confirmed_with_us` gives it, read here when
    the caller has not), leaving out the organisations that declined to join (ids); what both views below
    start from."""
    call = get_call(db, identifier)
    if call is None:
        near = nearest_identifier(db, identifier)
        raise NotFound(f"No stored call {identifier!r}" + (f" (did you mean {near}?)" if near else "")
                       + "; `callmatch calls` lists them.")
    index = index or partners.PartnerIndex.load(db, store)
    member_rows = organisations_by_reference(db, members)
    member_ids = [row["organisation_id"] for row in member_rows]
    applicant = applicant or {}
    own = applicant.get("organisation_id")
    consortium = [index.positions[m] for m in [*member_ids, own] if m in index.positions]
    eligibility = call["eligibility"] or {}
    covered = {"covered_countries": applicant.get("countries") or [],
               "covered_sectors": applicant.get("organisation_types") or []}
    # The applicant's own earlier consortia, as the app recorded them: those that confirmed joining one.
    ours = with_us if with_us is not None else (
        confirmed_with_us(db, applicant["id"], call["id"]) if applicant.get("id") else {})
    ranking = partners.rank(index, call["identifier"], call_vector(store, call), consortium,
                            area=eligibility.get("countries") or [],
                            applicant_types=eligibility.get("applicant_types") or [], **covered,
                            not_wanted=[index.positions[o] for o in declined if o in index.positions],
                            with_us={index.positions[o]: n["times"] for o, n in ours.items() if o in index.positions})
    rank_of = partners.ranks(ranking)
    return {"call": call, "index": index, "member_rows": member_rows, "member_ids": member_ids,
            "consortium": consortium, "eligibility": eligibility, "covered": covered, "ranking": ranking,
            "rank_of": rank_of}


def standing(db: Database, store: EmbeddingStore, identifier: str, organisation_id: int, members: list,
             index: partners.PartnerIndex | None = None, applicant: dict | None = None,
             declined: Collection[int] = ()) -> dict | None:
    """Where one organisation ranks as a partner for a call whose consortium it is not in yet: its rank
    among all those ranked, how many they are, and why. None if it is not in the partner index."""
    setup = _ranked(db, store, identifier, members, index, applicant, declined)
    index, ranking = setup["index"], setup["ranking"]
    pos = index.positions.get(organisation_id)
    if pos is None or not math.isfinite(ranking.scores[pos]):
        return None
    return {"rank": int(setup["rank_of"][pos]), "of": int(np.isfinite(ranking.scores).sum()),
            "reasons": partners.reasons(index, ranking, pos, setup["call"]["identifier"])}


def for_call(db: Database, store: EmbeddingStore, identifier: str, members: list, limit: int = 20,
             index: partners.PartnerIndex | None = None, applicant: dict | None = None,
             sector: str | None = None, country: str | None = None, declined: Collection[int] = (),
             technology: bool = False, with_us: dict[int, dict] | None = None, order: str = "overall",
             among: Collection[int] | None = None) -> dict:
    """Partners for a call, given the members already in. The applicant (a profile) is in the consortium
    too: its organisation, when linked to the partner data, joins the network and is never recommended to
    itself; its countries and sectors count as covered.

    `sector` and `country` narrow the list to the best of one kind (an NGO from Estonia, say), each with
    its rank among all, and so do `technology` (technology-oriented organisations only) and `among` (these
    organisation ids only: those where the team knows someone, say); the suggested consortium is the same
    whatever the list shows.

    `declined` (organisation ids) are neither members nor recommended: they said no. `with_us`: see `_ranked`.

    `order` "past_work" lists the organisations whose past work came closest to the call first (the
    ranking's own order breaks ties, and those the call is not open to come last), each with its rank among
    all: who did this kind of work, small or unconnected, where the ranking favours large and connected
    ones. The list then holds only the best `limit` of that order."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    setup = _ranked(db, store, identifier, members, index, applicant, declined, with_us)
    call, index, ranking, rank_of = setup["call"], setup["index"], setup["ranking"], setup["rank_of"]
    consortium, member_ids, eligibility = setup["consortium"], setup["member_ids"], setup["eligibility"]
    area, kinds = eligibility.get("countries") or [], eligibility.get("applicant_types") or []
    suggestion = partners.suggest_consortium(index, ranking, consortium, **setup["covered"])
    wanted = np.ones(len(rank_of), bool)
    if sector:
        wanted &= index.sector_codes == sector
    if country:
        wanted &= index.country_codes == country_code(country)
    if technology:
        wanted &= index.technology
    if among is not None:
        chosen = np.zeros(len(rank_of), bool)
        chosen[[index.positions[o] for o in among if o in index.positions]] = True
        wanted &= chosen

    def row(pos: int) -> dict:
        return {"rank": int(rank_of[pos]), "organisation_id": index.org_ids[pos], "name": index.names[pos],
                "country": index.countries[pos], "sector": index.sectors[pos],
                "technology": bool(index.technology[pos]), "score": round(float(ranking.scores[pos]), 4),
                "reasons": partners.reasons(index, ranking, pos, call["identifier"]), "suggested": pos in suggestion}

    listed = ranking.positions[wanted[ranking.positions] & np.isfinite(ranking.scores[ranking.positions])]
    if order == "past_work":
        shown = partners.by_past_work(ranking, listed, rank_of, limit)
    else:
        # The best `limit` of the kind asked for, and any suggested member of that kind ranked below them:
        # a suggestion is shown in full.
        top = [int(pos) for pos in listed[:limit]]
        shown = sorted({*top, *(pos for pos in suggestion if wanted[pos])}, key=lambda pos: rank_of[pos])
    ranked = [row(int(pos)) for pos in shown]  # `listed` and the suggestion hold ranked organisations only
    return {"call": call, "ranked": ranked, "consortium": member_ids, "members": setup["member_rows"], "area": area,
            "area_text": area_text(eligibility),
            "kinds": [sector_label(k) for k in kinds],
            "suggested_members": [row(pos) for pos in sorted(suggestion, key=lambda pos: rank_of[pos])],
            "countries": index.country_choices,
            "similar_projects": similar_projects(db, index, ranking, {index.org_ids[p] for p in consortium})}


def similar_projects(db: Database, index: partners.PartnerIndex, ranking: partners.PartnerRanking,
                     consortium: set, limit: int = 5) -> list[dict]:
    """The past projects closest to the call, each with what its similarity was measured on (its topic's
    title, or its own) and its organisations, those already in the consortium marked."""
    closest = partners.closest_projects(ranking, limit)
    projects = projects_with_members(db, [index.project_ids[p] for p in closest])
    fit = {index.project_ids[p]: (index.project_labels[p], float(ranking.project_fit[p])) for p in closest}
    for project in projects:
        project["label"], similarity = fit[project["id"]]
        project["similarity"] = round(similarity, 2)
        for member in project["members"]:
            member["in_consortium"] = member["id"] in consortium
    return projects


def coverage(applicant: dict, organisations: list[dict]) -> dict:
    """The countries and sectors a consortium of the applicant and these organisations covers."""
    countries = {country_code(c) for c in applicant.get("countries") or []}
    countries |= {country_code(o["country"]) for o in organisations if o["country"]}
    sectors = {sector_label(s) for s in applicant.get("organisation_types") or []}
    sectors |= {sector_label(o["sector"]) for o in organisations if o["sector"]}
    return {"countries": sorted(countries), "sectors": sorted(sectors)}


def suggested_consortium(result: dict, members: list[dict], applicant: dict) -> dict | None:
    """The suggested partners of a `for_call` result, and the countries and sectors the consortium
    (the applicant, these members and the suggested) would cover."""
    picked = (result or {}).get("suggested_members", [])
    return {"members": picked, **coverage(applicant, members + picked)} if picked else None
