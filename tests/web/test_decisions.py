"""Deciding on a call: bid, maybe or no bid, the assessment, leadership's approval, who writes it, its steps and outcome."""

import re
from html import unescape
from datetime import date
from decimal import Decimal

from store import profiles
from store.users import create_user
from tests.helpers.data import DECIDER, add_call
from tests.helpers.web import EVIL, PASSWORD, RATED, RATED_LINE, assess, csrf, decide, login, on_day, opened, sent_back


def test_a_managers_bid_waits_for_leadership_approval(pm, seeded):
    assert decide(pm).status_code == 302
    row = seeded.fetchone("SELECT * FROM decisions")
    assert (row["state"], row["approval"]) == ("bid", "pending")


def test_an_overlong_decision_note_is_refused_with_its_length_and_nothing_is_recorded(pm, seeded):
    assert 'maxlength="2000"' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    response = decide(pm, note="x" * 2001)
    assert response.status_code == 400
    assert "A note can be at most 2,000 characters; this one has 2,001." in response.get_data(as_text=True)
    assert seeded.fetchone("SELECT * FROM decisions") is None
    assert "x" * 2001 + "</textarea>" in response.get_data(as_text=True)  # the form keeps what was written
    # The browser counts a line break as one character and sends it as two.
    lines = "\r\n".join(["y" * 99] * 20)
    assert decide(pm, note=lines).status_code == 302
    assert seeded.scalar("SELECT note FROM decisions") == lines.replace("\r\n", "\n")


def test_a_bid_on_a_call_that_failed_the_screening_says_why_and_leadership_sees_the_override(app, pm, seeded):
    from datetime import datetime, timezone

    from store import digests, users
    from worker.digest import render

    small = "/calls/CERV-SMALL-01"  # €60 k, below SIC's minimum
    gate = seeded.scalar("""SELECT g->>'reason' FROM match_results m JOIN calls c ON c.id = m.call_id,
                            jsonb_array_elements(m.gates) g WHERE c.identifier = 'CERV-SMALL-01' AND g->>'gate' = 'size'""")
    assert "This call failed the screening. A bid or maybe on it overrides that" in pm.get(small).get_data(as_text=True)
    assert "overrides that" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # it passed

    token = csrf(pm, small)
    refused = pm.post(f"{small}/decision", data={"state": "bid", "reason": "Consortium invited us", "note": "",
                                                 "csrf_token": token})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and seeded.fetchone("SELECT * FROM decisions") is None
    assert f"This call failed the screening (size: {gate}). A bid on it overrides that: say why in the note." in page
    assert 'value="bid" required checked' in page and "<option selected>Consortium invited us</option>" in page

    why = "The coordinator pays our staff from its own budget"
    assert pm.post(f"{small}/decision", data={"state": "bid", "reason": "Consortium invited us", "note": why,
                                              "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT overrides FROM decisions") == [{"gate": "size", "reason": gate}]
    page = pm.get(small).get_data(as_text=True)
    assert f'<span class="badge fail">overrides the screening</span> size: {gate}</p>' in page
    assert f"overrides the screening (size: {gate})" in page[page.index('<ol class="history">'):]

    boss = app.test_client()
    login(boss, "boss@sic.lv")
    waiting = boss.get("/pipeline").get_data(as_text=True)
    waiting = waiting[waiting.index("Bids waiting for your approval"):waiting.index("</section>")]
    assert "overrides the screening</span> <small>size: " in waiting and why in waiting
    board = pm.get("/pipeline").get_data(as_text=True)
    board = board[board.index('class="board"'):]
    assert f'<span class="badge fail" title="size: {gate}">overrides the screening</span>' in board
    boss_user = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'"))
    held = digests.content(seeded, boss_user, datetime(2020, 1, 1, tzinfo=timezone.utc), date(2026, 6, 27))
    _, text, html = render(boss_user, held, app.extensions["callmatch.settings"])
    assert f"overrides the screening: size: {gate}" in text and f"overrides the screening: size: {gate}" in html

    # No bid overrides nothing: the mark goes, and the history says so.
    assert pm.post(f"{small}/decision", data={"state": "no_bid", "reason": "Too small", "note": "",
                                              "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT overrides FROM decisions") == []
    page = pm.get(small).get_data(as_text=True)
    assert "no longer overrides the screening" in page and "badge fail\">overrides" not in page


def test_a_call_without_a_published_deadline_is_not_said_to_have_passed(pm, seeded):
    from store import decisions

    add_call(seeded, "EUROPEAID-NODATE-01", "Local civil society support", "Civil society.")
    add_call(seeded, "GONE-01", "A call whose deadline passed", "Civil society.", deadline="2026-01-15")
    seeded.execute("UPDATE calls SET deadlines = '[]' WHERE identifier = 'EUROPEAID-NODATE-01'")
    profile_id = profiles.ensure_default_profile(seeded)
    for identifier in ("EUROPEAID-NODATE-01", "GONE-01"):
        call_id = seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,))
        decisions.decide(seeded, profile_id, call_id, "maybe", "Good partners available", "", DECIDER)
    board = pm.get("/pipeline").get_data(as_text=True)
    undated = board[board.index("Local civil society support"):].split("</article>")[0]
    gone = board[board.index("A call whose deadline passed"):].split("</article>")[0]
    assert "no deadline published" in undated and "passed" not in undated
    assert "deadline passed" in gone
    listed = pm.get("/calls?screened=1&q=civil").get_data(as_text=True)
    row = listed[listed.index("EUROPEAID-NODATE-01"):].split("</tr>")[0]
    assert "<small>none published</small>" in row


def test_decisions_past_the_minimum_queue_re_weighing_the_signals(pm, seeded, settings):
    import numpy as np

    from store.queue import connect_redis, jobs
    from tests.helpers.data import decided

    decided(seeded, 4, 4, np.random.default_rng(1))
    page = decide(pm, follow_redirects=True).get_data(as_text=True)
    assert "Decision recorded." in page and "re-weighed" not in page
    assert jobs(connect_redis(settings.redis_url)) == []

    decided(seeded, 14, 14, np.random.default_rng(2))
    page = decide(pm, state="no_bid", reason="Weak fit with our mission", follow_redirects=True).get_data(as_text=True)
    assert "The signals are being re-weighed from your decisions in the background." in page
    [job] = jobs(connect_redis(settings.redis_url))
    assert (job["name"], job["state"], job["args"]) == ("learn_from_decisions", "queued", (seeded.scalar("SELECT min(id) FROM profiles"),))


def test_a_decision_below_the_minimum_still_queues_re_weighing_when_learned_weights_are_in_use(pm, seeded, settings):
    import numpy as np

    from store import profiles
    from store.queue import connect_redis, jobs
    from tests.helpers.data import decided

    profile_id = decided(seeded, 4, 4, np.random.default_rng(1))
    profiles.set_weights(seeded, profile_id, {"signals": {"semantic": 2.0}, "cv_auc": 0.8, "decisions": 28})
    page = decide(pm, follow_redirects=True).get_data(as_text=True)
    assert "The signals are being re-weighed from your decisions in the background." in page
    [job] = jobs(connect_redis(settings.redis_url))
    assert (job["name"], job["args"]) == ("learn_from_decisions", (profile_id,))


def test_leadership_approves_and_the_history_keeps_every_change(app, pm, seeded):
    decide(pm)
    decide(pm, state="maybe", reason="Good partners available")
    decide(pm, state="bid")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    assert "Approve bid" in boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    token = csrf(boss, "/calls/CERV-SOCIAL-01")
    assert boss.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"
    assert seeded.scalar("SELECT count(*) FROM decision_events") == 4
    page = boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Bid approved; pm@sic.lv is emailed now." in page  # whoever asked for it hears at once
    assert "state Maybe → Bid" in page and "approval waiting for approval → approved" in page
    assert "approval not needed → waiting for approval" in page  # in words, as the page says them elsewhere
    first = page[page.index('<ol class="history">'):].split("</li>")[0]
    # In the form's order, a first value alone: "state No bid", not "note — → …, state — → No bid".
    assert first.endswith("pm@sic.lv: state Bid, reason Strong strategic fit, note “Good fit”, approval waiting for approval")


