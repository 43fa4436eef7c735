"""The Pipeline page: decisions by state, the register, the calendar, who writes what, and what the team did lately."""

import re
from datetime import date
from html import unescape

from tests.helpers.data import DECIDER
from tests.helpers.web import csrf, decide, login, on_day


def test_pipeline_groups_calls_by_decision(pm, seeded):
    from store import decisions

    empty = pm.get("/pipeline").get_data(as_text=True)
    assert "No open call is marked bid or maybe yet" in empty and "by month</figcaption>" not in empty
    decide(pm, state="maybe", reason="Good partners available")
    page = pm.get("/pipeline").get_data(as_text=True)
    maybe_column = page[page.index("<h2>Maybe"):page.index("<h2>No bid")]
    assert "Social innovation and civic participation" in maybe_column
    assert '<a href="/calls/CERV-SOCIAL-01#consortium">no partners yet</a>' in maybe_column
    assert "by month</figcaption>" in page and "No open call is marked" not in page
    decide(pm, state="bid")
    assert "· waiting for approval" in pm.get("/pipeline").get_data(as_text=True)
    decisions.approve(seeded, seeded.scalar("SELECT id FROM decisions"), DECIDER, approved=False)
    rejected = pm.get("/pipeline").get_data(as_text=True)  # not written: its deadline leaves the chart
    assert "by month</figcaption>" not in rejected and "No open call is marked bid or maybe yet (rejected bids are left out)" in rejected
    decide(pm, state="no_bid", reason="Too small")
    assert "#consortium" not in pm.get("/pipeline").get_data(as_text=True)  # no consortium to build for a no bid
    seeded.execute("UPDATE calls SET unlisted_since = '2026-06-20' WHERE identifier = 'CERV-SOCIAL-01'")
    assert "No longer listed by the portal since 20 Jun 2026" in pm.get("/pipeline").get_data(as_text=True)


