"""Import the CORDIS bulk files (project.csv, organization.csv, topics.csv) from a folder or the zip.

The official layout: `;`-separated, every field quoted, decimals sometimes with a comma,
countries EL/UK, activityType HES/REC/PRC/PUB/OTH, role coordinator/participant/partner/thirdParty.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import psycopg

from store import runs
from store.calls import ensure_source
from store.db import Database, first_line
from store.errors import CallmatchError
from store.partners import SECTORS, resolve_organisation, save_participation, save_project, upsert_topics
from store.text import country_code

log = logging.getLogger(__name__)
FILES = ("project.csv", "organization.csv", "topics.csv")
SOURCE = "cordis"
LOGGED_SKIPS = 20  # skipped rows named in the log, one line each; the rest are counted


class ImportFormatError(CallmatchError):
    """The files are not in the CORDIS layout."""


@dataclass
class CordisDump:
    projects: list[dict]
    organisations: list[dict]  # one row a participation
    topics: list[dict]
    organisation_lines: list[int]  # the line each row starts on
    organisation_problems: list[str | None]  # why a row is malformed, or None

    def topic_titles(self) -> dict[str, str]:
        return {row["topic"]: row.get("title", "") for row in self.topics if row.get("topic")}

    def topic_of_project(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for row in self.topics:
            found.setdefault(row["projectID"], row["topic"])
        return found


@dataclass
class ImportReport:
    rows: int = 0
    organisations_new: int = 0
    projects_new: int = 0
    projects_updated: int = 0
    participations_new: int = 0
    participations_updated: int = 0
    topics_changed: int = 0
    skipped: dict[int, tuple[str, str]] = field(default_factory=dict)  # line -> (kind, what was wrong)
    seconds: float = 0.0

    def skip(self, line: int, kind: str, why: str) -> None:
        self.skipped[line] = (kind, why)
        _log_skip("organization.csv", line, why, len(self.skipped))

    @property
    def changed(self) -> int:
        return (self.organisations_new + self.projects_new + self.projects_updated + self.participations_new
                + self.participations_updated + self.topics_changed)


def _log_skip(file: str, line: int, why: str, nth: int) -> None:
    """Name the `nth` skipped row of a file in the log, the first LOGGED_SKIPS only: a file broken
    throughout must not bury the log."""
    if nth <= LOGGED_SKIPS:
        log.warning("%s line %s skipped: %s", file, line, why)


def _log_skips_not_named(file: str, skipped: int) -> None:
    if skipped > LOGGED_SKIPS:
        log.warning("%s more rows of %s skipped", skipped - LOGGED_SKIPS, file)


@dataclass
class _Table:
    rows: list[dict]
    lines: list[int]  # the line each row starts on: a field may hold a line break
    problems: list[str | None]  # why a row cannot be read into the header's columns, or None

    def well_formed(self, name: str) -> list[dict]:
        """The rows that fit the header; the others are left out, the first of them logged by line."""
        bad = [(line, problem) for line, problem in zip(self.lines, self.problems, strict=True) if problem]
        for nth, (line, problem) in enumerate(bad, 1):
            _log_skip(name, line, problem, nth)
        _log_skips_not_named(name, len(bad))
        return [row for row, problem in zip(self.rows, self.problems, strict=True) if not problem]


def _read_csv(handle: io.TextIOBase) -> _Table:
    reader = csv.reader(handle, delimiter=";", quotechar='"')
    header = next(reader, None) or []
    table, end = _Table([], [], []), reader.line_num
    for values in reader:
        start, end = end + 1, reader.line_num
        if not values:
            continue
        values = [_quoted_twice(value) for value in values]
        table.rows.append(dict(zip(header, values, strict=False)))  # a malformed row is kept only to be reported
        table.lines.append(start)
        problem = None
        if len(values) != len(header):  # its values would land in the wrong columns
            problem = f"{len(values)} fields where the header has {len(header)}"
            if end > start:
                problem += f"; it runs on to line {end}: a quote left open?"
        table.problems.append(problem)
    return table


# CORDIS quotes a value that holds a quote twice: the name NCSR "D", read from the file once, is still
# quoted, with its inner quotes doubled. Read it a second time; any other value is left as it is.
def _quoted_twice(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"' and '"' not in value[1:-1].replace('""', ""):
        return value[1:-1].replace('""', '"')
    return value


def _open_members(path: Path) -> Iterator[tuple[str, Callable[[], io.TextIOBase]]]:
    if path.is_dir():
        for name in FILES:
            if (path / name).exists():
                yield name, lambda name=name: open(path / name, encoding="utf-8-sig", newline="")
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:  # each member is read before the next is yielded
            for info in archive.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if base in FILES:
                    yield base, lambda info=info: io.TextIOWrapper(archive.open(info), encoding="utf-8-sig",
                                                                   newline="")
    else:
        raise ImportFormatError(f"{path} is neither a folder nor a zip file of CORDIS CSV files.")


def read_dump(path: Path) -> CordisDump:
    path = Path(path)
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist.")
    found: dict[str, _Table] = {}
    for name, opener in _open_members(path):
        with opener() as handle:
            try:
                found[name] = _read_csv(handle)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(f"{name} is not UTF-8 text ({exc.reason}); the CORDIS files are UTF-8:"
                                        " save it as UTF-8 and import it again.") from None
    if "organization.csv" not in found:
        raise ImportFormatError(f"{path} has no organization.csv; expected the CORDIS files {', '.join(FILES)}.")
    organisations = found["organization.csv"]
    if not organisations.rows:
        raise ImportFormatError("organization.csv has no rows: nothing to import.")
    missing = {"projectID", "organisationID", "name", "country", "role"} - set(organisations.rows[0])
    if missing:
        raise ImportFormatError(
            f"organization.csv lacks the columns {', '.join(sorted(missing))}: not the CORDIS layout.")
    # A malformed organisation row is counted in the import's report; in the other two files it is logged.
    empty = _Table([], [], [])
    return CordisDump(found.get("project.csv", empty).well_formed("project.csv"), organisations.rows,
                      found.get("topics.csv", empty).well_formed("topics.csv"), organisations.lines,
                      organisations.problems)


def amount(value: str | None) -> Decimal | None:
    """'211562,5' and '211562.5' alike; '' is unknown."""
    if not value or not value.strip():
        return None
    text = value.strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _date(value: str | None):
    from datetime import date

    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return date.fromisoformat(value.strip())
    return None


def project_fields(row: dict, topic_code: str | None, topic_title: str | None) -> dict:
    return {
        "acronym": row.get("acronym") or None,
        "title": row.get("title") or None,
        "objective": row.get("objective") or None,
        "framework": row.get("frameworkProgramme") or None,
        "programme": row.get("frameworkProgramme") or None,
        "topic_code": topic_code,
        "topic_title": topic_title,
        "call_id": row.get("masterCall") or row.get("subCall") or None,
        "funding_scheme": row.get("fundingScheme") or None,
        "start_date": _date(row.get("startDate")),
        "end_date": _date(row.get("endDate")),
        "total_cost": amount(row.get("totalCost")),
        "eu_contribution": amount(row.get("ecMaxContribution")),
    }


def organisation_fields(row: dict) -> dict:
    return {
        "pic": row["organisationID"].strip() or None,  # CORDIS organisationID is the PIC
        "name": row["name"].strip(),
        "short_name": row.get("shortName") or None,
        "country": country_code(row.get("country")),
        "city": row.get("city") or None,
        "org_type": row.get("activityType") or None,
        "sector": SECTORS.get((row.get("activityType") or "").strip()),
        "website": row.get("organizationURL") or None,
    }


# Errors in one row's data (a number too large for its column, a NUL byte in a damaged file): the row
# is skipped with its line, and the rest of the dump is imported. Anything else stops the import.
REFUSED = (psycopg.DataError, psycopg.IntegrityError)


def import_dump(db: Database, path: Path, progress: Callable[[int, int], None] | None = None,
                job_id: str | None = None) -> ImportReport:
    """Load a dump into organisations, projects, participations and topics; repeating it changes nothing."""
    started = time.perf_counter()
    dump = read_dump(path)
    ensure_source(db, SOURCE)
    run_id = runs.start_run(db, SOURCE, job_id)
    report = ImportReport(rows=len(dump.organisations))
    try:
        _import(db, dump, report, progress)
    except BaseException as exc:  # the transaction rolled back: the run must not stay "running"
        runs.finish_run(db, run_id, pages=len(FILES), seen=report.rows, new=0, updated=0, unchanged=0, dropped=0,
                        drop_reasons={}, errors=[{"url": "", "error": f"{type(exc).__name__}: {exc}"}], stats={})
        raise
    _log_skips_not_named("organization.csv", len(report.skipped))
    report.seconds = time.perf_counter() - started
    # The run counts participation rows, the unit of the dump; what they brought is in its stats.
    runs.finish_run(
        db, run_id, pages=len(FILES), seen=report.rows, new=report.participations_new,
        updated=report.participations_updated,
        unchanged=report.rows - report.participations_new - report.participations_updated - len(report.skipped),
        dropped=len(report.skipped), drop_reasons=dict(Counter(reason for reason, _ in report.skipped.values())),
        errors=[], stats={"seconds": round(report.seconds, 2), "organisations_new": report.organisations_new,
                          "projects_new": report.projects_new, "projects_updated": report.projects_updated,
                          "topics_changed": report.topics_changed},
    )
    return report


def _import(db: Database, dump: CordisDump, report: ImportReport, progress: Callable[[int, int], None] | None) -> None:
    titles = dump.topic_titles()
    topic_of = dump.topic_of_project()
    # Every project: those of project.csv, then those only organization.csv names (with just an acronym).
    projects = {row["id"]: row for row in dump.projects}
    for row, problem in zip(dump.organisations, dump.organisation_problems, strict=True):
        if row.get("projectID") and not problem:
            projects.setdefault(row["projectID"], {"acronym": row.get("projectAcronym")})
    with db.transaction() as cur:
        report.topics_changed = upsert_topics(cur, titles)
        project_ids: dict[str, int] = {}
        for pid, row in projects.items():
            code = topic_of.get(pid) or (row.get("topics") or "").split(";")[0] or None
            try:
                with cur.connection.transaction():  # a savepoint: a refused project costs only its rows
                    fields = project_fields(row, code, titles.get(code))
                    project_ids[pid], outcome = save_project(cur, SOURCE, pid, fields)
            except REFUSED as exc:
                log.warning("CORDIS project %s skipped: the database refused it: %s", pid, first_line(exc))
                continue
            report.projects_new += outcome == "new"
            report.projects_updated += outcome == "updated"
        org_ids: dict[str, int] = {}
        occurrences: dict[tuple, int] = {}
        rows = zip(dump.organisations, dump.organisation_lines, dump.organisation_problems, strict=True)
        for index, (row, line, problem) in enumerate(rows, 1):
            if problem:
                report.skip(line, "malformed row", problem)
                continue
            if not row.get("projectID") or not row.get("organisationID") or not row.get("name"):
                report.skip(line, "incomplete row", "no project, organisation id or name")
                continue
            if row["projectID"] not in project_ids:
                report.skip(line, "refused by the database", f"its project {row['projectID']} was refused")
                continue
            oid = row["organisationID"].strip()
            project_id = project_ids[row["projectID"]]
            role = (row.get("role") or "participant").strip()
            # The source's order tells two rows of one organisation in one project apart; else their sequence.
            key = (project_id, oid, role)
            occurrences[key] = occurrences.get(key, 0) + 1
            position = int(row["order"]) if (row.get("order") or "").strip().isdigit() else occurrences[key]
            try:
                with cur.connection.transaction():  # a savepoint: a refused row costs only itself
                    org_id, created = org_ids.get(oid), False
                    if org_id is None:
                        org_id, created = resolve_organisation(cur, SOURCE, oid, organisation_fields(row))
                    outcome = save_participation(cur, project_id, org_id, role, amount(row.get("ecContribution")),
                                                 position)
            except REFUSED as exc:
                report.skip(line, "refused by the database", f"the database refused it: {first_line(exc)}")
                continue
            org_ids[oid] = org_id
            report.organisations_new += created
            report.participations_new += outcome == "new"
            report.participations_updated += outcome == "updated"
            if progress and index % 500 == 0:
                progress(index, len(dump.organisations))