def test_a_decision_event_reads_in_the_form_s_order_and_words():
    from webapp.calls import history_changes

    change = {"note": ["", "Ask the Riga lab"], "state": [None, "no_bid"], "reason": [None, "Too small"],
              "approval": [None, "not_needed"]}
    assert history_changes(change) == ["state No bid", "reason Too small", "note “Ask the Riga lab”",
                                       "approval not needed"]
    assert history_changes({"note": ["Ask the lab", ""], "outcome": [None, "won"]}) == [
        "note “Ask the lab” → —", "outcome won"]
    # An evaluation: its score, and whether the evaluators' comments came, changed or went; after the outcome.
    report = {"score": "9", "out_of": "15", "threshold": "10", "funded_from": None, "comments": "Weak impact."}
    assert history_changes({"evaluation": [None, report], "outcome": ["submitted", "lost"]}) == [
        "outcome submitted → lost", "evaluation scored 9 of 15: below the threshold of 10; the evaluators' comments added"]
    assert history_changes({"evaluation": [report, {**report, "comments": "Weak impact and plan."}]}) == [
        "evaluation scored 9 of 15: below the threshold of 10; the evaluators' comments changed"]
    assert history_changes({"evaluation": [report, {**report, "score": None, "comments": ""}]}) == [
        "evaluation score taken out; the evaluators' comments taken out"]
    assert history_changes({"evaluation": [report, None]}) == ["evaluation taken back"]


def test_the_decision_form_rates_what_weighs_beside_what_the_app_knows_of_each(app, pm, seeded):
    rank = seeded.scalar("SELECT m.rank FROM match_results m JOIN calls c ON c.id = m.call_id"
                         " WHERE c.identifier = 'CERV-SOCIAL-01'")
    form = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    form = form[form.index('<fieldset class="assessment">'):form.index("</fieldset>", form.index('class="assessment"'))]
    # Each question with the facts: the ranking and gates, the grant against the minimum, the deadline and
    # the team's other bids, the consortium so far.
    assert f"Ranked {rank} for Social Innovation Centre (SIC); passes every screening gate." in form
    assert "Grants up to €500 k; our smallest project worth bidding for is €200 k." in form
    assert "96 days left before 01 Oct 2026; no other call marked bid or maybe is due within 14 days of it." in form
    assert "No partners yet." in form
    assert form.count('value="" aria-label=') == 5 and form.count('" checked>') == 5  # nothing rated yet
    assert 'aria-label="Chance of winning: 5 of 5"' in form

    half = assess(pm, {**RATED, "capacity": "", "partners": ""})  # some rated, some not: refused, kept
    page = half.get_data(as_text=True)
    assert half.status_code == 400 and seeded.fetchone("SELECT * FROM decisions") is None
    assert "Rate every question of the assessment, or none: our capacity, partners available are not rated" in page
    assert 'aria-label="Chance of winning: 2 of 5" checked' in page

    assert assess(pm, RATED).status_code == 302
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f"Assessment: <strong>{RATED_LINE}</strong>." in page
    assert f"assessment {RATED_LINE}" in page[page.index('<ol class="history">'):]
    assert 'aria-label="Strategic fit: 5 of 5" checked' in page  # the form opens on what is recorded

    # Leadership sees it beside the bid it approves, on the pipeline and in its digest.
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    waiting = boss.get("/pipeline").get_data(as_text=True)
    assert f"Assessment {RATED_LINE}" in waiting[waiting.index("Bids waiting for your approval"):]
    from datetime import datetime, timezone

    from store import digests, users
    from worker.digest import render

    leader = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'"))
    held = digests.content(seeded, leader, datetime(2020, 1, 1, tzinfo=timezone.utc), date(2026, 6, 27))
    _, text, html = render(leader, held, app.extensions["callmatch.settings"])
    assert f"assessed {RATED_LINE}" in text and f"assessed {RATED_LINE}" in html


def test_each_assessment_question_shows_the_facts_the_app_holds_for_it():
    from webapp.calls import assessment_evidence

    call = {"rank": 1234, "programme": "Horizon Europe (HORIZON)", "expected_grants": 3, "funding_rate": 70,
            "gates": [{"gate": "deadline", "passed": False, "reason": "Only 9 days left before 01 Oct 2026"},
                      {"gate": "size", "passed": True, "reason": "Grants up to €4.0 M"}]}
    applicant = {"name": "SIC", "min_project_size": 200000}
    members = [{"projects": 12, "status": "confirmed"}, {"projects": None, "status": "asked"}]
    said = assessment_evidence(call, applicant, [{"identifier": "X"}, {"identifier": "Y"}], members, 1, [7])
    assert said["fit"] == "Ranked 1,234 for SIC; fails the screening: deadline: Only 9 days left before 01 Oct 2026."
    assert said["win"] == ("About 12% of Horizon Europe proposals are funded; 3 grants expected; the partners so far"
                           " have 12 projects in the partner data between them.")
    assert said["value"] == "Grants up to €4.0 M; our smallest project worth bidding for is €200 k; it funds 70% of eligible costs."
    assert said["capacity"] == ("Only 9 days left before 01 Oct 2026; 2 other calls marked bid or maybe due within 14"
                                " days of it.")
    assert said["partners"] == "2 partners in the consortium, 1 confirmed; 1 organisation declined."
    # Whoever writes it, and how many of the others due near it they write too.
    others = [{"identifier": "X", "lead": "anna@sic.lv"}, {"identifier": "Y", "lead": None}]
    assert assessment_evidence(call, applicant, others, members, 1, [7], "anna@sic.lv")["capacity"].endswith(
        "14 days of it; anna@sic.lv writes it and 1 of those.")
    assert assessment_evidence(call, applicant, others, members, 1, [7], "pm@sic.lv")["capacity"].endswith(
        "14 days of it; pm@sic.lv writes it.")
    # Nothing known, nothing said: a call not ranked yet, of another programme, without gates or partners.
    bare = assessment_evidence({"programme": "CERV"}, {"name": "SIC"}, [], [], 0, [])
    assert bare["fit"] == "Not ranked yet." and bare["win"] == bare["value"] == ""
    # How the team's bids in the programme ended, beside the share it funds.
    assert assessment_evidence(call, applicant, [], [], 0, [], programme_record="1 of 3 bids with a result won (33%)")[
        "win"].startswith("About 12% of Horizon Europe proposals are funded; our record in Horizon Europe (HORIZON): 1 of"
                          " 3 bids with a result won (33%); 3 grants expected")
    # What the other open applications already ask of the own funds set aside for co-financing.
    def value_with(others, split=None):
        return assessment_evidence({"programme": "CERV"}, {"name": "SIC"}, [], [], 0, [], split=split,
                                   others={"reserve": 80000, "over": others > 80000, "cofinancing": others})["value"]

    assert value_with(0) == "No other open application needs any of the €80 k set aside for co-financing yet."
    assert value_with(50000) == "The other open applications need €50 k of the €80 k set aside for co-financing."
    assert value_with(90000) == ("The other open applications already need €90 k of own funds, more than the €80 k"
                                 " set aside.")
    split = {"total": 0, "own": None, "cofinancing": 40000}
    assert value_with(50000, split) == ("With the other open applications' €50 k, our co-financing would come to"
                                        " €90 k, more than the €80 k set aside.")
    assert value_with(30000, split).endswith("would come to €70 k of the €80 k set aside.")
    # A Horizon Europe topic publishes no rate: its type of action fixes it, for a non-profit too.
    innovation = {"programme": "Horizon Europe", "action_type": "HORIZON Innovation Actions"}
    assert assessment_evidence(innovation, {"name": "SIC", "organisation_types": ["ngo"]}, [], [], 0, [])[
        "value"] == "It funds 100% of eligible costs (what Horizon Europe pays a non-profit in an innovation action)."


def test_the_programme_record_counts_the_other_bids_that_ended_where_the_series_says_less():
    from webapp.calls import programme_record

    def decided(identifier, state, outcome=None, programme="Horizon Europe", source="ft_portal"):
        return {"identifier": identifier, "state": state, "outcome": outcome, "programme": programme,
                "source": source}

    call = {"identifier": "HORIZON-CL2-2027-01-DEMOCRACY-03", "source": "ft_portal", "programme": "Horizon Europe"}
    record = [decided("HORIZON-CL2-2025-01-DEMOCRACY-01", "bid", "won"),
              decided("HORIZON-CL6-2025-01-CIRCBIO-02", "bid", "lost"),
              decided("HORIZON-CL3-2025-01-DRS-02", "bid", "lost"),
              decided("HORIZON-CL5-2025-01-D2-01", "bid", "withdrawn"),  # no result
              decided("HORIZON-CL2-2026-01-TRANSFO-01", "bid", "submitted"),  # none yet
              decided("HORIZON-CL2-2026-01-HERITAGE-02", "no_bid"),
              decided("CERV-2025-CITIZENS-CIV", "bid", "won", "CERV"),  # another programme
              decided(call["identifier"], "bid", "lost")]  # the call itself
    assert programme_record(call, record) == "1 of 3 bids with a result won (33%)"
    assert programme_record(call, record[3:]) is None  # none ended yet
    # With what the evaluators scored them, each as a share of its maximum.
    record[0].update(evaluation_score=Decimal("14"), evaluation_out_of=Decimal("15"))
    record[1].update(evaluation_score=Decimal("72"), evaluation_out_of=Decimal("100"))
    assert programme_record(call, record) == ("1 of 3 bids with a result won (33%); 2 scored bids averaged 83% of the"
                                              " maximum")
    # And the criterion their evaluators marked down most, once there are criteria to compare.
    record[1]["evaluation_criteria"] = [{"name": "Impact", "score": "3", "out_of": "5"}]
    assert programme_record(call, record).endswith("83% of the maximum")  # one criterion compares with nothing
    record[0]["evaluation_criteria"] = [{"name": "Excellence", "score": "5", "out_of": "5"},
                                        {"name": "Impact", "score": "4", "out_of": "5"}]
    assert programme_record(call, record).endswith("; its evaluators marked Impact down most (70% of its maximum)")
    # Outside the portal the series is the programme: its record is said there already.
    interreg = {"identifier": "bsr-call-4", "source": "interreg_bsr", "programme": "Interreg Baltic Sea Region"}
    assert programme_record(interreg, [decided("bsr-call-3", "bid", "won", interreg["programme"], "interreg_bsr")]) is None


