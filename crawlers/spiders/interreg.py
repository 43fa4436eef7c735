"""The Interreg programmes SIC bids in: each spider knows only where its site keeps calls and facts."""

from __future__ import annotations

from ..interreg import InterregCallsSpider, pairs


class BalticSeaRegionSpider(InterregCallsSpider):
    name = "interreg_bsr"
    programme = "Interreg Baltic Sea Region"
    base_url = "https://interreg-baltic.eu"
    calls_path = "/gateway/calls/"
    countries = ("DK", "EE", "FI", "DE", "LV", "LT", "PL", "SE", "NO")
    link_selector = "article.call-teaser h3 a"

    def _parse_title(self, response):
        return (response.css("h1.entry-title::text").get() or "").strip()

    def _parse_facts(self, response):
        return pairs(response.css("table.call-facts th::text").getall(), response.css("table.call-facts td::text").getall())


class CentralBalticSpider(InterregCallsSpider):
    name = "interreg_central_baltic"
    programme = "Interreg Central Baltic"
    base_url = "https://centralbaltic.eu"
    calls_path = "/for-applicants/"
    countries = ("EE", "FI", "LV", "SE")
    link_selector = "div.open-calls a.call-link"

    def _parse_facts(self, response):
        return pairs(response.css("dl.call-info dt::text").getall(), response.css("dl.call-info dd::text").getall())


class EstoniaLatviaSpider(InterregCallsSpider):
    name = "interreg_est_lat"
    programme = "Interreg Estonia-Latvia"
    base_url = "https://estlat.eu"
    calls_path = "/en/for-applicants"
    countries = ("EE", "LV")
    link_selector = "ul.calls li a"

    def _parse_title(self, response):
        return (response.css("h1.page-title::text").get() or "").strip()

    def _parse_facts(self, response):
        rows = response.css("div.timeline p")
        return pairs([r.css("strong::text").get("") for r in rows],
                     ["".join(r.xpath("./text()").getall()) for r in rows])


class LatviaLithuaniaSpider(InterregCallsSpider):
    name = "interreg_lat_lit"
    programme = "Interreg Latvia-Lithuania"
    base_url = "https://latlit.eu"
    calls_path = "/for-applicants/"
    countries = ("LV", "LT")
    link_selector = "div.news-item a.call"

    def _parse_facts(self, response):
        rows = response.css("figure.wp-block-table tr")
        return pairs([r.css("td:nth-child(1)::text").get("") for r in rows],
                     [r.css("td:nth-child(2)::text").get("") for r in rows])


class InterregEuropeSpider(InterregCallsSpider):
    name = "interreg_europe"
    programme = "Interreg Europe"
    base_url = "https://www.interregeurope.eu"
    calls_path = "/apply"
    countries = ()  # all EU Member States, Norway and Switzerland: no single-country restriction
    link_selector = "a.call-card"

    def _parse_facts(self, response):
        items = response.css("ul.key-facts li")
        return pairs([i.css("span.label::text").get("") for i in items], [i.css("span.value::text").get("") for i in items])
