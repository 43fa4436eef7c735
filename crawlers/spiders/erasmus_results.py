"""Erasmus+ Project Results Platform: projects and their organisations from the search endpoint.

POST https://ec.europa.eu/programmes/service/search/project/search with
{"from": N, "index": "eplus2021", "size": 500} answers `projectDocuments[]`; paging stops at a short page.
"""

from __future__ import annotations

import json

import scrapy

from store.partners import name_key, valid_pic

from ..base import BaseSpider, count_argument, parse_amount
from ..items import Participant, ProjectItem
from ..sectors import sector_of


class ErasmusResultsSpider(BaseSpider):
    name = "erasmus_results"
    source_kind = "partners"
    base_url = "https://ec.europa.eu/programmes/service/search/project/search"
    arguments = {"page_size": count_argument, "max_pages": count_argument}

    def __init__(self, *args, page_size: str = "500", max_pages: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page_size = int(page_size)
        self.max_pages = int(max_pages) if max_pages else None

    def page_request(self, offset: int) -> scrapy.Request:
        body = json.dumps({"from": offset, "index": "eplus2021", "size": self.page_size})
        return scrapy.Request(self.base_url, method="POST", body=body,
                              headers={"Content-Type": "application/json", "Accept": "application/json"},
                              callback=self.parse, errback=self.on_request_error, cb_kwargs={"offset": offset},
                              dont_filter=True)

    async def start(self):
        yield self.page_request(0)

    def parse(self, response, offset: int = 0):
        data = self.json_or_failure(response, f" at offset {offset}")
        if data is None:
            return
        documents = data.get("projectDocuments") if isinstance(data, dict) else None
        if not isinstance(documents, list):
            self.shape_error(response, "no 'projectDocuments' list")
            return
        for document in documents:
            try:
                item = self.parse_document(document)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:  # one odd record, not the page
                self.crawler.stats.inc_value("callmatch/dropped/unparseable record")
                self.logger.warning("skipped a record at offset %s: %s", offset, exc)
                continue
            if item is not None:
                yield item
        page = offset // self.page_size + 1
        if len(documents) == self.page_size and (self.max_pages is None or page < self.max_pages):
            yield self.page_request(offset + self.page_size)

    def parse_document(self, doc: dict) -> ProjectItem | None:
        identifier = doc.get("projectIdentifier") or doc.get("projectReference")
        if not identifier:
            self.crawler.stats.inc_value("callmatch/dropped/project without identifier")
            return None
        year = doc.get("projectCallYear")
        action = doc.get("projectActionType") or doc.get("projectAction")
        return ProjectItem(
            source=self.name,
            source_id=str(identifier),
            title=(doc.get("projectTitle") or "").strip(),
            objective=doc.get("projectDescription"),
            framework="Erasmus+",
            programme="Erasmus+",
            topic_code=f"ERASMUS-{action}-{year}" if action and year else (f"ERASMUS-{year}" if year else None),
            topic_title=action,
            eu_contribution=parse_amount(doc.get("projectGrantedEuAmount")),
            participants=[self._parse_organisation(o) for o in self.named(
                doc.get("organisations") or [], lambda o: o.get("organisationName"), str(identifier))],
        )

    def _parse_organisation(self, org: dict) -> Participant:
        name, country = org["organisationName"].strip(), org.get("organisationCountry")
        pic = valid_pic(org.get("organisationPIC"))
        role = (org.get("organisationRole") or "partner").lower()
        return Participant(
            name=name, country=country, role="coordinator" if "coordinator" in role else "partner",
            source_id=pic or name_key(name, country), pic=pic,
            org_type=org.get("organisationType"), sector=sector_of(org.get("organisationType")),
        )
