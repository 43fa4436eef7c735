"""keep.eu: Interreg projects and their partnerships, from its JSON API.

GET /api/search/projects/?page=N lists projects (6 a page); GET /api/project/<id>/ gives one with
`partnerships[]` (partner name, country, lead/partner, organisation type, PIC, budget).
"""

from __future__ import annotations

import scrapy

from store.partners import name_key, valid_pic

from ..base import BaseSpider, count_argument, parse_amount
from ..items import Participant, ProjectItem
from ..sectors import sector_of


class KeepEuSpider(BaseSpider):
    name = "keep_eu"
    source_kind = "partners"
    base_url = "https://keep.eu"
    arguments = {"max_pages": count_argument}

    def __init__(self, *args, max_pages: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_pages = int(max_pages) if max_pages else None

    def search_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(f"{self.base_url}/api/search/projects/?page={page}", callback=self.parse_search,
                              errback=self.on_request_error, cb_kwargs={"page": page})

    async def start(self):
        yield self.search_request(1)

    def parse_search(self, response, page: int):
        data = self.json_or_failure(response)
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            self.shape_error(response, "no 'results' list")
            return
        for result in data["results"]:
            if "id" in result:
                yield scrapy.Request(f"{self.base_url}/api/project/{result['id']}/", callback=self.parse_project,
                                     errback=self.on_request_error)
        if data.get("next") and (self.max_pages is None or page < self.max_pages):
            yield self.search_request(page + 1)

    def parse_project(self, response):
        data = self.json_or_failure(response)
        if data is None:
            return
        if not isinstance(data, dict) or "id" not in data or not isinstance(data.get("partnerships"), list):
            self.shape_error(response, "no project 'id' or 'partnerships' list")
            return
        programme = data.get("programme") or {}
        yield ProjectItem(
            source=self.name,
            source_id=str(data["id"]),
            title=(data.get("name") or data.get("title") or "").strip(),
            acronym=data.get("acronym"),
            objective=data.get("description"),
            framework="Interreg",
            programme=programme.get("title"),
            topic_code=self._parse_topic_code(programme),
            topic_title=", ".join(t.get("name", "") if isinstance(t, dict) else str(t)
                                  for t in data.get("themes") or []),
            total_cost=parse_amount(data.get("total_budget")),
            eu_contribution=parse_amount(data.get("eu_funding")),
            participants=[self._parse_partner(p) for p in self.named(
                data["partnerships"], lambda p: (p.get("partner") or {}).get("name"), str(data["id"]))],
        )

    def _parse_topic_code(self, programme: dict) -> str | None:
        # 'INTERREG-<programme id>-<period>' lets the family signal group projects of one programme.
        if not programme.get("id"):
            return None
        period = str(programme.get("period") or "").replace(" ", "")
        return f"INTERREG-P{programme['id']}-{period}" if period else f"INTERREG-P{programme['id']}"

    def _parse_partner(self, partnership: dict) -> Participant:
        partner = partnership["partner"]
        name = partner["name"].strip()
        country = partner.get("country") or partnership.get("country")
        # keep.eu's own partner id when it gives one; else the name within this source (never across sources).
        source_id = str(partner["id"]) if partner.get("id") else name_key(name, country)
        return Participant(
            name=name, country=country, role="coordinator" if partnership.get("type") == "lead" else "partner",
            source_id=source_id, pic=valid_pic(partner.get("pic")),
            org_type=partner.get("organisation_type") or partner.get("legal_status"),
            sector=sector_of(partner.get("organisation_type") or partner.get("legal_status")),
            eu_contribution=parse_amount(partnership.get("total_budget")),
        )