def test_the_board_folds_what_is_no_longer_in_hand_under_its_column(app, pm, seeded):
    from store import decisions
    from tests.helpers.data import add_call

    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    for identifier, deadline in (("CERV-WON-01", "2026-03-01"), ("CERV-SENT-01", "2026-05-01"),
                                 ("CERV-NO-OLD", "2026-02-01"), ("CERV-NO-OPEN", "2026-11-01")):
        add_call(seeded, identifier, f"Call {identifier}", "Civic participation.", deadline=deadline)
    ids = {r["identifier"]: r["id"] for r in seeded.fetchall("SELECT id, identifier FROM calls")}
    for identifier in ("CERV-WON-01", "CERV-SENT-01"):
        bid = decisions.decide(seeded, profile_id, ids[identifier], "bid", "Strong strategic fit", "", DECIDER)["id"]
        decisions.set_outcome(seeded, bid, "won" if identifier == "CERV-WON-01" else "submitted", DECIDER)
    for identifier in ("CERV-NO-OLD", "CERV-NO-OPEN"):
        decisions.decide(seeded, profile_id, ids[identifier], "no_bid", "Too small", "", DECIDER)
    add_call(seeded, "CERV-MAYBE-OLD", "A maybe left as it was", "Civic participation.", deadline="2026-04-01")
    maybe_old = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-MAYBE-OLD'")
    decisions.decide(seeded, profile_id, maybe_old, "maybe", "Good partners available", "", DECIDER)

    def column(page, heading, following):
        return page[page.index(f"<h2>{heading}"):page.index(f"<h2>{following}")]

    page = pm.get("/pipeline").get_data(as_text=True)
    bids, no_bids = column(page, "Bid", "Maybe"), page[page.index("<h2>No bid"):page.index('id="results"')]
    # A bid awaiting its result stays a card; one won folds, with how it ended; the register keeps both.
    assert '<h2>Bid <small>1</small>' in bids and '<article class="card"><a href="/calls/CERV-SENT-01">' in bids
    assert '<summary>1 ended or rejected</summary>' in bids and "(CERV-WON-01; won; closed)" in bids
    assert 'article class="card"><a href="/calls/CERV-WON-01"' not in bids
    # A no bid on a call still open stays, to change one's mind; one on a closed call folds.
    assert '<h2>No bid <small>1</small>' in no_bids and '<summary>1 on calls now closed</summary>' in no_bids
    assert '<a href="/calls/CERV-NO-OPEN">' in no_bids.split("<details")[0] and "(CERV-NO-OLD; closed)" in no_bids
    assert {"CERV-WON-01", "CERV-SENT-01", "CERV-NO-OLD", "CERV-NO-OPEN"} <= set(re.findall(
        r"^(CERV-[A-Z0-9-]+),", pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"), re.MULTILINE))
    # A maybe nobody turned into a bid before its call closed folds too.
    maybes = column(page, "Maybe", "No bid")
    assert '<h2>Maybe <small>0</small>' in maybes and "None in hand now." in maybes
    assert '<summary>1 on calls now closed</summary>' in maybes and "(CERV-MAYBE-OLD; closed)" in maybes
    # With nothing left in hand in a column, it says so rather than "nothing here yet".
    seeded.execute("DELETE FROM decisions WHERE call_id = %s", (ids["CERV-SENT-01"],))
    assert "None in hand now." in column(pm.get("/pipeline").get_data(as_text=True), "Bid", "Maybe")


def test_pipeline_counts_the_fitting_calls_nobody_has_decided_on(pm, seeded):
    from store import decisions

    # Two calls pass the screening (the small one does not): both wait for a decision.
    page = pm.get("/pipeline").get_data(as_text=True)
    assert "2 calls among the 50 best-ranked pass the\n  screening with no decision yet." in page
    assert '<a href="/calls?decision=none">Decide on them</a>' in page
    decide(pm, state="no_bid", reason="Weak fit with our mission")  # CERV-SOCIAL-01
    assert "1 call among the 50 best-ranked passes the" in pm.get("/pipeline").get_data(as_text=True)
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    decisions.decide(seeded, profile_id, fusion, "maybe", "Good partners available", "", DECIDER)
    assert "no decision yet" not in pm.get("/pipeline").get_data(as_text=True)


def test_pipeline_shows_where_the_ranking_put_decided_and_won_calls(app, pm, seeded):
    from store import decisions

    assert "How the ranking agrees" not in pm.get("/pipeline").get_data(as_text=True)  # nothing decided yet
    decide(pm)
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    with on_day(app, date(2027, 2, 1)):  # months after its deadline
        pm.post(f"/decisions/{seeded.scalar('SELECT id FROM decisions')}/outcome", data={"outcome": "won", "csrf_token": token})
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    decisions.decide(seeded, profile_id, fusion, "no_bid", "Weak fit with our mission", "", DECIDER)
    ranks = {r["identifier"]: r["rank"] for r in seeded.fetchall(
        "SELECT c.identifier, m.rank FROM match_results m JOIN calls c ON c.id = m.call_id")}
    page = pm.get("/pipeline").get_data(as_text=True)
    table = page[page.index("How the ranking agrees"):]
    social, fusion_rank = ranks["CERV-SOCIAL-01"], ranks["HORIZON-FUSION-01"]
    assert f"<td>Bid</td><td>1</td><td>{social}</td><td>1</td>" in table
    assert f"<td>No bid</td><td>1</td><td>{fusion_rank}</td><td>1</td>" in table
    assert f"<td>Won</td><td>1</td><td>{social}</td>" in table and "<td>Lost</td>" not in table and "<td>Maybe</td>" not in table
    # And how often the bids that ended were won (the no-bid had none to end).
    assert "Our record: 1 of 1 bid with a result won (100%); by programme" in " ".join(table.split())


def test_the_decisions_register_downloads_every_decision_with_its_reason_approval_and_outcome(app, pm, seeded):
    import csv
    import io

    from store import decisions
    from store.calls import ensure_source
    from store.consortium import add_members, set_coordinator
    from store.partners import upsert_project

    def register(client):
        response = client.get("/pipeline/decisions.csv")
        assert response.mimetype == "text/csv" and response.get_data().startswith(b"\xef\xbb\xbfidentifier,title")
        return {r["identifier"]: r for r in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))}

    assert register(pm) == {}  # nothing decided yet: the header alone
    assert 'href="/pipeline/decisions.csv"' in pm.get("/pipeline").get_data(as_text=True)
    decide(pm, note="=1+1 (a note, not a formula)")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    boss.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "csrf_token": csrf(boss, "/pipeline")})
    with on_day(app, date(2027, 2, 1)):
        pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "won", "csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01")})
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    small = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SMALL-01'")
    decisions.decide(seeded, profile_id, small, "maybe", "Good partners available", "Two calls in one", DECIDER)
    # With whom: the consortium as it stands, in the order its partners were added.
    ensure_source(seeded, "keep_eu")
    upsert_project(seeded, {"source": "keep_eu", "source_id": "1", "participants": [
        {"source_id": name, "name": name, "country": country, "role": "partner"}
        for name, country in (("Tartu Hub", "EE"), ("=Formula Works", None))]})
    social = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SOCIAL-01'")
    for name in ("=Formula Works", "Tartu Hub"):
        add_members(seeded, profile_id, social, [seeded.scalar("SELECT id FROM organisations WHERE name = %s", (name,))],
                    None)

    rows = register(pm)
    won = rows["CERV-SOCIAL-01"]
    assert (won["decision"], won["reason"], won["note"]) == ("Bid", "Strong strategic fit", "'=1+1 (a note, not a formula)")
    assert (won["decided by"], won["approval"], won["approved by"], won["outcome"]) == (
        "pm@sic.lv", "approved", "boss@sic.lv", "won")
    assert won["next deadline"] == "2026-10-01" and won["rank"].isdigit() and won["overrides the screening"] == ""
    assert won["consortium partners"] == "'=Formula Works; Tartu Hub (EE)"  # as text: a name is not a formula
    tartu = seeded.scalar("SELECT id FROM organisations WHERE name = 'Tartu Hub'")
    set_coordinator(seeded, profile_id, social, tartu, None)  # the coordinator comes first, and says so
    assert register(pm)["CERV-SOCIAL-01"]["consortium partners"] == "Tartu Hub (EE, coordinator); =Formula Works"
    assert won["call page"] == "http://127.0.0.1:5000/calls/CERV-SOCIAL-01"
    assert won["source page"] == "https://example.org/CERV-SOCIAL-01"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", won["last changed (Europe/Riga)"])  # the team's clock
    # A maybe commits no time, so it needs no approval; this one went against the screening (too small).
    maybe = rows["CERV-SMALL-01"]
    assert (maybe["decision"], maybe["note"], maybe["approval"], maybe["outcome"], maybe["consortium partners"]) == (
        "Maybe", "Two calls in one", "", "", "")
    assert maybe["overrides the screening"].startswith("size: ")


