"""The real Scrapy engine crawls the replayed portal into the real database."""

import json

import pytest

from crawlers.replay import ReplayServer
from store.text import day
from tests.helpers.cli import run_callmatch
from tests.helpers.responses import small_replay

FAST = ["--set", "AUTOTHROTTLE_ENABLED=false", "--set", "ROBOTSTXT_OBEY=false"]
TODAY = {"CALLMATCH_TODAY": "2026-06-27"}


@pytest.fixture(scope="module")
def recording(shared_dir):
    return shared_dir / "fixtures" / "ft-portal" / "search-2026-06-27"


def distinct_ids(folder, pages):
    ids = set()
    for n in pages:
        for record in json.loads((folder / f"page-{n}.json").read_text())["results"]:
            ids.add(record["metadata"]["identifier"][0])
    return ids


def crawl(settings, url, *extra):
    result = run_callmatch("crawl", "ft_portal", "--base-url", url, *FAST, *extra, settings=settings, env=TODAY)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_replayed_portal_is_stored_once_and_a_second_crawl_changes_nothing(settings, db, recording):
    with ReplayServer(recording) as server:
        crawl(settings, server.search_url)
        searches = [r for r in server.requests if r["method"] == "POST"]

    # The request is the one the live API wants: multipart JSON parts, and every page exactly once.
    assert sorted(int(r["query"]["pageNumber"][0]) for r in searches) == list(range(1, 20))
    for request in searches:
        assert request["content_type"].startswith("multipart/form-data")
        assert {name: ctype for name, (ctype, _) in request["parts"].items()} == {
            "query": "application/json", "languages": "application/json", "sort": "application/json"}
        assert json.loads(request["parts"]["languages"][1]) == ["en"]
        assert request["query"]["pageSize"] == ["100"]

    assert db.scalar("SELECT count(*) FROM calls") == 1456
    assert db.scalar("SELECT count(DISTINCT identifier) FROM calls") == 1456
    first = db.fetchone("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert (first["status"], first["items_new"], first["pages"]) == ("ok", 1456, 19)
    # 356 records repeat a topic already read: merged into it (the richest copy kept), not dropped.
    assert (first["items_dropped"], first["drop_reasons"], first["stats"]["callmatch/merged"]) == (0, {}, 356)
    before = db.fetchall("SELECT identifier, content_hash, updated_at FROM calls ORDER BY identifier")

    # Again, this time through --replay: nothing new, nothing changed.
    result = run_callmatch("crawl", "ft_portal", "--replay", recording, settings=settings, env=TODAY)
    assert result.returncode == 0, result.stderr[-3000:]
    second = db.fetchone("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert (second["items_new"], second["items_updated"], second["items_unchanged"]) == (0, 0, 1456)
    assert db.fetchall("SELECT identifier, content_hash, updated_at FROM calls ORDER BY identifier") == before
    assert "(calls: 0 new, 0 updated, 1456 unchanged, 0 dropped, 356 duplicates merged, 0 errors)" in result.stdout
    listed = run_callmatch("runs", "--limit", "1", settings=settings).stdout
    assert "\n    merged 356 duplicate records of topics read earlier in the run\n" in listed


def test_a_deadline_the_portal_moves_is_kept_as_a_change_and_a_re_crawl_adds_none(
        settings, db, shared_dir, tmp_path):
    from store.calls import change_summary, changes_of

    folder, _ = small_replay(shared_dir, tmp_path)
    with ReplayServer(folder) as server:
        crawl(settings, server.search_url)
    assert db.scalar("SELECT count(*) FROM call_changes") == 0  # first stored: nothing changed yet
    call = db.fetchone("SELECT id, identifier, deadlines FROM calls WHERE jsonb_array_length(deadlines) = 1"
                       " ORDER BY identifier LIMIT 1")
    [old] = call["deadlines"]

    def revise(record):  # the portal moves the topic's deadline
        meta = record["metadata"]
        if meta["identifier"][0] == call["identifier"]:
            meta["deadlineDate"] = ["2026-11-05T00:00:00.000+0000"]
    small_replay(shared_dir, tmp_path, edit=revise)
    for _ in range(2):  # the second crawl sees nothing new
        with ReplayServer(folder) as server:
            crawl(settings, server.search_url)
    runs = db.fetchall("SELECT items_updated FROM crawl_runs ORDER BY id")
    assert [r["items_updated"] for r in runs] == [0, 1, 0]
    [change] = changes_of(db, call["id"])
    assert change["changes"] == {"deadlines": [[old], [{"date": "2026-11-05", "stage": old["stage"]}]]}
    assert change_summary(change["changes"]).startswith(f"Deadline moved from {day(old['date'])} to 05 Nov 2026 (")


def test_a_call_the_portal_stops_listing_is_marked_by_a_complete_crawl_and_cleared_when_listed_again(
        settings, db, recording, tmp_path):
    # A topic of page 3, on no other page, open by its dates: the portal then leaves it out (withdrawn).
    others = distinct_ids(recording, [n for n in range(1, 20) if n != 3])
    page = json.loads((recording / "page-3.json").read_text())
    gone = next(r for r in page["results"] if r["metadata"]["identifier"][0] not in others
                and any(d[:10] >= "2026-06-27" for d in r["metadata"].get("deadlineDate", [])))
    identifier = gone["metadata"]["identifier"][0]
    replay = tmp_path / "replay"
    replay.mkdir()
    for n in range(1, 20):
        (replay / f"page-{n}.json").symlink_to(recording / f"page-{n}.json")
    (replay / "page-3.json").unlink()
    page["results"] = [r for r in page["results"] if r["metadata"]["identifier"][0] != identifier]
    (replay / "page-3.json").write_text(json.dumps(page))

    def unlisted():
        return [r["identifier"] for r in db.fetchall("SELECT identifier FROM calls WHERE unlisted_since IS NOT NULL")]

    with ReplayServer(recording) as server:
        crawl(settings, server.search_url)
    with ReplayServer(replay) as server:
        crawl(settings, server.search_url, "--programmes", "CERV")  # narrowed: it says nothing of the rest
        assert unlisted() == []
        result = crawl(settings, server.search_url)
    assert unlisted() == [identifier]
    assert "no longer lists 1 call still open by their dates" in result.stderr
    with ReplayServer(recording) as server:
        crawl(settings, server.search_url)
    assert unlisted() == []


def test_a_half_failed_crawl_keeps_everything_else_and_records_the_failures(settings, db, recording, tmp_path):
    replay = tmp_path / "replay"
    replay.mkdir()
    for n in range(1, 20):
        (replay / f"page-{n}.json").symlink_to(recording / f"page-{n}.json")
    (replay / "page-4.json").unlink()
    (replay / "page-4.json").write_bytes((recording / "page-4.json").read_bytes()[:5000])  # corrupted
    faults = {"page-6.json": 500, "page-9.json": "timeout"}

    # The timeout is short for the hanging page's sake, but not so short that a good page, waiting
    # while the crawl stores the pages before it on a loaded machine, times out too (2 s once did).
    with ReplayServer(replay, faults=faults, hang_seconds=12) as server:
        crawl(settings, server.search_url, "--set", "DOWNLOAD_TIMEOUT=5", "--set", "RETRY_TIMES=1")

    run = db.fetchone("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
    expected = distinct_ids(recording, [n for n in range(1, 20) if n not in (4, 6, 9)])
    stored = {row["identifier"] for row in db.fetchall("SELECT identifier FROM calls")}
    assert stored == expected, run["errors"]
    assert (run["status"], run["message"]) == ("partial", "3 pages failed; everything else was kept")
    failed = " | ".join(f"{e['url']} {e['error']}" for e in run["errors"])
    assert "pageNumber=4" in failed and "malformed JSON" in failed
    assert "pageNumber=6" in failed and "HTTP 500" in failed
    assert "pageNumber=9" in failed and "TimeoutError" in failed
    assert len(run["errors"]) == 3


def test_a_crawl_that_stores_nothing_is_marked_failed_and_says_so_in_its_exit_status(settings, db, tmp_path):
    from store.runs import EXIT_RUN_FAILED

    (tmp_path / "page-1.json").write_text('{"unexpected": true}')
    with ReplayServer(tmp_path) as server:
        result = run_callmatch("crawl", "ft_portal", "--base-url", server.search_url, *FAST, settings=settings,
                               env=TODAY)
    assert result.returncode == EXIT_RUN_FAILED == 3, result.stderr[-3000:]
    assert "ft_portal: failed - nothing was stored" in result.stdout and "Failed: ft_portal" in result.stderr
    run = db.fetchone("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert (run["status"], run["message"]) == ("failed", "nothing was stored")
    assert "page shape changed" in run["errors"][0]["error"]


def test_calls_json_prints_one_object_a_line(settings, db, recording):
    with ReplayServer(recording) as server:
        crawl(settings, server.search_url)
    result = run_callmatch("calls", "--json", settings=settings, env=TODAY)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1456
    record = next(json.loads(line) for line in lines if '"HORIZON-CL4-2027-04-HUMAN-01"' in line)
    assert {k: record[k] for k in ("source", "programme", "status", "grant_min", "grant_max")} == {
        "source": "ft_portal", "programme": "Horizon Europe", "status": "forthcoming",
        "grant_min": 4800000.0, "grant_max": 5600000.0}
    assert record["deadlines"] == [{"date": "2027-03-18", "stage": "single-stage"}]


def test_ctrl_c_stops_the_crawl_keeps_what_it_got_and_starts_no_further_spider(settings, db, recording):
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "CALLMATCH_DATA_DIR": str(settings.data_dir), **TODAY}
    with ReplayServer(recording, faults={"page-3.json": "timeout"}, hang_seconds=10) as server:
        crawl = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "crawl", "ft_portal",
                                  "interreg_bsr", "--base-url", server.search_url, *FAST], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 60
            while not any(r["query"].get("pageNumber") == ["3"] for r in server.requests):
                assert time.monotonic() < deadline and crawl.poll() is None, "the crawl never reached page 3"
                time.sleep(0.2)
            crawl.send_signal(signal.SIGINT)  # Ctrl-C
            output = crawl.communicate(timeout=60)[0]
        finally:
            crawl.kill()
    assert "Received SIGINT, shutting down gracefully" in output
    runs = db.fetchall("SELECT source, status, finished_at FROM crawl_runs")
    assert [r["source"] for r in runs] == ["ft_portal"]  # the spider after it never started
    assert runs[0]["finished_at"] is not None and runs[0]["status"] != "running"
    assert db.scalar("SELECT count(*) FROM calls") > 0  # the pages read before the stop are kept
