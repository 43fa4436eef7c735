"""EU Funding & Tenders Portal: open and forthcoming topics from the public search API.

The API wants a POST with multipart/form-data whose parts are JSON "files" (`query`,
`languages`, `sort`); form fields instead give HTTP 500. Every metadata value is a list of
strings, some of them JSON text that needs a second parse.
"""

from __future__ import annotations

import json
import math
import secrets
from decimal import Decimal
from urllib.parse import urlencode

import scrapy

from ..base import BaseSpider, parse_date
from ..items import CallItem, Deadline
from store.html import clean_html, html_to_text
from store.programmes import UNNAMED_PROGRAMME

PROGRAMMES = {
    "43108390": "Horizon Europe", "43353764": "Erasmus+", "43251589": "CERV", "43254019": "ESF+",
    "43252405": "LIFE", "43251814": "Creative Europe", "43152860": "Digital Europe", "43251567": "CEF",
    "44181033": "EDF", "43254037": "European Solidarity Corps", "43252517": "SMP/SOCPL", "44416173": "I3",
    "43298916": "Euratom", "43332642": "EU4Health", "43089234": "Innovation Fund", "111111": "EuropeAid",
    # The smaller programmes of the 2026-06-27 recording, named after their topics' identifiers (ISF-..., JUST-...).
    "43252368": "Internal Security Fund", "43252386": "Justice", "43252476": "Single Market Programme",
    "43392145": "EMFAF", "43252449": "Research Fund for Coal and Steel", "45876777": "Global Europe (NDICI)",
    "43637601": "Pilot Projects and Preparatory Actions", "44773066": "Just Transition Mechanism",
    "43252433": "Pericles IV", "43253967": "Renewable Energy Financing Mechanism", "45532249": "EU Bodies and Agencies",
    "43251882": "Information measures for the CAP", "44773133": "Information measures for cohesion policy",
    "46324255": "ERDF technical assistance",
}
STATUS_CODES = {"forthcoming": "31094501", "open": "31094502", "closed": "31094503"}
TOPIC_PAGE = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/{}"


def programme_name(code: str | None, identifier: str | None = None) -> str | None:
    """A readable name; a programme we do not know yet is called by its topics' prefix (EP-..., XYZ-...)."""
    if code is None:
        return None
    return PROGRAMMES.get(code) or f"{UNNAMED_PROGRAMME} ({(identifier or '').split('-')[0] or code})"


def programme_codes(programmes: str | None) -> list[str]:
    """The portal's codes for comma-separated programmes given by name (any case) or by code. A name the
    portal does not know would narrow a crawl to nothing, silently: ValueError names it and the names
    there are."""
    by_name = {name.lower(): code for code, name in PROGRAMMES.items()}
    codes = []
    for programme in (p.strip() for p in (programmes or "").split(",") if p.strip()):
        code = programme if programme.isdigit() else by_name.get(programme.lower())
        if code is None:
            raise ValueError(f"unknown programme {programme!r}: give the portal's numeric code or one of "
                             f"{', '.join(sorted(PROGRAMMES.values(), key=str.lower))}")
        codes.append(code)
    return codes


def multipart_json(parts: dict[str, object]) -> tuple[bytes, str]:
    """Encode each value as a JSON file part, as the portal's own front end does."""
    boundary = f"----callmatch{secrets.token_hex(12)}"
    chunks = []
    for name, value in parts.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="blob"\r\n'
            f"Content-Type: application/json\r\n\r\n{json.dumps(value)}\r\n"
        )
    chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode(), f"multipart/form-data; boundary={boundary}"


def first(meta: dict, key: str) -> str | None:
    values = meta.get(key) or []
    return values[0] if values else None


def second_parse(meta: dict, key: str):
    text = first(meta, key)
    if not text:
        return None
    return json.loads(text)


