"""Interreg programme spiders on constructed pages (no recording of these sites exists: see
tests/fixtures/constructed/README.md). Time is frozen at 2026-06-27."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from crawlers.interreg import EU27, area_countries
from crawlers.items import CallItem
from crawlers.spiders.interreg import (BalticSeaRegionSpider, CentralBalticSpider, EstoniaLatviaSpider,
                                       InterregEuropeSpider, LatviaLithuaniaSpider, UrbactSpider)
from tests.helpers.cli import run_callmatch
from tests.helpers.responses import file_response, spider_at

PAGES = Path(__file__).parent / "fixtures" / "constructed" / "interreg"
CASES = [  # spider, folder, listing path, call path
    (BalticSeaRegionSpider, "bsr", "/gateway/calls/", "/gateway/calls/call-4-core-projects/"),
    (CentralBalticSpider, "central-baltic", "/for-applicants/", "/for-applicants/call-3/"),
    (EstoniaLatviaSpider, "est-lat", "/en/for-applicants", "/en/calls/4th-call"),
    (LatviaLithuaniaSpider, "lat-lit", "/for-applicants/", "/calls/call-3-small/"),
    (InterregEuropeSpider, "europe", "/apply", "/calls/call-5"),
]


def page(spider_cls, folder, path):
    file = PAGES / folder / (path.strip("/") + ("/index" if path.endswith("/") or "." not in path else ""))
    if not file.exists():
        file = PAGES / folder / path.strip("/") / "index"
    return file_response(file, spider_cls.base_url + path, html=True)


def call_of(spider_cls, folder, path):
    spider = spider_at(spider_cls, "2026-06-27")
    items = [i for i in spider.parse_call(page(spider_cls, folder, path)) if isinstance(i, CallItem)]
    assert len(items) == 1, spider.failures
    return items[0]


@pytest.mark.parametrize("spider_cls,folder,listing,call", CASES)
def test_calls_page_leads_to_each_call(spider_cls, folder, listing, call):
    spider = spider_at(spider_cls, "2026-06-27")
    requests = list(spider.parse(page(spider_cls, folder, listing)))
    assert [r.url for r in requests] == [spider_cls.base_url + call]


@pytest.mark.parametrize("spider_cls,folder,listing,call", CASES)
def test_every_call_has_title_programme_deadline_and_status(spider_cls, folder, listing, call):
    item = call_of(spider_cls, folder, call)
    assert item.title and item.programme == spider_cls.programme and item.deadlines and item.status


def test_bsr_project_idea_deadline_comes_before_the_application(tmp_path):
    item = call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/")
    assert [(d.date, d.stage) for d in item.deadlines] == [
        (date(2026, 10, 30), "project idea"), (date(2027, 2, 17), "full application")]


def test_bsr_opening_date():
    assert call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/").opening_date == date(2026, 9, 15)


def test_bsr_budget_in_millions():
    assert call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/").topic_budget == Decimal("30000000")


def test_bsr_funding_rate():
    assert call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/").funding_rate == Decimal("80")


def test_bsr_minimum_and_maximum_per_project():
    item = call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/")
    assert (item.grant_min, item.grant_max) == (Decimal("500000"), Decimal("4000000"))


def test_bsr_eligible_area():
    item = call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/")
    assert "LV" in item.eligibility["countries"] and item.eligibility["area"].startswith("Denmark, Estonia")


def test_bsr_status_is_forthcoming_before_the_opening():
    assert call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/").status == "forthcoming"


def test_bsr_description_is_sanitised():
    item = call_of(BalticSeaRegionSpider, "bsr", "/gateway/calls/call-4-core-projects/")
    assert "social innovation" in item.description_text and "<script" not in item.description_html
    # Links relative to the call's page lead to the programme's site, not into this one.
    assert 'href="https://interreg-baltic.eu/wp-content/uploads/programme-manual.pdf"' in item.description_html
    assert 'href="https://interreg-baltic.eu/gateway/calls/call-4-core-projects/terms-of-reference/"' in item.description_html


def test_central_baltic_dotted_dates_and_budget():
    item = call_of(CentralBalticSpider, "central-baltic", "/for-applicants/call-3/")
    assert (item.opening_date, item.deadlines[0].date, item.topic_budget) == (
        date(2026, 11, 2), date(2027, 1, 25), Decimal("12000000"))


def test_estonia_latvia_decimal_millions_and_maximum():
    item = call_of(EstoniaLatviaSpider, "est-lat", "/en/calls/4th-call")
    assert (item.topic_budget, item.grant_max, item.eligibility["countries"]) == (
        Decimal("6500000"), Decimal("1000000"), ["EE", "LV"])


def test_latvia_lithuania_open_call_with_a_small_maximum():
    item = call_of(LatviaLithuaniaSpider, "lat-lit", "/calls/call-3-small/")
    assert (item.status, item.grant_max, item.funding_rate) == ("open", Decimal("150000"), Decimal("80"))


@pytest.mark.parametrize("last_part,identifier", [
    ("jaunatnes-darb%C4%81", "interreg_lat_lit:jaunatnes-darbā"),  # a Latvian address, as Scrapy asks for it
    ("call%203%20small", "interreg_lat_lit:call 3 small"),
    ("call-%FF", "interreg_lat_lit:call-%FF"),  # not UTF-8: kept as it is, the same on every crawl
])
def test_a_call_is_named_by_its_address_as_a_reader_writes_it(last_part, identifier):
    spider = spider_at(LatviaLithuaniaSpider, "2026-06-27")
    response = file_response(PAGES / "lat-lit" / "calls" / "call-3-small" / "index",
                             f"{LatviaLithuaniaSpider.base_url}/calls/{last_part}/", html=True)
    [item] = [i for i in spider.parse_call(response) if isinstance(i, CallItem)]
    assert item.identifier == item.call_id == identifier


def test_latvia_lithuania_is_not_open_to_companies_and_the_other_programmes_are():
    item = call_of(LatviaLithuaniaSpider, "lat-lit", "/calls/call-3-small/")
    assert "private" not in item.eligibility["applicant_types"] and "ngo" in item.eligibility["applicant_types"]
    for spider_cls, folder, _, call in CASES[:3]:
        assert "applicant_types" not in call_of(spider_cls, folder, call).eligibility


def test_interreg_europe_is_open_to_the_eu_norway_and_switzerland_and_not_to_companies():
    item = call_of(InterregEuropeSpider, "europe", "/calls/call-5")
    assert item.deadlines[0].date == date(2027, 5, 31)
    assert len(item.eligibility["countries"]) == 29 and {"LV", "NO", "CH"} <= set(item.eligibility["countries"])
    assert not {"GB", "UA", "US"} & set(item.eligibility["countries"])
    assert item.eligibility["area"] == "EU27, Norway, Switzerland"  # as the call words it
    assert "private" not in item.eligibility["applicant_types"] and "ngo" in item.eligibility["applicant_types"]


@pytest.mark.parametrize("area,countries", [
    ("EU27, Norway, Switzerland", {*EU27, "NO", "CH"}),
    # as Interreg Europe's help centre words it since candidate countries joined
    ("the 27 EU Member States, Albania, Bosnia and Herzegovina, Montenegro, North Macedonia, Serbia, Moldova,"
     " Ukraine, Norway and Switzerland", {*EU27, "AL", "BA", "ME", "MK", "RS", "MD", "UA", "NO", "CH"}),
    ("Denmark, Estonia, Finland, Germany (parts), Latvia, Lithuania, Poland, Sweden, Norway",
     {"DK", "EE", "FI", "DE", "LV", "LT", "PL", "SE", "NO"}),
    ("Ireland and Northern Ireland", {"IE", "GB"}),
    ("Border counties of Northern Ireland", {"GB"}),
    ("The whole programme area", set()),  # nothing named: the spider's own list stands
])
def test_an_eligible_area_is_read_into_countries(area, countries):
    assert set(area_countries(area)) == countries


def test_a_call_page_that_names_more_countries_than_the_spider_knows_is_believed():
    body = page(InterregEuropeSpider, "europe", "/calls/call-5").body.replace(
        b"EU27, Norway, Switzerland", b"EU27, Norway, Switzerland, Albania and Serbia")
    spider = spider_at(InterregEuropeSpider, "2026-06-27")
    response = file_response(PAGES / "europe" / "calls" / "call-5" / "index",
                             InterregEuropeSpider.base_url + "/calls/call-5", html=True, body=body)
    [item] = [i for i in spider.parse_call(response) if isinstance(i, CallItem)]
    assert {"AL", "RS", "LV"} <= set(item.eligibility["countries"]) and len(item.eligibility["countries"]) == 31


def urbact_page(body: bytes | None = None):
    return file_response(PAGES / "urbact" / "get-involved" / "index", UrbactSpider.base_url + "/get-involved",
                         html=True, body=body)


def test_urbact_get_involved_page_is_the_open_call_itself():
    spider = spider_at(UrbactSpider, "2026-06-27")
    [item] = list(spider.parse(urbact_page()))
    assert spider.failures == []
    # One address for every call round: the call's name and its opening year tell the rounds apart.
    assert (item.identifier, item.title, item.programme, item.action_type, item.status) == (
        "urbact:call-for-action-planning-networks-2026", "Call for Action Planning Networks", "URBACT",
        "URBACT network", "open")
    assert (item.opening_date, [(d.date, d.stage) for d in item.deadlines]) == (
        date(2026, 6, 15), [(date(2026, 9, 30), "application")])
    assert (item.grant_max, item.funding_rate) == (Decimal("850000"), Decimal("80"))
    assert item.eligibility["area"].startswith("EU Member States, Norway, Switzerland")
    assert {"LV", "NO", "CH", "RS"} <= set(item.eligibility["countries"]) and "GB" not in item.eligibility["countries"]
    assert item.eligibility["applicant_types"] == ["public", "academic", "research"]
    assert "URBACT Local Group" in item.description_text and "<script" not in item.description_html


@pytest.mark.parametrize("sentence,title,opens,closes", [
    ("Call for Innovation Transfer Networks open from 10 January to 20 March 2024",
     "Call for Innovation Transfer Networks", date(2024, 1, 10), date(2024, 3, 20)),
    ("Call for Transfer Networks open from 1 December to 10 January 2018",  # opened the year before
     "Call for Transfer Networks", date(2017, 12, 1), date(2018, 1, 10)),
    ("The first URBACT IV call for Action Planning Networks is open until 31 March 2023 at 15:00 CEST!",
     "Call for Action Planning Networks", None, date(2023, 3, 31)),
])
def test_urbact_call_announced_in_one_sentence_without_a_table_of_facts(sentence, title, opens, closes):
    # Constructed from the wording the live page has used: a heading names the call and its dates.
    body = (f"<html><body><main><h1>Get Involved!</h1><h2>{sentence}</h2><p>Cities from the EU Member States"
            " can join a network.</p></main></body></html>").encode()
    spider = spider_at(UrbactSpider, "2023-03-01")
    [item] = list(spider.parse(urbact_page(body)))
    assert (item.title, item.opening_date, [d.date for d in item.deadlines]) == (title, opens, [closes])
    year = (opens or closes).year
    assert item.identifier == f"urbact:{title.lower().replace(' ', '-')}-{year}"
    assert "Cities from the EU Member States" in item.description_text


def test_urbact_between_call_rounds_is_not_a_failure_and_another_page_is():
    spider = spider_at(UrbactSpider, "2026-06-27")
    quiet = b"<html><body><h1 class='page-title'>Get involved</h1><p>There is no open call for networks at the moment."
    assert list(spider.parse(urbact_page(quiet))) == [] and spider.failures == []
    assert spider.idle == "URBACT lists no open calls right now"
    spider = spider_at(UrbactSpider, "2026-06-27")
    moved = b"<html><body><h1 class='page-title'>Get involved</h1><p>Calls: see our new portal.</p></body></html>"
    assert list(spider.parse(urbact_page(moved))) == [] and spider.idle is None
    assert "neither an open call's key facts" in spider.failures[-1]["error"]
    spider = spider_at(UrbactSpider, "2026-06-27")  # an announcement whose date cannot be read
    garbled = b"<html><body><h2>Call for Transfer Networks open from 10 Janvier to 20 March 2024</h2></body></html>"
    assert list(spider.parse(urbact_page(garbled))) == []
    assert "no call title or no key facts" in spider.failures[-1]["error"]


def test_a_calls_page_of_another_shape_is_reported_loudly():
    spider = spider_at(BalticSeaRegionSpider, "2026-06-27")
    response = file_response(PAGES / "bsr" / "gateway" / "calls" / "index", BalticSeaRegionSpider.base_url + "/gateway/calls/",
                             html=True, body=b"<html><body><div class='new-layout'>Calls</div></body></html>")
    assert list(spider.parse(response)) == []
    assert "page shape changed" in spider.failures[-1]["error"]


def test_a_call_page_without_facts_is_reported_loudly():
    spider = spider_at(CentralBalticSpider, "2026-06-27")
    response = file_response(PAGES / "central-baltic" / "for-applicants" / "index", CentralBalticSpider.base_url + "/x/",
                             html=True, body=b"<html><h1>Call</h1><p>Dates soon.</p></html>")
    assert list(spider.parse_call(response)) == []
    assert "no call title or no key facts" in spider.failures[-1]["error"]


@pytest.mark.parametrize("sentence", [
    "There are no open calls at the moment.", "There is currently <strong>no open call</strong>.",
    "No calls are open right now.", "At the moment no call is open; the next one opens in spring."])
def test_no_open_calls_is_not_a_failure(sentence):
    spider = spider_at(LatviaLithuaniaSpider, "2026-06-27")
    response = file_response(PAGES / "lat-lit" / "for-applicants" / "index",
                             LatviaLithuaniaSpider.base_url + "/for-applicants/",
                             html=True, body=f"<html><body><p>{sentence}</p></body></html>".encode())
    assert list(spider.parse(response)) == [] and spider.failures == []
    assert spider.idle == "Interreg Latvia-Lithuania lists no open calls right now"


@pytest.mark.parametrize("sentence", ["Our calls have moved to a new page.", "Open calls: see the new portal.",
                                      "Calls for proposals"])
def test_a_listing_without_links_that_does_not_say_no_calls_is_a_changed_page(sentence):
    spider = spider_at(LatviaLithuaniaSpider, "2026-06-27")
    response = file_response(PAGES / "lat-lit" / "for-applicants" / "index",
                             LatviaLithuaniaSpider.base_url + "/for-applicants/",
                             html=True, body=f"<html><body><p>{sentence}</p></body></html>".encode())
    assert list(spider.parse(response)) == [] and spider.idle is None
    assert "no call links matching" in spider.failures[-1]["error"]


def test_a_crawl_between_call_rounds_is_an_ok_run_that_stored_nothing(settings, db, tmp_path):
    listing = tmp_path / "for-applicants"
    listing.mkdir()
    (listing / "index").write_text("<html><p>There are no open calls at the moment.</p></html>")
    result = run_callmatch("crawl", "interreg_lat_lit", "--replay", tmp_path, settings=settings,
                           env={"CALLMATCH_TODAY": "2026-06-27"})
    assert result.returncode == 0, result.stderr[-2000:]
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'interreg_lat_lit'")
    assert (run["status"], run["message"], run["pages"]) == (
        "ok", "nothing to do: Interreg Latvia-Lithuania lists no open calls right now", 1)
    # A listing without call links and without the marker is a changed page: that run fails, loudly.
    (listing / "index").write_text("<html><p>Our calls have moved.</p></html>")
    run_callmatch("crawl", "interreg_lat_lit", "--replay", tmp_path, settings=settings,
                  env={"CALLMATCH_TODAY": "2026-06-27"})
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'interreg_lat_lit' ORDER BY id DESC LIMIT 1")
    assert (run["status"], run["message"]) == ("failed", "nothing was stored")


def test_interreg_crawl_end_to_end_through_the_replay(settings, db):
    result = run_callmatch("crawl", "interreg_bsr", "--replay", PAGES / "bsr", settings=settings,
                           env={"CALLMATCH_TODAY": "2026-06-27"})
    assert result.returncode == 0, result.stderr[-2000:]
    row = db.fetchone("SELECT * FROM calls WHERE source = 'interreg_bsr'")
    assert (row["identifier"], row["programme"], row["status"]) == (
        "interreg_bsr:call-4-core-projects", "Interreg Baltic Sea Region", "forthcoming")
    assert row["deadlines"][0] == {"date": "2026-10-30", "stage": "project idea"}


def test_urbact_crawl_end_to_end_through_the_replay_and_again_without_a_duplicate(settings, db):
    outputs = []
    for verbose in ([], ["-v"]):
        result = run_callmatch(*verbose, "crawl", "urbact", "--replay", PAGES / "urbact", settings=settings,
                               env={"CALLMATCH_TODAY": "2026-06-27"})
        assert result.returncode == 0, result.stderr[-2000:]
        outputs.append(result.stdout + result.stderr)
    # Scrapy's start-up report and stats dump only with -v; the run's own summary always.
    quiet, verbose = outputs
    assert "Overridden settings" not in quiet and "Dumping Scrapy stats" not in quiet
    assert "Overridden settings" in verbose and "Dumping Scrapy stats" in verbose
    assert "urbact: ok - completed (calls: 1 new," in quiet and "Spider opened" in quiet
    rows = db.fetchall("SELECT identifier, status, eligibility FROM calls WHERE source = 'urbact'")
    assert [(r["identifier"], r["status"]) for r in rows] == [("urbact:call-for-action-planning-networks-2026", "open")]
    assert rows[0]["eligibility"]["applicant_types"] == ["public", "academic", "research"]
    assert [r["status"] for r in db.fetchall("SELECT status FROM crawl_runs WHERE source = 'urbact'")] == ["ok", "ok"]


# One fact's value split by markup (a line break, a bold figure) or left empty must not shift the
# values of the facts after it onto the wrong labels.
SPLIT_FACTS = {
    BalticSeaRegionSpider: """<table class="call-facts"><tr><th>Call opens</th><td></td></tr>
        <tr><th>Full application <em>deadline</em></th><td>17 February 2027<br>13:00 CET</td></tr>
        <tr><th>Maximum project size</th><td><strong>EUR 4 000 000</strong></td></tr></table>""",
    CentralBalticSpider: """<dl class="call-info"><dt>Call opens</dt><dd></dd>
        <dt>Full application <em>deadline</em></dt><dd>17 February 2027<br>13:00 CET</dd>
        <dt>Maximum project size</dt><dd><strong>EUR 4 000 000</strong></dd></dl>""",
    EstoniaLatviaSpider: """<div class="timeline"><p><strong>Call opens</strong></p>
        <p><strong>Full application deadline</strong> <time>17 February 2027</time><br>13:00 CET</p>
        <p><strong>Maximum project size</strong> <b>EUR 4 000 000</b></p></div>""",
    LatviaLithuaniaSpider: """<figure class="wp-block-table"><table><tr><td>Call opens</td><td></td></tr>
        <tr><td>Full application <em>deadline</em></td><td>17 February 2027<br>13:00 CET</td></tr>
        <tr><td>Maximum project size</td><td><strong>EUR 4 000 000</strong></td></tr></table></figure>""",
    UrbactSpider: """<div class="call-key-facts">
        <div class="field"><div class="field__label">Call opens</div><div class="field__item"></div></div>
        <div class="field"><div class="field__label">Full application <em>deadline</em></div>
            <div class="field__item">17 February 2027<br>13:00 CET</div></div>
        <div class="field"><div class="field__label">Maximum project size</div>
            <div class="field__item"><strong>EUR 4 000 000</strong></div></div></div>""",
    InterregEuropeSpider: """<ul class="key-facts">
        <li><span class="label">Call opens</span><span class="value"></span></li>
        <li><span class="label">Full application <em>deadline</em></span>
            <span class="value">17 February 2027<br>13:00 CET</span></li>
        <li><span class="label">Maximum project size</span>
            <span class="value"><strong>EUR 4 000 000</strong></span></li></ul>""",
}


@pytest.mark.parametrize("spider_cls", list(SPLIT_FACTS), ids=lambda cls: cls.name)
def test_a_value_split_by_markup_or_left_empty_stays_with_its_label(spider_cls):
    body = f"<html><body><h1>Call 9</h1>{SPLIT_FACTS[spider_cls]}</body></html>".encode()
    response = file_response(PAGES, spider_cls.base_url + "/calls/call-9/", html=True, body=body)
    facts = spider_at(spider_cls, "2026-06-27")._parse_facts(response)
    assert facts == [("Call opens", ""), ("Full application deadline", "17 February 2027 13:00 CET"),
                     ("Maximum project size", "EUR 4 000 000")]


def test_a_call_the_database_refuses_is_recorded_and_the_other_calls_are_still_stored(settings, db, tmp_path):
    replay = tmp_path / "bsr"
    shutil.copytree(PAGES / "bsr", replay)
    calls = replay / "gateway" / "calls"
    good = (calls / "call-4-core-projects" / "index").read_text()
    for n in (1, 2):  # a budget too large for the database's column, listed before the good call
        (calls / f"call-huge-{n}").mkdir()
        (calls / f"call-huge-{n}" / "index").write_text(good.replace("EUR 30 million", "EUR 10 000 000 000 million"))
    (calls / "index").write_text("".join(
        f'<article class="call-teaser"><h3><a href="/gateway/calls/{slug}/">{slug}</a></h3></article>'
        for slug in ("call-huge-1", "call-huge-2", "call-4-core-projects")))

    result = run_callmatch("crawl", "interreg_bsr", "--replay", replay, settings=settings,
                           env={"CALLMATCH_TODAY": "2026-06-27"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert db.scalar("SELECT identifier FROM calls") == "interreg_bsr:call-4-core-projects"
    run = db.fetchone("SELECT * FROM crawl_runs WHERE source = 'interreg_bsr'")
    assert run["status"] == "partial" and len(run["errors"]) == 2
    assert all(e["error"].startswith("could not store call interreg_bsr:call-huge-") for e in run["errors"])


def test_a_funding_rate_no_programme_pays_is_not_read_as_one():
    from crawlers.interreg import InterregCallsSpider

    read = InterregCallsSpider.read_facts
    assert read([("Co-financing rate", "up to 80 % of eligible costs")])["funding_rate"] == Decimal("80")
    assert read([("Funding rate", "62,5%")])["funding_rate"] == Decimal("62.5")
    for misread in ("0 %", "150%"):  # "0 % interest", a ratio of something else: nothing rather than a wrong rate
        assert read([("Funding rate", misread)])["funding_rate"] is None, misread
