"""`callmatch crawl`, `callmatch calls`, `callmatch add-call`, `callmatch programmes`, `callmatch runs`: collecting
and listing what was collected, and adding a call by hand."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

import click

from matcher.gates import upcoming_deadline
from store.text import counted, cut, eur, points

from .context import AppContext
from .main import cli


def _parse_setting(values: tuple[str, ...]) -> dict:
    parsed = {}
    for value in values:
        if "=" not in value:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint="--set")
        key, raw = value.split("=", 1)
        try:
            parsed[key] = json.loads(raw)
        except ValueError:
            parsed[key] = raw
    return parsed


def check_spiders(names, where: str | None = None) -> None:
    """Refuse unknown spider names before anything runs or is queued (a queued crawl would fail on every
    retry); `where` names the option or setting they came from."""
    from crawlers.runner import spider_names

    available = spider_names()
    unknown = [name for name in names if name not in available]
    if unknown:
        named = f"{where} names unknown" if where else "unknown"
        raise click.BadParameter(f"{named} spider(s) {', '.join(unknown)}; choose from {', '.join(available)}")


@cli.command()
@click.argument("spiders", nargs=-1)
@click.option("--replay", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Serve recorded responses from this folder on loopback and crawl them instead of the live site.")
@click.option("--base-url", help="Point the spider at this address instead of the live site.")
@click.option("--programmes", help="Funding & Tenders Portal only: comma-separated programme names or codes.")
@click.option("--set", "settings_", multiple=True, metavar="KEY=VALUE", help="Override a Scrapy setting.")
@click.option("-a", "--arg", "spider_arguments", multiple=True, metavar="NAME=VALUE",
              help="Pass an argument to the spiders (e.g. max_pages=2).")
@click.option("--list", "list_", is_flag=True, help="List the spiders and exit.")
@click.pass_obj
def crawl(app: AppContext, spiders, replay, base_url, programmes, settings_, spider_arguments, list_) -> None:
    """Run SPIDERS through the Scrapy engine, one after another, and store what they find (see --list).

    Exit status: 0 when every run completed (ok, or partial: some pages failed and the rest was kept),
    3 when a run failed (it stored nothing, or dropped most of what it read; what was stored before
    stays), 1 when a spider could not start.
    """
    from crawlers import runner

    if list_ or not spiders:
        click.echo("Spiders: " + ", ".join(runner.spider_names()))
        return
    check_spiders(spiders)
    if replay and base_url:
        raise click.UsageError("--replay and --base-url cannot be used together.")
    address = urlsplit(base_url or "")
    if base_url and not (address.scheme in ("http", "https") and address.netloc):
        # Refused here: a crawl of it would be recorded as the source's latest run, failed, and warned about
        # on the calls page until the next good one.
        raise click.BadParameter(f"{base_url!r} is not an http:// or https:// address.", param_hint="--base-url")
    given = {k: str(v) for k, v in _parse_setting(spider_arguments).items()}
    if programmes:
        given["programmes"] = programmes
    try:
        spider_args = runner.arguments_for(list(spiders), given)
    except runner.ArgumentError as exc:
        if programmes and exc.argument == "programmes":
            raise click.BadParameter(exc.problem, param_hint="--programmes") from None
        raise click.BadParameter(str(exc)) from None
    if base_url:
        for kwargs in spider_args.values():
            kwargs["base_url"] = base_url
    from store import runs

    db = app.database()
    before = db.scalar("SELECT coalesce(max(id), 0) FROM crawl_runs")
    # The spiders judge open, forthcoming and closed on the team's day, as the ranking does after them.
    runner.crawl(db.url, list(spiders), today=app.settings.as_of().isoformat(), replay=replay, spider_args=spider_args,
                 overrides=_parse_setting(settings_))
    # Only this command's runs: a worker may be crawling too.
    made = {run["source"]: run for run in runs.recent_runs(db, limit=50) if run["id"] > before}
    for run in (made[name] for name in spiders if name in made):
        merged = f", {count} duplicates merged" if (count := runs.merged(run)) else ""
        click.echo(f"{run['source']}: {run['status']} - {run['message']} ({run['counted_as']}: {run['items_new']} new, "
                   f"{run['items_updated']} updated, {run['items_unchanged']} unchanged, "
                   f"{run['items_dropped']} dropped{merged}, {len(run['errors'])} errors)")
    missing = [name for name in spiders if name not in made]
    if missing:
        raise click.ClickException(f"{', '.join(missing)} did not start; the log above says why.")
    failed = [name for name in spiders if made[name]["status"] == "failed"]
    if failed:
        click.echo(f"Failed: {', '.join(failed)} (`callmatch runs` lists the pages that failed).", err=True)
        sys.exit(runs.EXIT_RUN_FAILED)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option("--source", callback=lambda ctx, param, value: _call_source(value),
              help="Only calls from this source (a spider's name, e.g. ft_portal or urbact; team: added by hand).")
@click.option("--profile", "profile_id", type=int, help="Ranking of this profile (default: the first, SIC's).")
@click.option("--passing", is_flag=True, help="Only the calls that pass the screening gates.")
@click.option("--search", metavar="WORDS", help="Only calls whose title, identifier or text hold every word, as the "
              "Calls page reads them: where a word begins, a plural its singular too, \"words in quotes\" together.")
@click.option("--limit", type=click.IntRange(min=1), help="List at most this many, the best-ranked.  [default: all]")
@click.pass_obj
def calls(app: AppContext, as_json: bool, source: str | None, profile_id: int | None, passing: bool,
          search: str | None, limit: int | None) -> None:
    """List the stored calls, best-ranked first: rank, score, next deadline, and why a call is screened out.

    --json prints every field, the gates and the explanation included.
    """
    from store import calls as call_store
    from store.own_calls import SOURCE as OWN_SOURCE
    from store.profiles import require_profile

    db = app.database()
    profile_id = require_profile(db, profile_id) if profile_id else None
    rows = call_store.list_calls(db, source=source, profile_id=profile_id, search=search)
    shown = [row for row in rows if not passing or _passes(row)][:limit]
    if as_json:
        for row in shown:
            sys.stdout.write(json.dumps(call_store.call_json(row), ensure_ascii=False) + "\n")
        return
    if not rows:
        if search:
            click.echo(" ".join([f"No stored call{f' from {source}' if source else ''} holds every word of {search!r}.",
                                 *_wider_searches(db, search, source)]))
        elif source == OWN_SOURCE:
            click.echo("No call was added by hand yet: `callmatch add-call` or the Calls page's “Add a call” adds one.")
        elif source:
            click.echo(f"No stored calls from the source {source!r} yet: `callmatch crawl {source}` collects them.")
        else:
            click.echo("No calls stored yet: `callmatch crawl SPIDER` or `callmatch demo` collects some.")
        return
    today = app.settings.as_of()
    click.echo(f"{'RANK':>4} {'SCORE':>5}  {'CALL':40} {'STATUS':11} {'DEADLINE':10}  TITLE")
    for row in shown:
        click.echo(_call_line(row, today))
    click.echo(_calls_summary(rows, len(shown)))
    from store.runs import failing_sources

    for source in failing_sources(db, app.settings.crawl_spiders):  # as the calls page says it
        click.echo(f"Calls may be missing or out of date: the latest crawl failed: {source['summary']}.", err=True)


@cli.command("add-call")
@click.argument("title")
@click.option("--programme", required=True, help="The programme or funder, as the Programmes page counts it, e.g. "
              "'Erasmus+ (VIAA)'.")
@click.option("--reference", default="", help="What the funder calls it (the identifier is made from it, else from "
              "the title).")
@click.option("--url", default="", help="The call's page.")
@click.option("--opens", default="", metavar="YYYY-MM-DD", help="The day it opens.")
@click.option("--deadline", default="", metavar="YYYY-MM-DD", help="The application's deadline.")
@click.option("--first-deadline", default="", metavar="YYYY-MM-DD",
              help="A first step's deadline before it (a concept note, say).")
@click.option("--first-step", "first_stage", default="", help="What that first step is: first stage, project idea, "
              "concept note or expression of interest.  [default: first stage]")
@click.option("--results", default="", help="When the results come: a month (March 2027) or months after the deadline "
              "(4 months); the Pipeline asks for the outcome from then.")
@click.option("--grant-min", default="", help="The smallest grant a project gets, in euros.")
@click.option("--grant-max", default="", help="The largest grant a project gets, in euros.")
@click.option("--budget", "topic_budget", default="", help="The call's whole budget, in euros.")
@click.option("--rate", "funding_rate", default="", help="The share of eligible costs funded, in % (80 for 80%).")
@click.option("--countries", default="", help="Open only to organisations from these countries (codes or names, "
              "comma-separated).")
@click.option("--description", "description_file", type=click.File(encoding="utf-8"),
              help="A file with the call's text ('-': standard input); the ranking reads it.")
@click.option("--by", "email", default=None, help="Who added it, as its page says (an email).")
@click.pass_obj
def add_call(app: AppContext, title: str, description_file, email: str | None, **fields) -> None:
    """Add a call no crawler collects (a national agency's, a foundation's), as the Calls page's "Add a call"
    does. Blank is unknown: a grant size not given is not taken as small. The worker ranks it for every
    profile at its next ranking (`callmatch enqueue rank` queues one now, `callmatch match` ranks here)."""
    from store import own_calls

    form = {**fields, "title": title, "opening_date": fields.pop("opens"),
            "description": description_file.read() if description_file else ""}
    try:
        call = own_calls.add(app.database(), form, {"email": email}, app.settings.as_of())
    except own_calls.InvalidCall as invalid:
        raise click.UsageError("\n".join(invalid.problems)) from None
    click.echo(f"Added {call['identifier']}: {call['title']} ({call['status']}). "
               "It is ranked at the worker's next ranking; `callmatch enqueue rank` queues one now.")


@cli.command()
@click.option("--profile", "profile_id", type=int, help="Ranking of this profile (default: the first, SIC's).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.pass_obj
def programmes(app: AppContext, profile_id: int | None, as_json: bool) -> None:
    """Funding streams by programme: where the fitting calls are, the team's record, what is new.

    Per programme: its calls open and forthcoming, those passing the screening (and among the 50
    best-ranked), their budget, the profile's decisions in it, and whether it is new to the data.

    A programme marked "not tried" has calls among the 50 best-ranked, yet the profile neither prefers it nor
    has decided on any of its calls.
    """
    from store.profiles import load_profile
    from store.programmes import funding_streams, stream_json

    db = app.database()
    profile = load_profile(db, profile_id)
    streams = funding_streams(db, profile, datetime.now(timezone.utc))
    if as_json:
        for row in streams:
            sys.stdout.write(json.dumps(stream_json(row), ensure_ascii=False) + "\n")
        return
    if not streams:
        click.echo("No calls stored yet: `callmatch crawl SPIDER` or `callmatch demo` collects some.")
        return
    click.echo(f"{'PROGRAMME':40} {'OPEN':>5} {'SOON':>5} {'PASS':>5} {'TOP50':>5} {'BEST':>5} {'BUDGET':>10}"
               "  DECISIONS")
    for row in streams:
        marks = [word for word, flag in (("preferred", row["preferred"]), ("not tried", row["untried"]),
                                         ("new", row["new"])) if flag]
        decided = (f"{row['decided']} ({counted(row['bids'], 'bid')}, {row['won']} won, {row['lost']} lost)"
                   if row["decided"] else "—")
        click.echo(f"{cut(row['programme'], 40):40} {row['open']:>5} {row['forthcoming']:>5} {row['passing']:>5} "
                   f"{row['at_top']:>5} {row['best_rank'] or '—':>5} {eur(row['budget']):>10}  {decided}"
                   + (f"  [{', '.join(marks)}]" if marks else ""))
    click.echo(f"For the profile {profile['name']}. SOON: forthcoming. PASS: open or forthcoming, and through the "
               "screening. BUDGET: theirs, added up.")


def _call_source(value: str | None) -> str | None:
    from store.calls import CALL_SOURCES

    if value is not None and value not in CALL_SOURCES:
        raise click.BadParameter(f"{value!r} is no source of calls; choose from {', '.join(CALL_SOURCES)}.")
    return value


def _passes(row: dict) -> bool:
    """Ranked and through every screening gate."""
    return row.get("score") is not None and not row.get("screened_out")


def _call_line(row: dict, today) -> str:
    """One call as a line: the score in the points the web app shows (score x 100)."""
    ranked = row.get("score") is not None
    rank, score = (str(row["rank"]), points(row["score"])) if ranked else ("-", "-")
    deadlines = row["deadlines"] or []
    upcoming = upcoming_deadline(deadlines, today)  # else the last one, once all have passed
    deadline = upcoming.isoformat() if upcoming else max((d["date"] for d in deadlines), default="-")
    line = (f"{rank:>4} {score:>5}  {cut(row['identifier'], 40):40} {row['status']:11} {deadline:10}"
            f"  {cut(row['title'], 60)}")
    if row.get("screened_out"):
        reasons = "; ".join(gate["reason"] for gate in row["gates"] if not gate["passed"])
        line += f"  [screened out: {reasons}]"
    return line


def _wider_searches(db, search: str, source: str | None, most: int = 3) -> list[str]:
    """For a search that found nothing, what the wider ones that find some find, at most `most`, as the calls
    page offers them: with a word no call holds spelt as the nearest one calls hold, with a word in another form
    of its family, then, unless the slip set right finds some, with one word left out, the narrowest first."""
    from store import calls as call_store
    from store.text import each_term_left_out, searches_instead

    def finding(searches: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
        found = [(call_store.count_listed(db, source=source, search=other), other, note) for other, note in searches]
        return [(n, f"{counted(n, 'call', verb=('holds', 'hold'))} those of {other!r}{note}.", other)
                for n, other, note in found if n]

    spelt, searches = searches_instead(search, call_store.call_words(db))
    instead = finding([(other, "") for other in searches])
    set_right = spelt is not None and any(other == spelt for _, _, other in instead)
    left_out = [] if set_right else finding([(other, f" ({left!r} left out)")
                                            for other, left in each_term_left_out(spelt or search)])
    return [said for _, said, _ in instead + sorted(left_out, key=lambda found: found[0])][:most]


def _calls_summary(rows: list[dict], shown: int) -> str:
    """Counts over every stored call, whatever --passing and --limit left out of the listing."""
    passing = sum(1 for row in rows if _passes(row))
    screened = sum(1 for row in rows if row.get("screened_out"))
    unranked = sum(1 for row in rows if row.get("score") is None)
    summary = (f"{counted(len(rows), 'call')}: {passing} {'passes' if passing == 1 else 'pass'} the screening gates,"
               f" {screened} screened out")
    if unranked:
        summary += f", {unranked} not ranked yet (`callmatch match` ranks them)"
    summary += f"; {shown} listed." if shown < len(rows) else "."
    return summary + " --json adds each call's gates and explanation."


@cli.command()
@click.argument("run_id", required=False, type=int)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="How many runs to list, newest first.")
@click.pass_obj
def runs(app: AppContext, run_id: int | None, limit: int) -> None:
    """Recent crawl and import runs with their counts, drop reasons and first errors; with RUN_ID, that
    run with every error.

    A run still marked running whose process on this machine is gone is closed as interrupted first."""
    from store import runs as run_store

    db = app.database()
    run_store.close_abandoned(db)
    if run_id is not None:
        run = run_store.get_run(db, run_id)
        if run is None:
            raise click.ClickException(f"No run #{run_id}; `callmatch runs` lists the recent ones.")
        _echo_run(run, app.settings.zone, errors_shown=None)
        return
    recent = run_store.recent_runs(db, limit)
    if not recent:
        click.echo("No crawl or import runs yet: `callmatch crawl SPIDER` or `callmatch demo` makes some.")
    for run in recent:
        _echo_run(run, app.settings.zone, errors_shown=5)


def _echo_run(run: dict, zone: tzinfo, errors_shown: int | None) -> None:
    from store import runs as run_store
    from store.text import moment

    click.echo(f"#{run['id']} {run['source']:22} {moment(run['started_at'], zone)} {run['status']:8} "
               f"pages={run['pages']} {run['counted_as']}: new={run['items_new']} updated={run['items_updated']} "
               f"dropped={run['items_dropped']} errors={len(run['errors'])} {run['message'] or ''}")
    for reason, count in sorted(run["drop_reasons"].items(), key=lambda item: -item[1]):
        click.echo(f"    dropped {count}: {reason}")
    if merged := run_store.merged(run):
        click.echo(f"    merged {merged} duplicate records of topics read earlier in the run")
    if unnamed := run_store.unnamed_partners(run):
        click.echo(f"    left out {counted(unnamed, 'partner')} without a name (their projects were kept)")
    for error in run["errors"][:errors_shown]:
        # A failure before the first request (or the crawl ending early) has no page to name.
        click.echo(f"    {error['url']}: {error['error']}" if error["url"] else f"    {error['error']}")
    if errors_shown is not None and len(run["errors"]) > errors_shown:
        more = len(run["errors"]) - errors_shown
        click.echo(f"    and {more} more errors: `callmatch runs {run['id']}` lists them all")


@cli.command("import-cordis")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def import_cordis(app: AppContext, path: Path) -> None:
    """Load CORDIS bulk files (a folder or the zip with project.csv, organization.csv, topics.csv).

    Importing the same files again changes nothing. A row the database refuses (a number too large for
    its column, a damaged byte) is skipped and named by its line; the rest is loaded.
    """
    from crawlers import cordis

    def progress(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} participations", err=True)

    report = cordis.import_dump(app.database(), path, progress=progress)
    click.echo(
        f"Imported {report.rows} participation rows in {report.seconds:.1f}s: "
        f"{report.organisations_new} new organisations, "
        f"{report.projects_new} new and {report.projects_updated} updated projects, "
        f"{report.participations_new} new and {report.participations_updated} changed participations, "
        f"{report.topics_changed} new or changed topics"
        + (f", {counted(len(report.skipped), 'row')} skipped" if report.skipped else "")
        + ("." if report.changed else " (nothing changed).")
    )


@cli.command("import-contacts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by_email", metavar="EMAIL",
              help="The colleague whose list it is: each contact says it was saved by them, as one typed on an"
                   " organisation's page does.")
@click.pass_obj
def import_contacts(app: AppContext, path: Path, by_email: str | None) -> None:
    """Keep whom the team knows at partner organisations, from a spreadsheet saved as CSV.

    A row per person: columns headed "organisation" (or "PIC"; "country" tells apart organisations of one
    name) and "person", "email" or "note". Each contact is kept at the organisation it names in the partner
    data; one kept there already is not added again, so reading a file twice adds nothing. Rows that cannot
    be kept are listed with their line and why; the others are kept. The Partners page reads the same files.
    """
    from store import contacts
    from store.users import find_user

    by = find_user(app.database(), by_email) if by_email else None
    if by_email and by is None:
        raise click.ClickException(f"No user {by_email}: `callmatch users` lists them.")
    try:
        rows = contacts.read_contact_sheet(path.read_bytes())
    except contacts.ContactSheetError as problem:
        raise click.ClickException(f"{path.name}: {problem}") from None
    report = contacts.import_contacts(app.database(), rows, by["id"] if by else None)
    click.echo(f"{counted(len(report['added']), 'contact')} added, {report['known']} known already"
               + (f", {counted(len(report['problems']), 'row')} not read:" if report["problems"] else "."))
    for problem in report["problems"]:
        click.echo(f"  line {problem['line']}: {problem['why']}")
