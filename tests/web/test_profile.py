"""The profile page and the Programmes page: what the ranking works for, who may change it, more than one profile."""

import re
from datetime import date
from decimal import Decimal

from matcher import ranking
from matcher.embedder import EmbeddingStore
from store import profiles
from tests.helpers.data import DECIDER, add_call
from tests.helpers.web import RATED, assess, csrf, decide, leadership_editing_the_profile, login, opened, sent_back


def test_profile_page_names_the_signals_and_when_decisions_re_weigh_them(pm):
    page = pm.get("/profile").get_data(as_text=True)
    assert "shared words +0.30" in page and "a preferred programme +0.10" in page
    assert "Once this profile has 20 bid/no-bid decisions, at least 5 of each" in page


def test_profile_page_shows_learned_weights_their_figure_and_when_they_are_set_aside(pm, seeded):
    from store import profiles

    profile_id = profiles.ensure_default_profile(seeded)
    profiles.set_weights(seeded, profile_id, {"signals": {"semantic": 1.5, "lexical": 0.5}, "cv_auc": 0.81,
                                              "decisions": 28, "learned_at": "2026-11-20T09:00:00+00:00"})
    page = pm.get("/profile").get_data(as_text=True)
    assert "shared words +0.50" in page and "meaning (how much closer the call is to the profile than the average call) +1.50" in page
    assert "Last learned from 28 bid/no-bid decisions on 2026-11-20: cross-validated ROC AUC 0.81." in page
    assert "should the bid/no-bid decisions fall below 20, or below 5 of either, the hand-set weights return" in page


def test_profile_edit_saves_and_validates(app, seeded):
    boss = app.test_client()
    assert login(boss, "boss@sic.lv").status_code == 302
    token = csrf(boss, "/profile")
    bad = boss.post("/profile", data={"csrf_token": token, "mission": "", "min_project_size": "lots", "min_lead_days": "5"})
    assert "must be an amount in euros" in bad.get_data(as_text=True)
    form = {"csrf_token": token, "name": "SIC", "mission": "Social innovation in Latvia", "themes": "Civic tech",
            "past_projects": "", "programmes": "CERV, Erasmus+", "countries": "lv", "min_project_size": "100000",
            "min_lead_days": "14", "organisation_types": ["ngo", "research"]}
    assert boss.post("/profile", data=form).status_code == 302
    row = seeded.fetchone("SELECT * FROM profiles")
    assert (row["programmes"], row["countries"], row["min_lead_days"]) == (["CERV", "Erasmus+"], ["LV"], 14)
    assert row["min_project_size"] == Decimal("100000") and row["organisation_types"] == ["ngo", "research"]
    page = boss.get("/profile").get_data(as_text=True)
    assert 'value="research" checked' in page and 'value="public" >' in page
    odd = boss.post("/profile", data={**form, "organisation_types": ["ngo", "church"]}).get_data(as_text=True)
    assert "Organisation types are among: academic, research, private, public, ngo, other." in odd
    assert seeded.scalar("SELECT organisation_types FROM profiles") == ["ngo", "research"]
    # Amounts Python reads but the column cannot hold get the form's message, not the database's refusal.
    for amount, message in (("Infinity", "must be an amount in euros"), ("NaN", "must be an amount in euros"),
                            ("-5", "must be an amount in euros"), ("1e6", "must be an amount in euros"),
                            ("100 000 000 000 000", "is at most 99,999,999,999,999 euros")):
        refused = boss.post("/profile", data={**form, "min_project_size": amount})
        assert refused.status_code == 200 and message in refused.get_data(as_text=True), amount
    assert seeded.scalar("SELECT min_project_size FROM profiles") == Decimal("100000")
    # Typed as the budget split's amounts are.
    for typed, saved in (("250\u00a0000", 250000), ("€300,000", 300000), ("350 000 EUR", 350000)):
        assert boss.post("/profile", data={**form, "min_project_size": typed}).status_code == 302
        assert seeded.scalar("SELECT min_project_size FROM profiles") == Decimal(saved)
    # A form without the field (an older page) keeps the amount, as it keeps the reserve below.
    assert boss.post("/profile", data={k: v for k, v in form.items() if k != "min_project_size"}).status_code == 302
    assert seeded.scalar("SELECT min_project_size FROM profiles") == Decimal(350000)
    # The own funds set aside for co-financing: typed the same way, blank for none, refused when not an amount;
    # a form without the field keeps them.
    assert boss.post("/profile", data={**form, "cofinancing_reserve": "€80,000"}).status_code == 302
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") == 80000
    assert 'name="cofinancing_reserve" inputmode="numeric" value="80000"' in boss.get("/profile").get_data(as_text=True)
    refused = boss.post("/profile", data={**form, "cofinancing_reserve": "a lot"})
    assert "Own funds set aside for co-financing must be an amount in euros" in refused.get_data(as_text=True)
    refused = boss.post("/profile", data={**form, "cofinancing_reserve": "1 000 000 000 000"})
    assert "Own funds set aside for co-financing are at most 999,999,999,999 euros." in refused.get_data(as_text=True)
    assert boss.post("/profile", data=form).status_code == 302
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") == 80000
    assert boss.post("/profile", data={**form, "cofinancing_reserve": ""}).status_code == 302
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") is None
    assert boss.post("/profile", data={**form, "conflicts": "CERV-SOCIAL: Anna evaluates it\r\nEDF"}).status_code == 302
    assert seeded.scalar("SELECT conflicts FROM profiles") == "CERV-SOCIAL: Anna evaluates it\nEDF"
    assert ">CERV-SOCIAL: Anna evaluates it\nEDF</textarea>" in boss.get("/profile").get_data(as_text=True)
    slip = boss.post("/profile", data={**form, "conflicts": "C: typo"}).get_data(as_text=True)
    assert "Each conflict starts with a call&#39;s identifier" in slip and ">C: typo</textarea>" in slip  # kept to fix
    assert seeded.scalar("SELECT conflicts FROM profiles") == "CERV-SOCIAL: Anna evaluates it\nEDF"


