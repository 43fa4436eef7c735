"""What every spider shares: dates, status, failure recording, loud shape checks.

A spider only knows its site: where to go and which field is where.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import scrapy
from twisted.python.failure import Failure

from store import runs
from store.calls import status_on
from store.text import counted

from .items import Deadline

log = logging.getLogger(__name__)


def count_argument(value: str) -> int:
    """A spider argument that counts pages or records: a whole number from 1."""
    if not (value.isdigit() and int(value) >= 1):
        raise ValueError(f"must be a whole number from 1, not {value!r}")
    return int(value)


class ShapeError(ValueError):
    """A page no longer has the shape the spider was written for."""


class BaseSpider(scrapy.Spider):
    source_kind = "calls"
    # The -a NAME=VALUE arguments the spider takes, each with the reader that checks its value (a
    # ValueError saying what is wrong): `callmatch crawl` calls them before the crawl starts, so a
    # mistyped name or a value the spider cannot use is an error there, not a line in a log.
    arguments: dict[str, Callable[[str], object]] = {}

    def __init__(self, *args, base_url: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if base_url:  # --replay points the spider at a loopback server
            self.base_url = base_url.rstrip("/")
        self.failures: list[dict] = []
        # Set when the spider finds it has nothing to read (its reason): a run that stores nothing is
        # then "ok" rather than "failed".
        self.idle: str | None = None

    def lists_every_open_call(self) -> bool:
        """Whether this run asks its source for all of its open and forthcoming calls. After such a run,
        read without an error or a dropped item, a stored call it did not see is no longer listed."""
        return False

    # -- time ------------------------------------------------------------------------------------

    @property
    def as_of(self) -> date:
        # `callmatch crawl` sets the team's day; a spider run by plain `scrapy crawl` takes the machine's.
        value = self.settings.get("CALLMATCH_TODAY") if hasattr(self, "settings") and self.settings else None
        return date.fromisoformat(value) if value else date.today()

    def derive_status(self, opening: date | None, deadlines: list[Deadline]) -> str:
        return status_on(opening, [d.date for d in deadlines], self.as_of)

    # -- failures ----------------------------------------------------------------------------------

    def record_failure(self, url: str, error: str) -> None:
        self.failures.append({"url": url, "error": error})
        self.logger.error("%s: %s", url, error)

    def on_request_error(self, failure: Failure) -> None:
        request = failure.request
        reason = failure.getErrorMessage() or failure.type.__name__
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
        self.record_failure(request.url, f"{failure.type.__name__}: {reason}")

    def json_or_failure(self, response, where: str = ""):
        """The parsed body, or None after recording a malformed page (the crawl goes on)."""
        try:
            return json.loads(response.text)
        except ValueError as exc:
            self.record_failure(response.url, f"malformed JSON{where}: {exc}")
            return None

    def named(self, partners: list, name_of, project: str) -> list:
        """The partner records of a project that name their organisation. The others cannot be stored as
        an organisation: they are counted on the run and logged, and the project is kept."""
        kept = [partner for partner in partners if (name_of(partner) or "").strip()]
        if missing := len(partners) - len(kept):
            self.crawler.stats.inc_value(runs.UNNAMED_STAT, missing)
            self.logger.warning("project %s: %s left out", project, counted(missing, "partner without a name"))
        return kept

    def shape_error(self, response, what: str) -> None:
        """Say loudly that the live page changed, instead of silently yielding nothing."""
        self.record_failure(response.url, f"page shape changed: {what}")
        self.crawler.stats.inc_value("callmatch/shape_errors")


def parse_date(value: str | None) -> date | None:
    """Dates as the sources write them: ISO timestamps, '3 September 2026', '03.09.2026'."""
    if not value:
        return None
    value = value.strip()
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if iso:
        return date(int(iso[1]), int(iso[2]), int(iso[3]))
    dotted = re.match(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", value)
    if dotted:
        return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    for fmt in ("%d %B %Y", "%d %b %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {value!r}")


def parse_amount(value) -> Decimal | None:
    """'EUR 1 500 000', '1,500,000', '€ 2.5 million', 1500000 -> Decimal; '' or 0-as-unknown handled by callers."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    text = str(value).lower().replace("\u00a0", " ")
    multiplier = Decimal(1_000_000) if "million" in text or re.search(r"\d\s*m\b", text) else Decimal(1)
    number = re.search(r"\d[\d\s,.]*", text)
    if not number:
        return None
    digits = number[0].strip().replace(" ", "")
    if multiplier != 1:
        digits = digits.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits):
        digits = re.sub(r"[.,]", "", digits)
    else:
        digits = digits.replace(",", "")
    try:
        return Decimal(digits) * multiplier
    except InvalidOperation:
        return None
