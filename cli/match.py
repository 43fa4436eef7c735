"""`callmatch evaluate`, `callmatch match`, `callmatch partners`: the matcher's commands."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

from store.partners import SECTOR_LABELS
from store.text import counted, country_from, country_name, cut

from .context import AppContext
from .main import cli


def _progress(label: str):
    def show(done: int, total: int) -> None:
        click.echo(f"  {label}: {done}/{total}", err=True)
    return show


def embedding_store(app: AppContext, db):
    from matcher.embedder import Embedder, EmbeddingStore

    return EmbeddingStore(db, Embedder.from_settings(app.settings))


@cli.group()
def evaluate() -> None:
    """Measure the matcher on a CORDIS dump (shared/benchmarks), beside the baselines."""


# What a dump lacks when a task finds nothing to ask (../shared/benchmarks/README.md's rules).
NO_QUERIES = {
    "calls": "no organisation has three projects whose topics are in topics.csv.",
    "partners": "no project has two participants of which one takes part in another project.",
}


def _task_folder(folder: Path, task: str) -> Path:
    """The task's CORDIS files: FOLDER itself, or FOLDER/calls or FOLDER/partners when FOLDER is a
    benchmark dump that holds both tasks (shared/benchmarks/cordis-dev)."""
    if not (folder / "organization.csv").exists() and (folder / task / "organization.csv").exists():
        return folder / task
    return folder


def _evaluation_database(folder: Path) -> str:
    """The name of the database a dump is evaluated in. Each dump gets one of its own, so benchmark
    organisations never mix with real ones; re-running reuses it (the import changes nothing, the
    embeddings are cached). It is named by what the files hold, not where they are: other files in a
    folder evaluated before would otherwise be imported on top of the old ones, and queries of both
    dumps counted."""
    from crawlers.cordis import FILES

    digest = hashlib.sha1()
    for name in FILES:
        if (folder / name).is_file():
            digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return "callmatch_eval_" + digest.hexdigest()[:12]


def _evaluate(app: AppContext, task: str, folder: Path, as_json: bool, limit: int | None) -> None:
    from crawlers import cordis
    from matcher import evaluate as bench
    from store import migrate
    from store.db import Database
    from store.services import sibling_database

    folder = _task_folder(folder, task)
    url = sibling_database(app.services.database_url, _evaluation_database(folder))
    with Database(url) as db:
        migrate.upgrade(db)
        report = cordis.import_dump(db, folder)
        if not as_json:
            click.echo(f"Imported {folder} through the production importer ({report.rows} participation rows).",
                       err=True)
        store = embedding_store(app, db)
        run = bench.evaluate_calls if task == "calls" else bench.evaluate_partners
        result = run(db, store, limit=limit, progress=None if as_json else _progress("queries/texts"))
    if not result["queries"]:  # figures of 0.000 would read as a measurement
        raise click.ClickException(f"{folder} holds no query of the {task} task: {NO_QUERIES[task]}")
    if as_json:  # the shape: task, queries, seconds, methods
        click.echo(json.dumps({key: result[key] for key in ("task", "queries", "seconds", "methods")}))
        return
    click.echo(f"\nTask {task}: {result['queries']} queries, {result['seconds']:.1f} s")
    click.echo(f"{'method':<14}{'recall@10':>11}{'recall@50':>11}{'MRR':>9}{'recall@10, 95% interval':>26}")
    intervals = result["intervals"]
    for method, figures in result["methods"].items():
        low, high = intervals["methods"][method]
        click.echo(f"{method:<14}{figures['recall@10']:>11.3f}{figures['recall@50']:>11.3f}{figures['mrr']:>9.3f}"
                   f"{f'{low:.3f} to {high:.3f}':>26}")
    low, high = intervals["lead"]
    click.echo(f"callmatch's lead over {intervals['baseline']} in recall@10: {low:+.3f} to {high:+.3f} "
               f"(95% intervals by bootstrap over {intervals['clusters']}, whose queries move together)")
    if result.get("cases"):
        linked, never = result["cases"]["linked"], result["cases"]["never linked"]
        click.echo(f"callmatch's recall@10 where the missing partner had worked with the consortium before: "
                   f"{linked['recall@10']:.3f} ({linked['queries']} queries); where it never had: "
                   f"{never['recall@10']:.3f} ({never['queries']} queries)")
    for method, dump, recall, mrr in bench.BASELINES_PUBLISHED[task]:
        click.echo(f"(published {method} on {dump}: recall@10 {recall:.3f}, MRR {mrr:.3f})")


@evaluate.command("calls")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N queries (a quick look).")
@click.pass_obj
def evaluate_calls(app, folder, as_json, limit):
    """Which call would an organisation go for next? Leave one project out, rank its topic.

    FOLDER holds the task's CORDIS files (project.csv, organization.csv, topics.csv), or is a
    benchmark dump with a calls/ folder of them, e.g. ../shared/benchmarks/cordis-dev.
    """
    _evaluate(app, "calls", folder, as_json, limit)


@evaluate.command("partners")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N queries (a quick look).")
@click.pass_obj
def evaluate_partners(app, folder, as_json, limit):
    """Who is the missing partner? Leave one participant out, rank it among all organisations.

    FOLDER holds the task's CORDIS files (project.csv, organization.csv, topics.csv), or is a
    benchmark dump with a partners/ folder of them, e.g. ../shared/benchmarks/cordis-dev.
    """
    _evaluate(app, "partners", folder, as_json, limit)


@cli.command()
@click.option("--profile", "profile_id", type=int, help="Profile id (default: the first, SIC's).")
@click.option("--all", "rescore_all", is_flag=True, help="Re-score every call, not only what changed.")
@click.pass_obj
def match(app: AppContext, profile_id, rescore_all) -> None:
    """Score every stored call for the profile: signals, gates and explanations."""
    from matcher import ranking
    from store import profiles

    db = app.database()
    profile_id = profiles.require_profile(db, profile_id)
    result = ranking.rank_calls(db, embedding_store(app, db), profile_id, app.settings.as_of(),
                                progress=_progress("texts embedded"), only_changed=not rescore_all)
    click.echo(f"Ranked {counted(result['calls'], 'call')} as of {app.settings.as_of()}; "
               f"{result['scored']} (re)scored.")
    from matcher.organisation_search import index_organisations

    indexed = index_organisations(db, embedding_store(app, db), progress=_progress("organisations embedded"))
    if indexed:
        click.echo(f"Indexed {counted(indexed, 'organisation')} for search by what they worked on.")


def _country_code(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    code = country_from(value)
    if code is None:
        raise click.BadParameter(f"{value!r} is neither a country code nor an English country name (e.g. EE, Estonia).")
    return code


@cli.command()
@click.argument("call_identifier")
@click.option("--with", "members", multiple=True,
              help="Organisation already in the consortium (id or PIC); repeatable.")
@click.option("--stored", is_flag=True,
              help="Start from the consortium the profile is building for the call, as its page has it: "
                   "partners that declined are left out of the ranking; --with adds to it.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many of the best to list (suggested members ranked lower are listed too).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option("--profile", "profile_id", type=int,
              help="The applicant, counted in the consortium (default: the first profile, SIC's).")
@click.option("--sector", type=click.Choice(list(SECTOR_LABELS)),
              help="List only organisations of this sector ('other' holds most NGOs in CORDIS data).")
@click.option("--country", callback=_country_code, metavar="CODE",
              help="List only organisations from this country (a code or a name, e.g. EE or Estonia).")
@click.option("--technology", is_flag=True,
              help="List only technology-oriented organisations (at least a quarter of their projects funded for "
                   "digital work: ICT, FET, Horizon Europe Cluster 4, Digital Europe, topics naming digital work).")
@click.option("--known", is_flag=True,
              help="List only organisations where the team knows someone (kept on their pages, or brought in with "
                   "callmatch import-contacts).")
@click.option("--order", type=click.Choice(["overall", "past-work"]), default="overall", show_default=True,
              help="List by the ranking, or by how close each organisation's past work comes to the call (who did "
                   "this kind of work, however small or unconnected); each keeps its rank among all.")
@click.pass_obj
def partners(app: AppContext, call_identifier, members, stored, limit, as_json, profile_id, sector, country,
             technology, known, order) -> None:
    """Rank organisations as partners for CALL_IDENTIFIER, and suggest a consortium.

    --sector, --country, --technology and --known narrow the list, not the ranking, and --order sorts it: each
    organisation keeps its rank among all, and the suggested consortium is the same."""
    from matcher import partner_search
    from store import consortium, contacts, profiles
    from store.calls import get_call

    db = app.database()
    applicant = profiles.load_profile(db, profile_id)
    members, declined = [str(m) for m in members], []
    call = get_call(db, call_identifier) if stored else None  # an unknown call is said below, in one sentence
    if call:
        listed = consortium.members(db, applicant["id"], call["id"])
        taking_part = consortium.taking_part(listed)
        members = list(dict.fromkeys([*(str(m["id"]) for m in taking_part), *members]))
        declined = consortium.declined_ids(listed)
        if not as_json:
            click.echo(f"The consortium stored for {applicant['name']}: {counted(len(taking_part), 'partner')}"
                       + (f" ({counted(len(declined), 'other')} declined, left out)" if declined else "") + ".")
    result = partner_search.for_call(db, embedding_store(app, db), call_identifier, members, limit,
                                     applicant=applicant, sector=sector, country=country, declined=declined,
                                     technology=technology, order=order.replace("-", "_"),
                                     among=contacts.organisations_known(db) if known else None)
    if as_json:
        for row in result["ranked"]:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(f"Partners for {result['call']['identifier']}: {result['call']['title']}")
    countries = ", ".join(map(country_name, applicant.get("countries") or []))
    established = f", established in {countries}" if countries else ""
    click.echo(f"The applicant, {applicant['name']}{established}, counts as a member.")
    if result["area"]:
        click.echo(f"Open to organisations from {result['area_text']}: others are ranked below")
    if result["kinds"]:
        click.echo(f"Open to these kinds of organisation only ({', '.join(result['kinds'])}): others are ranked below")
    if sector or country or technology or known:
        parts = [f"sector {SECTOR_LABELS[sector]}" if sector else "",
                 f"country {country_name(country)}" if country else "",
                 "technology-oriented" if technology else "", "where the team knows someone" if known else ""]
        narrowed = ", ".join(part for part in parts if part)
        click.echo(f"Listing only organisations: {narrowed}; each keeps its rank among all.")
        if not result["ranked"]:
            click.echo("No organisation in the partner data matches.")
    if order == "past-work":
        click.echo("Listed by how close each organisation's past work comes to the call; the number is its rank"
                   " among all.")
    for row in result["ranked"]:
        mark = "*" if row["suggested"] else " "
        click.echo(f"{mark}{row['rank']:>3}. {cut(row['name'], 50):50} {row['country'] or '--'} "
                   f"{row['sector'] or '-':9} {'tech' if row['technology'] else '    '} "
                   f"{row['score']:.2f}  {'; '.join(row['reasons'])}")
    click.echo("* suggested consortium member")
    suggested = partner_search.suggested_consortium(result, result["members"], applicant)
    if suggested:
        given = " and the partners given" if result["members"] else ""
        click.echo(f"The suggested consortium, with {applicant['name']}{given}, would cover "
                   f"{counted(len(suggested['countries']), 'country', 'countries')} "
                   f"({', '.join(suggested['countries'])}) "
                   f"and these sectors: {', '.join(suggested['sectors'])}.")
    if result["similar_projects"]:
        click.echo("Past projects closest to the call, with their organisations:")
        for project in result["similar_projects"]:
            name = project["acronym"] or project["title"] or "(untitled)"
            click.echo(f"  {project['similarity']:.2f}  {name}: {cut(project['label'], 70)} "
                       f"({counted(len(project['members']), 'organisation')}: "
                       f"{cut(', '.join(m['name'] for m in project['members']), 120)})")


@cli.command("profiles")
@click.pass_obj
def list_profiles(app: AppContext) -> None:
    """The organisation profiles calls are ranked for (create or delete them on the web app's profile page)."""
    from store import profiles

    db = app.database()
    profiles.ensure_default_profile(db)
    for row in profiles.list_profiles(db):
        linked = f"linked to {row['organisation']}" if row["organisation"] else "not linked to partner data"
        click.echo(f"{row['id']:>4}  {cut(row['name'], 50):50} {counted(row['ranked'], 'call'):>11} ranked, "
                   f"{counted(row['decisions'], 'decision')}, {linked}")


@cli.command()
@click.option("--profile", "profile_id", type=int, help="Profile id (default: the first).")
@click.pass_obj
def learn(app: AppContext, profile_id) -> None:
    """Re-weight the scoring signals from recorded bid/no-bid decisions (cross-validated)."""
    from matcher import learn as learning
    from store import profiles

    db = app.database()
    profile_id = profiles.require_profile(db, profile_id)
    result = learning.learn(db, profile_id)
    click.echo(result["reason"][0].upper() + result["reason"][1:] + ".")
    if "cv_auc" in result:
        click.echo(f"Cross-validated ROC AUC over {result['decisions']} decisions: {result['cv_auc']:.3f}")
        for name, weight in result["weights"].items():
            click.echo(f"  {name:10} {weight:+.3f}")
        if result["used"]:
            click.echo("Run `callmatch match` (or save the profile) to re-rank with them.")
