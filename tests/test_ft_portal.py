"""The Funding & Tenders Portal spider on the real recorded search pages, as of the recording day."""

import json
from datetime import date
from decimal import Decimal

import pytest

from crawlers.items import CallItem
from crawlers.spiders.ft_portal import FtPortalSpider, multipart_json
from tests.helpers.responses import file_response, spider_at

RECORDED_ON = "2026-06-27"
PAGES = range(1, 20)
API = "https://api.tech.ec.europa.eu/search-api/prod/rest/search?apiKey=SEDIA&text=***&pageSize=100&pageNumber={}"


@pytest.fixture(scope="module")
def pages_dir(shared_dir):
    return shared_dir / "fixtures" / "ft-portal" / "search-2026-06-27"


@pytest.fixture(scope="module")
def spider():
    return spider_at(FtPortalSpider, RECORDED_ON)


def parse_page(spider, pages_dir, number):
    response = file_response(pages_dir / f"page-{number}.json", API.format(number))
    return list(spider.parse(response, page=number))


def items_of(output):
    return [o for o in output if isinstance(o, CallItem)]


@pytest.fixture(scope="module")
def by_id(spider, pages_dir):
    """The richest copy of every topic across all 19 pages."""
    found = {}
    for number in PAGES:
        for item in items_of(parse_page(spider, pages_dir, number)):
            if item.identifier not in found or item.richness() > found[item.identifier].richness():
                found[item.identifier] = item
    return found


@pytest.mark.parametrize("number", PAGES)
def test_every_record_of_every_page_becomes_a_call(spider, pages_dir, number):
    recorded = json.loads((pages_dir / f"page-{number}.json").read_text())["results"]
    assert len(items_of(parse_page(spider, pages_dir, number))) == len(recorded)


@pytest.mark.parametrize("number", PAGES)
def test_every_call_has_identifier_title_link_and_a_derived_status(spider, pages_dir, number):
    for item in items_of(parse_page(spider, pages_dir, number)):
        assert item.identifier and item.title and item.url.startswith("https://")
        assert item.status in ("forthcoming", "open", "closed")


def test_page_one_asks_for_every_other_page(spider, pages_dir):
    requests = [o for o in parse_page(spider, pages_dir, 1) if not isinstance(o, CallItem)]
    assert [r.cb_kwargs["page"] for r in requests] == list(range(2, 20))


def test_later_pages_ask_for_nothing_more(spider, pages_dir):
    assert all(isinstance(o, CallItem) for o in parse_page(spider, pages_dir, 2))


def test_all_pages_hold_1456_distinct_topics(by_id):
    assert len(by_id) == 1456


def test_programme_is_a_readable_name(by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].programme == "Horizon Europe"
    assert by_id["PPPA-2026-SOCIAL-ECONOMY-TOURISM"].programme == "Pilot Projects and Preparatory Actions"
    # Only one programme of the recording is left unnamed, and it goes by its topics' prefix, not a number.
    unnamed = {item.programme for item in by_id.values() if item.programme.startswith("Other EU programme")}
    assert unnamed == {"Other EU programme (EP)"}


def test_call_identifier(by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].call_id == "HORIZON-MSCA-2027-COFUND-01"


def test_call_title(by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].call_title == "MSCA COFUND 2027"


def test_opening_date(by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].opening_date == date(2026, 12, 8)


def test_single_deadline_with_its_stage(by_id):
    assert [d.as_json() for d in by_id["HORIZON-MSCA-2027-COFUND-01-01"].deadlines] == [
        {"date": "2027-04-06", "stage": "single-stage"}
    ]


def test_two_stage_topic_has_both_deadlines(by_id):
    assert [(d.date.isoformat(), d.stage) for d in by_id["HORIZON-CL4-2027-02-MAT-PROD-32-two-stage"].deadlines] == [
        ("2027-02-02", "first stage"), ("2027-09-02", "second stage")
    ]


def test_multiple_cut_offs_are_numbered(by_id):
    assert [d.stage for d in by_id["ERASMUS-EDU-2022-ECHE-CERT-FP"].deadlines][-1] == "cut-off 5"


def test_forthcoming_status_comes_from_the_opening_date(by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].status == "forthcoming"


def test_stale_open_status_is_corrected_from_the_deadlines(by_id):
    item = by_id["ERASMUS-EDU-2022-ECHE-CERT-FP"]
    assert item.raw["metadata"]["status"] == ["31094502"]  # the API says open
    assert item.status == "closed"


def test_stale_statuses_are_corrected_in_hundreds_of_records(by_id):
    stale = [i for i in by_id.values() if i.raw["metadata"].get("status") == ["31094502"] and i.status == "closed"]
    assert len(stale) > 300


def test_topic_budget_is_this_topics_share_of_the_call(by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].topic_budget == Decimal("51251165")


def test_budget_of_another_topic_of_the_same_call_is_not_mixed_in(by_id):
    assert by_id["CERV-2026-CHAR-LITI-CIVIC"].topic_budget == Decimal("26000000")


def test_grant_size_given_by_the_portal(by_id):
    item = by_id["HORIZON-CL4-2027-04-HUMAN-01"]
    assert (item.grant_min, item.grant_max) == (Decimal("4800000"), Decimal("5600000"))


def test_expected_number_of_grants(by_id):
    assert by_id["HORIZON-CL4-2027-04-HUMAN-01"].expected_grants == 8


def test_lump_sum_zero_grant_size_is_unknown_not_zero(by_id):
    item = by_id["ERASMUS-EDU-2026-PEX-COVE"]
    assert (item.grant_min, item.grant_max, item.expected_grants) == (None, None, None)


def test_action_type(by_id):
    assert by_id["ERASMUS-EDU-2026-PEX-COVE"].action_type == "ERASMUS Lump Sum Grants"