class FtPortalSpider(BaseSpider):
    name = "ft_portal"
    source_name = "ft_portal"  # calls are stored under this source, whichever spider filled them
    base_url = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"
    page_size = 100  # the API's cap
    arguments = {"programmes": programme_codes}

    def __init__(self, *args, programmes: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A comma-separated list of programme codes or names narrows the crawl; all by default.
        self.programmes = programme_codes(programmes)

    def lists_every_open_call(self) -> bool:
        return not self.programmes  # a run narrowed to some programmes says nothing of the others

    # -- requests ----------------------------------------------------------------------------------

    def query(self) -> dict:
        must = [
            {"terms": {"type": ["1", "2"]}},
            {"terms": {"status": [STATUS_CODES["forthcoming"], STATUS_CODES["open"]]}},
        ]
        if self.programmes:
            must.append({"terms": {"frameworkProgramme": self.programmes}})
        return {"bool": {"must": must}}

    def page_request(self, number: int) -> scrapy.Request:
        body, content_type = multipart_json(
            {"query": self.query(), "languages": ["en"], "sort": {"field": "identifier", "order": "ASC"}}
        )
        params = urlencode({"apiKey": "SEDIA", "text": "***", "pageSize": self.page_size, "pageNumber": number})
        return scrapy.Request(
            f"{self.base_url}?{params}",
            method="POST",
            body=body,
            headers={"Content-Type": content_type, "Accept": "application/json"},
            callback=self.parse,
            errback=self.on_request_error,
            cb_kwargs={"page": number},
            dont_filter=True,
        )

    async def start(self):
        yield self.page_request(1)

    # -- responses ---------------------------------------------------------------------------------

    def parse(self, response, page: int = 1):
        data = self.json_or_failure(response, f" on page {page}")
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("results"), list) or "totalResults" not in data:
            self.shape_error(response, "no 'results' list or 'totalResults'")
            return
        if page == 1:
            pages = math.ceil(int(data["totalResults"]) / self.page_size)
            for number in range(2, pages + 1):
                yield self.page_request(number)
        for record in data["results"]:
            try:
                yield self.parse_record(record)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                self.crawler.stats.inc_value("callmatch/dropped/unparseable record")
                self.logger.warning("skipped a record on page %s: %s", page, exc)

    def parse_record(self, record: dict) -> CallItem:
        meta = record["metadata"]
        identifier = self._parse_identifier(meta)
        deadlines = self._parse_deadlines(meta)
        opening = parse_date(first(meta, "startDate"))
        budget = self._parse_budget(meta, identifier)
        description = first(meta, "descriptionByte") or ""
        conditions = first(meta, "topicConditions") or ""
        return CallItem(
            source=self.source_name,
            identifier=identifier,
            title=self._parse_title(record, meta),
            url=self._parse_url(record, meta, identifier),
            programme=programme_name(first(meta, "frameworkProgramme"), identifier),
            programme_code=first(meta, "frameworkProgramme"),
            call_id=first(meta, "callIdentifier"),
            call_title=first(meta, "callTitle"),
            description_html=clean_html(description),
            description_text=html_to_text(description),
            conditions_html=clean_html(conditions),
            conditions_text=html_to_text(conditions),
            opening_date=opening,
            deadlines=deadlines,
            deadline_model=first(meta, "deadlineModel"),
            status=self.derive_status(opening, deadlines),
            topic_budget=budget["topic_budget"],
            grant_min=budget["grant_min"],
            grant_max=budget["grant_max"],
            expected_grants=budget["expected_grants"],
            action_type=first(meta, "typesOfAction"),
            keywords=self._parse_keywords(meta, identifier),
            eligibility=self._parse_eligibility(identifier),
            partner_search=self._parse_partner_search(meta),
            raw=record,
        )

    # -- one small parser a field -------------------------------------------------------------------

    def _parse_identifier(self, meta: dict) -> str:
        identifier = first(meta, "identifier")
        if not identifier:
            raise ValueError("record without identifier")
        return identifier.strip()

    def _parse_title(self, record: dict, meta: dict) -> str:
        return (first(meta, "title") or record.get("summary") or "").strip()

    def _parse_url(self, record: dict, meta: dict, identifier: str) -> str:
        url = first(meta, "url") or record.get("url") or ""
        if "/topicDetails/" in url or not url:
            # Stubs point at the JSON details; people want the topic's page.
            return TOPIC_PAGE.format(identifier)
        return url

    def _parse_deadlines(self, meta: dict) -> list[Deadline]:
        dates = sorted({parse_date(v) for v in meta.get("deadlineDate") or [] if v})
        model = first(meta, "deadlineModel")
        if model == "two-stage" and len(dates) == 2:
            stages = ["first stage", "second stage"]
        elif len(dates) > 1:
            stages = [f"cut-off {i}" for i in range(1, len(dates) + 1)]
        else:
            stages = [model or "deadline"] * len(dates)
        return [Deadline(d, s) for d, s in zip(dates, stages, strict=True)]

    def _parse_budget(self, meta: dict, identifier: str) -> dict:
        found = {"topic_budget": None, "grant_min": None, "grant_max": None, "expected_grants": None}
        overview = second_parse(meta, "budgetOverview")
        if overview:
            # The overview lists every topic of the call: keep only this topic's actions.
            actions = [
                action
                for entries in (overview.get("budgetTopicActionMap") or {}).values()
                for action in entries
                if str(action.get("action", "")).startswith(f"{identifier} - ")
            ]
            if actions:
                total = sum(Decimal(str(v)) for a in actions for v in (a.get("budgetYearMap") or {}).values() if v)
                found["topic_budget"] = total or None
                # 0 means "not set" (Erasmus+ lump sums): unknown, not zero.
                mins = [a["minContribution"] for a in actions if a.get("minContribution")]
                maxs = [a["maxContribution"] for a in actions if a.get("maxContribution")]
                grants = [a["expectedGrants"] for a in actions if a.get("expectedGrants")]
                found["grant_min"] = Decimal(str(min(mins))) if mins else None
                found["grant_max"] = Decimal(str(max(maxs))) if maxs else None
                found["expected_grants"] = sum(grants) if grants else None
        elif first(meta, "budget"):  # EuropeAid (PROSPECT) records carry one plain figure
            found["topic_budget"] = Decimal(first(meta, "budget"))
        return found

    def _parse_keywords(self, meta: dict, identifier: str) -> list[str]:
        call_id = first(meta, "callIdentifier")
        words = []
        for key in ("keywords", "tags", "crossCuttingPriorities"):
            for word in meta.get(key) or []:
                word = word.strip()
                if word and word not in (identifier, call_id) and word not in words:
                    words.append(word)
        return words

    def _parse_eligibility(self, identifier: str) -> dict:
        # EuropeAid/186571/DD/ACT/ZA: local calls, usually open only to organisations established there.
        if identifier.startswith("EuropeAid/"):
            country = identifier.rsplit("/", 1)[-1]
            return {"countries": [] if country == "Multi" else [country], "note": "EuropeAid call in a partner country"}
        return {}

    def _parse_partner_search(self, meta: dict) -> bool | None:
        value = first(meta, "allowPartnerSearch")
        return None if value is None else value == "true"
