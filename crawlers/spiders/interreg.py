"""The Interreg programmes SIC bids in: each spider knows only where its site keeps calls and facts."""

from __future__ import annotations

import re
from datetime import date

from ..base import parse_date
from ..interreg import EU27, NO_COMPANIES, InterregCallsSpider, pairs, text_of


class BalticSeaRegionSpider(InterregCallsSpider):
    name = "interreg_bsr"
    programme = "Interreg Baltic Sea Region"
    base_url = "https://interreg-baltic.eu"
    calls_path = "/gateway/calls/"
    countries = ("DK", "EE", "FI", "DE", "LV", "LT", "PL", "SE", "NO")
    # Open to every kind of organisation: companies are partners too (the manual's partner types
    # include enterprises), so no applicant kind is marked.
    link_selector = "article.call-teaser h3 a"

    def _parse_title(self, response):
        return (response.css("h1.entry-title::text").get() or "").strip()

    def _parse_facts(self, response):
        rows = response.css("table.call-facts tr")
        return pairs([text_of(r.css("th")) for r in rows], [text_of(r.css("td")) for r in rows])


class CentralBalticSpider(InterregCallsSpider):
    name = "interreg_central_baltic"
    programme = "Interreg Central Baltic"
    base_url = "https://centralbaltic.eu"
    calls_path = "/for-applicants/"
    countries = ("EE", "FI", "LV", "SE")
    # Bodies governed by public or by private law: every kind may apply.
    link_selector = "div.open-calls a.call-link"

    def _parse_facts(self, response):
        labels = response.css("dl.call-info dt")
        return pairs([text_of(dt) for dt in labels],
                     [text_of(dt.xpath("following-sibling::*[1][self::dd]")) for dt in labels])


class EstoniaLatviaSpider(InterregCallsSpider):
    name = "interreg_est_lat"
    programme = "Interreg Estonia-Latvia"
    base_url = "https://estlat.eu"
    calls_path = "/en/for-applicants"
    countries = ("EE", "LV")
    # Every kind may apply: one priority is for growing businesses, with companies as partners.
    link_selector = "ul.calls li a"

    def _parse_title(self, response):
        return (response.css("h1.page-title::text").get() or "").strip()

    def _parse_facts(self, response):
        rows = response.css("div.timeline p")
        return pairs([text_of(r.css("strong")) for r in rows],
                     [" ".join(r.xpath("./text() | ./*[not(self::strong)]//text()").getall()) for r in rows])


class LatviaLithuaniaSpider(InterregCallsSpider):
    name = "interreg_lat_lit"
    programme = "Interreg Latvia-Lithuania"
    base_url = "https://latlit.eu"
    calls_path = "/for-applicants/"
    countries = ("LV", "LT")
    # Public authorities and national institutions, public equivalent bodies (schools, universities,
    # research, culture and social organisations, associations) and non-profit NGOs: no companies.
    applicant_types = NO_COMPANIES
    link_selector = "div.news-item a.call"

    def _parse_facts(self, response):
        rows = response.css("figure.wp-block-table tr")
        return pairs([text_of(r.css("td:nth-child(1)")) for r in rows],
                     [text_of(r.css("td:nth-child(2)")) for r in rows])


class InterregEuropeSpider(InterregCallsSpider):
    name = "interreg_europe"
    programme = "Interreg Europe"
    base_url = "https://www.interregeurope.eu"
    calls_path = "/apply"
    countries = (*EU27, "NO", "CH")
    # Public authorities, bodies governed by public law and private non-profit bodies: a company cannot be
    # a partner (it may take part as a stakeholder), so the partner list ranks companies well below.
    applicant_types = NO_COMPANIES
    link_selector = "a.call-card"

    def _parse_facts(self, response):
        items = response.css("ul.key-facts li")
        return pairs([text_of(i.css("span.label")) for i in items], [text_of(i.css("span.value")) for i in items])


class UrbactSpider(InterregCallsSpider):
    """URBACT, the cities' exchange programme funded through Interreg. Its "Get involved" page is not a
    list: it is the open call itself (Action Planning, Transfer or Innovation Transfer Networks), or it
    says that no call is open."""

    name = "urbact"
    programme = "URBACT"
    base_url = "https://urbact.eu"
    calls_path = "/get-involved"
    # EU Member States, the Partner States and the pre-accession countries the programme funds
    countries = (*EU27, "NO", "CH", "AL", "BA", "ME", "MK", "RS")
    # Cities and other public authorities; universities and research centres as non-city partners. NGOs
    # and companies take part through a city's local group, not as partners: the gate says so.
    applicant_types = ("public", "academic", "research")
    action_type = "URBACT network"

    # The page has also announced its call in one sentence, without a table of facts: "Call for
    # Innovation Transfer Networks open from 10 January to 20 March 2024", "The first URBACT IV call for
    # Action Planning Networks is open until 31 March 2023 at 15:00 CEST!"
    announced = re.compile(
        r"\b(?P<title>[Cc]all for [A-Z][\w-]*(?: [A-Z][\w-]*)*)\s+(?:is\s+)?open\s+"
        r"(?:from\s+(?P<opens>\d{1,2} [A-Z][a-z]+)(?: (?P<opens_year>\d{4}))?\s+)?(?:to|until)\s+"
        r"(?P<closes>\d{1,2} [A-Z][a-z]+ \d{4})")

    def parse(self, response):
        if response.css("div.call-key-facts") or self._announcement(response):
            yield from self.parse_call(response)
        elif not self.between_rounds(response):
            self.shape_error(response, "neither an open call's key facts nor a word that no call is open")

    def _announcement(self, response):
        return self.announced.search(" ".join(" ".join(response.xpath("//body//text()").getall()).split()))

    def _parse_title(self, response):
        if response.css("div.call-key-facts"):
            return (response.css("h1.page-title::text").get() or "").strip()
        found = self._announcement(response)
        return found["title"][0].upper() + found["title"][1:] if found else ""

    def _parse_facts(self, response):
        fields = response.css("div.call-key-facts div.field")
        if fields:
            return pairs([text_of(f.css("div.field__label")) for f in fields],
                         [text_of(f.css("div.field__item")) for f in fields])
        found = self._announcement(response)
        if not found:
            return []
        facts = [("Deadline", found["closes"])]
        if found["opens"]:  # "from 10 January to 20 March 2024": the opening's year is the deadline's
            try:
                closes = parse_date(found["closes"])
                opens = parse_date(f"{found['opens']} {found['opens_year'] or closes.year}")
            except ValueError:  # not a month's name after all: the run reports the page
                return []
            if opens > closes:  # "from 1 December to 20 March 2024"
                opens = date(opens.year - 1, opens.month, opens.day)
            facts.insert(0, ("Call opens", opens.isoformat()))
        return facts

    def _parse_description(self, response):
        return response.css("div.call-body").get() or response.css("main").get() or ""

    def _parse_identifier(self, response, title, facts):
        # Every call round is at the same address: the call's name and the year it opened tell them apart.
        when = facts["opening"] or facts["deadlines"][0].date
        return f"{self.name}:{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')}-{when.year}"
