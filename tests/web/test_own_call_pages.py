"""Calls the team adds by hand, on their pages: the form, its refusals, changing and removing them (the store is
tested in test_own_calls)."""

from store import calls as call_store
from tests.helpers.data import add_call
from tests.helpers.web import csrf

# A national agency's call, as the team would type it in.
OWN_CALL = {
    "title": "Cooperation partnerships in adult education", "programme": "Erasmus+ (VIAA)",
    "reference": "KA220-ADU 2027", "url": "https://www.viaa.gov.lv/lv/erasmus-2027", "opening_date": "2026-11-01",
    "first_stage": "concept note", "first_deadline": "2027-01-15", "deadline": "2027-03-05", "grant_max": "400 000",
    "countries": "LV",
}


def test_the_team_adds_a_call_on_a_page_which_keeps_what_was_typed_when_it_is_refused(pm):
    page = pm.get("/calls").get_data(as_text=True)
    assert 'href="/calls/new"' in page
    form = pm.get("/calls/new").get_data(as_text=True)
    assert 'name="title"' in form and "<option value=\"CERV\">" in form  # known programmes offered
    token = csrf(pm, "/calls/new")
    refused = pm.post("/calls/new", data={**OWN_CALL, "grant_max": "lots", "csrf_token": token})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "The largest grant is an amount in euros" in text and 'value="Cooperation partnerships in adult' in text
    added = pm.post("/calls/new", data={**OWN_CALL, "description": "Civic <script>alert(1)</script> work",
                                        "csrf_token": token})
    assert added.status_code == 302 and added.headers["Location"].endswith("/calls/team:ka220-adu-2027")
    shown = pm.get("/calls/team:ka220-adu-2027").get_data(as_text=True)
    assert "is added." in shown and "Added by the team (pm@sic.lv)" in shown
    assert "<script>alert(1)" not in shown and "&lt;script&gt;" in shown
    assert 'href="/calls/team:ka220-adu-2027/edit"' in shown and "Open the call's page" in shown
    assert "not scored yet" in shown and "Not screened yet" in shown  # until the worker has ranked it
    assert "<dt>Open to</dt><dd>organisations established in Latvia</dd>" in shown
    sources = pm.get("/sources").get_data(as_text=True)
    assert "Added by the team" in sources and "1 call" in sources[sources.index("Added by the team"):]
    # A call a source lists under the same title: each page names the other.
    add_call(pm.application.extensions["callmatch.db"], "ERASMUS-EDU-2027-PCOOP", OWN_CALL["title"], "Adult learning.")
    shown = pm.get("/calls/team:ka220-adu-2027").get_data(as_text=True)
    assert "A source lists a call\n    of the same title or reference:" in shown
    assert 'href="/calls/ERASMUS-EDU-2027-PCOOP"' in shown
    crawled = pm.get("/calls/ERASMUS-EDU-2027-PCOOP").get_data(as_text=True)
    assert "The team also added this call by hand:" in crawled and 'href="/calls/team:ka220-adu-2027"' in crawled


def test_the_team_changes_and_removes_its_own_calls_but_not_crawled_ones(pm, seeded):
    token = csrf(pm, "/calls/new")
    pm.post("/calls/new", data={**OWN_CALL, "csrf_token": token})
    form = pm.get("/calls/team:ka220-adu-2027/edit").get_data(as_text=True)
    assert 'value="2027-03-05"' in form and 'value="400000"' in form and "concept note\" selected" in form
    saved = pm.post("/calls/team:ka220-adu-2027/edit", data={**OWN_CALL, "deadline": "2027-03-19", "csrf_token": token})
    assert saved.status_code == 302
    assert "2027-03-19" in str(call_store.get_call(seeded, "team:ka220-adu-2027")["deadlines"])
    # When the results come, typed from the agency's page: shown with the call's conditions, and beside a bid's
    # outcome form; a slip is said beside the form.
    refused = pm.post("/calls/team:ka220-adu-2027/edit", data={**OWN_CALL, "results": "soon", "csrf_token": token})
    assert refused.status_code == 400 and "Say when the results come as a month (March 2027)" in refused.get_data(
        as_text=True)
    pm.post("/calls/team:ka220-adu-2027/edit", data={**OWN_CALL, "results": "July 2027", "csrf_token": token})
    assert 'name="results" value="July 2027"' in pm.get("/calls/team:ka220-adu-2027/edit").get_data(as_text=True)
    pm.post("/calls/team:ka220-adu-2027/decision", data={"state": "bid", "reason": "Strong strategic fit", "note": "",
                                                           "csrf_token": token})
    shown = pm.get("/calls/team:ka220-adu-2027").get_data(as_text=True)
    assert "Information on evaluation results: July 2027" in shown
    assert "Results are due by 31 Jul 2027: the call says “Information on evaluation results: July 2027”." in shown
    seeded.execute("DELETE FROM decisions")  # taken back below, as a call nobody decided on
    assert pm.get("/calls/CERV-SOCIAL-01/edit").status_code == 404
    assert pm.post("/calls/CERV-SOCIAL-01/remove", data={"confirm": "1", "csrf_token": token}).status_code == 404
    unconfirmed = pm.post("/calls/team:ka220-adu-2027/remove", data={"csrf_token": token})
    assert unconfirmed.headers["Location"].endswith("/calls/team:ka220-adu-2027/edit")
    assert call_store.get_call(seeded, "team:ka220-adu-2027") is not None
    removed = pm.post("/calls/team:ka220-adu-2027/remove", data={"confirm": "1", "csrf_token": token})
    assert removed.status_code == 302 and removed.headers["Location"].endswith("/calls")
    assert call_store.get_call(seeded, "team:ka220-adu-2027") is None