def test_partner_search_flag(by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].partner_search is True


def test_keywords_leave_out_the_identifiers_themselves(by_id):
    assert "HORIZON-MSCA-2027-COFUND-01-01" not in by_id["HORIZON-MSCA-2027-COFUND-01-01"].keywords


def test_description_is_sanitised_html_with_a_plain_text_twin(by_id):
    item = by_id["HORIZON-MSCA-2027-COFUND-01-01"]
    assert "<p>" in item.description_html and "class=" not in item.description_html
    assert item.description_text.startswith("Expected Outcome:")


def test_stub_records_link_to_the_topic_page_not_the_json(by_id):
    item = by_id["EUBA-2024-PLANTS-04"]
    assert item.url.endswith("/topic-details/EUBA-2024-PLANTS-04")


def test_europeaid_call_is_limited_to_its_country(by_id):
    assert by_id["EuropeAid/186571/DD/ACT/ZA"].eligibility["countries"] == ["ZA"]


def test_europeaid_call_budget_is_its_plain_figure(by_id):
    assert by_id["EuropeAid/186571/DD/ACT/ZA"].topic_budget == Decimal("5164000")


def test_europeaid_multi_country_call_names_no_single_country(by_id):
    assert by_id["EuropeAid/167264/DD/ACT/Multi"].eligibility["countries"] == []


def test_richest_copy_of_a_duplicated_topic_has_the_text(spider, pages_dir, by_id):
    assert by_id["HORIZON-MSCA-2027-COFUND-01-01"].description_text


def test_malformed_page_is_recorded_and_skipped(spider, pages_dir):
    response = file_response(pages_dir / "page-2.json", API.format(2), body=b'{"results": [')
    assert list(spider.parse(response, page=2)) == []
    assert "malformed JSON" in spider.failures[-1]["error"]


def test_a_page_of_another_shape_is_reported_loudly(spider, pages_dir):
    response = file_response(pages_dir / "page-2.json", API.format(2), body=b'{"items": []}')
    assert list(spider.parse(response, page=2)) == []
    assert "page shape changed" in spider.failures[-1]["error"]


BREAKAGES = {  # one record of a page broken in ways a changing API could break it
    "no identifier": lambda record: record["metadata"].update(identifier=[]),
    "metadata not an object": lambda record: record.update(metadata="n/a"),
    "metadata missing": lambda record: record.pop("metadata"),
    "a date that is not one": lambda record: record["metadata"].update(deadlineDate=["soon"]),
}


@pytest.mark.parametrize("break_record", list(BREAKAGES.values()), ids=list(BREAKAGES))
def test_a_broken_record_is_skipped_and_the_rest_kept(spider, pages_dir, break_record):
    data = json.loads((pages_dir / "page-19.json").read_text())
    break_record(data["results"][0])
    response = file_response(pages_dir / "page-19.json", API.format(19), body=json.dumps(data).encode())
    assert len(items_of(spider.parse(response, page=19))) == len(data["results"]) - 1


def test_the_request_is_multipart_with_json_parts(spider):
    request = spider.page_request(3)
    assert request.method == "POST"
    assert request.headers["Content-Type"].startswith(b"multipart/form-data; boundary=")
    assert b'name="query"' in request.body and b"Content-Type: application/json" in request.body
    assert "pageNumber=3" in request.url and "pageSize=100" in request.url


def test_programmes_narrow_the_query():
    spider = spider_at(FtPortalSpider, RECORDED_ON, programmes="Erasmus+, horizon europe,43251589")
    assert {"terms": {"frameworkProgramme": ["43353764", "43108390", "43251589"]}} in spider.query()["bool"]["must"]


def test_a_programme_the_portal_does_not_know_is_refused_not_crawled_to_nothing():
    from click.testing import CliRunner

    from cli import commands  # noqa: F401 (registers the commands)
    from cli.main import cli

    with pytest.raises(ValueError, match="unknown programme 'Horizon': give the portal's numeric code or one of"):
        spider_at(FtPortalSpider, RECORDED_ON, programmes="Erasmus+,Horizon")
    result = CliRunner().invoke(cli, ["crawl", "ft_portal", "--programmes", "Horizon"])
    assert result.exit_code == 2 and "Invalid value for --programmes: unknown programme 'Horizon'" in result.output
    assert "Horizon Europe" in result.output


def test_multipart_parts_each_carry_json():
    body, content_type = multipart_json({"languages": ["en"]})
    assert b'["en"]' in body and content_type.startswith("multipart/form-data")


def test_when_results_come_is_read_from_the_recorded_calls_that_say_it(by_id):
    from store.results import expected

    def due(identifier):
        item = by_id[identifier]
        return expected({"identifier": identifier, "source": "ft_portal",
                         "deadlines": [d.as_json() for d in item.deadlines],
                         "conditions_text": item.conditions_text, "description_text": item.description_text})

    # "Information on the outcome of the evaluation: Maximum 4 months from the final date for submission"
    fast = due("HORIZON-CL4-2027-01-MAT-PROD-61")
    assert (fast["last_deadline"], fast["by"]) == (date(2027, 2, 2), date(2027, 6, 2))
    assert fast["said"] == ("the call says “Information on the outcome of the evaluation: Maximum 4 months from the"
                            " final date for submission”")
    # "Information on evaluation results: January 2027": the end of that month.
    assert due("SOCPL-2026-SOC-DIALOG")["by"] == date(2027, 1, 31)
    # A Horizon Europe topic that leaves it to the General Annexes: their 5 months.
    other = next(i for i, item in by_id.items() if i.startswith("HORIZON-CL2-") and item.deadlines)
    assert due(other)["said"].startswith("Horizon Europe tells applicants within 5 months")