def test_the_profile_page_names_preferred_programmes_no_stored_call_is_in(app, seeded):
    boss, form = leadership_editing_the_profile(app)
    form["programmes"] = "cerv, Horizn Europe, Interreg"
    assert boss.post("/profile", data=form).status_code == 302
    page = boss.get("/profile").get_data(as_text=True)
    # "cerv" covers the CERV calls (any case, as the scorer reads it); the slip and the uncrawled do not.
    assert "No stored call is in “Horizn Europe”, “Interreg” yet." in page
    form["programmes"] = "CERV"
    assert boss.post("/profile", data=form).status_code == 302
    assert "No stored call is in" not in boss.get("/profile").get_data(as_text=True)


def test_the_programmes_page_shows_where_the_fitting_calls_are_and_the_streams_not_tried(pm, seeded):
    add_call(seeded, "LIFE-2026-NATURE", "Nature-based solutions", "Wetlands.", programme="LIFE",
             topic_budget=Decimal("2000000"))
    add_call(seeded, "EMFAF-2025-OLD", "Blue economy", "Fisheries.", programme="EMFAF", status="closed")
    # The portal's first crawl brought the others a month ago; LIFE came yesterday.
    seeded.execute("UPDATE calls SET first_seen = now() - interval '30 days' WHERE programme <> 'LIFE'")
    seeded.execute("UPDATE calls SET first_seen = now() - interval '1 day' WHERE programme = 'LIFE'")
    seeded.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash)"
                   " SELECT p.id, c.id, 'm', 0.9, 4, 'h' FROM calls c, profiles p WHERE c.programme = 'LIFE'")
    from store import decisions

    for identifier, state in (("CERV-SOCIAL-01", "bid"), ("CERV-SMALL-01", "no_bid")):
        decisions.decide(seeded, profiles.ensure_default_profile(seeded),
                         seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,)), state,
                         "Strong strategic fit", "", DECIDER)
    decisions.set_outcome(seeded, seeded.scalar("SELECT id FROM decisions WHERE state = 'bid'"), "lost", DECIDER,
                          {"score": "61", "out_of": "100"})
    page = pm.get("/programmes").get_data(as_text=True)
    assert '<a href="/programmes" aria-current="page">Programmes</a>' in page
    body = page.split('<table class="streams">')[1].split("</tbody>")[0].split("<tbody>")[1]
    cells = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>") if "<td" in row]
    rows = {text.split()[0]: text for text in cells}
    assert list(rows) == ["CERV", "Horizon", "LIFE"]  # by best rank; the closed-only EMFAF is not a row
    # Open, forthcoming, passing the screening, in the top 50, best rank, budget (unknown), decisions. CERV's
    # small call is screened out; SIC's profile prefers CERV and Horizon Europe. LIFE is neither preferred nor
    # decided on, and came after the portal's first crawl.
    assert rows == {"CERV": "CERV preferred 2 0 1 1 1 — 2 decided: 1 bid, 1 lost 0 of 1 bid with a result won (0%)"
                            " 1 scored bid got 61% of the maximum",
                    "Horizon": "Horizon Europe preferred 0 1 1 1 2 — —",
                    "LIFE": "LIFE not tried new 1 0 1 1 4 €2.0 M —"}
    assert 'href="/calls?programme=LIFE&amp;status=open&amp;screened=1">1</a>' in page
    assert re.search(r"1 programme has\s+calls among the 50 best-ranked that the team has never decided on", page)
    assert re.search(r"New to the calls in the last 365 days \(not in the first crawl of their source\):\s+"
                     r'<a href="/calls\?programme=LIFE">LIFE</a>, first seen', page)
    assert "Preferred, with no call stored: Erasmus+, Interreg, ESF+." in page
    assert "No call open or forthcoming, only closed ones: EMFAF." in page
    # A programme with only closed calls keeps the team's record in it.
    seeded.execute("UPDATE calls SET status = 'closed' WHERE programme = 'CERV'")
    page = " ".join(pm.get("/programmes").get_data(as_text=True).split())
    assert "only closed ones: CERV (2 decided: 1 bid, 1 lost), EMFAF. Their record is kept" in page