def test_the_pipeline_and_the_register_keep_the_assessment_to_look_back_on(pm, seeded):
    import csv
    import io

    from store import decisions

    assess(pm, RATED)
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    decisions.decide(seeded, profile_id, fusion, "bid", "Strong strategic fit", "", DECIDER,
                     assessment=dict.fromkeys(RATED, 2))
    small = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SMALL-01'")
    decisions.decide(seeded, profile_id, small, "no_bid", "Too small", "", DECIDER)  # not assessed
    page = pm.get("/pipeline").get_data(as_text=True)
    cards = page[page.index('class="board"'):page.index('id="who-writes-what"')]
    assert f'<small title="{RATED_LINE}">Assessed 3.6 of 5</small>' in cards and "Assessed 2.0 of 5" in cards
    table = page[page.index("How the ranking agrees"):]
    assert "<td>2.8 of 5 <small>(mean of 2 assessed)</small></td>" in table  # the two bids: 3.6 and 2.0
    no_bid_row = table[table.index("<td>No bid</td>"):].split("</tr>")[0]
    assert no_bid_row.endswith("<td>—</td>")

    response = pm.get("/pipeline/decisions.csv")
    rows = {r["identifier"]: r for r in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))}
    social = rows["CERV-SOCIAL-01"]
    assert social["assessment (of 5)"] == "3.6" and social["assessment: chance of winning"] == "2"
    assert social["assessment: value against the cost of bidding"] == "4"
    assert rows["CERV-SMALL-01"]["assessment (of 5)"] == "" and rows["CERV-SMALL-01"]["assessment: strategic fit"] == ""


