"""Partner fit: which organisations would make a good consortium partner for a call, and why.

Signals per organisation: its track record (how many projects, how many it coordinated), closeness
in the collaboration network to the partners already in, experience in the call's topic family, how
well its past topics fit the call's text, and complementarity (a sector or a country the consortium
lacks; for a call open only to some countries, such as an Interreg programme's area, one of those
it lacks). Weights were set on the development dump (cordis-dev) on a coarse grid.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from textwrap import shorten

import numpy as np
from scipy import sparse

from store.codes import family
from store.db import Database
from store.partners import PROJECT_LABEL, sector_label, technology_oriented, technology_project
from store.text import counted, country_code, country_name

from .embedder import EmbeddingStore

# The coordinator and programme-part weights are small: on cordis-dev each moves partners recall@10
# by less than 0.005 either way, but a consortium needs someone who has led one, and in Horizon
# Europe the cluster says more than the programme. Outside an Interreg programme's area, or of the
# kinds a call is open to (URBACT: cities and other public bodies), an organisation can rarely be a
# full partner: it is ranked well below (with its reason), not hidden. The fit of past work to the
# call weighs 3.0, the middle of the range (1.5 to 5) where cordis-dev's recall@10 is as good as it gets
# both with the network and without it (an applicant outside the partner data).
# Track record counts projects up to 16 and no further, so that beyond it the fit and the family decide
# (the full CORDIS data holds thousands of organisations with more). On cordis-dev, where no organisation
# has more than 32, a cap of 16 or more leaves recall@10 and @50 as they are, and below 16 recall@10
# falls. On the calls dump read as partner data (Norwegian organisations with up to 256 projects, most
# queries with no consortium, as for SIC) it lifts recall@10 from 0.750 to 0.770, and lower caps more.
TRACK_RECORD_CAP = 16
# An organisation that confirmed joining the applicant's own earlier consortia (recorded in the app, not
# in the partner data) has worked with a member of this one as surely as a past project partner has: it weighs
# as the network does. The benchmark has no such records, so it cannot measure it; it never fires there.
DEFAULT_WEIGHTS = {"track_record": 0.5, "coordinated": 0.1, "network": 2.0, "with_us": 2.0, "family": 0.5,
                   "family2": 0.25, "semantic": 3.0, "new_sector": 0.1, "new_country": 0.05, "outside_area": -2.0,
                   "other_kind": -2.0}


@dataclass
class PartnerIndex:
    org_ids: list[int]
    names: list[str]
    countries: list[str | None]
    sectors: list[str | None]
    project_ids: list[int]
    project_codes: list[str | None]
    project_labels: list[str]
    membership: sparse.csr_matrix  # organisations x projects, 1 = took part
    coordination: sparse.csr_matrix  # organisations x projects, 1 = coordinated
    topic_vectors: np.ndarray      # projects x dims: what each project was funded for

    @classmethod
    def load(cls, db: Database, store: EmbeddingStore, source: str | None = None) -> "PartnerIndex":
        where = "WHERE p.source = %s" if source else ""
        params = (source,) if source else ()
        projects = db.fetchall(
            f"SELECT p.id, p.topic_code, {PROJECT_LABEL} AS label"
            f" FROM projects p LEFT JOIN topics t ON t.code = p.topic_code {where} ORDER BY p.id", params)
        orgs = db.fetchall(
            f"SELECT DISTINCT o.id, o.name, o.country, o.sector FROM organisations o"
            f" JOIN participations pa ON pa.organisation_id = o.id JOIN projects p ON p.id = pa.project_id {where}"
            f" ORDER BY o.id", params)
        links = db.fetchall(
            f"SELECT pa.organisation_id, pa.project_id, bool_or(pa.role = 'coordinator') AS coordinated"
            f" FROM participations pa JOIN projects p ON p.id = pa.project_id {where}"
            f" GROUP BY pa.organisation_id, pa.project_id", params)
        org_pos = {o["id"]: i for i, o in enumerate(orgs)}
        proj_pos = {p["id"]: i for i, p in enumerate(projects)}
        rows = [org_pos[link["organisation_id"]] for link in links]
        cols = [proj_pos[link["project_id"]] for link in links]
        shape = (len(orgs), len(projects))
        membership = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
        led = np.array([link["coordinated"] for link in links], np.float32)
        coordination = sparse.csr_matrix((led, (rows, cols)), shape=shape)
        coordination.eliminate_zeros()
        labels = [p["label"] or "" for p in projects]
        vectors = (store.vectors([label or "(untitled)" for label in labels]) if labels
                   else np.zeros((0, 384), np.float32))
        return cls([o["id"] for o in orgs], [o["name"] for o in orgs], [o["country"] for o in orgs],
                   [o["sector"] for o in orgs], [p["id"] for p in projects], [p["topic_code"] for p in projects],
                   labels, membership, coordination, vectors)

    @cached_property
    def families(self) -> dict[int, np.ndarray]:
        """Each project's topic family at the programme level (1) and the programme part (2), e.g.
        HORIZON and HORIZON-CL2: worked out once rather than for every call ranked."""
        return {depth: np.array([family(c, depth) for c in self.project_codes], dtype=object) for depth in (1, 2)}

    @cached_property
    def country_codes(self) -> np.ndarray:
        """Each organisation's country as the store writes it (ISO 3166: CORDIS's EL and UK as GR and GB)."""
        return np.array([country_code(c) for c in self.countries], dtype=object)

    @cached_property
    def country_choices(self) -> list[str]:
        """The countries organisations in the index come from, in order: what a list can be narrowed to."""
        return sorted({c for c in self.country_codes if c})

    @cached_property
    def sector_codes(self) -> np.ndarray:
        return np.array(self.sectors, dtype=object)

    @cached_property
    def technology(self) -> np.ndarray:
        """Per organisation: technology-oriented (`store.partners.technology_oriented`), from its projects'
        topic codes and labels (`technology_project`), the same test the organisation's page makes in SQL."""
        coded = np.array([bool(code) for code in self.project_codes], np.float32)
        technical = coded * np.array([technology_project(code, label) for code, label
                                      in zip(self.project_codes, self.project_labels, strict=True)], np.float32)
        counts = zip(self.membership @ technical, self.membership @ coded, strict=True)
        return np.array([technology_oriented(round(t), round(c)) for t, c in counts], bool)

    @cached_property
    def positions(self) -> dict[int, int]:
        """Organisation id -> its row in the index."""
        return {o: i for i, o in enumerate(self.org_ids)}


