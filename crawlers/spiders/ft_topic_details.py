"""Fills in portal topics that arrived as stubs (no description, no budget) from their topic-details JSON.

GET .../opportunities/data/topicDetails/<ID>.json answers {"TopicDetails": {"description", "conditions",
"budgetOverviewJSONItem", "actions", ...}}. The stored search record is completed with those fields and
parsed again by the portal spider's own field parsers, so both paths give the same call.
"""

from __future__ import annotations

import json

import scrapy

from store.calls import STUB_TOPIC
from store.db import Database
from store.text import counted

from .ft_portal import FtPortalSpider


class FtTopicDetailsSpider(FtPortalSpider):
    name = "ft_topic_details"
    base_url = "https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails"

    def stubs(self) -> list[dict]:
        with Database(self.settings.get("CALLMATCH_DATABASE_URL"), max_size=1) as db:
            return db.fetchall(f"SELECT identifier, raw FROM calls WHERE {STUB_TOPIC} ORDER BY identifier")

    async def start(self):
        stubs = self.stubs()
        self.logger.info("%s to complete", counted(len(stubs), "stub topic"))
        if not stubs:  # the usual day once the portal has brought no new stubs: not a failed run
            self.idle = "no stub topics to complete"
        for stub in stubs:
            yield scrapy.Request(f"{self.base_url}/{stub['identifier']}.json", callback=self.parse_details,
                                 errback=self.on_request_error, cb_kwargs={"record": stub["raw"]})

    def parse_details(self, response, record: dict):
        data = self.json_or_failure(response)
        if data is None:
            return
        details = data.get("TopicDetails") if isinstance(data, dict) else None
        if not isinstance(details, dict) or not any(k in details for k in ("description", "conditions")):
            self.shape_error(response, "no 'TopicDetails' with a description or conditions")
            return
        completed = json.loads(json.dumps(record))
        meta = completed["metadata"]
        if details.get("description"):
            meta["descriptionByte"] = [details["description"]]
        if details.get("conditions"):
            meta["topicConditions"] = [details["conditions"]]
        if details.get("budgetOverviewJSONItem"):
            meta["budgetOverview"] = [json.dumps(details["budgetOverviewJSONItem"])]
        yield self.parse_record(completed)