def test_who_writes_an_application_is_chosen_on_its_call_page_and_shown_wherever_it_is_planned(app, pm, seeded):
    import csv
    import io

    from store import users

    assert decide(pm).status_code == 302
    decision_id = seeded.scalar("SELECT id FROM decisions")
    anna = create_user(seeded, "anna@sic.lv", PASSWORD, "manager")
    gone = create_user(seeded, "gone@sic.lv", PASSWORD, "manager")
    users.update_access(seeded, gone, active=False)
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    form = page[page.index('class="inline lead"'):].split("</form>")[0]
    assert '<option value="">Nobody yet</option>' in form and f'<option value="{anna}">anna@sic.lv</option>' in form
    assert "gone@sic.lv" not in form  # who can no longer sign in is not offered
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    writing = pipeline[pipeline.index('id="who-writes-what"'):].split("</section>")[0]
    assert "<strong>Nobody yet</strong>" in writing and "Social innovation and civic participation" in writing

    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    saved = pm.post(f"/decisions/{decision_id}/lead", data={"lead": str(anna), "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/calls/CERV-SOCIAL-01#decision")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Who writes the application is saved; anna@sic.lv is emailed now." in page
    from store.queue import connect_redis, jobs
    queued = jobs(connect_redis(app.extensions["callmatch.settings"].redis_url))
    assert [j["args"] for j in queued if j["name"] == "tell_named_writer"] == [(decision_id,)]
    assert f'<option value="{anna}" selected>anna@sic.lv</option>' in page
    assert "pm@sic.lv: lead anna@sic.lv" in page  # the history says who named whom
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    assert "anna@sic.lv writes it" in pipeline[pipeline.index('class="board"'):]
    writing = pipeline[pipeline.index('id="who-writes-what"'):].split("</section>")[0]
    assert "<td>anna@sic.lv\n  <br><small>1 application</small></td>" in writing and "Nobody yet" not in writing
    register = csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig")))
    assert [r["written by"] for r in register] == ["anna@sic.lv"]
    assert "anna@sic.lv writes it" in pm.get("/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    waiting = boss.get("/pipeline").get_data(as_text=True).split("Bids waiting for your approval")[1]
    assert "anna@sic.lv writes it" in waiting.split("</section>")[0]  # capacity weighs in approving a bid

    # Once they can no longer sign in, the page says so, and whoever plans finds the application again.
    users.update_access(seeded, anna, active=False)
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f'<option value="{anna}" selected>anna@sic.lv (deactivated)</option>' in page
    assert "anna@sic.lv can no longer sign in: choose who writes it now." in page
    assert "(deactivated: choose someone else)" in pm.get("/pipeline").get_data(as_text=True)
    refused = pm.post(f"/decisions/{decision_id}/lead", data={"lead": str(gone), "csrf_token": token})
    assert refused.status_code == 400 and "who can sign in" in refused.get_data(as_text=True)
    assert pm.post(f"/decisions/{decision_id}/lead", data={"lead": "anna", "csrf_token": token}).status_code == 400
    assert pm.post(f"/decisions/{decision_id}/lead", data={"lead": "", "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT lead_id FROM decisions") is None


def test_an_application_s_steps_are_listed_ticked_off_and_shown_on_the_pipeline_and_in_the_register(app, pm, seeded):
    import csv
    import io

    assert decide(pm).status_code == 302
    decision_id = seeded.scalar("SELECT id FROM decisions")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    steps = page[page.index('id="steps"'):].split("</section>")[0]
    assert "No steps yet." in steps
    assert "Add the usual steps of a proposal on the Funding &amp; Tenders Portal (7)" in steps
    assert "before the deadline of 01 Oct 2026" in steps
    # The profile's own usual step joins them: written on the profile page, one a line, checked on saving.
    form = {"name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia", "countries": "LV",
            "min_project_size": "200000", "min_lead_days": "30", **opened(pm, "/profile")}
    refused = pm.post("/profile", data={**form, "own_steps": "soon Board approves"}).get_data(as_text=True)
    assert "Each step of your own is a line: the days before the deadline (0 to 365), then what" in refused
    assert pm.post("/profile", data={**form, "own_steps": "30 Board approves the co-financing\r\n"}).status_code == 302
    assert "Add the usual steps of a proposal on the Funding &amp; Tenders Portal (8)" in pm.get(
        "/calls/CERV-SOCIAL-01").get_data(as_text=True)

    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    added = pm.post(f"/decisions/{decision_id}/steps/usual", data={"csrf_token": token})
    assert added.status_code == 302 and added.headers["Location"].endswith("/calls/CERV-SOCIAL-01#steps")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    steps = page[page.index('id="steps"'):].split("</section>")[0]
    assert "8 usual steps added." in page and "0 of 8 done" in steps and "Add the usual steps" not in steps
    assert re.search(r"<td>Board approves the co-financing</td>\s*<td class=\"due\">01 Sep 2026", steps)
    # Counted back from 1 October: six weeks for the consortium, the day before for submitting.
    assert re.search(r"Consortium agreed: every partner confirmed, and who coordinates</td>\s*"
                     r'<td class="due">20 Aug 2026<br><small>in 54 days</small>', steps)
    assert re.search(r"Proposal submitted, a day early[^<]*</td>\s*<td class=\"due\">30 Sep 2026", steps)
    pm.post(f"/decisions/{decision_id}/steps/usual", data={"csrf_token": token})  # pressed twice: nothing repeated
    assert seeded.scalar("SELECT count(*) FROM application_steps") == 8
    assert "Every usual step is in the list already." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    pm.post(f"/steps/{seeded.scalar('SELECT id FROM application_steps WHERE title LIKE %s', ('Board%',))}/remove",
            data={"csrf_token": token})  # not for this call
    assert "Add the usual steps of a proposal on the Funding &amp; Tenders Portal (1)" in pm.get(
        "/calls/CERV-SOCIAL-01").get_data(as_text=True)

    # A step of the team's own, already late; what a form cannot take is said, and nothing is added.
    for title, due, said in (("  ", "", "Say what the step is."), ("Letter", "2026-13-01", "written as YYYY-MM-DD")):
        pm.post(f"/decisions/{decision_id}/steps", data={"title": title, "due": due, "csrf_token": token})
        assert said in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    pm.post(f"/decisions/{decision_id}/steps",
            data={"title": "Letter of support from Riga City", "due": "2026-06-20", "csrf_token": token})
    assert seeded.scalar("SELECT count(*) FROM application_steps") == 8
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert re.search(r'<tr class="overdue">\s*<td>Letter of support from Riga City</td>\s*<td class="due">20 Jun 2026'
                     r"<br><small>overdue by 7 days</small>", page)
    card = pm.get("/pipeline").get_data(as_text=True).split('class="board"')[1]
    assert ("0 of 8 steps done</a> · next: Letter of support from Riga City, overdue since 20 Jun 2026" in card
            and '<p class="steps overdue">' in card)

    # Whoever writes the application finds its open steps in their calendar, beside the deadlines.
    def calendar(client):
        return client.get("/calendar.ics").get_data(as_text=True).replace("\r\n ", "")

    assert "Step: " not in calendar(pm)  # nobody writes it yet
    pm_id = seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'")
    pm.post(f"/decisions/{decision_id}/lead", data={"lead": str(pm_id), "csrf_token": token})
    assert ("DTSTART;VALUE=DATE:20260620\r\nSUMMARY:Step: Letter of support from Riga City [CERV-SOCIAL-01]\r\n"
            "DESCRIPTION:Social innovation and civic participation of young people\\nhttp") in calendar(pm)
    assert calendar(pm).count("SUMMARY:Step: ") == 8
    writing = pm.get("/pipeline").get_data(as_text=True).split('id="who-writes-what"')[1].split("</section>")[0]
    assert '<small>1 application · 8 steps to do, <span class="overdue">1 overdue</span></small>' in writing
    assert '#steps">1 step overdue</a>)' in writing

    letter = seeded.scalar("SELECT id FROM application_steps WHERE title LIKE 'Letter%'")
    assert pm.post(f"/steps/{letter}/done", data={"done": "1", "csrf_token": token}).status_code == 302
    assert "Letter of support" not in calendar(pm) and calendar(pm).count("SUMMARY:Step: ") == 7
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert re.search(r'<tr class="done">\s*<td>Letter of support from Riga City</td>', page)
    assert '<span class="badge">done</span> <small>pm@sic.lv,' in page and "1 of 8 done" in page
    card = pm.get("/pipeline").get_data(as_text=True).split('class="board"')[1]
    assert "1 of 8 steps done</a> · next: Consortium agreed: every partner confirmed, and who coordinates, due 20 Aug" \
        in card
    register = list(csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"))))
    assert [(r["steps done"], r["next step due"]) for r in register] == [("1 of 8", "2026-08-20")]
    assert register[0]["next step"].startswith("Consortium agreed")

    pm.post(f"/steps/{letter}/done", data={"done": "0", "csrf_token": token})  # opened again: who and when go
    assert seeded.fetchone("SELECT done_at, done_by FROM application_steps WHERE id = %s", (letter,)) == {
        "done_at": None, "done_by": None}
    removed = pm.post(f"/steps/{letter}/remove", data={"csrf_token": token})
    assert removed.headers["Location"].endswith("/calls/CERV-SOCIAL-01?history=steps#steps")
    page = pm.get(removed.headers["Location"]).get_data(as_text=True)
    assert "Step removed: Letter of support from Riga City. What happened to the steps keeps it, to put back." in page
    assert seeded.scalar("SELECT count(*) FROM application_steps") == 7
    for missing in (f"/steps/{letter}/done", f"/steps/{letter}/remove", "/decisions/999999/steps",
                    "/steps/removed/999999/restore"):
        assert pm.post(missing, data={"done": "1", "title": "x", "csrf_token": token}).status_code == 404, missing
    # What happened to the steps, opened on the removal, keeps the step, with a button that puts it back as it was.
    history = page.split('<details class="more step-history" open>')[1].split("</details>")[0]
    assert "What happened to the steps (13 changes)" in history
    for said in ("added “Letter of support from Riga City”, due 20 Jun 2026",
                 "ticked off “Letter of support from Riga City”", "reopened “Letter of support from Riga City”",
                 "removed the step “Letter of support from Riga City”"):
        assert f"pm@sic.lv: {said}" in history, said
    assert history.count("Put back</button>") == 2  # the letter, and the usual step removed above
    [line] = [li for li in history.split("<li>") if "removed the step “Letter" in li]
    put_back = re.search(r'action="(/steps/removed/\d+/restore)"', line).group(1)
    assert pm.post(put_back, data={"csrf_token": token}).status_code == 302
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Step put back: Letter of support from Riga City." in page and "0 of 8 done" in page
    assert page.count("Put back</button>") == 1 and "step-history\" open" not in page
    pm.post(put_back, data={"csrf_token": token})  # pressed again, in another tab
    assert "“Letter of support from Riga City” was put back already." in pm.get(
        "/calls/CERV-SOCIAL-01").get_data(as_text=True)
    lately = pm.get("/pipeline").get_data(as_text=True).split('id="lately"')[1]
    assert lately.index("put back the step “Letter of support") < lately.index("removed the step “Letter of support")
    pm.post(f"/steps/{letter}/remove", data={"csrf_token": token})

    # A due day changed by hand; then the portal moves the deadline, and the open steps move with it.
    def step_id(start):
        return seeded.scalar("SELECT id FROM application_steps WHERE title LIKE %s", (start + "%",))

    pm.post(f"/steps/{step_id('Consortium')}/done", data={"done": "1", "csrf_token": token})
    # The budget, handed to leadership, leaves the writer's calendar for leadership's.
    boss_id = seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'")
    pm.post(f"/steps/{step_id('Budget')}", data={"due": "2026-09-01", "assignee": str(boss_id), "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    # Boss is emailed at once (a job queued), rather than in the digest, which may be a week away.
    assert "“Budget agreed with each partner for the budget table of Part A” is saved; boss@sic.lv is emailed now." \
        in page
    from store.queue import connect_redis, jobs
    queued = jobs(connect_redis(app.extensions["callmatch.settings"].redis_url))
    assert [j["args"] for j in queued if j["name"] == "tell_handed_step"] == [(step_id("Budget"),)]
    assert re.search(r'Budget agreed with each partner for the budget table of Part A<br><small class="assignee">'
                     r'boss@sic.lv does it, handed by pm@sic.lv on \d\d \w+ \d{4}</small></td>\s*'
                     r'<td class="due">01 Sep 2026', page)
    assert f'<option value="{boss_id}" selected>boss@sic.lv</option>' in page
    assert seeded.scalar("SELECT assigned_by FROM application_steps WHERE title LIKE 'Budget%'") == pm_id  # for his digest
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    assert "Step: Budget agreed" in calendar(boss) and "Step: Budget agreed" not in calendar(pm)
    assert ("handed “Budget agreed with each partner for the budget table of Part A” to boss@sic.lv"
            ' <strong class="mention">to you</strong></li>') in boss.get("/pipeline").get_data(as_text=True)
    writing = pm.get("/pipeline").get_data(as_text=True).split('id="who-writes-what"')[1].split("</section>")[0]
    assert re.search(r"<td>boss@sic.lv\s*<br><small>0 applications · 1 step to do</small></td>\s*"
                     r"<td><small>No application with a deadline ahead to write.</small>", writing)
    assert "<small>1 application · 5 steps to do</small>" in writing  # pm's: one handed on, one done
    # Each finds the steps they do at the top of the Pipeline, and ticks them off there.
    def own_steps(client):
        return client.get("/pipeline").get_data(as_text=True).split('id="your-steps"')[1].split("</section>")[0]

    mine = own_steps(pm)
    assert "Your steps to submission <small>5</small>" in mine and "Budget agreed" not in mine
    assert re.search(r'PIC collected \(each registers in the Participant Register\)</td>\s*'
                     r'<td><a href="/calls/CERV-SOCIAL-01#steps">Social innovation', mine)
    assert "Your steps to submission <small>1</small>" in own_steps(boss) and "Budget agreed" in own_steps(boss)
    ticked = pm.post(f"/steps/{step_id('Every')}/done",
                     data={"done": "1", "next": "/pipeline#your-steps", "csrf_token": token})
    assert ticked.headers["Location"].endswith("/pipeline#your-steps")
    assert "Done: Every partner" in pm.get("/pipeline").get_data(as_text=True)
    assert "Your steps to submission <small>4</small>" in own_steps(pm) and "PIC collected" not in own_steps(pm)
    pm.post(f"/steps/{step_id('Every')}/done", data={"done": "0", "csrf_token": token})  # not quite yet
    for form, said in (({"due": "soon"}, "A due day is written as YYYY-MM-DD"), ({"assignee": "boss"}, "Choose a"),
                       ({"assignee": "999999"}, "Choose a colleague who can sign in")):
        pm.post(f"/steps/{step_id('Budget')}", data={"due": "2026-09-01", **form, "csrf_token": token})
        assert "The step was not changed: " + said in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert seeded.scalar("SELECT assignee_id FROM application_steps WHERE title LIKE 'Budget%'") == boss_id
    assert "dated against the deadline" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    add_call(seeded, "CERV-SOCIAL-01", "Social innovation and civic participation of young people",
             "Projects build social enterprises and civic engagement.", grant_max=Decimal("500000"),
             programme="CERV", description_html=EVIL, deadline="2026-10-15")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "6 open steps were dated against the deadline of 01 Oct 2026; the next deadline is now 15 Oct 2026." in page
    assert pm.post(f"/decisions/{decision_id}/steps/follow-deadline", data={"csrf_token": token}).status_code == 302
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "6 open steps moved with the deadline of 15 Oct 2026." in page and "dated against the deadline" not in page
    pm.post(f"/steps/{step_id('Proposal')}", data={"due": "2026-10-20", "csrf_token": token})  # a slip of the pen
    assert ("20 Oct 2026<br><small>in 115 days, <strong class=\"after-deadline\">after the deadline</strong></small>"
            in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True))
    pm.post(f"/steps/{step_id('Proposal')}", data={"due": "2026-10-14", "csrf_token": token})
    due = {row["title"].split(" ")[0]: row["due"] for row in seeded.fetchall("SELECT title, due FROM application_steps")}
    assert (due["Consortium"], due["Budget"], due["Proposal"]) == (  # done: where it was; the rest two weeks on
        date(2026, 8, 20), date(2026, 9, 15), date(2026, 10, 14))
    # Renamed in the same form: the team says what the step is in its own words; a blank name is refused.
    proposal = step_id("Proposal")
    pm.post(f"/steps/{proposal}", data={"title": " Part B to the partners  for comments ", "due": "2026-10-14",
                                        "csrf_token": token})
    assert "“Part B to the partners for comments” is saved." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    pm.post(f"/steps/{proposal}", data={"title": " ", "due": "2026-10-14", "csrf_token": token})
    assert "The step was not changed: Say what the step is." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert seeded.fetchone("SELECT title, due FROM application_steps WHERE id = %s", (proposal,)) == {
        "title": "Part B to the partners for comments", "due": date(2026, 10, 14)}

    # Marked no bid, the steps are kept as they were (and said to be), a record: nothing to tick off, change,
    # remove or add, and a change sent from a page left open elsewhere is refused. The pipeline no longer
    # counts them.
    decide(pm, state="no_bid", reason="No capacity this period")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert ("This call is marked no bid, so there is no application to write: its steps are kept as they were, and"
            " none is reminded.") in page
    steps_section = page[page.index('id="steps"'):].split("</section>")[0]
    assert "Part B to the partners for comments" in steps_section and "not done" in steps_section
    assert "<form" not in steps_section and 'class="overdue"' not in steps_section
    for path, form in ((f"/steps/{proposal}/done", {"done": "1"}), (f"/steps/{proposal}", {"due": "2026-10-01"}),
                       (f"/steps/{proposal}/remove", {}), (f"/decisions/{decision_id}/steps", {"title": "More"}),
                       (f"/decisions/{decision_id}/steps/usual", {})):
        refused = pm.post(path, data={**form, "csrf_token": token})
        assert refused.status_code == 409, path
        assert ("This call is marked no bid: its steps are kept as they were, and no longer change."
                in refused.get_data(as_text=True)), path
    assert seeded.fetchone("SELECT title, due, done_at FROM application_steps WHERE id = %s", (proposal,)) == {
        "title": "Part B to the partners for comments", "due": date(2026, 10, 14), "done_at": None}
    assert seeded.scalar("SELECT count(*) FROM application_steps WHERE title = 'More'") == 0
    assert "steps done" not in pm.get("/pipeline").get_data(as_text=True).split('class="board"')[1]
    assert "Step: " not in calendar(pm) and 'id="your-steps"' not in pm.get("/pipeline").get_data(as_text=True)
    assert "the steps of the applications you write come 7 days ahead" in pm.get("/settings").get_data(as_text=True)
    # Decided again as a maybe, the steps are in hand again.
    decide(pm, state="maybe", reason="Strong strategic fit")
    assert pm.post(f"/steps/{proposal}/done", data={"done": "1", "csrf_token": token}).status_code == 302
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "so there is no application to write" not in page and ">Add step</button>" in page


def test_leadership_sees_the_bids_waiting_for_it_and_approves_them_from_the_pipeline(app, pm, seeded):
    decide(pm, note="Ask the Riga lab")
    assert "Bids waiting for your approval" not in pm.get("/pipeline").get_data(as_text=True)  # a manager's own
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    assert 'title="bids waiting for your approval">1</span>' in boss.get("/calls").get_data(as_text=True)
    page = boss.get("/pipeline").get_data(as_text=True)
    waiting = page[page.index("Bids waiting for your approval"):page.index("</section>")]
    assert "Social innovation and civic participation of young people" in waiting
    assert "pm@sic.lv" in waiting and "Strong strategic fit" in waiting and "Ask the Riga lab" in waiting
    # Partner availability weighs in a bid: how far its consortium has got, a click from its builder.
    assert '<td><a href="/calls/CERV-SOCIAL-01#consortium">No partners yet</a></td>' in waiting

    token = csrf(boss, "/pipeline")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    done = boss.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "next": "/pipeline", "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/pipeline")
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"
    after = boss.get("/pipeline").get_data(as_text=True)
    assert "Bids waiting for your approval" not in after and 'class="count"' not in after
    elsewhere = boss.post(f"/decisions/{decision_id}/approval",
                          data={"approve": "1", "next": "https://evil.example/", "csrf_token": token})
    assert elsewhere.headers["Location"] == "/calls"  # never off the site


def test_a_bid_changed_after_the_approvers_page_opened_is_shown_again_not_approved(app, pm, seeded):
    decide(pm, note="Ask the Riga lab")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")

    def approval_form(path):
        return {"approve": "1", **opened(boss, path)}

    seen_on_pipeline = {**approval_form("/pipeline"), "next": "/pipeline"}
    decide(pm, note="Only if the Riga lab leads")  # the manager rewrites the bid meanwhile
    stale = boss.post(f"/decisions/{decision_id}/approval", data=seen_on_pipeline, follow_redirects=True)
    page = stale.get_data(as_text=True)
    assert stale.request.path == "/calls/CERV-SOCIAL-01"  # the call as it stands, not back to the list
    assert "This bid was changed after you opened the page" in page and "Only if the Riga lab leads" in page
    assert seeded.scalar("SELECT approval FROM decisions") == "pending"

    boss.post(f"/decisions/{decision_id}/approval", data=approval_form("/calls/CERV-SOCIAL-01"))
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"  # once seen, it is approved

    decide(pm, state="bid", note="A third version")  # pending again
    seen_on_call = approval_form("/calls/CERV-SOCIAL-01")
    decide(pm, state="maybe")  # no longer a bid: a second look, not an error page
    changed = boss.post(f"/decisions/{decision_id}/approval", data=seen_on_call)
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/calls/CERV-SOCIAL-01#decision")
    damaged = boss.post(f"/decisions/{decision_id}/approval", data={**seen_on_call, "seen": "yesterday"})
    assert damaged.status_code == 302 and seeded.scalar("SELECT state FROM decisions") == "maybe"


def test_recording_an_outcome_does_not_make_an_open_approval_page_stale(app, pm, seeded):
    decide(pm)
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    form = {"approve": "1", **opened(boss, "/pipeline")}
    decision_id = seeded.scalar("SELECT id FROM decisions")
    pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "submitted", "csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01")})
    boss.post(f"/decisions/{decision_id}/approval", data=form)
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"  # the bid is as the approver saw it


def test_a_decision_changed_by_a_colleague_meanwhile_is_not_overwritten_and_the_users_draft_is_kept(app, pm, seeded):
    colleague = app.test_client()
    login(colleague, "boss@sic.lv")

    mine = opened(pm, "/calls/CERV-SOCIAL-01", 'class="decision"')  # nothing decided yet when the manager opens the page
    decide(colleague, state="no_bid", reason="Too small", note="Below our minimum")
    draft = {"state": "bid", "reason": "Good partners available", "note": "Riga lab will lead"}
    refused = pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "boss@sic.lv changed this decision after you opened the page" in page
    assert "Below our minimum" in page  # theirs, under Now
    assert ">Riga lab will lead</textarea>" in page and 'value="bid" required checked' in page  # mine, kept
    assert seeded.fetchone("SELECT state, note FROM decisions") == {"state": "no_bid", "note": "Below our minimum"}

    again = sent_back(page, 'class="decision"')["seen"]
    assert pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine, "seen": again}).status_code == 302
    assert seeded.fetchone("SELECT state, note FROM decisions") == {"state": "bid", "note": "Riga lab will lead"}
    # Sending what is already recorded is not a conflict, whatever the form was opened on.
    assert pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine}).status_code == 302
    # Two tabs of one user: the message says so rather than naming them as a colleague.
    decide(pm, state="maybe")
    twice = pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine, "seen": again}).get_data(as_text=True)
    assert "You changed this decision in another tab or window" in twice


