"""Fills in portal topics that arrived as stubs (no description, no budget) from their topic-details JSON.

GET .../opportunities/data/topicDetails/<ID>.json answers {"TopicDetails": {"description", "conditions",
"budgetOverviewJSONItem", "actions", ...}}. The stored search record is completed with those fields and
parsed again by the portal spider's own field parsers, so both paths give the same call.
"""

from __future__ import annotations

import json

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from store import calls as call_store
from store.db import Database
from store.text import counted

from .ft_portal import FtPortalSpider


class FtTopicDetailsSpider(FtPortalSpider):
    name = "ft_topic_details"
    base_url = "https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails"

    # When at least this many stubs were asked for and every one answered 404, the address has more
    # likely moved than every topic lost its page: a failure, and the stubs are not set aside.
    ALL_MISSING_IS_A_FAILURE = 10

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = 0
        self.missing: list[str] = []  # stubs whose details page answered 404 this run
        self.address_moved = False

    def lists_every_open_call(self) -> bool:
        return False  # it reads the stubs the portal gave, not the portal's list

    async def start(self):
        with Database(self.settings.get("CALLMATCH_DATABASE_URL"), max_size=1) as db:
            stubs, waiting = call_store.stubs_due(db, self.as_of)
        later = f" ({counted(waiting, 'stub')} without a details page asked again later)" if waiting else ""
        self.logger.info("%s to complete%s", counted(len(stubs), "stub topic"), later)
        if not stubs:  # the usual day once the portal has brought no new stubs: not a failed run
            self.idle = f"no stub topics to complete{later}"
        self.asked = len(stubs)
        for stub in stubs:
            yield scrapy.Request(f"{self.base_url}/{stub['identifier']}.json", callback=self.parse_details,
                                 errback=self.on_details_error,
                                 cb_kwargs={"record": stub["raw"], "identifier": stub["identifier"]})

    def on_details_error(self, failure) -> None:
        """A topic without a details page (404) keeps what the search gave it and is asked for again in
        a week: a fact about the topic, not a failed page, or every daily run would be "partial"."""
        response = getattr(failure.value, "response", None)
        if not (failure.check(HttpError) and response is not None and response.status in (404, 410)):
            self.on_request_error(failure)
            return
        identifier = failure.request.cb_kwargs["identifier"]
        self.missing.append(identifier)
        self.logger.warning("%s has no topic-details page (HTTP %s); asked again in %s days",
                            identifier, response.status, call_store.DETAILS_RETRY_DAYS)
        self.idle = f"no details page for {counted(len(self.missing), 'stub')} asked"
        if len(self.missing) == self.asked >= self.ALL_MISSING_IS_A_FAILURE:
            self.address_moved = True
            self.record_failure(self.base_url, f"every one of the {self.asked} details pages asked for answered "
                                               f"HTTP {response.status}: has the address changed?")

    def closed(self, reason) -> None:
        if self.missing and not self.address_moved:
            with Database(self.settings.get("CALLMATCH_DATABASE_URL"), max_size=1) as db:
                call_store.mark_details_missing(db, self.missing, self.as_of)

    def parse_details(self, response, record: dict, identifier: str):
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