def test_calendar_feed_has_deadlines_of_bid_and_maybe_calls(pm, seeded):
    decide(pm)
    body = pm.get("/calendar.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "DTSTART;VALUE=DATE:20261001" in body and "CERV-SOCIAL-01" in body
    unfolded = body.replace("\r\n ", "")
    assert "\\nhttp://127.0.0.1:5000/calls/CERV-SOCIAL-01\r\n" in unfolded  # back to the call's page here
    seeded.execute("UPDATE calls SET unlisted_since = '2026-06-20' WHERE identifier = 'CERV-SOCIAL-01'")
    withdrawn = pm.get("/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "SUMMARY:[bid] CERV-SOCIAL-01 (single-stage) - no longer listed by the portal\r\n" in withdrawn
    # A line break in a crawled title stays inside its value: it cannot start a line of the feed.
    seeded.execute("UPDATE calls SET title = 'Civic participation\rEND:VCALENDAR' WHERE identifier = 'CERV-SOCIAL-01'")
    lines = pm.get("/calendar.ics").get_data(as_text=True).split("\r\n")
    assert "DESCRIPTION:Civic participation\\nEND:VCALENDAR\\nhttp" in pm.get("/calendar.ics").get_data(as_text=True)
    assert lines.count("END:VCALENDAR") == 1
    # A long title is folded into lines of at most 75 octets (RFC 5545), never inside a character.
    title = "Sociālā inovācija un pilsoniskā līdzdalība Latvijas pašvaldībās " * 4
    seeded.execute("UPDATE calls SET title = %s WHERE identifier = 'CERV-SOCIAL-01'", (title.strip(),))
    feed = pm.get("/calendar.ics").get_data()
    assert max(len(line) for line in feed.split(b"\r\n")) <= 75
    unfolded = feed.decode("utf-8").replace("\r\n ", "").split("\r\n")
    assert f"DESCRIPTION:{title.strip()}\\nhttp://127.0.0.1:5000/calls/CERV-SOCIAL-01" in unfolded


def test_the_calendar_holds_the_day_a_bids_results_are_due_until_its_result_is_recorded(pm, seeded):
    from store import decisions

    decide(pm)  # a bid on CERV-SOCIAL-01, due 01 Oct 2026: a portal call, so its results are due 6 months on
    body = pm.get("/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
    sic = seeded.scalar("SELECT min(id) FROM profiles")
    event = body[body.index(f"UID:results-CERV-SOCIAL-01-p{sic}@callmatch"):].split("END:VEVENT")[0].split("\r\n")
    assert "DTSTART;VALUE=DATE:20270401" in event and "SUMMARY:Results due: CERV-SOCIAL-01" in event
    assert ("DESCRIPTION:Social innovation and civic participation of young people\\nThe EU Financial Regulation"
            " gives the Commission 6 months from the deadline to tell applicants.\\n"
            "http://127.0.0.1:5000/calls/CERV-SOCIAL-01#outcome") in event
    decision_id = seeded.scalar("SELECT id FROM decisions")
    decisions.set_outcome(seeded, decision_id, "submitted", DECIDER)  # sent: still awaited
    assert f"UID:results-CERV-SOCIAL-01-p{sic}@callmatch" in pm.get("/calendar.ics").get_data(as_text=True)
    decisions.set_outcome(seeded, decision_id, "won", DECIDER)  # heard: the day is past use
    assert "UID:results-" not in pm.get("/calendar.ics").get_data(as_text=True)


def test_a_bid_leadership_rejected_leaves_the_calendar(app, pm, seeded):
    decide(pm)
    assert "CERV-SOCIAL-01" in pm.get("/calendar.ics").get_data(as_text=True)
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    token = csrf(boss, "/calls/CERV-SOCIAL-01")
    boss.post(f"/decisions/{decision_id}/approval", data={"approve": "0", "csrf_token": token})
    assert seeded.scalar("SELECT approval FROM decisions") == "rejected"
    assert "BEGIN:VEVENT" not in pm.get("/calendar.ics").get_data(as_text=True)  # it is not written
    decide(pm, state="maybe", reason="Good partners available")  # the team keeps it in mind after all
    assert "[maybe] CERV-SOCIAL-01" in pm.get("/calendar.ics").get_data(as_text=True)


def test_a_bid_that_ended_is_no_application_to_write(pm, seeded):
    from store import decisions

    decide(pm)  # a bid on CERV-SOCIAL-01, due 01 Oct 2026
    decision_id = seeded.scalar("SELECT id FROM decisions")

    def writing():
        page = pm.get("/pipeline").get_data(as_text=True)
        return page[page.index('id="who-writes-what"'):page.index("</section>", page.index('id="who-writes-what"'))]

    decisions.set_outcome(seeded, decision_id, "submitted", DECIDER)  # sent: a later stage may still be written
    assert "[bid] CERV-SOCIAL-01" in pm.get("/calendar.ics").get_data(as_text=True)
    assert "Social innovation and civic participation" in writing()
    # Withdrawn (not sent), its deadline is no longer one to write for: not in the calendar, nor on anyone's desk.
    decisions.set_outcome(seeded, decision_id, "withdrawn", DECIDER)
    assert "[bid] CERV-SOCIAL-01" not in pm.get("/calendar.ics").get_data(as_text=True)
    assert "No bid or maybe has a deadline ahead." in writing()


def test_a_calendar_application_subscribes_to_a_private_address_without_signing_in(app, pm, seeded):
    import html

    decide(pm)
    page = pm.get("/pipeline").get_data(as_text=True)
    feed = html.unescape(re.search(r'<input readonly value="([^"]+)" aria-label="Private calendar address"', page)[1])
    assert feed.startswith("http://127.0.0.1:5000/calendar/")  # the app's base address: for outside the browser
    path = feed.removeprefix("http://127.0.0.1:5000")
    calendar_app = app.test_client()  # no session, as Outlook or Google Calendar fetching it
    response = calendar_app.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in response.get_data(as_text=True) and "CERV-SOCIAL-01" in response.get_data(as_text=True)
    # A forged or altered address finds nothing, and asks for no sign-in either.
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    for bad in ("/calendar/nonsense.ics", f"/calendar/{token[:-2]}xy.ics"):
        assert calendar_app.get(bad).status_code == 404, bad
    # Deactivation turns the address off, and a new password does for good, as it signs out old sessions.
    seeded.execute("UPDATE users SET active = false WHERE email = 'pm@sic.lv'")
    assert calendar_app.get(path).status_code == 404
    seeded.execute("UPDATE users SET active = true WHERE email = 'pm@sic.lv'")
    assert calendar_app.get(path).status_code == 200
    seeded.execute("UPDATE users SET password_hash = 'changed' WHERE email = 'pm@sic.lv'")
    assert calendar_app.get(path).status_code == 404


def test_a_subscribed_calendar_keeps_the_profile_it_was_subscribed_to(app, pm, seeded):
    from store import profiles

    decide(pm)  # a bid on CERV-SOCIAL-01 for SIC's profile
    sic = seeded.scalar("SELECT min(id) FROM profiles")
    sic_name = profiles.get_profile(seeded, sic)["name"]

    def feed_address():
        page = pm.get("/pipeline").get_data(as_text=True)
        found = re.search(r'<input readonly value="([^"]+)" aria-label="Private calendar address"', page)
        return unescape(found[1]).removeprefix("http://127.0.0.1:5000"), page

    sic_feed, page = feed_address()
    assert "it holds the deadlines of the profile" not in page  # one profile: nothing to tell apart
    trial = profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "Interreg trial"})
    sic_feed, page = feed_address()
    assert f"it holds the deadlines of the profile {sic_name}, whichever profile you work on later" in " ".join(
        page.split())
    token = csrf(pm, "/pipeline")
    pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": str(trial)})
    trial_feed, _ = feed_address()
    calendar_app = app.test_client()  # no session, as a calendar application
    sic_calendar = calendar_app.get(sic_feed).get_data(as_text=True).replace("\r\n ", "")
    trial_calendar = calendar_app.get(trial_feed).get_data(as_text=True).replace("\r\n ", "")
    # SIC's address still holds SIC's bid, with the user now on the trial profile; the trial's has none.
    assert f"X-WR-CALNAME:Call deadlines: {sic_name}" in sic_calendar and "[bid] CERV-SOCIAL-01" in sic_calendar
    assert f"UID:CERV-SOCIAL-01-0-p{sic}@callmatch" in sic_calendar
    assert "X-WR-CALNAME:Call deadlines: Interreg trial" in trial_calendar and "CERV-SOCIAL-01" not in trial_calendar
    # An address made before addresses named a profile follows the profile its reader works on.
    from store.users import get_user, session_stamp
    from webapp.calendar import _feed_signer

    with app.app_context():
        user = get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"))
        older = f"/calendar/{_feed_signer().dumps([user['id'], session_stamp(user)])}.ics"
    assert "Call deadlines: Interreg trial" in calendar_app.get(older).get_data(as_text=True)
    # An address of a profile since deleted finds nothing.
    profiles.delete_profile(seeded, trial)
    assert calendar_app.get(trial_feed).status_code == 404 and calendar_app.get(sic_feed).status_code == 200


def test_the_pipeline_lists_what_the_team_did_lately(pm, app):
    assert "Nothing in the last 30 days." in pm.get("/pipeline").get_data(as_text=True)
    decide(pm)
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "Who <b>asks</b> the university?"})
    page = pm.get("/pipeline").get_data(as_text=True)
    lately = page[page.index('id="lately"'):page.index("</section>", page.index('id="lately"'))]
    title = "Social innovation and civic participation of young people"
    comment = re.search(r'href="/calls/CERV-SOCIAL-01#(comment-\d+)">' + title, lately)
    assert comment and "commented: “Who &lt;b&gt;asks&lt;/b&gt; the university?”" in lately
    assert lately.index(comment.group(1)) < lately.index("decided bid: Strong strategic fit (“Good fit”)")
    assert f'href="/calls/CERV-SOCIAL-01#decision">{title}</a>' in lately and "pm@sic.lv" in lately
    assert "mentions you" not in lately
    # A colleague's comment that mentions the reader says so.
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    boss.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01"),
                                                      "body": "@pm, ask them by Friday"})
    # The header says there is news since the last look at the Pipeline; the list marks it, once.
    elsewhere = pm.get("/calls").get_data(as_text=True)
    assert '<span class="count news" title="what colleagues did since you last looked at the Pipeline">1 new</span>' \
        in elsewhere
    page = pm.get("/pipeline").get_data(as_text=True)
    assert "commented: “@pm, ask them by Friday” <strong class=\"mention\">mentions you</strong></li>" in page
    lately = page[page.index('id="lately"'):page.index("</section>", page.index('id="lately"'))]
    assert lately.count('<li class="new"><span class="badge">new</span>') == 1
    assert '<p class="summary news"><a href="#lately">1 new in Lately</a>' in page  # where to look, atop the page
    assert re.search(r'<li class="new"><span class="badge">new</span> [^<]*boss@sic.lv', lately)
    assert 'class="count news"' not in pm.get("/calls").get_data(as_text=True)
    assert 'class="new"' not in pm.get("/pipeline").get_data(as_text=True)
    # Boss never looked: everything pm did in the last 30 days is news to him.
    assert re.search(r'class="count news"[^>]*>\d+ new</span>', boss.get("/calls").get_data(as_text=True))
    # A busy month lists the latest 40, and the whole month on request.
    for n in range(40):
        boss.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01"),
                                                          "body": f"Note {n}"})
    page = pm.get("/pipeline").get_data(as_text=True)
    assert page.count('<li class="new">') == 40 and "commented: “Who &lt;b&gt;asks" not in page
    link = re.search(r'<a href="(/pipeline\?lately=all&amp;new_since=[^"#]+#lately)">40 or more new in Lately</a>',
                     page)
    assert link and f'The latest 40: <a href="{link.group(1)}">show all of the last 30 days</a>.' in page
    # The whole month marks what the page before called new (its look was noted already): the 40 notes.
    whole = pm.get(unescape(link.group(1))).get_data(as_text=True)
    assert whole.count("commented: “Note ") == 40 and "commented: “Who &lt;b&gt;asks" in whole
    assert "The latest 40" not in whole and whole.count('<li class="new">') == 40
    assert 'class="new"' not in pm.get("/pipeline?lately=all").get_data(as_text=True)
    for mangled in ("yesterday", "2026-12-01T10:00:00"):  # a link spoilt on its way: no harm done
        assert pm.get(f"/pipeline?lately=all&new_since={mangled}").status_code == 200