def test_a_manager_cannot_approve(pm, seeded):
    decide(pm)
    decision_id = seeded.scalar("SELECT id FROM decisions")
    assert "Approve bid" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    response = pm.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "csrf_token": token})
    assert response.status_code == 400 and "Only leadership" in response.get_data(as_text=True)


def test_a_reason_outside_the_list_is_refused(pm):
    assert decide(pm, reason="because").status_code == 400


def test_outcome_is_recorded(app, pm, seeded):
    decide(pm)
    decision_id = seeded.scalar("SELECT id FROM decisions")
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    # No result comes on or before the call's deadline (1 Oct 2026): that is a slip of the list or of the call.
    assert ("Until the deadline of 01 Oct 2026, a bid is submitted or withdrawn; won or lost once the programme"
            " tells.") in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    with on_day(app, date(2026, 10, 2)):
        assert "Until the deadline" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    for day in (date(2026, 6, 27), date(2026, 10, 1)):
        with on_day(app, day):
            refused = pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "won", "csrf_token": token})
        assert refused.status_code == 400
        assert ("No bid is won before the call&#39;s deadline: its first is 01 Oct 2026. Record it submitted once it"
                " is sent, and won or lost when the programme tells.") in refused.get_data(as_text=True)
    assert seeded.scalar("SELECT outcome FROM decisions") is None
    pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "submitted", "csrf_token": token})
    assert seeded.scalar("SELECT outcome FROM decisions") == "submitted"
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "<option selected>submitted</option>" in page  # the form starts from what is recorded

    # Won or lost belongs to an application: not to a call marked maybe or no bid.
    decide(pm, state="no_bid", reason="Weak fit with our mission")
    assert "Record outcome" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    refused = pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "won", "csrf_token": token})
    assert refused.status_code == 400
    assert "An outcome is recorded for a bid; this call is marked no bid." in refused.get_data(as_text=True)
    assert seeded.scalar("SELECT outcome FROM decisions") == "submitted"


