"""Stub topics completed from their topic-details JSON (constructed fixture: no recording exists)."""

import json
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

    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'ft_topic_details'")
    assert run["status"] == "partial" and run["items_updated"] == 1
    assert run["message"] == "1 page failed; everything else was kept"
    assert "HTTP 404" in run["errors"][0]["error"]  # the topic with no details recorded is a visible failure


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
    order = db.fetchall("SELECT source, started_at, finished_at FROM crawl_runs ORDER BY id")
    assert [r["source"] for r in order] == ["ft_portal", "ft_topic_details"]
    assert order[0]["finished_at"] <= order[1]["started_at"]


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
    assert "ft_topic_details: ok - nothing to do: no stub topics to complete (0 new" in result.stdout
