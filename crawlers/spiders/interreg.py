"""The Interreg programmes SIC bids in: each spider knows only where its site keeps calls and facts."""

from __future__ import annotations

from ..interreg import InterregCallsSpider, pairs, text_of


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
        rows = response.css("table.call-facts tr")
        return pairs([text_of(r.css("th")) for r in rows], [text_of(r.css("td")) for r in rows])


class CentralBalticSpider(InterregCallsSpider):
    name = "interreg_central_baltic"
    programme = "Interreg Central Baltic"
    base_url = "https://centralbaltic.eu"
    calls_path = "/for-applicants/"
    countries = ("EE", "FI", "LV", "SE")
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
    countries = ()  # all EU Member States, Norway and Switzerland: no single-country restriction
    link_selector = "a.call-card"

    def _parse_facts(self, response):
        items = response.css("ul.key-facts li")
        return pairs([text_of(i.css("span.label")) for i in items], [text_of(i.css("span.value")) for i in items])