def test_a_bids_evaluation_is_recorded_with_its_outcome_and_read_where_its_series_comes_back(app, pm, seeded):
    import csv
    import io

    decide(pm)
    decision_id = seeded.scalar("SELECT id FROM decisions")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert '<details class="evaluation">' in page  # folded until the bid has a result
    report = {"evaluation-score": "12,5", "evaluation-out_of": "15", "evaluation-threshold": "10",
              "evaluation-funded_from": "13",
              "evaluation-comments": "Impact: uptake by cities unclear.\r\n" + EVIL}

    # A slip is said beside the form, which keeps what was pasted; nothing is recorded.
    refused = pm.post(f"/decisions/{decision_id}/outcome",
                      data={"outcome": "lost", **report, "evaluation-score": "16", "csrf_token": csrf(pm, "/calls")})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert '<p class="error" role="alert">The score (16) is above the maximum (15).</p>' in body
    assert "Impact: uptake by cities unclear.\r\n&lt;p onclick=" in body and '<details class="evaluation" open>' in body
    assert seeded.fetchone("SELECT outcome, evaluation_score FROM decisions") == {"outcome": None,
                                                                                 "evaluation_score": None}

    with on_day(app, date(2027, 2, 1)):  # the report comes months after the deadline
        recorded = pm.post(f"/decisions/{decision_id}/outcome",
                           data={"outcome": "lost", **report, "csrf_token": csrf(pm, "/calls")}, follow_redirects=True)
    scored = "scored 12.5 of 15: above the threshold of 10, 0.5 short of the lowest score funded (13)"
    page = recorded.get_data(as_text=True)
    assert f"Outcome recorded: lost, {scored}." in page
    assert f"Outcome: <strong>lost</strong>, {scored}." in page
    said = page[page.index("What the evaluators said</summary>"):]
    assert "Impact: uptake by cities unclear." in said[:said.index("</details>")]
    assert "<script>" not in said and "&lt;script&gt;" in said  # shown as the text it is
    assert f"evaluation {scored}; the evaluators&#39; comments added" in page  # the history
    assert 'name="evaluation-score" value="12.5"' in page and '<details class="evaluation" open>' in page

    # Next year's call of the series recalls the score and what the evaluators said, beside the chance of winning.
    add_call(seeded, "CERV-2027-SOCIAL-01", "Social enterprises 2027", "Social enterprises.", deadline="2027-03-10")
    page = pm.get("/calls/CERV-2027-SOCIAL-01").get_data(as_text=True)
    record = page[page.index('<div class="series">'):]
    record = record[:record.index("</div>")]
    assert f"· lost, {scored}: Strong strategic fit" in record
    assert "What the evaluators said of it</summary><div class=\"comment-body\">Impact: uptake by cities" in record
    assert f"our latest bid in it with a score, CERV-SOCIAL-01, lost, {scored}." in page

    # The pipeline tells the team, compares the score with the ranking, and the register keeps every number.
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    assert f"recorded the outcome: lost, {scored}" in pipeline
    # Ended, the bid folds under its column, with its score.
    folded = pipeline[pipeline.index('<details class="more folded"><summary>1 ended or rejected</summary>'):]
    assert f'(CERV-SOCIAL-01; lost <span title="{scored}">(12.5 of 15)</span>; deadline 01 Oct 2026)' in folded
    table = pipeline[pipeline.index("How the ranking agrees"):]
    assert "<th>The evaluators' score</th>" in table
    lost_row = table[table.index("<td>Lost</td>"):].split("</tr>")[0]
    assert lost_row.endswith("<td>83% of the maximum <small>(mean of 1 scored)</small></td>")
    response = pm.get("/pipeline/decisions.csv")
    row = next(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row[k] for k in ("outcome", "score", "score out of", "threshold", "lowest score funded")] == [
        "lost", "12.5", "15", "10", "13"]
    assert row["what the evaluators said"].startswith("Impact: uptake by cities unclear.\n")