def test_profile_countries_are_stored_as_codes_whether_typed_as_codes_or_names(app, seeded):
    boss, form = leadership_editing_the_profile(app)
    form["countries"] = "Latvia, ee, LTU, UK, Estonia"
    assert boss.post("/profile", data=form).status_code == 302
    # As the calls' areas are written, each once: Britain as GB, as every source's codes are stored.
    assert seeded.scalar("SELECT countries FROM profiles") == ["LV", "EE", "LT", "GB"]
    # A name kept as typed would match no call's area and screen out every call limited to one.
    refused = boss.post("/profile", data={**form, "countries": "LV, Latvija"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Countries are codes or English names, e.g. LV or Latvia: &#39;Latvija&#39; is neither." in page
    assert 'name="countries" value="LV, Latvija"' in page  # what was typed, kept to correct
    assert seeded.scalar("SELECT countries FROM profiles") == ["LV", "EE", "LT", "GB"]


def test_a_profile_saved_by_a_colleague_meanwhile_is_not_overwritten_and_the_editors_changes_are_kept(app, pm, seeded):
    boss = app.test_client()
    login(boss, "boss@sic.lv")

    form = {"name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia",
            "programmes": "CERV", "countries": "LV", "min_project_size": "200000", "min_lead_days": "30",
            "organisation_types": ["ngo"]}
    bosss = opened(boss, "/profile")
    assert pm.post("/profile", data={**form, **opened(pm, "/profile"), "themes": "Civic tech"}).status_code == 302
    refused = boss.post("/profile", data={**form, **bosss, "themes": "Circular economy"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "pm@sic.lv saved this profile after you opened it" in page
    assert "by pm@sic.lv.</small>" in page  # the page says who saved last, not the editor whose save was refused
    assert ">Circular economy</textarea>" in page  # the editor's changes, still in the form
    assert seeded.scalar("SELECT themes FROM profiles") == "Civic tech"
    again = sent_back(page)["seen"]
    assert boss.post("/profile", data={**form, **bosss, "seen": again, "themes": "Circular economy"}).status_code == 302
    assert seeded.scalar("SELECT themes FROM profiles") == "Circular economy"
    damaged = boss.post("/profile", data={**form, **bosss, "seen": "yesterday", "themes": "x"}).get_data(as_text=True)
    assert "You saved this profile in another tab" in damaged and seeded.scalar("SELECT themes FROM profiles") == "Circular economy"


def test_the_screening_thresholds_are_leaderships_or_the_profile_creators(pm, seeded):
    token = csrf(pm, "/profile")
    page = pm.get("/profile").get_data(as_text=True)
    assert 'name="min_project_size" inputmode="numeric" value="200000" readonly' in page
    assert "Days needed before a deadline <small>(set by leadership)</small>" in page
    form = {"csrf_token": token, "name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia",
            "themes": "", "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "200000",
            "min_lead_days": "30"}
    # A manager edits the rest of the profile: the thresholds, unchanged, go with it.
    assert pm.post("/profile", data=form).status_code == 302
    assert seeded.scalar("SELECT mission FROM profiles") == "Social innovation in Latvia"
    # SIC bids for no small project: lowering the minimum is leadership's call, not a manager's.
    refused = pm.post("/profile", data={**form, "mission": "Anything", "min_project_size": "20000"})
    assert "Only leadership, or whoever created this profile, changes its bid/no-bid policy" in refused.get_data(
        as_text=True)
    assert seeded.fetchone("SELECT mission, min_project_size, min_lead_days FROM profiles") == {
        "mission": "Social innovation in Latvia", "min_project_size": Decimal("200000"), "min_lead_days": 30}
    assert "Only leadership" in pm.post("/profile", data={**form, "min_lead_days": "5"}).get_data(as_text=True)
    assert "Only leadership" in pm.post("/profile", data={**form, "cofinancing_reserve": "1000000"}).get_data(
        as_text=True)
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") is None
    # On a profile of their own, they set them.
    assert pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC, small grants"}).status_code == 302
    assert "readonly" not in pm.get("/profile").get_data(as_text=True)
    assert pm.post("/profile", data={**form, "name": "SIC, small grants", "min_project_size": "20000"}).status_code == 302
    assert seeded.scalar("SELECT min_project_size FROM profiles WHERE name = 'SIC, small grants'") == Decimal("20000")


def test_leadership_weighs_the_assessment_s_questions_and_every_mean_follows(app, pm, seeded):
    import csv
    import io

    from store import decisions

    assess(pm, RATED)  # fit 5, win 2, value 4, capacity 3, partners 4: 3.6 alike
    form = {"name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia", "themes": "",
            "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "200000",
            "min_lead_days": "30"}
    page = pm.get("/profile").get_data(as_text=True)
    assert 'name="weight-fit" min="0" max="5" value="1" readonly' in page  # a manager sees them, set by leadership
    refused = pm.post("/profile", data={**form, "csrf_token": csrf(pm, "/profile"), "weight-fit": "3"})
    assert "changes its bid/no-bid policy" in refused.get_data(as_text=True)
    assert seeded.scalar("SELECT assessment_weights FROM profiles") == {}
    # A form without the weights (a page opened before they existed) keeps them as they are.
    assert pm.post("/profile", data={**form, "csrf_token": csrf(pm, "/profile")}).status_code == 302

    boss = app.test_client()
    login(boss, "boss@sic.lv")
    weights = {"weight-fit": "3", "weight-win": "1", "weight-value": "1", "weight-capacity": "0", "weight-partners": "1"}
    bad = boss.post("/profile", data={**form, "csrf_token": csrf(boss, "/profile"), **weights, "weight-win": "9"})
    assert "The weight of “Chance of winning” is a whole number from 0 to 5; &#39;9&#39; is not." in bad.get_data(
        as_text=True)
    assert boss.post("/profile", data={**form, "csrf_token": csrf(boss, "/profile"), **weights}).status_code == 302
    assert seeded.scalar("SELECT assessment_weights FROM profiles") == {
        "fit": 3, "win": 1, "value": 1, "capacity": 0, "partners": 1}
    assert 'name="weight-fit" min="0" max="5" value="3"' in boss.get("/profile").get_data(as_text=True)

    weighted = "4.2 of 5, weighted (strategic fit 5,"  # (3×5 + 2 + 4 + 0×3 + 4) / 6
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f"Assessment: <strong>{weighted}" in page and f"assessment {weighted}" in page
    assert f"Assessment {weighted}" in boss.get("/pipeline").get_data(as_text=True)
    assert "<td>4.2 of 5 <small>(mean of 1 assessed)</small></td>" in pm.get("/pipeline").get_data(as_text=True)
    register = pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig")
    assert next(csv.DictReader(io.StringIO(register)))["assessment (of 5)"] == "4.2"
    # Weighing them alike again, whatever the number, is the default.
    alike = dict.fromkeys(weights, "2")
    assert boss.post("/profile", data={**form, "csrf_token": csrf(boss, "/profile"), **alike}).status_code == 302
    assert seeded.scalar("SELECT assessment_weights FROM profiles") == {}
    assert decisions.assessment_mean({"fit": 5, "win": 2}, {}) == 3.5


def test_profile_links_our_organisation_in_the_partner_data(pm, seeded):
    from store.partners import resolve_organisation

    with seeded.transaction() as cur:
        org_id, _ = resolve_organisation(cur, "cordis", "998", {"pic": "998877665", "name": "Social Innovation Centre",
                                                                "country": "LV", "sector": "other"})
    token = csrf(pm, "/profile")
    form = {"csrf_token": token, "name": "SIC", "mission": "Social innovation in Latvia", "themes": "",
            "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "200000",
            "min_lead_days": "30"}  # SIC's thresholds, unchanged: they are leadership's
    unknown = pm.post("/profile", data={**form, "organisation": "123"}).get_data(as_text=True)
    assert "No organisation with id or PIC 123" in unknown and "value=\"123\"" in unknown
    assert seeded.scalar("SELECT organisation_id FROM profiles") is None

    assert pm.post("/profile", data={**form, "organisation": "998 877 665"}).status_code == 302  # a PIC as printed
    assert seeded.scalar("SELECT organisation_id FROM profiles") == org_id
    page = pm.get("/profile").get_data(as_text=True)
    assert "Linked to" in page and "Social Innovation Centre" in page and "0 past projects" in page

    assert pm.post("/profile", data={**form, "organisation": ""}).status_code == 302
    assert seeded.scalar("SELECT organisation_id FROM profiles") is None


def test_a_second_profile_has_its_own_ranking_and_decisions(pm, seeded, embedder):
    token = csrf(pm, "/profile")
    sic = seeded.scalar("SELECT id FROM profiles")
    decide(pm)  # a bid on CERV-SOCIAL-01 for SIC's profile
    assert "Profile: " not in pm.get("/calls").get_data(as_text=True)  # one profile: nothing to tell apart

    assert pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC (fusion)"}).status_code == 302
    fusion = seeded.scalar("SELECT id FROM profiles WHERE name = 'SIC (fusion)'")
    assert seeded.scalar("SELECT mission FROM profiles WHERE id = %s", (fusion,)) == \
        seeded.scalar("SELECT mission FROM profiles WHERE id = %s", (sic,))
    form = {"csrf_token": token, "name": "SIC (fusion)", "mission": "Plasma physics and fusion reactor materials",
            "themes": "", "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "",
            "min_lead_days": "14"}
    assert pm.post("/profile", data=form).status_code == 302
    assert seeded.scalar("SELECT mission FROM profiles WHERE id = %s", (sic,)) != form["mission"]
    ranking.rank_calls(seeded, EmbeddingStore(seeded, embedder), fusion, date(2026, 6, 27))

    calls_page = pm.get("/calls").get_data(as_text=True)
    assert "Profile: SIC (fusion)" in calls_page
    assert calls_page.index("HORIZON-FUSION-01") < calls_page.index("CERV-SOCIAL-01")
    assert 'class="state bid"' not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)

    duplicate = pm.post("/profiles/new", data={"csrf_token": token, "name": "sic (FUSION)"}, follow_redirects=True)
    assert "already exists" in duplicate.get_data(as_text=True)
    assert pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": str(sic),
                                             "next": "https://evil.example/"}).headers["Location"] == "/calls"
    sic_name = seeded.scalar("SELECT name FROM profiles WHERE id = %s", (sic,))
    assert f"Profile: {sic_name}" in pm.get("/calls").get_data(as_text=True)
    assert 'class="state bid"' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": "99999"}).status_code == 404

    # Renaming SIC's profile: a taken or an overlong name is an error on the form, which keeps what was
    # typed; a tab or a line break in a name becomes a space.
    rename = {**form, "name": "SIC (FUSION)", "mission": "Social innovation", "min_project_size": "200000",
              "min_lead_days": "30"}
    page = pm.post("/profile", data=rename)
    assert page.status_code == 200 and "A profile named &#39;SIC (FUSION)&#39; already exists." in page.get_data(
        as_text=True)
    page = pm.post("/profile", data={**rename, "name": "x" * 121}).get_data(as_text=True)
    assert "A profile name has at most 120 characters (this one has 121)." in page and 'value="' + "x" * 121 in page
    assert page.count('maxlength="120"') == 2  # the form says so before it is sent: rename and copy
    page = pm.post("/profile", data={**rename, "name": "SIC\x07"}).get_data(as_text=True)
    assert "A profile name is plain text, without control characters." in page
    assert seeded.scalar("SELECT name FROM profiles WHERE id = %s", (sic,)) == sic_name
    assert pm.post("/profile", data={**rename, "name": "SIC\t(renamed)\n"}).status_code == 302
    assert seeded.scalar("SELECT name FROM profiles WHERE id = %s", (sic,)) == "SIC (renamed)"


def test_leadership_or_its_creator_deletes_a_profile_unless_it_holds_decisions(app, pm, seeded):
    token = csrf(pm, "/profile")
    sic = seeded.scalar("SELECT id FROM profiles")
    decide(pm)  # SIC's profile now holds a decision
    pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC (mine)"})
    mine = seeded.scalar("SELECT id FROM profiles WHERE name = 'SIC (mine)'")
    assert "Delete <strong>SIC (mine)</strong>" in pm.get("/profile").get_data(as_text=True)
    assert pm.post(f"/profiles/{mine}/delete", data={"csrf_token": token, "confirm": "1"}).status_code == 302
    assert seeded.scalar("SELECT count(*) FROM profiles") == 1
    pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC (trial)"})
    trial = seeded.scalar("SELECT id FROM profiles WHERE name = 'SIC (trial)'")
    pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": str(sic)})
    assert "Delete <strong>" not in pm.get("/profile").get_data(as_text=True)  # not the creator of SIC's
    refused = pm.post(f"/profiles/{sic}/delete", data={"csrf_token": token, "confirm": "1"})
    assert refused.status_code == 403 and "Only leadership or the profile" in refused.get_data(as_text=True)
    pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": str(trial)})

    boss = app.test_client()
    login(boss, "boss@sic.lv")
    token = csrf(boss, "/profile")
    assert "Delete <strong>" in boss.get("/profile").get_data(as_text=True)
    kept = boss.post(f"/profiles/{sic}/delete", data={"csrf_token": token, "confirm": "1"}, follow_redirects=True)
    assert "holds 1 bid/no-bid decision;" in kept.get_data(as_text=True)
    unconfirmed = boss.post(f"/profiles/{trial}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    assert seeded.scalar("SELECT count(*) FROM profiles") == 2

    deleted = boss.post(f"/profiles/{trial}/delete", data={"csrf_token": token, "confirm": "1"}, follow_redirects=True)
    assert "Profile &#39;SIC (trial)&#39; and its ranking deleted" in deleted.get_data(as_text=True)
    assert seeded.scalar("SELECT array_agg(id) FROM profiles") == [sic]
    # The manager was working on the deleted profile: back on SIC's, with its decision.
    assert 'class="state bid"' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert boss.post(f"/profiles/{trial}/delete", data={"csrf_token": token, "confirm": "1"}).status_code == 404
