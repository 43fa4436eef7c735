"""Stub topics completed from their topic-details JSON (constructed fixture: no recording exists)."""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from crawlers.replay import ReplayServer
from tests.helpers.cli import run_callmatch

CONSTRUCTED = Path(__file__).parent / "fixtures" / "constructed" / "ft-topic-details"
STUB = "CERV-2023-CITIZENS-CIV"


def one_page_replay(shared_dir, tmp_path, identifiers):
    source = shared_dir / "fixtures" / "ft-portal" / "search-2026-06-27"
    records = {}
    for n in range(1, 20):
        for record in json.loads((source / f"page-{n}.json").read_text())["results"]:
            ident = record["metadata"]["identifier"][0]
            if ident in identifiers and "descriptionByte" not in record["metadata"]:
                records.setdefault(ident, record)
    folder = tmp_path / "portal"
    folder.mkdir()
    (folder / "page-1.json").write_text(json.dumps({"totalResults": len(records), "results": list(records.values())}))
    return folder


def test_stub_topics_get_description_and_budget_from_their_details(settings, db, shared_dir, tmp_path):
    other_stub = "CERV-2023-CITIZENS-TOWN-TT"
    portal = one_page_replay(shared_dir, tmp_path, {STUB, other_stub})
    assert run_callmatch("crawl", "ft_portal", "--replay", portal, settings=settings).returncode == 0
    before = db.fetchone("SELECT * FROM calls WHERE identifier = %s", (STUB,))
    assert before["description_text"] == "" and before["topic_budget"] is None

    with ReplayServer(CONSTRUCTED) as server:
        result = run_callmatch("crawl", "ft_topic_details", "--base-url", server.url + "/topicDetails",
                               "--set", "ROBOTSTXT_OBEY=false", "--set", "AUTOTHROTTLE_ENABLED=false", settings=settings)
        assert result.returncode == 0, result.stderr[-2000:]
        asked = sorted(r["path"] for r in server.requests)
    assert asked == sorted([f"/topicDetails/{other_stub}.json", f"/topicDetails/{STUB}.json"])

    after = db.fetchone("SELECT * FROM calls WHERE identifier = %s", (STUB,))
    assert after["description_text"].startswith("Expected Outcome:")
    assert "<script" not in after["description_html"]
    assert (after["topic_budget"], after["grant_max"], after["expected_grants"]) == (Decimal("10000000"), Decimal("6000000"), 2)
    assert after["conditions_text"].startswith("Eligible countries")
    assert db.scalar("SELECT count(*) FROM calls") == 2  # completed in place, not added

    # The other stub has no details page (404): a fact about the topic, not a failed page. It keeps what
    # the search gave it and is set aside for a week, so the daily run is not "partial" every day.
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'ft_topic_details'")
    assert (run["status"], run["message"], run["errors"], run["items_updated"]) == ("ok", "completed", [], 1)
    assert f"{other_stub} has no topic-details page (HTTP 404); asked again in 7 days" in result.stderr
    # Set aside from the team's day, on which `callmatch crawl` runs the spiders.
    assert db.scalar("SELECT details_missing_on FROM calls WHERE identifier = %s", (other_stub,)) == settings.as_of()


def details_crawl(settings, today=None, exit_status=0):
    """Crawl the topic details from the constructed fixture; returns (the crawl, the paths asked for)."""
    with ReplayServer(CONSTRUCTED) as server:
        result = run_callmatch("crawl", "ft_topic_details", "--base-url", server.url + "/topicDetails",
                               "--set", "ROBOTSTXT_OBEY=false", "--set", "AUTOTHROTTLE_ENABLED=false", settings=settings,
                               env={"CALLMATCH_TODAY": today.isoformat()} if today else None)
        assert result.returncode == exit_status, result.stderr[-2000:]
        return result, [r["path"] for r in server.requests]


def latest_details_run(db):
    return db.fetchone("SELECT * FROM crawl_runs WHERE source = 'ft_topic_details' ORDER BY id DESC LIMIT 1")


def test_a_stub_without_a_details_page_is_asked_for_again_a_week_later_not_every_day(settings, db):
    from tests.helpers.data import add_call

    missing = "HORIZON-CL2-2027-NO-PAGE-01"  # the fixture has no details for it
    add_call(db, missing, "A topic the search listed without text", "")
    monday = date(2026, 11, 2)
    result, asked = details_crawl(settings, monday)
    assert asked == [f"/topicDetails/{missing}.json"]
    run = latest_details_run(db)
    assert (run["status"], run["message"]) == ("ok", "nothing to do: no details page for 1 stub asked")
    assert db.scalar("SELECT details_missing_on FROM calls WHERE identifier = %s", (missing,)) == monday

    result, asked = details_crawl(settings, monday + timedelta(days=6))
    assert asked == []
    assert (latest_details_run(db)["status"], latest_details_run(db)["message"]) == (
        "ok", "nothing to do: no stub topics to complete (1 stub without a details page asked again later)")

    result, asked = details_crawl(settings, monday + timedelta(days=7))
    assert asked == [f"/topicDetails/{missing}.json"]
    assert db.scalar("SELECT details_missing_on FROM calls WHERE identifier = %s", (missing,)) == monday + timedelta(7)