def test_the_scores_under_each_criterion_are_recorded_and_the_one_marked_down_most_comes_first(app, pm, seeded):
    import csv
    import io

    from store import decisions

    decide(pm)  # a bid on CERV-SOCIAL-01 (CERV)
    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    decisions.decide(seeded, profiles.ensure_default_profile(seeded), fusion, "bid", "Strong strategic fit", "",
                     DECIDER)
    horizon, cerv = (seeded.scalar("SELECT d.id FROM decisions d JOIN calls c ON c.id = d.call_id"
                                   " WHERE c.identifier = %s", (identifier,))
                     for identifier in ("HORIZON-FUSION-01", "CERV-SOCIAL-01"))
    # The form offers Horizon Europe's three criteria, each out of 5, to type the scores beside; a CERV bid's
    # report names its own.
    page = pm.get("/calls/HORIZON-FUSION-01").get_data(as_text=True)
    assert 'name="criterion-name-0" value="Excellence"' in page and 'name="criterion-out_of-0" value="5"' in page
    assert 'name="criterion-name-2" value="Quality and efficiency of the implementation"' in page
    assert 'name="criterion-name-0" value=""' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)

    form = {"outcome": "lost", "evaluation-score": "11", "evaluation-out_of": "15",
            "criterion-name-0": "Excellence", "criterion-score-0": "4,5", "criterion-out_of-0": "5",
            "criterion-name-1": "Impact", "criterion-score-1": "3", "criterion-out_of-1": "5",
            "criterion-name-2": "Quality and efficiency of the implementation", "criterion-out_of-2": "5"}
    refused = pm.post(f"/decisions/{horizon}/outcome",
                      data={**form, "criterion-score-1": "6", "csrf_token": csrf(pm, "/calls")})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "The score for “Impact” (6) is above its maximum (5)." in body
    assert 'name="criterion-score-1" value="6"' in body  # kept, to correct
    with on_day(app, date(2027, 6, 1)):  # both results are in
        page = pm.post(f"/decisions/{horizon}/outcome", data={**form, "csrf_token": csrf(pm, "/calls")},
                       follow_redirects=True).get_data(as_text=True)
        assert "By criterion: Excellence 4.5 of 5, Impact 3 of 5." in page  # the implementation had no score typed
        assert "by criterion Excellence 4.5 of 5, Impact 3 of 5" in page  # the history
        pm.post(f"/decisions/{cerv}/outcome", data={
            "outcome": "won", "evaluation-score": "80", "evaluation-out_of": "100",
            "criterion-name-0": "Relevance", "criterion-score-0": "25", "criterion-out_of-0": "30",
            "criterion-name-1": "impact", "criterion-score-1": "15", "criterion-out_of-1": "20",
            "csrf_token": csrf(pm, "/calls")})

    # Across the bids, the criterion the evaluators mark down most comes first: Impact, 60% and 75% of its maximum.
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    section = pipeline[pipeline.index('id="criteria"'):]
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row.split(">", 1)[1]).split())
            for row in section[:section.index("</table>")].split("<tr")[2:]]
    assert rows == ["Impact 68% of the maximum 2", "Relevance 83% of the maximum 1", "Excellence 90% of the maximum 1"]
    assert 'class="weakest"' in section.split("</tr>")[1]
    programmes = pm.get("/programmes").get_data(as_text=True)
    assert "By criterion, the weakest first: Impact 60%, Excellence 90%" in programmes  # Horizon Europe's
    assert "By criterion, the weakest first: impact 75%, Relevance 83%" in programmes  # CERV's, as its report says
    register = {row["identifier"]: row for row in csv.DictReader(io.StringIO(
        pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig")))}
    assert register["HORIZON-FUSION-01"]["scores by criterion"] == "Excellence 4.5 of 5, Impact 3 of 5"


def test_a_report_pasted_whole_gives_the_scores_left_blank(app, pm, seeded):
    from store import decisions
    from tests.test_evaluation import PASTED_REPORT

    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    bid = decisions.decide(seeded, profiles.ensure_default_profile(seeded), fusion, "bid", "Strong strategic fit", "",
                           DECIDER)["id"]
    page = pm.get("/calls/HORIZON-FUSION-01").get_data(as_text=True)
    assert "Pasted whole, the report also fills in the numbers left blank above" in page
    # The form as it comes: Horizon Europe's criteria named, each out of 5, no score typed.
    form = {"outcome": "lost", "evaluation-comments": PASTED_REPORT, "csrf_token": csrf(pm, "/calls"),
            **{f"criterion-{key}-{n}": value for n, name in enumerate(
                ("Excellence", "Impact", "Quality and efficiency of the implementation"))
               for key, value in (("name", name), ("out_of", "5"))}}
    with on_day(app, date(2027, 6, 1)):
        page = pm.post(f"/decisions/{bid}/outcome", data=form, follow_redirects=True).get_data(as_text=True)
    assert ("Read from the pasted report: the score 11.5 of 15; the threshold 10; Excellence 4 of 5; Impact 3.5 of 5;"
            " Quality and efficiency of the implementation 4 of 5. Correct them in the form if the report says"
            " otherwise.") in page
    assert "lost, scored 11.5 of 15: above the threshold of 10" in page
    row = seeded.fetchone("SELECT * FROM decisions WHERE id = %s", (bid,))
    assert (row["evaluation_score"], row["evaluation_out_of"]) == (Decimal("11.50"), Decimal("15.00"))
    assert [c["score"] for c in row["evaluation_criteria"]] == ["4", "3.5", "4"]
    assert row["evaluation_comments"].startswith("Evaluation Summary Report")  # kept as pasted
    # Refused (too early), the form shows what was read, to check once it can be recorded.
    other = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SOCIAL-01'")
    early = decisions.decide(seeded, profiles.ensure_default_profile(seeded), other, "bid", "Strong strategic fit", "",
                             DECIDER)["id"]
    refused = pm.post(f"/decisions/{early}/outcome", data={**form, "csrf_token": csrf(pm, "/calls")})
    body = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "No bid is lost before the call's deadline" in body
    assert "Read from the pasted report: the score 11.5 of 15" in body
    assert 'name="evaluation-score" value="11.50"' in body and 'name="criterion-score-1" value="3.50"' in body


def test_the_pipeline_lists_the_bids_whose_results_are_due_and_those_still_awaited(pm, seeded):
    import csv
    import io

    from store import decisions
    from store.calls import ensure_source

    profile_id = profiles.ensure_default_profile(seeded)
    deadlines = {"HORIZON-CL2-2026-WINTER-01": "2026-01-15",  # Horizon Europe: due 5 months on, 15 Jun
                 "CERV-2026-SPRING-01": "2026-03-02",  # the Financial Regulation's 6 months: 02 Sep
                 "CERV-2026-STATED-01": "2026-04-01",  # its conditions say May 2026
                 "BSR-2026-PASSED-01": "2026-03-10",  # an Interreg programme: no fixed time
                 "CERV-2026-MAYBE-01": "2026-02-01", "CERV-2026-REJECTED-01": "2026-02-01",
                 "CERV-2026-TODAY-01": "2026-06-27"}
    for identifier, deadline in deadlines.items():
        add_call(seeded, identifier, identifier.title(), "Social enterprises.", deadline=deadline, status="closed")
    seeded.execute("UPDATE calls SET conditions_text = %s WHERE identifier = 'CERV-2026-STATED-01'",
                   ("Evaluation: April 2026\nInformation on evaluation results: May 2026\nGA signature: July 2026",))
    ensure_source(seeded, "interreg_bsr")
    seeded.execute("UPDATE calls SET source = 'interreg_bsr' WHERE identifier = 'BSR-2026-PASSED-01'")
    call = {identifier: seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,))
            for identifier in deadlines}
    bids = {identifier: decisions.decide(seeded, profile_id, call_id, "maybe" if "MAYBE" in identifier else "bid",
                                         "Strong strategic fit", "", DECIDER)["id"] for identifier, call_id in call.items()}
    decisions.approve(seeded, bids["CERV-2026-REJECTED-01"], DECIDER, approved=False)
    decisions.set_outcome(seeded, bids["CERV-2026-SPRING-01"], "submitted", DECIDER)

    def listed(kind):
        page = pm.get("/pipeline").get_data(as_text=True)
        if 'id="results"' not in page:
            return []
        section = page[page.index('id="results"'):]
        section = section[:section.index("</section>")]
        if f'<ul class="{kind}">' not in section:
            return []
        items = section[section.index(f'<ul class="{kind}">'):].split("</ul>")[0]
        return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items.split("<li>")[1:]]

    # Sent bids only (a maybe was never sent, a rejected bid neither; a deadline today has not passed). Due: those
    # whose results should have come (or whose programme keeps no fixed time), the longest waiting first, each
    # linked to where its outcome is recorded.
    assert listed("due") == [
        "Horizon-Cl2-2026-Winter-01 (HORIZON-CL2-2026-WINTER-01; deadline 15 Jan 2026, 163 days ago; results due by"
        " 15 Jun 2026; no outcome recorded)",
        "Bsr-2026-Passed-01 (BSR-2026-PASSED-01; deadline 10 Mar 2026, 109 days ago; no outcome recorded)",
        "Cerv-2026-Stated-01 (CERV-2026-STATED-01; deadline 01 Apr 2026, 87 days ago; results due by 31 May 2026; no"
        " outcome recorded)"]
    # Awaited: a bid whose programme has not told anyone yet is not asked for, only dated, with why.
    assert listed("awaited") == [
        "Cerv-2026-Spring-01 (CERV-2026-SPRING-01; deadline 02 Mar 2026; results due by 02 Sep 2026: the EU Financial"
        " Regulation gives the Commission 6 months from the deadline to tell applicants)"]
    page = pm.get("/pipeline").get_data(as_text=True)
    assert "Results to record <small>3</small>" in page
    # Each bid's card says it too: the day past in the warning colour, the day ahead plainly.
    assert ('<a class="results-due overdue" href="/calls/HORIZON-CL2-2026-WINTER-01#outcome">results were due by'
            ' 15 Jun 2026</a>') in page
    assert '<a class="results-due" href="/calls/CERV-2026-SPRING-01#outcome">results due by 02 Sep 2026</a>' in page
    assert 'href="/calls/HORIZON-CL2-2026-WINTER-01#outcome"' in page
    # The call's page says when, beside the outcome form, in the call's own words where it has them.
    stated = pm.get("/calls/CERV-2026-STATED-01").get_data(as_text=True)
    assert ("Results were due by 31 May 2026: the call says “Information on evaluation results: May 2026”."
            in stated)
    assert "Results are due by 02 Sep 2026: the EU Financial Regulation" in pm.get(
        "/calls/CERV-2026-SPRING-01").get_data(as_text=True)
    # The register has the day too, for the bids awaiting a result.
    register = {row["identifier"]: row["results due by"] for row in csv.DictReader(io.StringIO(
        pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig")))}
    assert (register["CERV-2026-SPRING-01"], register["CERV-2026-STATED-01"], register["BSR-2026-PASSED-01"],
            register["CERV-2026-MAYBE-01"]) == ("2026-09-02", "2026-05-31", "", "")
    for identifier in ("HORIZON-CL2-2026-WINTER-01", "BSR-2026-PASSED-01", "CERV-2026-STATED-01"):
        decisions.set_outcome(seeded, bids[identifier], "withdrawn", DECIDER)
    decisions.set_outcome(seeded, bids["CERV-2026-SPRING-01"], "lost", DECIDER, {"score": "11", "out_of": "15"})
    assert 'id="results"' not in pm.get("/pipeline").get_data(as_text=True)
    assert "Results are due" not in pm.get("/calls/CERV-2026-SPRING-01").get_data(as_text=True)


def test_a_call_page_names_the_bids_due_near_its_deadline(pm, seeded):
    from store import decisions

    assert "Workload:" not in pm.get("/calls/CERV-SMALL-01").get_data(as_text=True)
    decide(pm)  # CERV-SOCIAL-01, due 01 Oct 2026 like CERV-SMALL-01; the fusion call is due two months later
    near = pm.get("/calls/CERV-SMALL-01").get_data(as_text=True)
    notice = near[near.index("Workload:"):near.index("</p>", near.index("Workload:"))]
    assert "1 other call marked bid or maybe" in notice and "within 14 days" in notice
    assert "Social innovation and civic participation of young people" in notice and "(bid, 01 Oct 2026)" in notice
    assert "Workload:" not in pm.get("/calls/HORIZON-FUSION-01").get_data(as_text=True)
    assert "Workload:" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # never itself

    decisions.approve(seeded, seeded.scalar("SELECT id FROM decisions"), DECIDER, approved=False)
    assert "Workload:" not in pm.get("/calls/CERV-SMALL-01").get_data(as_text=True)  # a rejected bid is not work


def test_a_calls_page_recalls_the_teams_decisions_on_the_other_calls_of_its_strand(pm, seeded):
    from store import decisions, users

    boss = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'"))
    profile_id = profiles.ensure_default_profile(seeded)
    assert "Decided before in" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    for identifier, title, deadline in (("CERV-2024-SOCIAL-05", "Social enterprises 2024", "2024-09-10"),
                                        ("CERV-2025-SOCIAL-02", "Social enterprises 2025", "2025-09-10"),
                                        ("CERV-2025-CITIZENS-01", "Active citizens 2025", "2025-04-10")):
        add_call(seeded, identifier, title, "Social enterprises.", deadline=deadline, status="closed")
    call = {i: seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (i,))
            for i in ("CERV-2024-SOCIAL-05", "CERV-2025-SOCIAL-02", "CERV-2025-CITIZENS-01")}
    decisions.decide(seeded, profile_id, call["CERV-2024-SOCIAL-05"], "no_bid", "Competition too strong",
                     "Forty proposals for two grants", boss)
    bid = decisions.decide(seeded, profile_id, call["CERV-2025-SOCIAL-02"], "bid", "Strong strategic fit", "", boss)
    decisions.set_outcome(seeded, bid["id"], "lost", boss)
    decisions.decide(seeded, profile_id, call["CERV-2025-CITIZENS-01"], "bid", "Strong strategic fit", "", boss)

    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    record = page[page.index('<div class="series">'):]
    record = record[:record.index("</div>")]
    assert "Decided before in the strand CERV-SOCIAL: 1 bid (1 lost), 1 no bid." in record
    # The latest first, each with its decision, how it ended and why; another strand's call is not there.
    assert record.index("Social enterprises 2025") < record.index("Social enterprises 2024")
    assert "(CERV-2025-SOCIAL-02, 10 Sep 2025)</small> · <span class=\"state bid\">Bid</span> · lost: Strong strategic fit" \
        in record
    assert "Competition too strong <small>“Forty proposals for two grants”</small>" in record
    assert "Active citizens" not in record
    # Whoever rates the chance of winning sees it too.
    assert "<small>Our record in the strand CERV-SOCIAL: 1 bid (1 lost), 1 no bid.</small>" in page
    # The call's own decision is not its own record.
    assert "Decided before in" not in pm.get("/calls/CERV-2025-CITIZENS-01").get_data(as_text=True)


def test_a_series_is_a_strand_on_the_portal_and_a_programme_elsewhere_and_its_record_counts_how_bids_ended():
    from store.decisions import same_series, series_summary

    def decided(identifier, state, source="ft_portal", programme=None, approval="approved", outcome=None):
        return {"identifier": identifier, "source": source, "programme": programme, "state": state,
                "approval": approval, "outcome": outcome}

    record = [decided("HORIZON-CL2-2025-01-DEMOCRACY-04", "bid", outcome="won"),
              decided("HORIZON-CL2-2024-DEMOCRACY-01-02", "bid", approval="rejected"),
              decided("HORIZON-CL2-2025-01-HERITAGE-01", "maybe"),
              decided("interreg_bsr:call-3", "no_bid", "interreg_bsr", "Interreg Baltic Sea Region"),
              decided("interreg_bsr:small-projects", "maybe", "interreg_bsr", "Interreg Baltic Sea Region")]
    strand = same_series({"identifier": "HORIZON-CL2-2026-01-DEMOCRACY-09", "source": "ft_portal"}, record)
    assert (strand["name"], [c["identifier"] for c in strand["calls"]], strand["summary"]) == (
        "the strand HORIZON-CL2-DEMOCRACY", ["HORIZON-CL2-2025-01-DEMOCRACY-04", "HORIZON-CL2-2024-DEMOCRACY-01-02"],
        "2 bids (1 won, 1 rejected by leadership)")
    programme = same_series({"identifier": "interreg_bsr:call-4", "source": "interreg_bsr",
                             "programme": "Interreg Baltic Sea Region"}, record)
    assert (programme["name"], programme["summary"]) == ("Interreg Baltic Sea Region", "1 maybe, 1 no bid")
    assert same_series({"identifier": "HORIZON-CL5-2026-D1-01", "source": "ft_portal"}, record) is None
    assert series_summary([decided("A", "maybe"), decided("B", "maybe")]) == "2 maybes"


def test_calls_are_screened_many_at_once_from_the_calls_page(app, pm, seeded):
    from store import decisions as decision_store

    page = pm.get("/calls?screened=1").get_data(as_text=True)
    assert page.count('form="decide-many"') == 3 and 'id="decide-many"' in page and 'to mark it below" checked' not in page
    # Every call of the page ticked at once, with no script: the page is shown again with them ticked.
    assert 'href="/calls?tick=all&amp;screened=1">Tick every call on this page nobody has decided on</a>' in page
    ticked = pm.get("/calls?tick=all&screened=1").get_data(as_text=True)
    assert ticked.count('to mark it below" checked>') == 3 and 'href="/calls?screened=1">Untick them all</a>' in ticked
    token = csrf(pm, "/calls")

    def mark(*calls, state="no_bid", reason="Weak fit with our mission", note="", back="/calls?programme=CERV"):
        return pm.post("/calls/decide", data={"call": list(calls), "state": state, "reason": reason, "note": note,
                                              "next": back, "csrf_token": token})

    # What cannot be taken is said, and nothing is recorded.
    for ticked, chosen, said in ((["CERV-SOCIAL-01"], {"state": "bid"}, "Choose maybe or no bid for the ticked calls"),
                                 ([], {}, "Tick the calls to mark first."),
                                 (["CERV-SOCIAL-01"], {"reason": "Because"},
                                  "Nothing was recorded: choose a reason from the list.")):
        refused = mark(*ticked, **chosen)
        assert refused.headers["Location"].endswith("/calls?programme=CERV")
        assert said in pm.get("/calls").get_data(as_text=True), said
    assert seeded.scalar("SELECT count(*) FROM decisions") == 0

    # A colleague decided on one meanwhile, and a maybe on a call the screening failed needs a note: both stay.
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decide(boss, state="bid")  # on CERV-SOCIAL-01
    done = mark("CERV-SOCIAL-01", "HORIZON-FUSION-01", "CERV-SMALL-01", "NO-SUCH-CALL", state="maybe",
                reason="Good partners available")
    said = unescape(pm.get(done.headers["Location"]).get_data(as_text=True))
    assert "1 call marked maybe. Left as they were: CERV-SOCIAL-01 (a colleague decided on it meanwhile);" in said
    assert "CERV-SMALL-01 (This call failed the screening (size: Largest grant €60 k is below the minimum" in said
    assert "A maybe on it overrides that: say why in the note)" in said
    assert "NO-SUCH-CALL (it is no longer stored)." in said
    assert seeded.fetchall("SELECT c.identifier, d.state, u.email FROM decisions d JOIN calls c ON c.id = d.call_id"
                           " JOIN users u ON u.id = d.decided_by ORDER BY 1") == [
        {"identifier": "CERV-SOCIAL-01", "state": "bid", "email": "boss@sic.lv"},
        {"identifier": "HORIZON-FUSION-01", "state": "maybe", "email": "pm@sic.lv"}]
    # No bid on it, with a note for every ticked call, is taken; the history keeps who and why.
    mark("CERV-SMALL-01", note="Screened on Monday: micro-projects only")
    small = decision_store.get_decision(seeded, profiles.ensure_default_profile(seeded),
                                        seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SMALL-01'"))
    assert (small["state"], small["reason"], small["note"]) == (
        "no_bid", "Weak fit with our mission", "Screened on Monday: micro-projects only")
    assert "form=\"decide-many\"" not in pm.get("/calls?screened=1").get_data(as_text=True)  # nothing left to tick

