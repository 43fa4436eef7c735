"""What the Interreg programme spiders share: a calls page listing calls, one page a call with its key facts.

A spider for one programme says where its pages are and how its site lays out the facts (label and
value pairs); this base reads the facts into a call: timeline with every deadline (project-idea stages
too), budget, funding rate, minimum and maximum per project, eligible area.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import unquote, urlparse

import scrapy

from store.html import clean_html, html_to_text

from .base import BaseSpider, parse_amount, parse_date
from .items import CallItem, Deadline

# label words -> what the value is (first match wins; labels are lower-cased)
LABELS = (
    ("project idea", "deadline:project idea"),
    ("concept note", "deadline:concept note"),
    ("expression of interest", "deadline:expression of interest"),
    ("full application", "deadline:full application"),
    ("second step", "deadline:second step"),
    ("deadline", "deadline:application"),
    ("closing", "deadline:application"),
    ("submission", "deadline:application"),
    ("open", "opening"),
    ("start", "opening"),
    ("co-financing rate", "funding_rate"),
    ("funding rate", "funding_rate"),
    ("minimum", "grant_min"),
    ("maximum", "grant_max"),
    ("eligible", "area"),
    ("budget", "topic_budget"),
    ("available", "topic_budget"),
)
EU27 = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
        "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
# Applicant kinds (store.partners.SECTOR_LABELS) of a programme whose partners are public or non-profit
# bodies: every kind but companies.
NO_COMPANIES = ("public", "academic", "research", "ngo", "other")
# The countries an Interreg programme area names (ISO 3166), by their English names.
COUNTRY_NAMES = {
    "austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR", "cyprus": "CY", "czechia": "CZ",
    "czech republic": "CZ", "denmark": "DK", "estonia": "EE", "finland": "FI", "france": "FR", "germany": "DE",
    "greece": "GR", "hungary": "HU", "ireland": "IE", "italy": "IT", "latvia": "LV", "lithuania": "LT",
    "luxembourg": "LU", "malta": "MT", "netherlands": "NL", "poland": "PL", "portugal": "PT", "romania": "RO",
    "slovakia": "SK", "slovenia": "SI", "spain": "ES", "sweden": "SE", "norway": "NO", "switzerland": "CH",
    "iceland": "IS", "liechtenstein": "LI", "albania": "AL", "bosnia and herzegovina": "BA", "montenegro": "ME",
    "north macedonia": "MK", "serbia": "RS", "kosovo": "XK", "moldova": "MD", "ukraine": "UA", "georgia": "GE",
    "türkiye": "TR", "turkey": "TR", "united kingdom": "GB", "faroe islands": "FO",
}
_EU_WIDE = re.compile(r"\bEU[- ]?27\b|\b(?:EU|European Union) Member States\b"
                      r"|\bMember States of the (?:EU|European Union)\b", re.IGNORECASE)
_DATE = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4}")
_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")
# How the programme sites say they are between call rounds: "There are no open calls at the moment",
# "There is currently no open call", "No calls are open right now".
_NO_CALLS = re.compile(r"\bno\s+(?:currently\s+)?open\s+calls?\b"
                       r"|\bno\s+calls?\s+(?:is\s+|are\s+)?(?:currently\s+)?open\b", re.IGNORECASE)


def area_countries(area: str | None) -> list[str]:
    """The countries an eligible area names ("EU27, Norway, Switzerland", "Denmark, Estonia, ..., Germany
    (parts)"), in ISO codes; empty when it names none this project knows."""
    text = (area or "").lower()
    found = set(EU27) if _EU_WIDE.search(area or "") else set()
    if "northern ireland" in text:  # part of the United Kingdom, not Ireland
        found.add("GB")
        text = text.replace("northern ireland", "")
    found |= {code for name, code in COUNTRY_NAMES.items() if re.search(rf"\b{name}\b", text)}
    return sorted(found)


class InterregCallsSpider(BaseSpider):
    programme: str = ""
    calls_path: str = "/"
    # The programme area's countries, for the eligibility gate, where a call's page does not name them in
    # its eligible area (a page that does is read: the area may have grown since this was written).
    countries: tuple[str, ...] = ()
    applicant_types: tuple[str, ...] = ()  # the sectors (store.partners.SECTOR_LABELS) that may apply; () = any
    action_type: str = "Interreg project"
    link_selector: str = "a"
    no_calls: re.Pattern = _NO_CALLS

    async def start(self):
        yield scrapy.Request(self.base_url + self.calls_path, callback=self.parse, errback=self.on_request_error)

    def parse(self, response):
        links = response.css(self.link_selector + "::attr(href)").getall()
        if not links:
            if not self.between_rounds(response):
                self.shape_error(response, f"no call links matching {self.link_selector!r}")
            return
        for href in dict.fromkeys(links):
            # Absolute links to the live site stay on whatever address the spider was pointed at (a replay).
            href = href.replace(type(self).base_url, self.base_url, 1)
            yield response.follow(href, callback=self.parse_call, errback=self.on_request_error)

    def between_rounds(self, response) -> bool:
        """Whether the page says no call is open: a run that finds none is then fine, not a changed page."""
        if not self.no_calls.search(" ".join(response.xpath("//body//text()").getall())):
            return False
        self.idle = f"{self.programme} lists no open calls right now"
        self.logger.info(self.idle)
        return True

    # -- one site's layout: spiders override these ---------------------------------------------------

    def _parse_title(self, response) -> str:
        return (response.css("h1::text").get() or "").strip()

    def _parse_facts(self, response) -> list[tuple[str, str]]:
        raise NotImplementedError

    def _parse_description(self, response) -> str:
        return response.css("div.call-description, article .content, .entry-content").get() or ""

    # -- the call, assembled in one place ------------------------------------------------------------

    def parse_call(self, response):
        title = self._parse_title(response)
        facts = self._parse_facts(response)
        if not title or not facts:
            self.shape_error(response, "no call title or no key facts")
            return
        read = self.read_facts(facts)
        if not read["deadlines"]:
            self.shape_error(response, "no deadline among the key facts")
            return
        description = self._parse_description(response)
        identifier = self._parse_identifier(response, title, read)
        countries = area_countries(read["area"]) or list(self.countries)
        eligibility = {"countries": countries, "area": read["area"] or ", ".join(countries)}
        if self.applicant_types:
            eligibility["applicant_types"] = list(self.applicant_types)
        yield CallItem(
            source=self.name,
            identifier=identifier,
            title=title,
            url=response.url,
            programme=self.programme,
            call_id=identifier,
            call_title=title,
            description_html=clean_html(description, base=response.url),
            description_text=html_to_text(description),
            opening_date=read["opening"],
            deadlines=read["deadlines"],
            deadline_model="two-stage" if len(read["deadlines"]) > 1 else "single-stage",
            status=self.derive_status(read["opening"], read["deadlines"]),
            topic_budget=read["topic_budget"],
            grant_min=read["grant_min"],
            grant_max=read["grant_max"],
            funding_rate=read["funding_rate"],
            action_type=self.action_type,
            eligibility=eligibility,
            raw={"facts": facts},
        )

    def _parse_identifier(self, response, title: str, facts: dict) -> str:
        """The last part of the call page's address, as a reader would write it (a site that shows every
        call round at one address names its calls otherwise)."""
        return f"{self.name}:{readable_slug(response.url)}"

    @staticmethod
    def read_facts(facts: list[tuple[str, str]]) -> dict:
        found = {"opening": None, "deadlines": [], "topic_budget": None, "grant_min": None, "grant_max": None,
                 "funding_rate": None, "area": None}
        for label, value in facts:
            label_l = label.lower()
            kind = next((k for words, k in LABELS if words in label_l), None)
            if kind is None:
                continue
            if kind.startswith("deadline:") or kind == "opening":
                dates = [parse_date(d) for d in _DATE.findall(value)]
                if not dates:
                    continue
                if kind == "opening":
                    found["opening"] = found["opening"] or dates[0]
                else:
                    found["deadlines"].append(Deadline(dates[-1], kind.split(":", 1)[1]))
            elif kind == "funding_rate":
                match = _PERCENT.search(value)
                if match and 0 < (rate := Decimal(match[1].replace(",", "."))) <= 100:  # else not a rate: a misread
                    found["funding_rate"] = rate
            elif kind == "area":
                found["area"] = value.strip()
            elif found[kind] is None:
                found[kind] = parse_amount(value)
        found["deadlines"].sort(key=lambda d: d.date)
        return found


def readable_slug(url: str) -> str:
    """The address's last part with its %-escapes read: `jaunatnes-darb%C4%81` is `jaunatnes-darbā`.

    Bytes that are not UTF-8 keep their escapes, as migration 0017 leaves them, so that the same page always
    gets the same identifier."""
    slug = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]
    try:
        return unquote(slug, errors="strict")
    except UnicodeDecodeError:
        return slug


def text_of(selection) -> str:
    """All the text inside, however marked up: a value split by a line break or a bold figure stays one value."""
    return " ".join(selection.xpath(".//text()").getall())


def pairs(labels: list[str], values: list[str]) -> list[tuple[str, str]]:
    """Label and value pairs, whitespace tidied. Read both from the same row: lists gathered separately
    shift every later value onto the wrong label as soon as one value is empty."""
    return [(" ".join(a.split()).rstrip(":"), " ".join(b.split())) for a, b in zip(labels, values, strict=True)]
