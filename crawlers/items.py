"""What the crawlers produce. Validated by `pipelines.ValidateCall`, stored by `pipelines.StoreCall`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal


@dataclass
class Deadline:
    date: date
    stage: str  # 'single-stage', 'first stage', 'second stage', 'cut-off 2', 'project idea', 'full application'

    def as_json(self) -> dict:
        return {"date": self.date.isoformat(), "stage": self.stage}


@dataclass
class CallItem:
    source: str
    identifier: str
    title: str
    url: str
    programme: str | None = None
    programme_code: str | None = None
    call_id: str | None = None
    call_title: str | None = None
    description_html: str = ""
    description_text: str = ""
    conditions_html: str = ""
    conditions_text: str = ""
    opening_date: date | None = None
    deadlines: list[Deadline] = field(default_factory=list)
    deadline_model: str | None = None
    status: str | None = None
    topic_budget: Decimal | None = None
    grant_min: Decimal | None = None  # None: unknown (never 0 for unknown)
    grant_max: Decimal | None = None
    expected_grants: int | None = None
    funding_rate: Decimal | None = None
    action_type: str | None = None
    keywords: list[str] = field(default_factory=list)
    eligibility: dict = field(default_factory=dict)
    partner_search: bool | None = None
    raw: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        """The call as the store takes it. Shallow on purpose: a deep copy of the raw record (what
        dataclasses.asdict or ItemAdapter make) was most of the time a crawl spent storing."""
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["deadlines"] = [d.as_json() for d in self.deadlines]
        return row

    def richness(self) -> tuple:
        """Orders copies of one topic: the richest is kept, and ties are broken the same way on every
        crawl (whatever order the pages arrive in), so a re-crawl of unchanged data changes nothing."""
        return (
            bool(self.description_text),
            self.topic_budget is not None,
            bool(self.conditions_text),
            self.grant_max is not None,
            len(self.keywords),
            len(self.deadlines),
            json.dumps(self.raw, sort_keys=True),
        )


@dataclass
class Participant:
    name: str
    country: str | None
    role: str
    source_id: str | None = None  # the source's own organisation id
    pic: str | None = None
    org_type: str | None = None
    sector: str | None = None
    eu_contribution: Decimal | None = None
    website: str | None = None
    city: str | None = None


@dataclass
class ProjectItem:
    source: str
    source_id: str
    title: str
    acronym: str | None = None
    objective: str | None = None
    framework: str | None = None
    programme: str | None = None
    topic_code: str | None = None
    topic_title: str | None = None
    call_id: str | None = None
    funding_scheme: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    total_cost: Decimal | None = None
    eu_contribution: Decimal | None = None
    participants: list[Participant] = field(default_factory=list)