@dataclass
class PartnerRanking:
    positions: np.ndarray  # organisation positions, best first
    scores: np.ndarray     # per organisation position
    signals: dict[str, np.ndarray]
    project_fit: np.ndarray | None = None  # per project: how close its topic is to the call (-inf: left out)
    projects: np.ndarray | None = None     # per organisation position: its projects, and those it coordinated,
    led: np.ndarray | None = None          # counted in full (the track record signal stops at the cap)


def rank(index: PartnerIndex, call_code: str | None, call_vector: np.ndarray, consortium: list[int],
         weights: dict | None = None, leave_out_project: int | None = None,
         area: Collection[str] = (), covered_countries: Collection[str] = (),
         covered_sectors: Collection[str] = (), applicant_types: Collection[str] = (),
         not_wanted: Collection[int] = (), with_us: Mapping[int, int] | None = None) -> PartnerRanking:
    """Score every organisation for a call, given the organisations already in (positions in the index).

    `area` is the countries a call is open to (an Interreg programme's area, a EuropeAid call's
    country): only they complement the consortium, and organisations from elsewhere are marked as
    outside it. Empty: open to all. `applicant_types` does the same for sectors (a call for cities and
    other public bodies).

    `covered_countries` and `covered_sectors` are what the consortium has without a member in the index:
    the applicant's countries and sectors, when its organisation is not in the partner data.

    `leave_out_project` (a position in the index) hides one project from every count and edge: the
    benchmark asks for the partner of a project that must not be seen.

    `not_wanted` (positions) are left unranked, as members are, without counting in the consortium:
    organisations that declined to join it.

    `with_us` (position -> how many) counts the applicant's own earlier consortia each organisation confirmed
    joining, as the app recorded them: collaboration the partner data does not hold.
    """
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    membership, coordination = index.membership, index.coordination
    if leave_out_project is not None:
        keep = sparse.diags(np.where(np.arange(membership.shape[1]) == leave_out_project, 0, 1).astype(np.float32))
        membership, coordination = membership @ keep, coordination @ keep
        membership.eliminate_zeros()  # the hidden project must not count as one of anyone's projects
    counts = np.asarray(membership.sum(axis=1)).ravel()
    led = np.asarray(coordination.sum(axis=1)).ravel()
    found = {"track_record": np.log1p(np.minimum(counts, TRACK_RECORD_CAP)),
             "coordinated": np.log1p(np.minimum(led, TRACK_RECORD_CAP))}

    if consortium:
        partners_projects = np.asarray(membership[consortium].sum(axis=0)).ravel()
        together = membership @ partners_projects  # projects shared with the consortium, counted per partner
        found["network"] = np.log1p(together)
    else:
        found["network"] = np.zeros(len(counts))
    ours = np.zeros(len(counts))
    for position, times in (with_us or {}).items():
        ours[position] = times
    found["with_us"] = np.log1p(ours)

    # Share of an organisation's projects in the call's family. The programme part matters where the
    # programme level says little (every Horizon Europe topic is HORIZON-...).
    for name, depth in (("family", 1), ("family2", 2)):
        wanted = family(call_code, depth)
        in_family = (index.families[depth] == wanted).astype(np.float32) if wanted else np.zeros(
            len(index.project_ids), np.float32)
        found[name] = np.divide(membership @ in_family, counts, out=np.zeros_like(counts), where=counts > 0)

    project_fit = None
    if index.topic_vectors.size and call_vector is not None and call_vector.size:
        sims = index.topic_vectors @ call_vector
        found["semantic"] = _best_per_row(membership, sims)
        project_fit = sims  # already used above; marking the hidden project changes nothing there
        if leave_out_project is not None:
            project_fit[leave_out_project] = -math.inf
    else:
        found["semantic"] = np.zeros(len(counts))

    countries, sectors = index.country_codes, index.sector_codes
    known_country, known_sector = countries != None, sectors != None  # noqa: E711 (element-wise)
    area = {country_code(c) for c in area}
    in_area = _one_of(countries, area) if area else known_country
    present = {countries[i] for i in consortium} | {country_code(c) for c in covered_countries}
    found["new_country"] = (known_country & in_area & ~_one_of(countries, present)).astype(np.float32)
    found["outside_area"] = (known_country & ~in_area).astype(np.float32)
    of_kind = _one_of(sectors, set(applicant_types)) if applicant_types else known_sector
    present_sectors = {sectors[i] for i in consortium} | set(covered_sectors)
    found["new_sector"] = (known_sector & of_kind & ~_one_of(sectors, present_sectors)).astype(np.float32)
    found["other_kind"] = (known_sector & ~of_kind).astype(np.float32)

    total = sum(weights.get(name, 0.0) * np.asarray(values, np.float64) for name, values in found.items())
    total = np.asarray(total)
    total[[*consortium, *not_wanted]] = -math.inf
    order = np.argsort(-total, kind="stable")
    return PartnerRanking(order, total, found, project_fit, counts, led)


