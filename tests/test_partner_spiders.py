"""keep.eu and Erasmus+ Project Results spiders, crawled end to end on constructed fixtures.

No recording of either API exists here: tests/fixtures/constructed/ holds responses written from the
documented shape (see its README).
"""

import json
import shutil
from pathlib import Path

from tests.helpers.cli import run_callmatch

CONSTRUCTED = Path(__file__).parent / "fixtures" / "constructed"


def crawl(settings, spider, *args):
    result = run_callmatch("crawl", spider, "--replay", CONSTRUCTED / spider.replace("_", "-"), *args, settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_keep_eu_projects_and_partnerships_are_stored(settings, db):
    crawl(settings, "keep_eu")
    assert db.scalar("SELECT count(*) FROM projects WHERE source = 'keep_eu'") == 2
    project = db.fetchone("SELECT * FROM projects WHERE source_id = '101'")
    assert (project["programme"], project["topic_code"], float(project["total_cost"])) == (
        "Interreg Baltic Sea Region", "INTERREG-P17-2021-2027", 2150000.0)
    lead = db.fetchone("SELECT o.name, x.role, o.sector, o.country FROM participations x"
                       " JOIN organisations o ON o.id = x.organisation_id JOIN projects p ON p.id = x.project_id"
                       " WHERE p.source_id = '101' AND x.role = 'coordinator'")
    assert lead == {"name": "Social Innovation Centre", "role": "coordinator", "sector": "ngo", "country": "LV"}


def test_keep_eu_same_partner_in_two_projects_is_one_organisation(settings, db):
    crawl(settings, "keep_eu")
    assert db.scalar("SELECT count(*) FROM organisations WHERE name = 'Tartu City Government'") == 1


def test_keep_eu_page_of_another_shape_is_a_recorded_failure(settings, db):
    crawl(settings, "keep_eu")
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'keep_eu'")
    assert run["status"] == "partial"
    assert any("api/project/103" in e["url"] and "page shape changed" in e["error"] for e in run["errors"])


def test_a_second_keep_eu_crawl_changes_nothing(settings, db):
    crawl(settings, "keep_eu")
    counts = db.fetchone("SELECT (SELECT count(*) FROM organisations) o, (SELECT count(*) FROM participations) p")
    crawl(settings, "keep_eu")
    assert db.fetchone("SELECT (SELECT count(*) FROM organisations) o, (SELECT count(*) FROM participations) p") == counts
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'keep_eu' ORDER BY id DESC LIMIT 1")
    assert (run["items_new"], run["items_updated"], run["items_unchanged"]) == (0, 0, 2)


def test_erasmus_projects_page_until_a_short_page(settings, db):
    crawl(settings, "erasmus_results", "-a", "page_size=2")
    assert db.scalar("SELECT count(*) FROM projects WHERE source = 'erasmus_results'") == 2
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'erasmus_results'")
    assert run["pages"] == 2 and run["drop_reasons"] == {"project without identifier": 1}


def test_the_same_organisation_from_two_sources_is_one_where_the_pic_says_so(settings, db):
    crawl(settings, "keep_eu")
    crawl(settings, "erasmus_results", "-a", "page_size=2")
    sic = db.fetchall("SELECT id FROM organisations WHERE pic = '912345678'")
    assert len(sic) == 1
    schemes = {r["scheme"] for r in db.fetchall(
        "SELECT scheme FROM organisation_identifiers WHERE organisation_id = %s", (sic[0]["id"],))}
    assert schemes == {"keep_eu", "erasmus_results"}
    assert db.scalar("SELECT count(*) FROM participations WHERE organisation_id = %s", (sic[0]["id"],)) == 2


def test_no_pic_means_no_merge_even_with_the_same_name(settings, db):
    from store.partners import resolve_organisation

    crawl(settings, "keep_eu")
    with db.transaction() as cur:
        resolve_organisation(cur, "cordis", "555", {"name": "Tartu City Government", "country": "EE"})
    assert db.scalar("SELECT count(*) FROM organisations WHERE name = 'Tartu City Government'") == 2


def test_organisations_without_a_pic_are_neither_added_again_by_a_re_crawl_nor_merged_by_a_placeholder(
        settings, db, tmp_path):
    replay = tmp_path / "erasmus-results"
    shutil.copytree(CONSTRUCTED / "erasmus-results", replay)
    page = replay / "programmes" / "service" / "search" / "project" / "search@from=0&index=eplus2021&size=2"
    records = json.loads(page.read_text())
    records["projectDocuments"][0]["organisations"] += [
        {"organisationName": "Daugavpils Youth Centre", "organisationCountry": "LV", "organisationRole": "partner"},
        {"organisationName": "Kaunas Social Lab", "organisationPIC": "N/A", "organisationCountry": "LT"},
        {"organisationName": "Tallinn Makers", "organisationPIC": " ", "organisationCountry": "EE"},
        {"organisationName": "  ", "organisationPIC": "777111222", "organisationCountry": "LV"},  # no name
    ]
    page.write_text(json.dumps(records))
    for _ in range(2):
        result = run_callmatch("crawl", "erasmus_results", "-a", "page_size=2", "--replay", replay, settings=settings)
        assert result.returncode == 0, result.stderr[-3000:]
    # The partner without a name cannot be stored as an organisation: it is counted and said, not lost in silence.
    assert "1 partner without a name left out" in result.stderr
    listed = run_callmatch("runs", "--limit", "1", settings=settings).stdout
    assert "    left out 1 partner without a name (their projects were kept)\n" in listed
    assert db.scalar("SELECT count(*) FROM organisations WHERE pic = '777111222' OR trim(name) = ''") == 0
    rows = db.fetchall("SELECT o.name, o.pic, count(*) AS projects FROM organisations o"
                       " JOIN participations x ON x.organisation_id = o.id GROUP BY o.id ORDER BY o.name")
    assert [(r["name"], r["pic"], r["projects"]) for r in rows if r["pic"] is None] == [
        ("Daugavpils Youth Centre", None, 1), ("Kaunas Social Lab", None, 1), ("Tallinn Makers", None, 1)]
    last = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'erasmus_results' ORDER BY id DESC LIMIT 1")
    assert (last["items_new"], last["items_updated"]) == (0, 0)


def test_a_pic_is_nine_digits_and_a_placeholder_is_none():
    from store.partners import valid_pic

    assert valid_pic("912345678") == valid_pic(" 912 345 678 ") == valid_pic(912345678) == "912345678"
    assert [valid_pic(v) for v in (None, "", "  ", "N/A", "0", "000000000", "12345", "9123456789")] == [None] * 8


def test_a_page_the_spider_or_the_store_chokes_on_is_a_recorded_failure_and_the_rest_is_kept(settings, db, tmp_path):
    replay = tmp_path / "keep-eu"
    shutil.copytree(CONSTRUCTED / "keep-eu", replay)
    (replay / "api" / "search" / "projects@page=2").write_text(json.dumps(
        {"count": 5, "next": None, "results": [{"id": 103}, {"id": 104}, {"id": 105}]}))
    project = json.loads((replay / "api" / "project" / "102" / "index").read_text())
    # 104: a partnership that is a bare string, which the spider's code does not expect.
    (replay / "api" / "project" / "104").mkdir()
    (replay / "api" / "project" / "104" / "index").write_text(json.dumps(
        {**project, "id": 104, "partnerships": ["Tartu City Government", *project["partnerships"]]}))
    # 105: a budget too large for the database's column.
    (replay / "api" / "project" / "105").mkdir()
    (replay / "api" / "project" / "105" / "index").write_text(json.dumps({**project, "id": 105, "total_budget": 1e20}))

    result = run_callmatch("crawl", "keep_eu", "--replay", replay, settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {r["source_id"] for r in db.fetchall("SELECT source_id FROM projects")} == {"101", "102"}
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'keep_eu'")
    assert run["status"] == "partial"
    errors = {e["url"].rstrip("/").rsplit("/", 1)[-1]: e["error"] for e in run["errors"]}
    assert "page shape changed" in errors["103"]
    assert errors["104"].startswith("could not read the page: AttributeError")
    assert errors["105"].startswith("could not store project 105: The database refused the operation")


def test_an_erasmus_record_of_another_shape_is_dropped_and_the_rest_of_its_page_kept():
    from crawlers.spiders.erasmus_results import ErasmusResultsSpider
    from tests.helpers.responses import file_response, spider_at

    folder = CONSTRUCTED / "erasmus-results" / "programmes" / "service" / "search" / "project"
    page = json.loads((folder / "search@from=0&index=eplus2021&size=2").read_text())
    good = [d for d in page["projectDocuments"] if d.get("projectIdentifier")]
    page["projectDocuments"] = ["not a record", {**good[0], "organisations": [None]}, *good]
    spider = spider_at(ErasmusResultsSpider, "2026-06-27", page_size="10")
    response = file_response(folder, ErasmusResultsSpider.base_url, body=json.dumps(page).encode())
    items = list(spider.parse(response))
    assert [item.source_id for item in items] == [d["projectIdentifier"] for d in good]
    assert spider.crawler.stats.get_value("callmatch/dropped/unparseable record") == 2


def test_spider_arguments_are_checked_before_the_crawl_starts(settings, db):
    keep_eu = CONSTRUCTED / "keep-eu"
    for arguments, message in [
        (["keep_eu", "-a", "max_pages=x"], "max_pages: must be a whole number from 1, not 'x'"),
        (["keep_eu", "-a", "max_page=2"], "no spider given takes max_page (keep_eu takes: max_pages)"),
        (["keep_eu", "--programmes", "Erasmus+"], "no spider given takes programmes"),
    ]:
        result = run_callmatch("crawl", *arguments, "--replay", keep_eu, settings=settings)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, arguments
    # An address without its scheme would otherwise be the source's latest run, failed, warned about on every page.
    result = run_callmatch("crawl", "keep_eu", "--base-url", "keep.eu/api", settings=settings)
    assert result.returncode == 2 and "'keep.eu/api' is not an http:// or https:// address" in result.stderr
    assert db.scalar("SELECT count(*) FROM crawl_runs") == 0  # refused before anything ran


def test_each_spider_gets_only_the_arguments_it_takes(settings, db, tmp_path):
    replay = tmp_path / "both"  # one loopback server answers for both sites
    for site in ("keep-eu", "erasmus-results"):
        shutil.copytree(CONSTRUCTED / site, replay, dirs_exist_ok=True)
    # max_pages both take; page_size is Erasmus+'s alone.
    result = run_callmatch("crawl", "keep_eu", "erasmus_results", "-a", "max_pages=1", "-a", "page_size=2",
                           "--replay", replay, settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = {r["source"]: r for r in db.fetchall("SELECT * FROM crawl_runs")}
    assert runs["keep_eu"]["pages"] == 3  # search page 1 and its projects 101, 102; not page 2
    assert runs["erasmus_results"]["pages"] == 1  # one page of two, then max_pages stops it
    assert "keep_eu: ok" in result.stdout and "erasmus_results: ok" in result.stdout
