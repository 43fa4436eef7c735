"""The Sources page: crawls, their failures, background work and backups."""

import re

from tests.helpers.web import csrf, login
from webapp import create_app


def test_sources_page_shows_runs_and_background_work(pm, seeded):
    from store import runs

    run = runs.start_run(seeded, "ft_portal")
    seeded.execute("UPDATE crawl_runs SET started_at = '2026-06-27 06:05+00' WHERE id = %s", (run,))
    page = pm.get("/sources").get_data(as_text=True)
    assert "Background work" in page and "Recent runs" in page
    # When a source last ran, on the team's clock (Riga's by default) as the schedule's hours are set, whatever
    # zone it was written in.
    assert "<td>27 Jun 2026 09:05 EEST</td>" in page
    # What a user may look for and not find says where it is instead.
    assert "Erasmus+ KA1 and KA2 calls" in page and "run by the national agencies" in page and "viaa.gov.lv" in page
    # Where the team's decisions are kept safe, and how to get them back.
    words = " ".join(page.split())
    assert "The worker backs up the database each day at 05:00 Riga time and keeps the newest 7" in words
    assert "<code>callmatch db restore FILE</code> puts one back" in words


def test_the_sources_page_says_when_the_newest_backup_was_made_and_when_the_daily_one_stopped(app, pm):
    import os
    import time

    def said():
        return " ".join(re.sub(r"<[^>]+>", "", pm.get("/sources").get_data(as_text=True)).split())

    assert "None has been made yet: the worker makes the first at 05:00 Riga time." in said()
    folder = app.extensions["callmatch.settings"].data_dir / "backups"
    folder.mkdir(parents=True)
    daily, by_hand = folder / "daily-2026-06-20.dump", folder / "callmatch-2026-06-27T101500.dump"
    daily.write_bytes(b"x" * 1_500_000)
    by_hand.write_bytes(b"x" * 2_600_000)
    now = time.time()
    os.utime(daily, (now - 5 * 86400, now - 5 * 86400))
    os.utime(by_hand, (now - 60, now - 60))
    words = said()
    assert "The newest: callmatch-2026-06-27T101500.dump, 2.6 MB," in words and "(2 in the folder)" in words
    # One made by hand does not stand for the daily backups, five days old: something stopped them.
    assert "The newest daily backup was made" in words and "more than 2 days ago. Check that the worker runs" in words
    os.utime(daily, (now - 3600, now - 3600))
    assert "The newest daily backup was made" not in said()