def _best_per_row(membership: sparse.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Each organisation's best value over its own projects (0 without any). A sparse max would count
    the projects it is not in as zeros, and so lift every negative best to 0."""
    out = np.zeros(membership.shape[0])
    has = np.diff(membership.indptr) > 0
    out[has] = np.maximum.reduceat(values[membership.indices], membership.indptr[:-1][has])
    return out


def _one_of(values: np.ndarray, wanted: set) -> np.ndarray:
    """values[i] in wanted, element-wise, for an object array (a handful of wanted values)."""
    out = np.zeros(len(values), bool)
    for value in wanted - {None}:
        out |= values == value
    return out


def reasons(index: PartnerIndex, ranking: PartnerRanking, position: int, call_code: str | None) -> list[str]:
    """Sentences saying why an organisation is recommended."""
    s = ranking.signals
    out = []
    projects = int(ranking.projects[position])
    if projects:
        out.append(f"{counted(projects, 'past project')} in the data")
    led = int(ranking.led[position])
    if led:
        out.append(f"coordinated {led} of them")
    together = int(round(math.expm1(s["network"][position])))
    if together:
        out.append(f"worked with the consortium in {counted(together, 'project')}")
    ours = int(round(math.expm1(s["with_us"][position]))) if "with_us" in s else 0
    if ours:
        out.append(f"confirmed joining {counted(ours, 'earlier consortium', 'earlier consortia')} of ours")
    for name, depth in (("family2", 2), ("family", 1)):  # the most specific family it worked in
        if s[name][position] > 0 and call_code:
            out.append(f"{s[name][position]:.0%} of its projects in the {family(call_code, depth)} family")
            break
    closest = closest_project(index, ranking, position)
    if closest is not None:
        label = shorten(index.project_labels[closest] or "(untitled)", 90, placeholder="…")
        out.append(f"closest past work: “{label}” (similarity {ranking.project_fit[closest]:.2f})")
    if s["new_sector"][position]:
        out.append(f"adds a sector: {sector_label(index.sectors[position])}")
    if s["new_country"][position]:
        out.append(f"adds a country: {country_name(index.countries[position])}")
    if s["outside_area"][position]:
        out.append(f"outside the call's area ({country_name(index.countries[position])}): rarely eligible as a full"
                   " partner")
    if s["other_kind"][position]:
        out.append(f"{sector_label(index.sectors[position])}: a kind the call is not open to, rarely eligible as a"
                   " full partner")
    return out


def closest_project(index: PartnerIndex, ranking: PartnerRanking, position: int) -> int | None:
    """The organisation's past project whose topic is closest to the call (None without any)."""
    if ranking.project_fit is None:
        return None
    projects = index.membership[position].indices
    projects = projects[np.isfinite(ranking.project_fit[projects])]
    if not len(projects):
        return None
    return int(projects[np.argmax(ranking.project_fit[projects])])


def closest_projects(ranking: PartnerRanking, limit: int = 5) -> list[int]:
    """The past projects (positions) whose topic came closest to the call, best first: who did this kind
    of work before, small organisations included, where the ranking favours large and connected ones."""
    if ranking.project_fit is None:
        return []
    fit = ranking.project_fit
    return [int(p) for p in np.argsort(-fit, kind="stable")[:limit] if np.isfinite(fit[p])]


def ranks(ranking: PartnerRanking) -> np.ndarray:
    """Each organisation's rank (1 = best), by position in the index: what a list narrowed or reordered shows."""
    rank_of = np.empty(len(ranking.positions), dtype=np.int64)
    rank_of[ranking.positions] = np.arange(1, len(ranking.positions) + 1)
    return rank_of


def by_past_work(ranking: PartnerRanking, positions: np.ndarray, rank_of: np.ndarray, limit: int) -> np.ndarray:
    """The best `limit` of `positions` (organisations ranked) by how close their past work comes to the call
    (the `semantic` signal), the ranking's order (`rank_of`, by position) breaking ties and those the call is
    not open to coming last: who did this kind of work, small or unconnected, where the ranking favours large
    and connected organisations."""
    ineligible = ranking.signals["outside_area"] + ranking.signals["other_kind"]
    fit = ranking.signals["semantic"]
    # np.lexsort sorts by its last key first: eligible, then the fit, then the rank.
    return positions[np.lexsort((rank_of[positions], -fit[positions], ineligible[positions] > 0))][:limit]


def suggest_consortium(index: PartnerIndex, ranking: PartnerRanking, consortium: list[int], size: int = 5,
                       pool: int = 60, covered_countries: Collection[str] = (),
                       covered_sectors: Collection[str] = ()) -> list[int]:
    """Greedy diversification over the best-scoring organisations: each step takes the one that adds the
    most of what the consortium lacks (a sector, a country; one that adds both comes first), the better
    scored among equals; once none adds anything, the best scored.

    Organisations outside the countries, or of other kinds than those, a call is open to are left out of
    the suggestion.
    """
    sectors = {index.sectors[i] for i in consortium} | set(covered_sectors)
    countries = {index.country_codes[i] for i in consortium} | {country_code(c) for c in covered_countries}
    ineligible = ranking.signals["outside_area"] + ranking.signals["other_kind"]
    candidates = [int(p) for p in ranking.positions[:pool] if math.isfinite(ranking.scores[p]) and not ineligible[p]]

    def adds(position: int) -> int:
        sector, country = index.sectors[position], index.country_codes[position]
        return int(sector is not None and sector not in sectors) + int(country is not None and country not in countries)

    chosen: list[int] = []
    while candidates and len(chosen) < size:
        best = max(candidates, key=adds)  # the first of equals: candidates are in score order
        candidates.remove(best)
        chosen.append(best)
        sectors.add(index.sectors[best])
        countries.add(index.country_codes[best])
    return chosen


def by_project(index: PartnerIndex) -> dict[int, list[int]]:
    members = defaultdict(list)
    coo = index.membership.tocoo()
    for org, proj in zip(coo.row, coo.col, strict=True):
        members[int(proj)].append(int(org))
    return members
