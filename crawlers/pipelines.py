"""Item pipelines, in order: validate -> merge duplicates and store. And the run recorder.

Each drop names its reason; the reasons are counted on the run.
"""

from __future__ import annotations

import dataclasses
import logging

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.logformatter import LogFormatter

from store import calls as call_store
from store import runs
from store.db import Database
from store.errors import StoreError
from store.text import counted

from .items import CallItem, ProjectItem

log = logging.getLogger(__name__)
DROP_PREFIX = "callmatch/dropped/"


def _database(crawler) -> Database:
    url = crawler.settings.get("CALLMATCH_DATABASE_URL")
    if not url:
        raise RuntimeError("CALLMATCH_DATABASE_URL is not set: run spiders through `callmatch crawl`.")
    return Database(url, min_size=1, max_size=2).open()


class ValidateItem:
    def process_item(self, item):
        if isinstance(item, CallItem):
            self.validate_call(item)
        elif isinstance(item, ProjectItem):
            if not item.source_id:
                raise DropItem("project without an id")
            if not item.participants:
                raise DropItem("project without participants")
        return item

    @staticmethod
    def validate_call(item: CallItem) -> None:
        if not item.identifier:
            raise DropItem("call without identifier")
        if not item.title:
            raise DropItem("call without title")
        if not item.url:
            raise DropItem("call without link")
        if item.status not in ("forthcoming", "open", "closed"):
            raise DropItem("call without status")
        for amount in (item.topic_budget, item.grant_min, item.grant_max):
            if amount is not None and amount < 0:
                raise DropItem("negative amount")
        if item.grant_min is not None and item.grant_max is not None and item.grant_min > item.grant_max:
            raise DropItem("grant minimum above maximum")


class StoreItems:
    """Merges copies of one call, then upserts.

    The same topic can arrive twice in one crawl (the portal's two data sources), in any order:
    calls are held until the spider closes and only the richest copy of each is written, so a
    re-crawl of unchanged data writes nothing. Projects are written as they come.
    """

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls()
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider=None):
        self.db = _database(self.crawler)
        self.pending: dict[tuple[str, str], CallItem] = {}

    def process_item(self, item):
        if isinstance(item, CallItem):
            key = (item.source, item.identifier)
            kept = self.pending.get(key)
            if kept is not None:
                self.crawler.stats.inc_value(runs.MERGED_STAT)  # a copy, not a loss: not a drop
                if kept.richness() >= item.richness():
                    return item
            self.pending[key] = item
        elif isinstance(item, ProjectItem):
            from store import partners

            self._count(partners.upsert_project(self.db, dataclasses.asdict(item)))
        else:
            raise DropItem(f"unknown item type {type(item).__name__}")
        return item

    def close_spider(self, spider=None):
        try:
            for item in self.pending.values():
                try:
                    self._count(call_store.upsert_call(self.db, item.as_row()))
                except StoreError as exc:  # one refused call must not cost the calls after it
                    self.crawler.spider.record_failure(item.url, f"could not store {_item_name(item)}: {exc}")
        finally:
            self.db.close()

    def _count(self, outcome: str) -> None:
        self.crawler.stats.inc_value(f"callmatch/{outcome}")


class RunRecorder:
    """Records every crawl in crawl_runs: pages, items stored/updated/dropped with reasons, errors."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.run_id = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.page_error, signal=signals.spider_error)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        self.db = _database(self.crawler)
        call_store.ensure_source(self.db, spider.name)
        self.run_id = runs.start_run(self.db, spider.name, self.crawler.settings.get("CALLMATCH_JOB_ID"))
        spider.run_id = self.run_id

    def item_dropped(self, item, response, exception, spider):
        self.crawler.stats.inc_value(f"{DROP_PREFIX}{exception}")

    # Scrapy logs an exception raised while reading a page or storing an item and goes on with the
    # crawl; the run must count it too, or a crawl that lost pages would be reported as complete.
    def page_error(self, failure, response, spider):
        # No response when the spider failed before its first request (reading what to ask for).
        url = response.url if response is not None else ""
        spider.record_failure(url, f"could not read the page: {_describe(failure)}")

    def item_error(self, item, response, spider, failure):
        url = response.url if response is not None else ""
        spider.record_failure(url, f"could not store {_item_name(item)}: {_describe(failure)}")

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        drop_reasons = {k[len(DROP_PREFIX):]: v for k, v in stats.items() if k.startswith(DROP_PREFIX)}
        dropped = sum(drop_reasons.values())
        new, updated, unchanged = (stats.get(f"callmatch/{k}", 0) for k in ("new", "updated", "unchanged"))
        errors = list(getattr(spider, "failures", []))
        if reason not in ("finished",):
            errors.append({"url": "", "error": f"crawl ended early: {reason}"})
        record = runs.finish_run(
            self.db, self.run_id,
            pages=stats.get("response_received_count", 0),
            seen=new + updated + unchanged + dropped,
            new=new, updated=updated, unchanged=unchanged, dropped=dropped,
            drop_reasons=drop_reasons, errors=errors, idle=getattr(spider, "idle", None),
            stats={k: v for k, v in stats.items() if isinstance(v, (int, float, str))},
        )
        log.info(
            "%s run %s: %s (%s new, %s updated, %s unchanged, %s dropped, %s errors)",
            spider.name, self.run_id, record["status"], new, updated, unchanged, dropped, len(errors),
        )
        # Only a run that saw everything its source lists can tell that a call is no longer listed.
        if record["status"] == "ok" and not errors and not dropped and spider.lists_every_open_call():
            gone = call_store.mark_unlisted(self.db, spider.source_name, record["started_at"])
            if gone:
                log.warning("%s no longer lists %s still open by their dates: withdrawn or closed early?",
                            spider.source_name, counted(gone, "call"))
        self.db.close()


def _item_name(item) -> str:
    if isinstance(item, CallItem):
        return f"call {item.identifier}"
    if isinstance(item, ProjectItem):
        return f"project {item.source_id}"
    return type(item).__name__


def _describe(failure) -> str:
    """The database's refusals say what they are; anything else is named by its exception."""
    if failure.check(StoreError):
        return failure.getErrorMessage()
    return f"{failure.type.__name__}: {failure.getErrorMessage()}".strip()


class BriefLogFormatter(LogFormatter):
    """Drops are logged as one line naming the item, not the whole item with its raw payload."""

    def dropped(self, item, exception, response, spider=None):
        return {"level": logging.INFO, "msg": "Dropped %(item)s: %(reason)s",
                "args": {"item": _item_name(item), "reason": exception}}

    def scraped(self, item, response, spider=None):
        return {"level": logging.DEBUG, "msg": "Scraped %(item)s", "args": {"item": _item_name(item)}}