def test_the_sources_page_queues_the_daily_crawl_now_once(pm, settings):
    from store.queue import connect_redis, jobs

    token = csrf(pm, "/sources")
    page = pm.post("/sources/crawl", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "A crawl of the daily crawl&#39;s 8 sources is queued; its progress is below." in page
    [job] = jobs(connect_redis(settings.redis_url))
    assert (job["name"], job["state"], job["args"]) == ("crawl", "queued", (list(settings.crawl_spiders),))
    # A second press while it waits queues nothing more.
    page = pm.post("/sources/crawl", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "A crawl is already queued or running; its progress is below." in page
    assert len(jobs(connect_redis(settings.redis_url))) == 1
    assert pm.post("/sources/crawl").status_code == 400  # no CSRF token


def test_the_demos_web_app_offers_no_live_crawl_as_its_worker_runs_none(settings, seeded):
    from cli.demo import demo_settings

    environ = {}
    demo = demo_settings(settings.with_(today=None), environ, 5078)
    # Judged as of the recording's day: a live crawl would mix today's calls into that day's view. Its links
    # lead to the port it serves on.
    assert environ == {"CALLMATCH_TODAY": "2026-06-27", "CALLMATCH_CRAWL_SPIDERS": "none",  # for its processes
                       "CALLMATCH_BASE_URL": "http://127.0.0.1:5078"}
    assert demo.base_url == "http://127.0.0.1:5078"
    named = demo_settings(settings, {"CALLMATCH_BASE_URL": "https://callmatch.sic.lv/"}, 5078)
    assert named.base_url == "https://callmatch.sic.lv"  # unless an address is named
    client = create_app(demo, {"TESTING": True}, database=seeded).test_client()
    assert login(client).status_code == 302
    page = client.get("/sources").get_data(as_text=True)
    assert "The daily crawl is off" in page and "Crawl now" not in page
    off = create_app(demo.with_(daily_backups=0), {"TESTING": True}, database=seeded).test_client()
    login(off)
    assert "Daily backups are off" in off.get("/sources").get_data(as_text=True)
    # Asked for, it is on in both.
    asked = {"CALLMATCH_CRAWL_SPIDERS": "ft_portal,ft_topic_details"}
    assert demo_settings(settings.with_(today=None), asked).crawl_spiders == ("ft_portal", "ft_topic_details")


def test_a_run_that_did_not_complete_says_why_on_the_sources_page(pm, seeded):
    from store import runs
    from tests.helpers.data import run_of_a_killed_process

    runs.start_run(seeded, "ft_portal", "crawl-1")
    runs.start_run(seeded, "ft_portal", "crawl-1")  # the retry closes the first attempt's run
    recent = pm.get("/sources").get_data(as_text=True).split("<h2>Recent runs</h2>")[1]
    assert '<span class="run failed">failed</span><br><small>interrupted: the job stopped' in recent

    killed = run_of_a_killed_process(seeded, "ft_portal")  # a crawl killed by hand: nothing runs after it
    recent = pm.get("/sources").get_data(as_text=True).split("<h2>Recent runs</h2>")[1]
    latest = recent.split('<span class="run ', 1)[1]  # newest first
    assert latest.startswith('failed">failed</span><br><small>interrupted: the process running it stopped')
    assert seeded.scalar("SELECT status FROM crawl_runs WHERE id = %s", (killed,)) == "failed"


def test_the_sources_page_folds_a_runs_errors_after_the_fifth(pm, seeded):
    from store import runs

    run_id = runs.start_run(seeded, "ft_portal")
    runs.finish_run(seeded, run_id, pages=7, seen=7, new=1, updated=0, unchanged=0, dropped=0, drop_reasons={},
                    errors=[{"url": f"https://example.org/{n}", "error": f"HTTP 50{n}"} for n in range(7)],
                    stats={"callmatch/merged": 3, runs.UNNAMED_STAT: 2})
    page = pm.get("/sources").get_data(as_text=True)
    recent = page.split("<h2>Recent runs</h2>")[1]
    assert "<td>1 / 0 / 0 <small>calls</small></td>" in page and "<br><small>counts calls</small>" in recent
    # Copies of a topic: merged, not dropped. Partners without a name: left out, and said so.
    assert ("<td>0<br><small>3 duplicates merged</small><br><small>2 partners without a name left out</small></td>"
            in recent)
    shown, folded = recent.split("<details>")
    assert "HTTP 504" in shown and "HTTP 505" not in shown
    assert "<summary><small>and 2 more</small></summary>" in folded and "HTTP 506" in folded


def test_the_sources_page_folds_runs_that_changed_nothing_into_the_newest(pm, seeded):
    from store import runs
    from store.calls import ensure_source

    def run(source, day, new=0, errors=()):
        ensure_source(seeded, source)
        run_id = runs.start_run(seeded, source)
        runs.finish_run(seeded, run_id, pages=3, seen=5, new=new, updated=0, unchanged=5 - new, dropped=0,
                        drop_reasons={}, errors=list(errors), stats={})
        seeded.execute("UPDATE crawl_runs SET started_at = %s WHERE id = %s", (f"2026-06-{day} 06:00+00", run_id))
        return run_id

    found = run("ft_portal", 10, new=2)
    quiet = [run("ft_portal", day) for day in (11, 12, 13)]
    failing = run("ft_portal", 14, errors=[{"url": "https://example.org/x", "error": "HTTP 503"}])
    latest = [run("ft_portal", day) for day in (15, 16)]
    other = run("cordis", 15)  # another source's quiet run between them breaks no streak
    recent = pm.get("/sources").get_data(as_text=True).split("<h2>Recent runs</h2>")[1]
    shown = [int(cell.split("<")[0]) for cell in recent.split("<tr><td>")[1:]]
    assert shown == [latest[1], other, failing, quiet[2], found]  # newest first
    assert "and 1 earlier run that changed nothing, back to 15 Jun 2026 09:00 EEST" in recent
    assert "and 2 earlier runs that changed nothing, back to 11 Jun 2026 09:00 EEST" in recent
    assert recent.count("changed nothing") == 2  # a run with errors, or one that found calls, stands alone


def test_the_calls_page_warns_while_a_call_sources_latest_crawl_has_failed(pm, seeded):
    from tests.helpers.data import finished_run

    assert "Calls may be missing" not in pm.get("/calls").get_data(as_text=True)
    finished_run(seeded, "interreg_lat_lit", "failed", "2026-06-26", "nothing was stored")
    page = pm.get("/calls").get_data(as_text=True)
    assert "<strong>Calls may be missing or out of date:</strong> the latest crawl of\n  this source failed" in page
    assert "<li>Interreg Latvia-Lithuania on 26 Jun 2026: nothing was stored; no good run yet</li>" in page
    assert "Interreg Latvia-Lithuania on 26 Jun 2026" in pm.get("/settings/digest-preview").get_data(as_text=True)
    finished_run(seeded, "interreg_lat_lit", "ok", "2026-06-27")  # the next day's crawl went well
    assert "Calls may be missing" not in pm.get("/calls").get_data(as_text=True)


def test_sources_page_counts_what_each_source_stored_in_its_own_unit(pm, with_partners):
    import html
    from datetime import date

    from store import calls as call_store
    from store.calls import SOURCES
    from tests.helpers.data import add_call

    add_call(with_partners, "HORIZON-STUB-01", "A topic listed without its description", "")  # a stub
    add_call(with_partners, "HORIZON-STUB-02", "A topic whose details page answered 404", "")
    call_store.mark_details_missing(with_partners, ["HORIZON-STUB-02"], date(2026, 11, 2))
    add_call(with_partners, "EuropeAid/1234/DD/ACT/LV", "A EuropeAid call", "")  # no topic details exist for it
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in pm.get("/sources").get_data(as_text=True).split("<tr>")
            if "</a>" in row}
    calls = with_partners.scalar("SELECT count(*) FROM calls")
    assert f"<td>{calls} calls</td>" in rows["EU Funding &amp; Tenders Portal"]
    # The topic details complete the portal's calls rather than storing their own.
    details = rows["EU Funding &amp; Tenders Portal: topic details"]
    assert (f"<td>{calls - 3} portal calls with details, 2 stubs to complete"
            " (1 with no details page when last asked, asked again weekly)</td>") in details
    assert "<td>1 project</td>" in rows["CORDIS bulk data"]
    # A source never run is listed too, with how to run it.
    assert "never" in rows["Interreg Baltic Sea Region"] and "<code>callmatch crawl interreg_bsr</code>" in rows[
        "Interreg Baltic Sea Region"]
    assert {html.escape(title) for _, title, _ in SOURCES.values()} <= rows.keys()