def test_every_details_page_missing_is_a_moved_address_not_ten_topics_without_pages(settings, db):
    from tests.helpers.data import add_call

    stubs = [f"HORIZON-CL2-2027-NO-PAGE-{n:02}" for n in range(10)]
    for identifier in stubs:
        add_call(db, identifier, f"Stub {identifier}", "")
    result, asked = details_crawl(settings, date(2026, 11, 2), exit_status=3)  # 3: a run failed
    assert len(asked) == 10
    run = latest_details_run(db)
    assert run["status"] == "failed"
    assert [e["error"] for e in run["errors"]] == [
        "every one of the 10 details pages asked for answered HTTP 404: has the address changed?"]
    # Not set aside: the next crawl asks for them all again.
    assert db.scalar("SELECT count(*) FROM calls WHERE details_missing_on IS NOT NULL") == 0


def test_one_crawl_of_the_portal_then_the_details_completes_the_stubs_the_portal_just_stored(settings, db, shared_dir,
                                                                                            tmp_path):
    import shutil

    folder = one_page_replay(shared_dir, tmp_path, {STUB})
    shutil.copytree(CONSTRUCTED, folder / "info" / "funding-tenders" / "opportunities" / "data")
    # The spiders run one after another, in the order given: the details spider reads the stubs the
    # portal spider stored when it closed.
    result = run_callmatch("crawl", "ft_portal", "ft_topic_details", "--replay", folder, settings=settings)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert db.scalar("SELECT description_text FROM calls WHERE identifier = %s", (STUB,)).startswith("Expected Outcome:")
    assert db.scalar("SELECT count(*) FROM call_changes") == 0  # text and budget first given: completed, not changed
    order = db.fetchall("SELECT source, started_at, finished_at FROM crawl_runs ORDER BY id")
    assert [r["source"] for r in order] == ["ft_portal", "ft_topic_details"]
    assert order[0]["finished_at"] <= order[1]["started_at"]
    # The next day's portal crawl lists the stub again, without its text and budget: the completed call keeps
    # them, and it is not counted as updated (its budget, read back from the database, is the same amount).
    result = run_callmatch("crawl", "ft_portal", "--replay", folder, settings=settings)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    latest = db.fetchone("SELECT items_new, items_updated FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert (latest["items_new"], latest["items_updated"]) == (0, 0)
    assert db.scalar("SELECT topic_budget FROM calls WHERE identifier = %s", (STUB,)) is not None


def test_a_details_crawl_with_no_stub_left_is_ok_and_asks_for_nothing(settings, db, shared_dir, tmp_path):
    from tests.helpers.data import add_call

    add_call(db, STUB, "A topic the portal already described", "Expected Outcome: described in the search record.")
    add_call(db, "EuropeAid/186571/DD/ACT/ZA", "A EuropeAid call without text", "")  # no topic details exist for it
    with ReplayServer(CONSTRUCTED) as server:
        result = run_callmatch("crawl", "ft_topic_details", "--base-url", server.url + "/topicDetails",
                               "--set", "ROBOTSTXT_OBEY=false", "--set", "AUTOTHROTTLE_ENABLED=false", settings=settings)
        assert result.returncode == 0, result.stderr[-2000:]
        assert server.requests == []
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'ft_topic_details'")
    # The daily crawl runs the details after every portal crawl: a day without new stubs is not a failure.
    assert (run["status"], run["message"]) == ("ok", "nothing to do: no stub topics to complete")
    assert "ft_topic_details: ok - nothing to do: no stub topics to complete (calls: 0 new" in result.stdout


def test_the_details_crawl_reads_stubs_only_so_it_cannot_tell_a_call_is_no_longer_listed():
    from crawlers.spiders.ft_portal import FtPortalSpider
    from crawlers.spiders.ft_topic_details import FtTopicDetailsSpider

    assert FtPortalSpider().lists_every_open_call() and not FtPortalSpider(programmes="CERV").lists_every_open_call()
    assert not FtTopicDetailsSpider().lists_every_open_call()  # a portal spider by descent, not by what it reads
