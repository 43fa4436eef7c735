"""The Partners and organisation pages, and a call's consortium builder: partners found, added, asked, confirmed."""

import re
from datetime import date
from decimal import Decimal
from html import unescape

from matcher import ranking
from matcher.embedder import EmbeddingStore
from tests.helpers.data import add_call
from tests.helpers.web import csrf, decide, login, on_day
from webapp import create_app


def test_partners_search_and_organisation_page(pm, seeded):
    from store.partners import resolve_organisation

    with seeded.transaction() as cur:
        org_id, _ = resolve_organisation(cur, "cordis", "999", {"pic": "999", "name": "Riga Social Lab", "country": "LV",
                                                                "city": "RIGA", "sector": "other"})
        resolve_organisation(cur, "cordis", "998", {"pic": "998", "name": "Riga Sports Club", "country": "ES",
                                                    "sector": "other"})
        resolve_organisation(cur, "cordis", "997", {"pic": "912345678", "name": "Tallinn Youth Forum", "country": "EE",
                                                    "sector": "ngo"})
        unnumbered, _ = resolve_organisation(cur, "keep_eu", None, {"name": "Valmiera Crafts", "country": "LV"})
        resolve_organisation(cur, "cordis", "996", {"pic": "996", "name": "RIGAS TEHNISKA UNIVERSITATE", "country": "LV",
                                                    "short_name": "RTU"})
        resolve_organisation(cur, "erasmus_plus", "995", {"name": "Šiaulių universitetas", "country": "LT"})
        resolve_organisation(cur, "cordis", "994", {"pic": "994", "name": "LATVIAN FIRE BRIGADE", "country": "LV"})
        resolve_organisation(cur, "cordis", "993", {"pic": "993", "name": "VIDZEME RESEARCH CENTER", "country": "LV"})
    page = pm.get("/partners?q=riga&country=LV").get_data(as_text=True)
    assert "Riga Social Lab" in page and "Riga Sports Club" not in page
    assert "BRIGADE" not in page  # a name's words are found from where they begin
    together = pm.get("/partners?q=%22riga+s%22").get_data(as_text=True)  # in quotation marks, found together
    assert "Riga Social Lab" in together and "Riga Sports Club" in together and "RIGAS TEHNISKA" not in together
    assert '<option value="LV" selected>LV · Latvia</option>' in page
    assert '<td><abbr title="Latvia">LV</abbr></td>' in page  # the column keeps the code, the name on hover
    # Typed by hand: a code in any case, of three letters (EST is Estonia, not ES) or a name is read; a country
    # it does not know is said, and every country shown.
    for typed in ("+lv", "LVA", "Latvia"):
        assert '<option value="LV" selected>LV · Latvia</option>' in pm.get(f"/partners?q=riga&country={typed}").get_data(
            as_text=True), typed
    assert '<option value="EE" selected>EE · Estonia</option>' in pm.get("/partners?country=EST").get_data(as_text=True)
    page = pm.get("/partners?q=riga&country=Narnia&sector=nonsense").get_data(as_text=True)
    assert "Riga Social Lab" in page and "Riga Sports Club" in page
    assert not re.search(r'<option value="[A-Z]{2}" selected>', page)
    assert "“Narnia” is no country the list knows (a name in English, or its code): every country is shown." in page
    assert "“nonsense” is no sector the list knows (higher education, research organisation," in page
    assert "is no country" not in pm.get("/partners?q=riga&country=").get_data(as_text=True)  # "Any" is none
    # A short name is shown under the name: what the organisation is called, and where "rtu" found it.
    assert re.search(r">RIGAS TEHNISKA UNIVERSITATE</a>(<span.*?</span>)?<br><small>RTU</small>",
                     pm.get("/partners?q=rtu").get_data(as_text=True))
    page = pm.get("/partners?q=lab+riga").get_data(as_text=True)  # words in any order
    assert "Riga Social Lab" in page and "Riga Sports Club" not in page
    assert "Tallinn Youth Forum" in pm.get("/partners?q=+912+345+678").get_data(as_text=True)  # a PIC, spaces aside
    assert "Riga" not in pm.get("/partners?q=%25").get_data(as_text=True)  # a percent sign, not a wildcard
    # A name typed as it is written finds it as CORDIS writes it, in capitals without its accents, and back.
    assert "RIGAS TEHNISKA UNIVERSITATE" in pm.get("/partners?q=Rīgas+Tehniskā").get_data(as_text=True)
    assert "Šiaulių universitetas" in pm.get("/partners?q=SIAULIU").get_data(as_text=True)
    assert "RIGAS TEHNISKA" not in pm.get("/partners?q=Rīgas+Stradiņa").get_data(as_text=True)
    assert "VIDZEME RESEARCH CENTER" in pm.get("/partners?q=research+centres").get_data(as_text=True)  # spelt either way
    page = pm.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "Riga Social Lab" in page and "<dt>Known as</dt><dd>CORDIS bulk data: 999</dd>" in page  # its id in the source
    assert "<dt>Based in</dt><dd>Riga, Latvia</dd>" in page  # a city given in capitals reads as a name
    page = pm.get(f"/organisations/{unnumbered}").get_data(as_text=True)  # known by its name alone
    assert "<dt>Based in</dt><dd>Latvia</dd>" in page and "Known as" not in page and "<dt>Record</dt>" not in page
    assert pm.get("/organisations/424242").status_code == 404


def test_partners_sort_by_projects_or_by_projects_coordinated(pm, seeded):
    from store.calls import ensure_source
    from store.partners import upsert_project

    ensure_source(seeded, "keep_eu")
    busy = {"source_id": "busy", "name": "Busy Partner", "country": "EE", "role": "partner"}
    lead = {"source_id": "lead", "name": "Lead Partner", "country": "LV", "role": "coordinator"}
    for number in range(3):
        upsert_project(seeded, {"source": "keep_eu", "source_id": str(number),
                                "participants": [busy, lead] if number < 2 else [busy]})

    def listed(query):
        page = pm.get("/partners" + query).get_data(as_text=True)
        return re.findall(r">(Busy Partner|Lead Partner)</a></td><td>.*?</td><td>.*?</td><td>(\d+)</td><td>(\d+)</td>", page)

    assert listed("") == [("Busy Partner", "3", "0"), ("Lead Partner", "2", "2")]  # most projects first
    assert listed("?sort=coordinated") == [("Lead Partner", "2", "2"), ("Busy Partner", "3", "0")]
    assert listed("?sort=nonsense") == listed("")
    assert '<option value="coordinated" selected>Most coordinated</option>' in pm.get(
        "/partners?sort=coordinated").get_data(as_text=True)
    from store.partners import ORGANISATION_SORTS
    from webapp.partners import SORT_LABELS

    assert list(SORT_LABELS) == list(ORGANISATION_SORTS)  # every order the store sorts by is offered, by its name


def test_the_organisations_listed_download_as_a_spreadsheet_filtered_and_sorted_as_listed(pm, seeded):
    import csv
    import io

    from store.calls import ensure_source
    from store.contacts import save_contact
    from store.partners import upsert_project

    ensure_source(seeded, "keep_eu")
    busy = {"source_id": "busy", "name": "Busy Partner", "country": "EE", "role": "partner", "city": "TARTU"}
    lead = {"source_id": "lead", "name": "Lead Partner", "country": "LV", "role": "coordinator"}
    for number in range(3):
        upsert_project(seeded, {"source": "keep_eu", "source_id": str(number),
                                "participants": [busy, lead] if number < 2 else [busy]})
    lead_id = seeded.scalar("SELECT id FROM organisations WHERE name = 'Lead Partner'")
    save_contact(seeded, lead_id, "Ilze Ozola", "ilze@lead.lv", "", seeded.scalar("SELECT min(id) FROM users"))

    def download(query=""):
        response = pm.get("/partners.csv" + query)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))

    page = pm.get("/partners?sort=coordinated").get_data(as_text=True)
    assert ('<a href="/partners.csv?sort=coordinated">Download them (CSV)</a>, in this order, with whom the team'
            ' knows there.') in page
    rows = download("?sort=coordinated")
    assert [(r["organisation"], r["projects in the data"], r["projects coordinated"]) for r in rows] == [
        ("Lead Partner", "2", "2"), ("Busy Partner", "3", "0")]  # as the page lists them
    assert (rows[0]["contact person"], rows[0]["contact email"]) == ("Ilze Ozola", "ilze@lead.lv")
    assert rows[0]["organisation page"] == f"http://127.0.0.1:5000/organisations/{lead_id}"
    assert (rows[1]["country"], rows[1]["city"]) == ("EE", "Tartu")
    assert [r["organisation"] for r in download("?country=EE")] == ["Busy Partner"]
    assert [r["organisation"] for r in download("?known=1")] == ["Lead Partner"]
    assert download("?q=nobody") == [] and "Download" not in pm.get("/partners?q=nobody").get_data(as_text=True)


def test_an_organisations_projects_are_listed_latest_started_first(pm, seeded):
    from datetime import date

    from store.calls import ensure_source
    from store.partners import upsert_project

    ensure_source(seeded, "keep_eu")
    member = [{"source_id": "lab", "name": "Riga Social Lab", "country": "LV", "sector": "ngo", "role": "partner"}]
    for source_id, start, end in (("old", date(2016, 3, 1), date(2019, 2, 28)), ("undated", None, None),
                                  ("new", date(2023, 1, 1), date(2023, 12, 31))):
        upsert_project(seeded, {"source": "keep_eu", "source_id": source_id, "acronym": source_id.upper(),
                                "start_date": start, "end_date": end, "participants": member})
    org_id = seeded.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    page = pm.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert page.index("NEW</a><br><small>2023</small>") < page.index("OLD</a><br><small>2016–2019</small>") < (
        page.index("UNDATED</a></td>"))


def test_an_organisations_page_sums_up_its_record_pages_its_projects_and_counts_its_collaborators(pm, seeded, monkeypatch):
    import webapp.partners
    from store.calls import ensure_source
    from store.partners import upsert_project

    # A large research organisation in the CORDIS files has thousands of projects: the page shows a few at a time.
    monkeypatch.setattr(webapp.partners, "PROJECTS_PER_PAGE", 2)
    monkeypatch.setattr(webapp.partners, "COLLABORATORS", 2)
    ensure_source(seeded, "keep_eu")
    lab = {"source_id": "lab", "name": "Riga Social Lab", "country": "LV", "sector": "ngo", "role": "partner"}
    partners = [{"source_id": name, "name": name, "country": "EE", "role": "partner"}
                for name in ("Tartu Hub", "Narva Youth", "Pärnu Makers")]
    for number, with_whom in enumerate((partners, partners[:2], partners[:1]), start=2020):
        led = {**lab, "role": "coordinator", "eu_contribution": Decimal("1300000")} if number == 2021 else lab
        upsert_project(seeded, {"source": "keep_eu", "source_id": str(number), "acronym": f"P{number}",
                                "programme": "Interreg Central Baltic" if number < 2022 else "Interreg Europe",
                                "start_date": date(number, 1, 1), "participants": [led, *with_whom]})
    org_id = seeded.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")

    def text(page):
        return " ".join(re.sub(r"<[^>]+>", "", page).split())

    first = pm.get(f"/organisations/{org_id}").get_data(as_text=True)
    # Its record at a glance, over every page.
    assert "<dt>Record</dt><dd>3 projects, 1 as coordinator; €1.3 M from the EU; 2020–2022</dd>" in first
    # Each programme leads to every organisation that worked in it.
    assert re.sub(r' title="[^"]+"', "", first).count(
        '<dt>Programmes</dt><dd><a href="/partners?programme=Interreg+Central+Baltic">Interreg Central Baltic</a> (2);'
        ' <a href="/partners?programme=Interreg+Europe">Interreg Europe</a> (1)</dd>') == 1
    listed = pm.get("/partners?programme=Interreg+Central+Baltic").get_data(as_text=True)
    assert all(f">{name}</a>" in listed for name in ("Riga Social Lab", "Tartu Hub", "Narva Youth", "Pärnu Makers"))
    assert "<dt>Contact</dt>" not in first  # no CORDIS project, so no contact form known
    assert "<h2>Projects (3)</h2>" in first and "P2022" in first and "P2021" in first and "P2020" not in first
    assert "Page 1 of 2" in first and f'href="/organisations/{org_id}?page=2">Next' in first
    second = pm.get(f"/organisations/{org_id}?page=2").get_data(as_text=True)
    assert "P2020" in second and "P2022" not in second and "Page 2 of 2" in second
    beyond = pm.get(f"/organisations/{org_id}?page=9").get_data(as_text=True)
    assert "No projects on this page." in beyond
    assert f'Page 9 is past the last.</span> <a href="/organisations/{org_id}?page=2">Go to page 2</a>' in beyond
    assert "Page must be a number from 1 to" in pm.get(f"/organisations/{org_id}?page=two").get_data(as_text=True)
    # The two it worked with most, and how many it worked with in all.
    assert "<h2>Collaborators (3)</h2>" in first
    assert "The 2 with the most projects together; 1 other not listed." in text(first)
    assert text(first).index("Tartu Hub (EE) · 3 projects together") < text(first).index(
        "Narva Youth (EE) · 2 projects together")
    assert "Pärnu Makers" not in first
    monkeypatch.setattr(webapp.partners, "COLLABORATORS", 3)
    page = pm.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "<h2>Collaborators (3)</h2>" in page and "Pärnu Makers" in page and "not listed" not in page
    # The years are those of the projects with dates, and the record says when some have none.
    upsert_project(seeded, {"source": "keep_eu", "source_id": "undated", "participants": [lab]})
    assert "<dt>Record</dt><dd>4 projects, 1 as coordinator; €1.3 M from the EU; 2020–2022 (3 of them dated)</dd>" in (
        pm.get(f"/organisations/{org_id}").get_data(as_text=True))


def test_an_organisations_projects_link_to_their_pages_at_their_sources(pm, seeded):
    from store.calls import ensure_source
    from store.partners import upsert_project

    member = [{"source_id": "lab", "pic": "912345678", "name": "Riga Social Lab", "country": "LV", "sector": "ngo",
               "role": "partner"}]  # one organisation in every source: its PIC says so
    projects = (("cordis", "101094301", "SOCIAL", "Social innovation hubs"),
                ("keep_eu", "27164", "BSR-SE", None),  # what it did, in HTML from the source: below
                ("erasmus_results", "2021-1-LV01-KA220-ADU-000033179", None, "Adult learning for civic action"),
                ("erasmus_results", "id/with?odd#characters", "ODD", None),
                ("interreg_bsr", "a-call", None, None))  # not a partner source: no page known
    for source, source_id, acronym, title in projects:
        ensure_source(seeded, source)
        objective = ("<p>Social enterprise <b>support</b> &amp; training</p><p>Around the Baltic Sea.</p>"
                     "<script>alert(1)</script>" if source == "keep_eu" else None)
        upsert_project(seeded, {"source": source, "source_id": source_id, "acronym": acronym, "title": title,
                                "objective": objective, "participants": member})
    org_id = seeded.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    page = pm.get(f"/organisations/{org_id}").get_data(as_text=True)
    for address, name in (("https://cordis.europa.eu/project/id/101094301", "SOCIAL: Social innovation hubs"),
                          ("https://keep.eu/projects/27164/", "BSR-SE"),
                          ("https://erasmus-plus.ec.europa.eu/projects/search/details/2021-1-LV01-KA220-ADU-000033179",
                           "Adult learning for civic action"),
                          ("https://erasmus-plus.ec.europa.eu/projects/search/details/id%2Fwith%3Fodd%23characters",
                           "ODD")):
        assert f'<a href="{address}" rel="noopener noreferrer" target="_blank">{name}</a>' in page
    assert "<tr><td>(untitled)</td>" in page  # no name and no page at its source
    # Where to write to it: the contact form CORDIS gives it on the portal, through its CORDIS project.
    assert ('<dt>Contact</dt><dd><a href="https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/'
            'contact-form/project/912345678/101094301" rel="noopener noreferrer" target="_blank">its contact form on'
            " the EU Funding &amp; Tenders Portal</a> <small>(as a participant of SOCIAL)</small></dd>") in page
    # What a project did, when its source says: as plain text, its paragraphs on lines of their own.
    assert ('BSR-SE</a><details class="more"><summary>What it did</summary><p class="about">Social enterprise support'
            " &amp; training\nAround the Baltic Sea.</p></details>") in page
    assert "alert(1)" not in page and page.count("What it did") == 1


def test_an_organisations_website_links_from_its_page_only_when_it_is_a_web_address(pm, seeded):
    from store.calls import ensure_source
    from store.partners import upsert_project

    ensure_source(seeded, "cordis")
    sites = {"bare": "www.cnr.it", "full": "https://www.tu-darmstadt.de/en/", "script": "javascript:alert(1)",
             "quote": 'x.org/"><script>alert(1)</script>'}
    upsert_project(seeded, {"source": "cordis", "source_id": "1", "acronym": "SITES", "participants": [
        {"source_id": key, "name": f"Org {key}", "country": "IT", "role": "partner", "website": site}
        for key, site in sites.items()]})
    pages = {key: pm.get("/organisations/" + str(seeded.scalar("SELECT id FROM organisations WHERE name = %s",
                                                                (f"Org {key}",)))).get_data(as_text=True)
             for key in sites}
    assert '<a href="http://www.cnr.it" rel="noopener noreferrer nofollow">www.cnr.it</a>' in pages["bare"]
    assert '<a href="https://www.tu-darmstadt.de/en/" rel="noopener noreferrer nofollow">www.tu-darmstadt.de</a>' in (
        pages["full"])
    for key in ("script", "quote"):  # no link, and nothing of it on the page
        assert "<dt>Website</dt>" not in pages[key] and "alert(1)" not in pages[key]


def test_the_budget_split_is_planned_beside_the_consortium_and_read_against_the_call(pm, with_partners):
    import csv
    import io

    lab, tartu, vilnius = (with_partners.scalar("SELECT id FROM organisations WHERE name = %s", (name,))
                           for name in ("Riga Social Lab", "Tartu University", "Vilnius City"))
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    assert 'id="budget-split"' not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # no partner yet
    for organisation in (lab, tartu, vilnius):
        pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": organisation, "csrf_token": token})
    decide(pm, state="maybe", reason="Good partners available")

    # Typed as people type amounts; saved all at once, with who saved it.
    saved = pm.post("/calls/CERV-SOCIAL-01/consortium/budget", data={
        "own": "150 000", f"budget-{lab}": "€100,000", f"budget-{tartu}": "120000.50", f"budget-{vilnius}": "",
        "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/calls/CERV-SOCIAL-01#budget-split")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    split = page[page.index('id="budget-split"'):].split("</details>")[0]
    assert "Budget split saved." in page and " open>" in split.split("\n")[0]
    assert "<summary>Budget split <small>€370 k planned, Social Innovation Centre (SIC) 41%</small></summary>" in split
    assert f'name="budget-{tartu}" value="120000.50"' in split and 'name="own" value="150000"' in split
    assert f'name="budget-{vilnius}" value=""' in split and "1 partner without a share yet." in split
    assert "Within what the call gives a project (up to €500 k)." in split and re.search(r"Saved .* by pm@sic.lv", split)
    # The assessment's "value" line says what the applicant's part is worth.
    value = page[page.index("<strong>Value against the cost of bidding"):].split("</small>")[0]
    assert "the budget split planned so far gives us €150 k of €370 k." in value, value
    # The call publishes no funding rate, so what our share costs us waits for the rate we are funded at.
    assert 'name="rate" value=""' in split and "The call publishes none." in split
    assert "give the rate we are funded at to see what our share costs us." in split
    stake = pm.get("/pipeline").get_data(as_text=True).split('<p class="at-stake">')[1].split("</p>")[0]
    assert "1 of them has no funding rate to read the co-financing at." in stake and "own funds" not in stake
    # The Pipeline's card and the register say it too.
    card = pm.get("/pipeline").get_data(as_text=True).split('class="board"')[1]
    assert '#budget-split">€370 k planned</a>, €150 k of it ours</small>' in card
    [register] = list(csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"))))
    assert (register["our planned budget EUR"], register["planned budget in all EUR"]) == ("150000", "370000.50")
    assert register["our co-financing EUR"] == ""

    # With the call's published rate, or the one we plan with, the split says what our share costs us.
    with_partners.execute("UPDATE calls SET funding_rate = 80 WHERE identifier = 'CERV-SOCIAL-01'")
    shares = {f"budget-{lab}": "100000", f"budget-{tartu}": "120000.50", f"budget-{vilnius}": ""}
    pm.post("/calls/CERV-SOCIAL-01/consortium/budget", data={"own": "150000", **shares, "rate": "", "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    split = page.split('id="budget-split"')[1].split("</details>")[0]
    assert "Blank: 80%, the call&#39;s rate." in split
    assert ('<p class="costs">At 80% funding, our €150 k stands for €188 k of eligible costs: €38 k to co-finance from'
            ' our own funds.</p>') in split
    value = page[page.index("<strong>Value against the cost of bidding"):].split("</small>")[0]
    assert "gives us €150 k of €370 k, with €38 k of our own funds to add at 80% funding." in value, value
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    assert "€150 k of it ours and €38 k of our own funds to add</small>" in pipeline.split('class="board"')[1]
    # The Pipeline adds up what the open applications would bring and cost were they won.
    stake = " ".join(pipeline.split('<p class="at-stake">')[1].split("</p>")[0].split())
    assert stake == ("1 open application with our share planned: were it won, €150 k of grants to us, and €38 k of"
                     " our own funds to co-finance."), stake
    # Weighed against the own funds the profile sets aside for co-financing, once leadership sets them.
    with_partners.execute("UPDATE profiles SET cofinancing_reserve = 30000")
    stake = pm.get("/pipeline").get_data(as_text=True).split('<p class="at-stake">')[1].split("</p>")[0]
    assert '€38 k of our own funds to co-finance:\n  <strong class="over">more than the €30 k set aside for it' in stake
    # And the call's assessment says so where the bid is weighed.
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    value = page[page.index("<strong>Value against the cost of bidding"):].split("</small>")[0]
    assert "at 80% funding; our co-financing would come to €38 k, more than the €30 k set aside." in value, value
    with_partners.execute("UPDATE profiles SET cofinancing_reserve = 50000")
    stake = pm.get("/pipeline").get_data(as_text=True).split('<p class="at-stake">')[1].split("</p>")[0]
    assert "€38 k of our own funds to co-finance, within the €50 k set aside for it." in " ".join(stake.split())
    [register] = list(csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"))))
    assert register["our co-financing EUR"] == "37500"
    pm.post("/calls/CERV-SOCIAL-01/consortium/budget",
            data={"own": "150000", **shares, "rate": "100 %", "csrf_token": token})
    split = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True).split('id="budget-split"')[1].split("</details>")[0]
    assert 'name="rate" value="100"' in split and "At 100% funding, our share needs no co-financing." in split
    refused = pm.post("/calls/CERV-SOCIAL-01/consortium/budget",
                      data={"own": "150000", **shares, "rate": "120", "csrf_token": token})
    assert refused.status_code == 400 and "such as 80 for 80%; &#39;120&#39; is not one." in refused.get_data(as_text=True)
    assert with_partners.scalar("SELECT funding_rate FROM consortium_plans") == 100

    # Over what the call gives a project, it says so; a share that is not an amount is refused, and nothing changes.
    pm.post("/calls/CERV-SOCIAL-01/consortium/budget", data={
        "own": "300000", f"budget-{lab}": "100000", f"budget-{tartu}": "120000", f"budget-{vilnius}": "0",
        "csrf_token": token})
    split = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True).split('id="budget-split"')[1].split("</details>")[0]
    assert '<p class="over">€520 k planned is more than the €500 k the call gives a project at most.</p>' in split
    refused = pm.post("/calls/CERV-SOCIAL-01/consortium/budget", data={
        "own": "300000", f"budget-{lab}": "100,5", "csrf_token": token})
    assert refused.status_code == 400
    assert ("Riga Social Lab&#39;s share: Write an amount in euros, such as 120000 or 120 000; &#39;100,5&#39; is not"
            " one.") in refused.get_data(as_text=True)
    assert with_partners.scalar("SELECT budget FROM consortium_members WHERE organisation_id = %s", (lab,)) == 100000
    assert pm.post("/calls/CERV-SOCIAL-01/consortium/budget",
                   data={"own": "1", "budget-424242": "5", "csrf_token": token}).status_code == 404

    # A partner that declines no longer counts; the partner list carries each one's planned budget.
    pm.post(f"/calls/CERV-SOCIAL-01/consortium/{tartu}/status", data={"status": "declined", "csrf_token": token})
    split = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True).split('id="budget-split"')[1].split("</details>")[0]
    assert "€400 k planned" in split and "Tartu University" not in split
    rows = list(csv.DictReader(io.StringIO(pm.get("/calls/CERV-SOCIAL-01/consortium.csv").get_data().decode("utf-8-sig"))))
    assert {r["organisation"]: r["planned budget EUR"] for r in rows} == {
        "Riga Social Lab": "100000", "Tartu University": "120000", "Vilnius City": "0"}

    # An open application without a split is counted apart.
    add_call(with_partners, "CERV-ARCHIVE-01", "Archives of civic memory", "Oral history.", deadline="2027-01-15")
    pm.post("/calls/CERV-ARCHIVE-01/decision", data={"state": "maybe", "reason": "Good partners available",
                                                      "csrf_token": csrf(pm, "/calls/CERV-ARCHIVE-01")})
    stake = pm.get("/pipeline").get_data(as_text=True).split('<p class="at-stake">')[1].split("</p>")[0]
    assert "<small>1 other open application has no budget split yet.</small>" in stake

    # A Horizon Europe topic's type of action fixes the rate where the call publishes none: an innovation
    # action pays a non-profit such as SIC 100%, a company 70%.
    with_partners.execute("UPDATE calls SET funding_rate = NULL, action_type = 'HORIZON Innovation Actions'"
                          " WHERE identifier = 'CERV-SOCIAL-01'")
    pm.post("/calls/CERV-SOCIAL-01/consortium/budget", data={"own": "150000", "rate": "", "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert ("<dt>Funding rate</dt><dd>100% of eligible costs for Social Innovation Centre (SIC) <small>(what Horizon"
            " Europe pays a non-profit in an innovation action)</small></dd>") in page
    split = page.split('id="budget-split"')[1].split("</details>")[0]
    assert "Blank: 100%, what Horizon Europe pays a non-profit in an innovation action." in split
    assert "At 100% funding, our share needs no co-financing." in split

    def register_cofinancing():
        rows = csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig")))
        return {r["identifier"]: r["our co-financing EUR"] for r in rows}["CERV-SOCIAL-01"]

    assert register_cofinancing() == "0"
    with_partners.execute("UPDATE profiles SET organisation_types = '{private}'")
    assert register_cofinancing() == "64286"


def test_an_organisation_is_added_to_a_consortium_from_its_own_page(pm, with_partners):
    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert "Calls marked bid or maybe, and calls with a consortium started, are listed here while" in page
    assert 'name="call"' not in page
    # A call marked maybe, and another whose consortium was started on its page, are offered; a no bid is not.
    decide(pm, state="maybe", reason="Good partners available")
    add_call(with_partners, "CERV-ARCHIVE-01", "Archives of civic memory", "Oral history.", deadline="2027-01-15")
    tartu = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Tartu University'")
    post = pm.post("/calls/CERV-ARCHIVE-01/consortium",
                   data={"organisation_id": tartu, "csrf_token": csrf(pm, "/calls/CERV-ARCHIVE-01")})
    assert post.status_code == 302

    def offered(page):  # (what a row says, the call its button adds to)
        rows = page[page.index('<table class="consortia">'):].split("</table>")[0].split("<tr>")[2:]
        return [(" ".join(re.sub(r"<[^>]+>", " ", row).split()), re.search(r'name="call" value="([^"]+)"', row).group(1))
                for row in rows]

    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    rows = offered(page)
    assert [call for _, call in rows] == ["CERV-SOCIAL-01", "CERV-ARCHIVE-01"]  # the sooner deadline first
    social, archive = (text for text, _ in rows)
    # Where it would rank as a partner for each, as the call's page ranks it: among the three, or the two
    # outside a consortium that Tartu University is in already, and why.
    assert "Maybe 0 partners ranks" in social and "of 3 1 past project in the data" in social
    assert "— 1 partner ranks" in archive and "of 2 " in archive and "worked with the consortium in 1 project" in archive
    call_page = pm.get("/calls/CERV-ARCHIVE-01").get_data(as_text=True)
    listed = call_page[call_page.index('<table class="partners">'):].split("</table>")[0]
    rank = int(re.search(r"ranks (\d) of 2", archive).group(1))
    assert re.search(rf"<td>{rank}</td>\s*<td><a [^>]*>Riga Social Lab</a>", listed)
    response = pm.post(f"/organisations/{lab}/consortium",
                       data={"call": "CERV-SOCIAL-01", "csrf_token": csrf(pm, f"/organisations/{lab}")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organisations/{lab}")
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert "Riga Social Lab is in the consortium for CERV-SOCIAL-01: Social innovation and civic participation" in page
    assert 'In the consortium for <a href="/calls/CERV-SOCIAL-01#consortium">' in page
    assert [call for _, call in offered(page)] == ["CERV-ARCHIVE-01"]  # no longer offered where it is a member
    assert '<button aria-label="Add it to the consortium for CERV-ARCHIVE-01">Add</button>' in page
    call_page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    builder = call_page[call_page.index('id="consortium"'):call_page.index("Recommended partners")]
    assert "Riga Social Lab" in builder
    board = pm.get("/pipeline").get_data(as_text=True)
    assert '<a href="/calls/CERV-SOCIAL-01#consortium">1 partner in the consortium, none confirmed yet</a>' in board
    # A call it cannot be added to: none chosen, or none stored.
    token = csrf(pm, f"/organisations/{lab}")
    assert pm.post(f"/organisations/{lab}/consortium", data={"csrf_token": token}).status_code == 400
    assert pm.post(f"/organisations/{lab}/consortium", data={"call": "NO-SUCH", "csrf_token": token}).status_code == 400
    assert pm.post("/organisations/424242/consortium", data={"call": "CERV-SOCIAL-01", "csrf_token": token}).status_code == 404
    # Once every such consortium has it, the page says where it is and offers nothing more.
    pm.post(f"/organisations/{lab}/consortium", data={"call": "CERV-ARCHIVE-01", "csrf_token": token})
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert 'name="call"' not in page and "are listed here" not in page
    assert page.count('#consortium">') == 2


def test_an_organisations_page_offers_only_consortia_still_taking_partners(app, pm, with_partners):
    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    tartu = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Tartu University'")
    decide(pm)  # a bid on CERV-SOCIAL-01, deadline 1 Oct 2026
    add_call(with_partners, "CERV-ROLLING-01", "Civic grants", "Civic participation.")
    with_partners.execute("UPDATE calls SET deadlines = '[]' WHERE identifier = 'CERV-ROLLING-01'")  # a rolling call
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": tartu, "csrf_token": csrf(pm, "/calls")})
    pm.post("/calls/CERV-ROLLING-01/consortium", data={"organisation_id": tartu, "csrf_token": csrf(pm, "/calls")})

    def offered(organisation_id):
        page = pm.get(f"/organisations/{organisation_id}").get_data(as_text=True)
        return re.findall(r'name="call" value="([^"]+)"', page), page

    assert offered(lab)[0] == ["CERV-SOCIAL-01", "CERV-ROLLING-01"]
    # Once the deadline has passed nothing is built for it any more; a call without one is still offered.
    with on_day(app, date(2026, 10, 2)):
        assert offered(lab)[0] == ["CERV-ROLLING-01"]
    # Withdrawn, the bid takes no partners; one already in it still reads where it was.
    bid = with_partners.scalar("SELECT id FROM decisions")
    pm.post(f"/decisions/{bid}/outcome", data={"outcome": "withdrawn", "csrf_token": csrf(pm, "/calls")})
    assert offered(lab)[0] == ["CERV-ROLLING-01"]
    assert 'In the consortium for <a href="/calls/CERV-SOCIAL-01#consortium">' in offered(tartu)[1]


def test_the_recommended_partners_download_as_a_spreadsheet_narrowed_as_on_the_call_page(pm, with_partners):
    import csv
    import io

    from store.contacts import save_contact

    def download(query=""):
        response = pm.get(f"/calls/CERV-SOCIAL-01/partners.csv{query}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == "attachment; filename=partners-CERV-SOCIAL-01.csv"
        return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))

    def listed(page):
        table = page[page.index('<table class="partners">'):].split("</table>")[0]
        return re.findall(r'<a href="/organisations/\d+">([^<]+)</a>', table)

    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    save_contact(with_partners, lab, "Ilze Ozola", "ilze@rsl.lv", "Director",
                 with_partners.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"))
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert '<a href="/calls/CERV-SOCIAL-01/partners.csv">Download the recommended partners (CSV)</a>' in page
    rows = download()
    assert [row["organisation"] for row in rows] == listed(page)  # in the page's order
    assert sorted(listed(page)) == ["Riga Social Lab", "Tartu University", "Vilnius City"]
    assert [row["rank"] for row in rows] == ["1", "2", "3"]
    assert [float(row["score"]) for row in rows] == sorted((float(row["score"]) for row in rows), reverse=True)
    ours = next(row for row in rows if row["organisation"] == "Riga Social Lab")
    assert (ours["country"], ours["sector"], ours["projects in the data"]) == (
        "LV", "other (often NGOs and associations)", "1")
    assert (ours["contact person"], ours["contact email"]) == ("Ilze Ozola", "ilze@rsl.lv")  # whom the team knows
    assert ours["organisation page"] == f"http://127.0.0.1:5000/organisations/{lab}"
    assert all(row["why"] for row in rows) and {row["in the suggested consortium"] for row in rows} <= {"yes", ""}
    # Narrowed as the page is, by the same address: one country, or where the team knows someone.
    page = pm.get("/calls/CERV-SOCIAL-01?country=EE").get_data(as_text=True)
    assert 'href="/calls/CERV-SOCIAL-01/partners.csv?country=EE"' in page
    assert [row["organisation"] for row in download("?country=EE")] == listed(page) == ["Tartu University"]
    assert [row["organisation"] for row in download("?known=1")] == ["Riga Social Lab"]
    # A partner in the consortium is no longer recommended.
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": lab, "action": "add", "csrf_token": token})
    assert "Riga Social Lab" not in [row["organisation"] for row in download()]
    assert pm.get("/calls/NO-SUCH-CALL/partners.csv").status_code == 404


def test_the_consortium_of_a_bid_that_ended_is_kept_as_a_record(pm, with_partners):
    lab, tartu = (with_partners.scalar("SELECT id FROM organisations WHERE name = %s", (name,))
                  for name in ("Riga Social Lab", "Tartu University"))
    decide(pm)  # a bid on CERV-SOCIAL-01
    token = csrf(pm, "/calls")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": [lab, tartu], "csrf_token": token})
    pm.post(f"/calls/CERV-SOCIAL-01/consortium/{tartu}/status",
            data={"status": "declined", "note": "no capacity", "csrf_token": token})
    pm.post("/calls/CERV-SOCIAL-01/consortium/budget", data={"own": "60000", f"budget-{lab}": "40000",
                                                             "csrf_token": token})
    assert "Recommended partners" in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    bid = with_partners.scalar("SELECT id FROM decisions")
    pm.post(f"/decisions/{bid}/outcome", data={"outcome": "withdrawn", "csrf_token": token})

    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    section = page[page.index('id="consortium"'):].split("</section>")[0]
    said = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert ("This bid is withdrawn: its consortium is kept as it was. No partner is recommended or reminded. A later"
            " call of the same series offers to start from it.") in said
    # Who was in it and how far the team got, as text: nothing to add, remove, ask or find.
    assert "1 partner in it, none confirmed; 1 declined." in said
    assert "Riga Social Lab LV other (often NGOs and associations) not asked yet €40 k" in said
    assert "Tartu University EE higher education declined (no capacity) —" in said
    assert "Total, with Social Innovation Centre (SIC)'s share of €60 k €100 k" in said
    assert "Recommended partners" not in section and "Vilnius City" not in section
    assert "<form" not in section and "<select" not in section and "<input" not in section
    assert "Download the partner list (CSV)" in said and "How the consortium came together (3 changes)" in said
    # A form left open in another tab changes nothing.
    for path, data in (("/calls/CERV-SOCIAL-01/consortium", {"organisation_id": lab, "action": "remove"}),
                       (f"/calls/CERV-SOCIAL-01/consortium/{lab}/status", {"status": "confirmed"}),
                       ("/calls/CERV-SOCIAL-01/consortium/budget", {"own": "1"}),
                       ("/calls/CERV-SOCIAL-01/consortium/coordinator", {"coordinator": str(lab)})):
        response = pm.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 409
        assert "This bid is withdrawn: its consortium is kept as it was" in response.get_data(as_text=True)
    vilnius = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Vilnius City'")
    response = pm.post(f"/organisations/{vilnius}/consortium", data={"call": "CERV-SOCIAL-01", "csrf_token": token})
    assert response.status_code == 409  # nor from an organisation's page
    response = pm.get("/calls/CERV-SOCIAL-01/partners.csv")  # nor recommended in a download
    assert response.status_code == 409 and ("This bid is withdrawn: its consortium is kept as it was, and no partners"
                                            " are recommended for it.") in response.get_data(as_text=True)
    assert with_partners.scalar("SELECT count(*) FROM consortium_members") == 2
    assert with_partners.scalar("SELECT count(*) FROM consortium_members WHERE coordinator OR status = 'confirmed'") == 0
    # Taken back (sent after all), the builder is back.
    pm.post(f"/decisions/{bid}/outcome", data={"outcome": "submitted", "csrf_token": token})
    assert "Recommended partners" in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)


def test_an_organisations_page_lists_those_whose_work_is_closest_to_its_own(pm, with_partners):
    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    closest = page[page.index("<h2>Closest in what they worked on</h2>"):].split("</section>")[0]
    names = re.findall(r'<a href="/organisations/\d+">([^<]+)</a>', closest)
    assert sorted(names) == ["Tartu University", "Vilnius City"]  # every other indexed one; never itself
    assert re.search(r"\(<abbr title=\"Estonia\">EE</abbr>, higher education\) · similarity 0\.\d\d", closest)
    with_partners.execute("DELETE FROM organisation_vectors")  # not indexed (yet): no such section
    assert "Closest in what they worked on" not in pm.get(f"/organisations/{lab}").get_data(as_text=True)


def test_partners_are_found_by_the_programme_or_topic_they_worked_in(pm, with_partners):
    from store.partners import resolve_organisation, save_participation, save_project

    with with_partners.transaction() as cur:
        project_id, _ = save_project(cur, "cordis", "p2", {"title": "Digital commons", "framework": "HORIZON",
                                                           "topic_code": "HORIZON-CL2-2024-DEMOCRACY-01"})
        org_id, _ = resolve_organisation(cur, "cordis", "4", {"pic": "4", "name": "Kaunas Civic Tech", "country": "LT"})
        save_participation(cur, project_id, org_id, "coordinator", None)

    def found(programme):
        page = pm.get("/partners", query_string={"programme": programme}).get_data(as_text=True)
        return sorted(set(re.findall(r">(Riga Social Lab|Tartu University|Vilnius City|Kaunas Civic Tech)</a>", page)))

    assert found("CERV") == ["Riga Social Lab", "Tartu University", "Vilnius City"]  # the topic code's start
    assert found("horizon-cl2") == found("HORIZON") == ["Kaunas Civic Tech"]
    assert found(" Horizon  Europe ") == ["Kaunas Civic Tech"]  # by its name, as CORDIS codes it
    assert found("Horizon 2020") == [] and found("%") == []
    # A part of a Horizon Europe topic code, which starts with HORIZON: the cluster, the destination.
    assert found("CL2") == found("democracy") == ["Kaunas Civic Tech"] and found("2024-DEM") == ["Kaunas Civic Tech"]
    # keep.eu names the programme in words, and its topic codes do not: found by words of the name.
    with with_partners.transaction() as cur:
        project_id, _ = save_project(cur, "cordis", "p3", {"framework": "Interreg", "topic_code": "INTERREG-P12-2014",
                                                           "programme": "Interreg Central Baltic 2014-2020"})
        org_id, _ = resolve_organisation(cur, "cordis", "5", {"pic": "5", "name": "Narva Youth", "country": "EE"})
        save_participation(cur, project_id, org_id, "partner", None)
    page = pm.get("/partners?programme=central+baltic").get_data(as_text=True)
    assert sorted(set(re.findall(r">(Narva Youth)</a>", page))) == ["Narva Youth"]
    # As one types, the field offers the programmes by name (read again once a project comes in), not the
    # parts of topic codes.
    offered = re.search(r'<datalist id="programmes-worked-in">(.*?)</datalist>', page)[1]
    assert re.findall(r'<option value="([^"]+)">', offered) == ["Horizon Europe", "Interreg",
                                                               "Interreg Central Baltic 2014-2020"]


def test_a_programme_no_organisation_worked_in_is_said_with_the_nearest_one_some_did(pm, with_partners):
    assert '<datalist id="programmes-worked-in"></datalist>' in pm.get("/partners").get_data(as_text=True)
    page = pm.get("/partners?programme=CRV&country=EE").get_data(as_text=True)
    assert "No organisation in the partner data worked in a programme or topic “CRV” (did you mean CERV?)." in page
    assert ("No organisation matches. 1 organisation worked in “CERV”: <a href=\"/partners?programme=CERV&amp;"
            "country=EE\">search for that instead</a>. 1 organisation matches with no programme asked for:"
            " <a href=\"/partners?programme=&amp;country=EE\">search for that instead</a>.") in page
    # Nothing near: the programme left out is the only way on; a programme some worked in is no error.
    page = pm.get("/partners?programme=LIFE").get_data(as_text=True)
    assert "worked in a programme or topic “LIFE”." in page and "did you mean" not in page
    assert "3 organisations match with no programme asked for" in page and "worked in “" not in page
    page = pm.get("/partners?programme=CERV&country=FI").get_data(as_text=True)
    assert "No organisation matches." in page and "worked in a programme" not in page


def test_an_empty_list_offers_each_filter_left_out_that_finds_some_the_narrowest_first(pm, with_partners):
    page = pm.get("/partners?programme=CERV&country=FI").get_data(as_text=True)
    assert ("No organisation matches. 3 organisations match from any country: <a href=\"/partners?programme=CERV&amp;"
            "country=\">search for that instead</a>.") in page
    page = pm.get("/partners?q=riga&sector=other&technology=1").get_data(as_text=True)
    offers = re.findall(r"(\d+ organisations? match(?:es)? [^:]+): <a", page)
    assert offers == ["1 organisation matches whether technology-oriented or not"]  # without the sector, still none
    assert "No organisation matches." in pm.get("/partners?q=riga&country=EE&technology=1").get_data(as_text=True)
    assert "search for that instead" not in pm.get("/partners?q=riga&country=EE&technology=1").get_data(as_text=True)
    page = pm.get("/partners?sector=academic&country=LV").get_data(as_text=True)
    assert re.findall(r"(\d+ organisations? match(?:es)? [^:]+): <a", page) == [
        "1 organisation matches from any country", "1 organisation matches of any sector"]
    # A word of the name that no organisation there holds is offered left out first, and then no filter is.
    page = pm.get("/partners?q=riga+tartu&country=EE").get_data(as_text=True)
    assert re.findall(r"(\d+ organisations? match(?:es)? [^:]+): <a", page) == [
        "1 organisation matches “tartu”, “riga” left out"]


def test_without_partner_data_the_pages_say_how_to_load_it(pm):
    how = "No partner data is loaded yet. <code>callmatch import-cordis</code> loads the CORDIS bulk files"
    assert how in pm.get("/partners").get_data(as_text=True)
    assert how in pm.get("/partners?about=social+enterprise").get_data(as_text=True)  # not "indexed yet"
    assert how in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)


def test_a_search_that_finds_no_organisation_says_so(pm, with_partners):
    page = pm.get("/partners?q=no-such-name").get_data(as_text=True)
    assert "No organisation matches." in page and "No partner data" not in page
    assert "search for that instead" not in page  # no name holds a word near these


def test_a_name_misspelt_is_set_right_to_the_nearest_word_names_hold(pm, with_partners):
    def said(query):
        page = pm.get("/partners" + query).get_data(as_text=True)
        return " ".join(page[page.index('class="empty"'):].split("</td>")[0].split(">", 1)[1].split())

    assert said("?q=Tartu+Univrsity&country=EE") == (
        'No organisation matches. 1 organisation matches “Tartu University”: <a href="/partners?q=Tartu+University&amp;'
        'country=EE">search for that instead</a>.')
    assert said("?q=Univrsity&country=LV") == "No organisation matches."  # set right, it finds none there either
    # Words names hold, but not together: each left out, the narrowest search first, the other filters kept.
    from store.partners import resolve_organisation

    with with_partners.transaction() as cur:
        resolve_organisation(cur, "cordis", "9910", {"pic": "9910", "name": "University of Latvia", "country": "LV"})
    assert said("?q=Riga+University") == (
        'No organisation matches. 1 organisation matches “Riga”, “University” left out: <a href="/partners?q=Riga">'
        'search for that instead</a>. 2 organisations match “University”, “Riga” left out: <a href="/partners?q='
        'University">search for that instead</a>.')
    assert said("?q=Riga+University&country=EE") == (
        'No organisation matches. 1 organisation matches “University”, “Riga” left out: <a href="/partners?q='
        'University&amp;country=EE">search for that instead</a>.')
    # A slip set right that finds none: the words left out are those set right.
    assert said("?q=Riga+Universty") == said("?q=Riga+University")
    # A name that came in since the names' words were read is one to set right to.
    with with_partners.transaction() as cur:
        resolve_organisation(cur, "cordis", "9911", {"pic": "9911", "name": "Vidzemes Augstskola", "country": "LV"})
    assert "“VIDZEMES AUGSTSKOLA”" in said("?q=VIDZEMES+AUGSTKOLA")
    # So is a short name another source filled in since.
    assert said("?q=socoilabs") == "No organisation matches."
    with with_partners.transaction() as cur:
        resolve_organisation(cur, "cordis", "1", {"pic": "1", "name": "Riga Social Lab", "short_name": "SOCIOLABS"})
    assert "“sociolabs”" in said("?q=socoilabs")


def test_call_page_recommends_partners_and_builds_the_consortium(pm, with_partners):
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Recommended partners" in page and "Riga Social Lab" in page
    assert 'aria-label="Add Riga Social Lab">Add</button>' in page  # each button says whom it adds
    assert "The applicant, Social Innovation Centre (SIC), established in Latvia, counts as a member" in page
    lab_row = page[page.index("Riga Social Lab"):][:1500].split("</tr>")[0]
    assert "adds a country" not in lab_row and "adds a country: Estonia" in page  # Latvia is SIC's own
    ranked = page[page.index('<table class="partners">'):]
    ranked_lab = ranked[ranked.index("Riga Social Lab"):].split("</tr>")[0]
    assert "<td>other (often NGOs and associations)</td>" in ranked_lab  # the sector in words, stored as "other"
    summary = " ".join(page[page.index("Suggested consortium:"):].split("</p>")[0].split())
    assert '<abbr title="Estonia">EE</abbr>' in summary  # codes, each named on hover
    summary = re.sub(r"<[^>]+>", "", summary)
    assert "With Social Innovation Centre (SIC), it would cover 3 countries (EE, LT, LV)" in summary
    assert "these sectors: NGO, higher education, other (often NGOs and associations), public body." in summary
    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": lab, "action": "add", "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    builder = re.sub(r"<[^>]+>", "", page[page.index('id="consortium"'):page.index("Recommended partners")])
    assert "Riga Social Lab" in builder
    assert "covers 1 country (LV) and these sectors: NGO, other (often NGOs and associations)." in builder

    # One button adds the suggested partners; adding one twice changes nothing.
    form = page[page.index("Suggested additions:"):page.index("Add these")]
    suggested = [int(v) for v in re.findall(r'name="organisation_id" value="(\d+)"', form)]
    assert len(suggested) == 2 and lab not in suggested  # the lab is in already
    pm.post("/calls/CERV-SOCIAL-01/consortium",
            data={"organisation_id": [*suggested, lab], "action": "add", "csrf_token": token})
    assert with_partners.scalar("SELECT count(*) FROM consortium_members") == 3
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    builder = page[page.index('id="consortium"'):page.index("Recommended partners")]
    assert "Tartu University" in builder and "Vilnius City" in builder
    assert "<td>higher education</td>" in builder and "<td>academic</td>" not in builder
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": lab, "action": "remove", "csrf_token": token})
    assert with_partners.scalar("SELECT count(*) FROM consortium_members") == 2
    # All or none: with an unknown organisation among them, the known one is not added either.
    response = pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": [lab, 999999], "action": "add",
                                                                 "csrf_token": token})
    assert response.status_code == 404 and with_partners.scalar("SELECT count(*) FROM consortium_members") == 2


def test_a_partner_that_confirmed_joining_another_of_our_consortia_is_recommended_as_one_we_worked_with(
        pm, with_partners):
    from store import consortium, profiles

    def row_of(name):
        page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
        ranked = page[page.index('<table class="partners">'):]
        return " ".join(re.sub(r"<[^>]+>", " ", ranked[ranked.index(name):].split("</tr>")[0]).split())

    assert "of ours" not in row_of("Vilnius City")
    profile_id = profiles.ensure_default_profile(with_partners)
    vilnius = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Vilnius City'")
    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    other = with_partners.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SMALL-01'")
    consortium.add_members(with_partners, profile_id, other, [vilnius, lab], None)
    consortium.set_status(with_partners, profile_id, other, vilnius, "confirmed", "", None)
    consortium.set_status(with_partners, profile_id, other, lab, "asked", "", None)  # asked is not joined
    assert "confirmed joining 1 earlier consortium of ours" in row_of("Vilnius City")
    assert "of ours" not in row_of("Riga Social Lab")
    # The profile's own: another profile's consortia are another applicant's collaborations.
    second = profiles.save_profile(with_partners, {**profiles.SIC_PROFILE, "name": "Another applicant"})
    assert consortium.confirmed_with_us(with_partners, second) == {}
    assert consortium.confirmed_with_us(with_partners, profile_id) == {
        vilnius: {"times": 1, "latest": "Small grants for civic participation"}}
    assert consortium.confirmed_with_us(with_partners, profile_id, except_call_id=other) == {}


def test_the_consortium_downloads_as_a_partner_list(pm, with_partners):
    import csv
    import io

    with_partners.execute("UPDATE organisations SET pic = '912345678', website = 'www.rsl.lv', city = 'Rīga'"
                          " WHERE name = 'Riga Social Lab'")
    with_partners.execute("UPDATE organisations SET name = '=HYPERLINK(\"x\")', city = 'VILNIUS' WHERE name = 'Vilnius City'")
    ids = [with_partners.scalar("SELECT id FROM organisations WHERE name = %s", (name,))
           for name in ("Riga Social Lab", '=HYPERLINK("x")')]
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": ids, "action": "add", "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert 'href="/calls/CERV-SOCIAL-01/consortium.csv"' in page
    # Where to write to each, in the builder too: its website, its form on the portal, or neither known.
    builder = page[page.index('id="consortium"'):page.index("Recommended partners")]
    assert ('<a href="http://www.rsl.lv" rel="noopener noreferrer nofollow" target="_blank">website</a> · <a href="'
            'https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/contact-form/project/912345678/p1"'
            ' rel="noopener noreferrer" target="_blank"') in builder
    assert builder.count('<td class="contact">—</td>') == 1  # Vilnius City: no website, no PIC
    response = pm.get("/calls/CERV-SOCIAL-01/consortium.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=consortium-CERV-SOCIAL-01.csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert sorted(r["organisation"] for r in rows) == ['\'=HYPERLINK("x")', "Riga Social Lab"]  # a name, not a formula
    [lab] = [r for r in rows if r["organisation"] == "Riga Social Lab"]
    assert (lab["PIC"], lab["country"], lab["city"], lab["sector"], lab["website"], lab["added by"]) == (
        "912345678", "LV", "Rīga", "other (often NGOs and associations)", "http://www.rsl.lv", "pm@sic.lv")
    assert [r["city"] for r in rows if r is not lab] == ["Vilnius"]  # stored in capitals, written as a name
    # The portal's contact form, for a partner with a PIC, through its CORDIS project; none without a PIC.
    assert lab["contact form"] == ("https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/contact-form"
                                   "/project/912345678/p1")
    assert [r["contact form"] for r in rows if r is not lab] == [""]
    assert pm.get("/calls/NO-SUCH-CALL/consortium.csv").status_code == 404


def test_the_team_records_how_far_it_has_got_with_each_partner(pm, with_partners):
    import csv
    import io

    lab, tartu, vilnius = (with_partners.scalar("SELECT id FROM organisations WHERE name = %s", (name,))
                           for name in ("Riga Social Lab", "Tartu University", "Vilnius City"))
    decide(pm, state="maybe", reason="Good partners available")
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": [lab, tartu, vilnius], "csrf_token": token})

    def builder():
        page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
        return page[page.index('id="consortium"'):page.index("Recommended partners")], page

    def set_status(organisation_id, status, note="", **narrow):
        query = "?" + "&".join(f"{k}={v}" for k, v in narrow.items()) if narrow else ""
        return pm.post(f"/calls/CERV-SOCIAL-01/consortium/{organisation_id}/status{query}",
                       data={"status": status, "note": note, "csrf_token": token})

    section, _ = builder()
    assert "3 partners in the consortium, none confirmed yet." in section
    assert section.count('<option value="not_asked" selected>not asked yet</option>') == 3
    response = set_status(lab, "asked", "Wrote to <b>Ilze</b>,\n on 3 Dec", country="EE")
    assert response.status_code == 302  # back to the builder, the list narrowed as it was
    assert response.headers["Location"].endswith("/calls/CERV-SOCIAL-01?country=EE#consortium")
    set_status(tartu, "confirmed")
    set_status(vilnius, "declined", "Not this year")
    section, page = builder()
    assert "2 partners in the consortium, 1 confirmed; 1 declined, listed so that no one asks it again." in section
    table = section[section.index('<table class="members">'):]
    lab_row = table[table.index("Riga Social Lab"):].split("</tr>")[0]
    assert '<option value="asked" selected>asked</option>' in lab_row
    assert 'value="Wrote to &lt;b&gt;Ilze&lt;/b&gt;, on 3 Dec"' in lab_row  # one line, and text, not markup
    assert re.search(r"Set \d\d \w+ \d{4} \d\d:\d\d EES?T by pm@sic.lv", re.sub(r"<[^>]+>", "", lab_row))
    assert "No answer recorded" not in section  # asked today
    with_partners.execute("UPDATE consortium_members SET status_at = '2026-06-10 09:00+00'")  # 17 days before
    section, _ = builder()
    reminders = re.findall(r"No answer recorded for (\d+) days: time to ask again.", section)
    assert reminders == ["17"]  # Riga Social Lab, asked; not those that confirmed or declined
    assert '<tr class="declined"><td><a href="/organisations/%d">Vilnius City</a>' % vilnius in section
    # One that declined is not a member: its country no longer counts, and it is not recommended again.
    assert "covers 2 countries (EE, LV)" in re.sub(r"<[^>]+>", "", section)
    assert 'aria-label="Add Vilnius City"' not in page

    board = pm.get("/pipeline").get_data(as_text=True)
    assert '<a href="/calls/CERV-SOCIAL-01#consortium">2 partners in the consortium, 1 confirmed</a>' in board
    [decision] = list(csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"))))
    assert decision["partners confirmed"] == "1" and "Vilnius" not in decision["consortium partners"]
    rows = list(csv.DictReader(io.StringIO(pm.get("/calls/CERV-SOCIAL-01/consortium.csv").get_data().decode("utf-8-sig"))))
    assert [(r["organisation"], r["status"], r["status note"], r["status set by"]) for r in rows] == [
        ("Riga Social Lab", "asked", "Wrote to <b>Ilze</b>, on 3 Dec", "pm@sic.lv"),
        ("Tartu University", "confirmed", "", "pm@sic.lv"), ("Vilnius City", "declined", "Not this year", "pm@sic.lv")]

    # Its own page says so, and does not offer it for that consortium again.
    page = pm.get(f"/organisations/{vilnius}").get_data(as_text=True)
    assert 'Declined to join the consortium for <a href="/calls/CERV-SOCIAL-01#consortium">' in page
    assert 'name="call" value="CERV-SOCIAL-01"' not in page
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert "participation of young people</a> (CERV-SOCIAL-01; asked)." in page
    pm.post("/calls/CERV-SOCIAL-01/consortium/coordinator", data={"coordinator": lab, "csrf_token": token})
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert "participation of young people</a> (CERV-SOCIAL-01; asked; the coordinator)." in page

    # What cannot be recorded says why, and changes nothing.
    response = set_status(lab, "maybe")
    assert response.status_code == 400 and "Choose one of: not asked yet, asked" in response.get_data(as_text=True)
    response = set_status(lab, "asked", "x" * 301)
    assert response.status_code == 400 and "at most 300 characters" in response.get_data(as_text=True)
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": vilnius, "action": "remove", "csrf_token": token})
    assert set_status(vilnius, "asked").status_code == 404
    # How the consortium came together: the removed partner and its answer are kept.
    section, _ = builder()
    history = section[section.index("How the consortium came together (8 changes)"):].split("</details>")[0]
    lines = [" ".join(re.sub(r"<[^>]+>", "", line).split()) for line in history.split("<li>")[1:]]
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "pm@sic.lv: added Riga Social Lab", "pm@sic.lv: added Tartu University", "pm@sic.lv: added Vilnius City",
        "pm@sic.lv: marked Riga Social Lab asked (“Wrote to &lt;b&gt;Ilze&lt;/b&gt;, on 3 Dec”)",
        "pm@sic.lv: marked Tartu University confirmed", "pm@sic.lv: marked Vilnius City declined (“Not this year”)",
        "pm@sic.lv: made Riga Social Lab the coordinator", "pm@sic.lv: removed Vilnius City"]
    assert f'<a href="/organisations/{vilnius}">Vilnius City</a>' in history
    assert set_status(lab, "confirmed").status_code == 302
    assert pm.post(f"/calls/NO-SUCH/consortium/{lab}/status", data={"status": "asked", "csrf_token": token}).status_code == 404


def test_the_proposals_coordinator_is_chosen_in_the_builder(pm, with_partners):
    import csv
    import io

    lab, tartu, vilnius = (with_partners.scalar("SELECT id FROM organisations WHERE name = %s", (name,))
                           for name in ("Riga Social Lab", "Tartu University", "Vilnius City"))
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": [lab, tartu, vilnius], "csrf_token": token})
    pm.post(f"/calls/CERV-SOCIAL-01/consortium/{vilnius}/status", data={"status": "declined", "csrf_token": token})

    def builder():
        page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
        return page[page.index('id="consortium"'):page.index("Recommended partners")]

    form = builder().split('class="inline coordinator"')[1].split("</form>")[0]
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]+)</option>', form)
    # The applicant by default; one that declined is not offered.
    assert options == [("", "", "Social Innovation Centre (SIC) (the applicant)"), (str(lab), "", "Riga Social Lab"),
                       (str(tartu), "", "Tartu University")]
    response = pm.post("/calls/CERV-SOCIAL-01/consortium/coordinator?sector=public",
                       data={"coordinator": tartu, "csrf_token": token})
    assert response.headers["Location"].endswith("/calls/CERV-SOCIAL-01?sector=public#consortium")
    section = builder()
    assert f'<option value="{tartu}" selected>Tartu University</option>' in section
    assert 'Tartu University</a> <span class="badge">coordinator</span>' in section
    rows = list(csv.DictReader(io.StringIO(pm.get("/calls/CERV-SOCIAL-01/consortium.csv").get_data().decode("utf-8-sig"))))
    assert [(r["organisation"], r["role"]) for r in rows] == [  # the coordinator first, as a proposal lists them
        ("Tartu University", "coordinator"), ("Riga Social Lab", "partner"), ("Vilnius City", "partner")]
    # Back to the applicant; what cannot be chosen says why.
    pm.post("/calls/CERV-SOCIAL-01/consortium/coordinator", data={"coordinator": "", "csrf_token": token})
    assert 'class="badge">coordinator' not in builder()
    refused = pm.post("/calls/CERV-SOCIAL-01/consortium/coordinator", data={"coordinator": vilnius, "csrf_token": token})
    assert refused.status_code == 400 and "declined to join cannot coordinate" in refused.get_data(as_text=True)
    assert pm.post("/calls/CERV-SOCIAL-01/consortium/coordinator",
                   data={"coordinator": "abc", "csrf_token": token}).status_code == 400
    assert pm.post("/calls/CERV-SOCIAL-01/consortium/coordinator",
                   data={"coordinator": 424242, "csrf_token": token}).status_code == 404
    history = " ".join(re.sub(r"<[^>]+>", "", builder().split("How the consortium came together")[1]).split())
    assert "pm@sic.lv: made Tartu University the coordinator" in history
    assert "pm@sic.lv: Tartu University no longer the coordinator" in history


def test_a_call_of_a_series_starts_from_the_partners_of_the_last_consortium_gathered_in_it(pm, with_partners):
    from store import consortium, decisions, profiles, users

    lab, tartu, vilnius = (with_partners.scalar("SELECT id FROM organisations WHERE name = %s", (name,))
                           for name in ("Riga Social Lab", "Tartu University", "Vilnius City"))
    boss = users.get_user(with_partners, with_partners.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'"))
    profile_id = profiles.ensure_default_profile(with_partners)

    def builder():
        page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
        return page[page.index('id="consortium"'):page.index("Recommended partners")]

    assert 'class="earlier"' not in builder()  # nothing decided before in its strand
    # Last year's call of the strand: Tartu coordinated, the lab confirmed, Vilnius declined; the bid was lost.
    add_call(with_partners, "CERV-2025-SOCIAL-02", "Social enterprises 2025", "Social enterprises.",
             deadline="2025-09-10", status="closed")
    before = with_partners.scalar("SELECT id FROM calls WHERE identifier = 'CERV-2025-SOCIAL-02'")
    bid = decisions.decide(with_partners, profile_id, before, "bid", "Strong strategic fit", "", boss)
    decisions.set_outcome(with_partners, bid["id"], "lost", boss, {"score": "12.5", "out_of": "15"})
    consortium.add_members(with_partners, profile_id, before, [tartu, lab, vilnius], boss["id"])
    consortium.set_coordinator(with_partners, profile_id, before, tartu, boss["id"])
    consortium.set_status(with_partners, profile_id, before, lab, "confirmed", "", boss["id"])
    consortium.set_status(with_partners, profile_id, before, vilnius, "declined", "", boss["id"])

    offer = builder().split('class="earlier"')[1].split("</form>")[0]
    said = " ".join(re.sub(r"<[^>]+>", "", offer).split())
    assert ("Gathered before in the strand CERV-SOCIAL: the consortium for Social enterprises 2025 (CERV-2025-SOCIAL-02,"
            " lost, scored 12.5 of 15) had 2 partners (1 confirmed).") in said
    assert ("Tartu University (EE, coordinated it, not asked yet there); Riga Social Lab (LV, confirmed there)."
            in said) and "Vilnius" not in said and "Add these 2 to this consortium" in said

    # One press adds them, not asked yet (a new proposal is asked for anew), and the history says from where.
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    form = dict(re.findall(r'name="(from|action)" value="([^"]+)"', offer))
    ids = [int(i) for i in re.findall(r'name="organisation_id" value="(\d+)"', offer)]
    assert ids == [tartu, lab]
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={**form, "organisation_id": ids, "csrf_token": token})
    members = consortium.members(with_partners, profile_id, with_partners.scalar(
        "SELECT id FROM calls WHERE identifier = 'CERV-SOCIAL-01'"))
    assert [(m["name"], m["status"], m["coordinator"]) for m in members] == [  # in the order they had there
        ("Tartu University", "not_asked", False), ("Riga Social Lab", "not_asked", False)]
    section = builder()
    assert 'class="earlier"' not in section  # all of them are here now
    history = " ".join(re.sub(r"<[^>]+>", "", section.split("How the consortium came together")[1]).split())
    assert "pm@sic.lv: added Tartu University (“from the consortium for CERV-2025-SOCIAL-02”)" in history

    # The invitation to one that confirmed joining last year's consortium recalls it; to one that did not, not.
    from urllib.parse import unquote

    from store import contacts
    contacts.save_contact(with_partners, lab, "Ilze Ozola", "ilze@rsl.lv", "", None)
    contacts.save_contact(with_partners, tartu, "Kalle Kask", "kalle@ut.ee", "", None)
    drafts = unquote(builder()[builder().index('id="consortium"'):])
    assert "We were glad to have you with us in our application to “Social enterprises 2025”" in drafts.split(
        "ilze@rsl.lv")[1].split("Kind regards")[0]
    assert "glad to have you" not in drafts.split("kalle@ut.ee")[1].split("Kind regards")[0]  # asked, never confirmed

    # One removed here again is offered on its own; a `from` naming no stored call adds with no note.
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": lab, "action": "remove", "csrf_token": token})
    offer = builder().split('class="earlier"')[1].split("</form>")[0]
    assert "Not here yet: Riga Social Lab" in " ".join(re.sub(r"<[^>]+>", "", offer).split())
    assert "Add it to this consortium" in offer
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": lab, "from": "NO-SUCH-CALL",
                                                     "csrf_token": token})
    assert consortium.history(with_partners, profile_id, with_partners.scalar(
        "SELECT id FROM calls WHERE identifier = 'CERV-SOCIAL-01'"))[-1]["note"] == ""


def test_a_partner_s_mail_link_opens_the_invitation_the_reminder_or_just_the_call_s_name():
    from urllib.parse import parse_qs, urlsplit

    from webapp.outreach import mail_draft, mail_link

    call = {"title": "Civic participation & democracy", "identifier": "CERV-2026-CITIZENS-CIV",
            "url": "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/x"}
    today, deadline = date(2026, 6, 27), date(2026, 9, 23)
    subject, body = mail_draft("not_asked", call, "Riga Social Lab", "Ilze Ozola", "Social Innovation Centre (SIC)",
                               None, deadline, today)
    assert subject == "Invitation to a partnership: Civic participation & democracy (CERV-2026-CITIZENS-CIV)"
    assert body == (
        "Dear Ilze Ozola,\n\nSocial Innovation Centre (SIC) is preparing an application to the call “Civic "
        "participation & democracy” (CERV-2026-CITIZENS-CIV), whose deadline is 23 Sep 2026, and we would like to "
        "invite Riga Social Lab to join the consortium as a partner. We would coordinate the proposal.\n\nCould you "
        "let us know by 04 Jul 2026 whether you are interested? We would then send the work plan and what it asks "
        f"of your organisation.\n\nThe call: {call['url']}\n\nKind regards,\n")
    _, led = mail_draft("not_asked", call, "Riga Social Lab", None, "SIC", "Tartu University", None, today)
    assert led.startswith("Dear colleagues,") and "Tartu University coordinates the proposal." in led
    assert "whose deadline" not in led  # none ahead: not invented
    assert "planned" not in led  # no share of the grant planned for it yet
    _, offered = mail_draft("not_asked", call, "Riga Social Lab", None, "SIC", None, None, today, Decimal(120000))
    assert ("We would coordinate the proposal. We have planned about €120 k of the EU contribution for Riga Social"
            " Lab's part.\n\n") in offered
    # One that joined an earlier consortium of ours is reminded of it.
    _, again = mail_draft("not_asked", call, "Riga Social Lab", None, "SIC", None, None, today,
                          together="Social enterprises 2025")
    assert ("invite Riga Social Lab to join the consortium as a partner. We were glad to have you with us in our"
            " application to “Social enterprises 2025”. We would coordinate the proposal.") in again
    subject, body = mail_draft("asked", call, "Riga Social Lab", None, "SIC", None, deadline, today)
    assert subject.startswith("Following up: a partnership in Civic participation")
    assert "We wrote to you about Riga Social Lab joining our application" in body and "by 04 Jul 2026" in body
    assert mail_draft("confirmed", call, "Riga Social Lab", None, "SIC", None, deadline, today) == (
        "Civic participation & democracy (CERV-2026-CITIZENS-CIV)", "")

    # Between Latvians, the same drafts in Latvian: the partner's name kept out of inflected places, dates and
    # sums written the Latvian way.
    from webapp.outreach import languages_for
    assert languages_for(["LV"], "LV") == ["en", "lv"] and languages_for(["LV"], "EE") == ["en"]
    assert languages_for(["EE"], "LV") == ["en"] and languages_for(None, "LV") == ["en"]
    subject, body = mail_draft("not_asked", call, "Rīgas Tehniskā universitāte", "Ilze Ozola",
                               "Sociālās inovācijas centrs", None, deadline, today, Decimal(120000), language="lv")
    assert subject == "Uzaicinājums uz sadarbību: Civic participation & democracy (CERV-2026-CITIZENS-CIV)"
    assert body == (
        "Labdien, Ilze Ozola!\n\nSociālās inovācijas centrs gatavo pieteikumu konkursam “Civic participation & "
        "democracy” (CERV-2026-CITIZENS-CIV), kura iesniegšanas termiņš ir 23.09.2026., un mēs vēlētos aicināt jūsu "
        "organizāciju (Rīgas Tehniskā universitāte) pievienoties konsorcijam kā partneri. Projektu koordinētu mēs. "
        "Jūsu organizācijas daļai esam plānojuši aptuveni 120\u00a0000 EUR no ES finansējuma.\n\nLūdzu, dariet mums "
        "zināmu līdz 04.07.2026., vai jūs tas interesē. Tad mēs nosūtīsim darba plānu un aprakstu, kas tajā paredzēts "
        f"jūsu organizācijai.\n\nKonkurss: {call['url']}\n\nAr cieņu,\n")
    _, again = mail_draft("not_asked", call, "RTU", None, "SIC", None, None, today, language="lv",
                          together="Social enterprises 2025")
    assert ("kā partneri. Sadarbojāmies jau iepriekš, gatavojot pieteikumu konkursam “Social enterprises 2025”."
            " Projektu koordinētu mēs.") in again
    _, led = mail_draft("not_asked", call, "RTU", None, "SIC", "Tartu University", None, today, language="lv")
    assert led.startswith("Labdien!\n\n") and "Projektu koordinē Tartu University." in led and "termiņš" not in led
    subject, body = mail_draft("asked", call, "RTU", None, "SIC", None, deadline, today, language="lv")
    assert subject.startswith("Atgādinājums: sadarbība konkursā Civic participation")
    assert "(CERV-2026-CITIZENS-CIV), kura iesniegšanas termiņš ir 23.09.2026. Lūdzu, dariet" in body  # one dot
    _, undated = mail_draft("asked", call, "RTU", None, "SIC", None, None, today, language="lv")
    assert "(CERV-2026-CITIZENS-CIV). Lūdzu, dariet mums zināmu līdz 04.07.2026., vai RTU piedalīsies." in undated

    # Whatever the title holds stays inside the subject: no header or field of its own.
    link = mail_link("ilze@rsl.lv", "A & B\r\nBcc: x@evil.example", "Line one\nLine two")
    assert link.startswith("mailto:ilze@rsl.lv?subject=A%20%26%20B%0D%0ABcc%3A%20x%40evil.example&body=")
    fields = parse_qs(urlsplit(link).query)
    assert fields == {"subject": ["A & B\r\nBcc: x@evil.example"], "body": ["Line one\r\nLine two"]}
    assert mail_link("ilze@rsl.lv", "Subject only") == "mailto:ilze@rsl.lv?subject=Subject%20only"


def test_whom_the_team_knows_at_an_organisation_follows_it_into_every_consortium(pm, with_partners):
    import csv
    import io

    from store.contacts import known_contacts

    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert 'id="our-contact"' in page and 'name="person" value=""' in page and ">Add</button>" in page
    token = csrf(pm, f"/organisations/{lab}")
    response = pm.post(f"/organisations/{lab}/contact", data={
        "person": "Ilze <b>Ozola</b>", "email": "ilze@rsl.lv", "note": "Director, speaks Estonian", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organisations/{lab}#our-contact")
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert "Contact saved." in page and 'name="person" value="Ilze &lt;b&gt;Ozola&lt;/b&gt;"' in page
    assert re.search(r"Saved \d\d \w+ \d{4} \d\d:\d\d EES?T by pm@sic.lv", page)
    assert ">Add someone else</button>" in page  # and an empty form for them
    pm.post(f"/organisations/{lab}/contact", data={"email": "office@rsl.lv", "note": "Research office",
                                                    "csrf_token": token})
    empty = pm.post(f"/organisations/{lab}/contact", data={"person": " ", "csrf_token": token}, follow_redirects=True)
    assert "Nothing to add: give a name, an email address or a note." in empty.get_data(as_text=True)

    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": lab, "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    builder = page[page.index('<table class="members">'):].split("</table>")[0]
    # Each address opens a drafted invitation to the partner, the person greeted by name where known.
    assert ('<span title="Director, speaks Estonian"><a href="mailto:ilze@rsl.lv?subject=Invitation%20to%20a%20'
            'partnership%3A%20Social%20innovation') in builder
    assert '&amp;body=Dear%20Ilze%20%3Cb%3EOzola%3C%2Fb%3E%2C%0D%0A%0D%0A' in builder
    assert re.search(r'">Ilze &lt;b&gt;Ozola&lt;/b&gt;</a>( <small>.*?</small>)?</span><br><span title="Research office">'
                     r'<a href="mailto:office@rsl.lv\?', builder)
    assert "invite%20Riga%20Social%20Lab%20to%20join" in builder and "Dear%20colleagues" in builder
    # A Latvian partner of a Latvian applicant: the same draft in Latvian, beside each address.
    latvian = re.findall(r'<small>· <a href="(mailto:[^"]+)" lang="lv" title="The same email, drafted in this '
                         r'language">latviski</a></small>', builder)
    assert len(latvian) == 2 and "Labdien%2C%20Ilze%20%3Cb%3EOzola%3C%2Fb%3E%21" in latvian[0]
    assert "opens a drafted email in your mail program" in page
    pm.post(f"/calls/CERV-SOCIAL-01/consortium/{lab}/status", data={"status": "asked", "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert 'href="mailto:ilze@rsl.lv?subject=Following%20up%3A%20a%20partnership' in page
    [row] = list(csv.DictReader(io.StringIO(pm.get("/calls/CERV-SOCIAL-01/consortium.csv").get_data().decode("utf-8-sig"))))
    assert (row["contact person"], row["contact email"]) == ("Ilze <b>Ozola</b>; ", "ilze@rsl.lv; office@rsl.lv")

    ilze, office = (k["id"] for k in known_contacts(with_partners, [lab])[lab])
    refused = pm.post(f"/organisations/{lab}/contact", data={"person": "Ilze", "email": "ilze", "contact_id": ilze,
                                                             "csrf_token": token})
    assert refused.status_code == 400 and "is not an email address (name@example.org)" in refused.get_data(as_text=True)
    # The same address typed again, as someone new or into the other line, is one person kept twice.
    for again in ({"email": "ILZE@rsl.lv"}, {"email": "ilze@rsl.lv", "contact_id": office}):
        twice = pm.post(f"/organisations/{lab}/contact", data={**again, "csrf_token": token})
        assert twice.status_code == 400
        assert f"{again['email']} is already kept for this organisation: change that line instead." in twice.get_data(
            as_text=True)
    assert len(known_contacts(with_partners, [lab])[lab]) == 2
    assert pm.post("/organisations/424242/contact", data={"person": "X", "csrf_token": token}).status_code == 404
    assert pm.post(f"/organisations/{lab}/contact", data={"contact_id": "x", "csrf_token": token}).status_code == 400
    pm.post(f"/organisations/{lab}/contact", data={"person": "Ilze", "email": "ilze@rsl.lv", "note": "Director",
                                                    "contact_id": ilze, "remove": "1", "csrf_token": token})
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert "Contact forgotten." in page and "Ilze" not in page[page.index('id="our-contact"'):]
    assert 'name="email" value="office@rsl.lv"' in page  # the other one stays
    gone = pm.post(f"/organisations/{lab}/contact", data={"person": "Ilze", "contact_id": ilze, "csrf_token": token})
    assert gone.status_code == 404 and "no longer kept" in gone.get_data(as_text=True)
    assert [k["id"] for k in known_contacts(with_partners, [lab])[lab]] == [office]


def test_the_pipeline_lists_the_partners_new_to_the_team_that_confirmed_this_year(pm, with_partners):
    db = with_partners
    lab, tartu = (db.scalar("SELECT id FROM organisations WHERE name = %s", (n,)) for n in ("Riga Social Lab", "Tartu University"))
    kaunas, tallinn, narva = (db.scalar("INSERT INTO organisations (name, country, sector) VALUES (%s, %s, %s) RETURNING id",
                                        row) for row in (("Kaunas Tech", "LT", "private"), ("Tallinn Works", "EE", None),
                                                         ("Narva Youth", "EE", "other")))
    page = pm.get("/pipeline").get_data(as_text=True)
    assert "New partners in 2026 <small>0</small>" in page and "None yet this year." in page
    # The profile is Riga Social Lab in the partner data: Tartu University worked beside it before.
    db.execute("UPDATE profiles SET organisation_id = %s", (lab,))
    add_call(db, "CERV-ARCHIVE-01", "Archives of civic memory", "Oral history.", deadline="2027-01-15")
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    for call, members in (("CERV-SOCIAL-01", [tartu, kaunas, tallinn, narva]), ("CERV-ARCHIVE-01", [kaunas, tallinn])):
        pm.post(f"/calls/{call}/consortium", data={"organisation_id": members, "csrf_token": token})
        for member in members:
            status = "asked" if member == narva else "confirmed"  # Narva Youth has not answered yet
            pm.post(f"/calls/{call}/consortium/{member}/status", data={"status": status, "csrf_token": token})

    def confirmed_on(organisation_id, identifier, day):
        db.execute("UPDATE consortium_members SET status_at = %s WHERE organisation_id = %s"
                   " AND call_id = (SELECT id FROM calls WHERE identifier = %s)", (day, organisation_id, identifier))

    confirmed_on(kaunas, "CERV-SOCIAL-01", "2026-05-02 10:00+00")
    confirmed_on(kaunas, "CERV-ARCHIVE-01", "2026-03-01 10:00+00")  # its first confirmation is the one that counts
    confirmed_on(tallinn, "CERV-SOCIAL-01", "2026-04-01 10:00+00")
    confirmed_on(tallinn, "CERV-ARCHIVE-01", "2025-11-20 10:00+00")  # a partner since last year: not new
    confirmed_on(tartu, "CERV-SOCIAL-01", "2026-02-01 10:00+00")
    page = pm.get("/pipeline").get_data(as_text=True)
    card = page[page.index('id="new-partners"'):].split("</section>")[0]
    assert "New partners in 2026 <small>1</small>" in card
    text = " ".join(re.sub(r"<[^>]+>", " ", card).split())
    assert "Kaunas Tech ( LT ) · company · confirmed 01 Mar 2026 for Archives of civic memory" in text
    assert "Sectors: company (1)." in text
    assert not any(name in text for name in ("Tartu University", "Tallinn Works", "Narva Youth"))
    assert "The profile names no organisation" not in text
    # Without its organisation in the partner data, the profile's past partners cannot be told: Tartu counts.
    db.execute("UPDATE profiles SET organisation_id = NULL")
    page = pm.get("/pipeline").get_data(as_text=True)
    card = " ".join(re.sub(r"<[^>]+>", " ", page[page.index('id="new-partners"'):].split("</section>")[0]).split())
    assert "New partners in 2026 2" in card and "Tartu University" in card
    assert "(The profile names no organisation in the partner data, whose past partners would not count as new:" in card
    # The year of the deadlines' day: on 27 June 2026, one confirmed in 2027 is not this year's.
    confirmed_on(kaunas, "CERV-ARCHIVE-01", "2027-01-05 10:00+00")
    assert "confirmed 02 May 2026 for Social innovation" in " ".join(
        re.sub(r"<[^>]+>", " ", pm.get("/pipeline").get_data(as_text=True)).split())


def test_recommended_partners_narrow_to_a_sector_or_country_and_adding_one_keeps_the_view(pm, with_partners):
    def table(page):
        return page[page.index('<table class="partners">'):].split("</table>")[0]

    page = pm.get("/calls/CERV-SOCIAL-01?sector=public").get_data(as_text=True)
    assert "Vilnius City" in table(page) and "Tartu University" not in table(page)
    assert '<option value="public" selected>' in page and "Show all" in page
    summary = page[page.index("Suggested consortium:"):].split("</p>")[0]
    assert "Tartu University" in summary and "Riga Social Lab" in summary  # the suggestion stays whole

    page = pm.get("/calls/CERV-SOCIAL-01?country=ee").get_data(as_text=True)
    assert "Tartu University" in table(page) and "Vilnius City" not in table(page)
    assert '<option value="EE" selected>EE · Estonia</option>' in page
    page = pm.get("/calls/CERV-SOCIAL-01?sector=academic&country=LT").get_data(as_text=True)
    assert "No organisation in the partner data matches (sector: higher education, country: Lithuania)." in page
    page = pm.get("/calls/CERV-SOCIAL-01?sector=nonsense&country=Narnia").get_data(as_text=True)  # unknown: any
    assert all(name in table(page) for name in ("Riga Social Lab", "Tartu University", "Vilnius City"))
    assert "Show all" not in page
    assert "“Narnia” is no country the list knows (a name in English, or its code): every country is shown." in page
    assert "“nonsense” is no sector the list knows (higher education," in page
    assert "is no country" not in pm.get("/calls/CERV-SOCIAL-01?sector=public").get_data(as_text=True)

    # Adding a partner from the narrowed list comes back to the same list.
    page = pm.get("/calls/CERV-SOCIAL-01?sector=public").get_data(as_text=True)
    assert 'action="/calls/CERV-SOCIAL-01/consortium?sector=public"' in table(page)
    vilnius = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Vilnius City'")
    token = csrf(pm, "/calls/CERV-SOCIAL-01?sector=public")
    response = pm.post("/calls/CERV-SOCIAL-01/consortium?sector=public",
                       data={"organisation_id": vilnius, "action": "add", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/calls/CERV-SOCIAL-01?sector=public#consortium")

    # Listed by the closeness of past work, the page says what # is then, and an addition comes back to it.
    page = pm.get("/calls/CERV-SOCIAL-01?order=past_work").get_data(as_text=True)
    assert '<option value="past_work" selected>Closest past work first</option>' in page and "Show all" in page
    assert "Listed by how close each organisation's past work comes to this call" in page
    assert 'action="/calls/CERV-SOCIAL-01/consortium?order=past_work"' in table(page)
    page = pm.get("/calls/CERV-SOCIAL-01?order=size").get_data(as_text=True)  # unknown: the ranking's order
    assert "Listed by how close" not in page and "Show all" not in page


def test_technology_oriented_organisations_are_marked_found_and_counted_among_the_years_new_partners(pm, with_partners):
    from store.partners import save_participation, save_project

    db = with_partners
    # Vilnius City also took part in two digital projects (2 of its 3 coded ones: technology-oriented); Tartu
    # University in one of five (not: fewer than a quarter); Riga Social Lab in none.
    with db.transaction() as cur:
        ids = {name: db.scalar("SELECT id FROM organisations WHERE name = %s", (name,))
               for name in ("Riga Social Lab", "Tartu University", "Vilnius City")}
        for n, topic, members in (("p2", "ICT-11-2017", ["Vilnius City"]),
                                  ("p3", "HORIZON-CL4-2023-HUMAN-01-21", ["Vilnius City", "Tartu University"]),
                                  ("p4", "CERV-2024-CITIZENS", ["Tartu University"]),
                                  ("p5", "SC5-10-2016", ["Tartu University"]),
                                  ("p6", "MSCA-ITN-2019", ["Tartu University"])):
            project_id, _ = save_project(cur, "cordis", n, {"title": topic, "topic_code": topic})
            for name in members:
                save_participation(cur, project_id, ids[name], "participant", None)
    page = pm.get(f"/organisations/{ids['Vilnius City']}").get_data(as_text=True)
    line = " ".join(re.sub(r"<[^>]+>", " ", page[page.index("<dt>Technology</dt>"):].split("</dd>")[0]).split())
    assert line.startswith("Technology technology-oriented 2 of its 3 projects with a known topic funded for digital")
    tartu = pm.get(f"/organisations/{ids['Tartu University']}").get_data(as_text=True)
    assert "1 of its 5 projects with a known topic" in tartu
    assert "fewer than a quarter, so not counted as technology-oriented" in tartu
    assert "<dt>Technology</dt>" not in pm.get(f"/organisations/{ids['Riga Social Lab']}").get_data(as_text=True)
    # Each project's topic leads to every organisation that worked in it.
    assert re.search(r'<a href="/partners\?programme=HORIZON-CL4-2023-HUMAN-01-21" title="[^"]+">HORIZON-CL4-2023-'
                     r'HUMAN-01-21</a>', tartu)
    same_topic = pm.get("/partners?programme=HORIZON-CL4-2023-HUMAN-01-21").get_data(as_text=True)
    assert "2 organisations." in same_topic and "Vilnius City" in same_topic and "Tartu University" in same_topic
    # The Partners page finds them, by the same rule in SQL.
    listed = pm.get("/partners?technology=1").get_data(as_text=True)
    assert "1 organisation." in listed and "Vilnius City" in listed and "Tartu University" not in listed
    assert 'name="technology" value="1" checked' in listed
    assert "0 organisations." in pm.get("/partners?technology=1&country=EE").get_data(as_text=True)

    def table(page):
        return page[page.index('<table class="partners">'):].split("</table>")[0]

    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    vilnius_row = table(page)[table(page).index("Vilnius City"):].split("</tr>")[0]
    assert 'class="badge tech"' in vilnius_row and 'class="badge tech"' not in table(page).split("Vilnius City")[0]
    page = pm.get("/calls/CERV-SOCIAL-01?technology=1").get_data(as_text=True)
    assert "Vilnius City" in table(page) and "Tartu University" not in table(page) and "Riga Social Lab" not in table(page)
    assert 'name="technology" value="1" checked' in page and "Show all" in page
    assert ("No organisation in the partner data matches (country: Estonia, technology-oriented)."
            in pm.get("/calls/CERV-SOCIAL-01?technology=1&country=EE").get_data(as_text=True))
    # Adding one from the narrowed list comes back to it; once confirmed it counts toward the strategy's three.
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    added = pm.post("/calls/CERV-SOCIAL-01/consortium?technology=1",
                    data={"organisation_id": ids["Vilnius City"], "action": "add", "csrf_token": token})
    assert added.headers["Location"].endswith("/calls/CERV-SOCIAL-01?technology=1#consortium")
    members = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    members = members[members.index('<table class="members">'):].split("</table>")[0]
    assert 'Vilnius City</a> <span class="badge tech"' in members  # marked in the builder too
    card = pm.get("/pipeline").get_data(as_text=True)
    card = " ".join(re.sub(r"<[^>]+>", " ", card[card.index('id="new-partners"'):].split("</section>")[0]).split())
    assert "SIC's strategy asks for at least 3 a year with technology-oriented organisations" in card
    pm.post(f"/calls/CERV-SOCIAL-01/consortium/{ids['Vilnius City']}/status",
            data={"status": "confirmed", "csrf_token": token})
    card = pm.get("/pipeline").get_data(as_text=True)
    card = card[card.index('id="new-partners"'):].split("</section>")[0]
    assert '<span class="badge tech">technology</span>' in card
    assert "Technology-oriented: 1 of the 3 a year SIC's strategy asks for." in " ".join(card.split())


def test_a_call_for_cities_screens_out_an_ngo_and_recommends_only_partners_of_its_kinds(pm, with_partners, embedder):
    add_call(with_partners, "urbact:call-for-action-planning-networks-2026", "Call for Action Planning Networks",
             "Cities design integrated action plans for social inclusion.", programme="URBACT",
             eligibility={"countries": ["EE", "LT", "LV"], "area": "EU Member States",
                          "applicant_types": ["public", "academic", "research"]})
    profile_id = with_partners.scalar("SELECT id FROM profiles")
    ranking.rank_calls(with_partners, EmbeddingStore(with_partners, embedder), profile_id, date(2026, 6, 27))
    page = pm.get("/calls/urbact:call-for-action-planning-networks-2026").get_data(as_text=True)
    assert ("<strong>eligibility</strong>: Open only to these kinds of applicant: public body, higher education,"
            " research organisation (the profile&#39;s: NGO)") in page
    assert "This call is open to organisations from EU Member States. Organisations from elsewhere" in page
    assert ("This call is open to these kinds of organisation: public body, higher education, research organisation."
            " Organisations of other kinds are ranked below") in page
    lab_row = page[page.index("Riga Social Lab"):].split("</tr>")[0]
    assert "other (often NGOs and associations): a kind the call is not open to" in lab_row
    summary = page[page.index("Suggested consortium:"):].split("</p>")[0]
    assert "Vilnius City" in summary and "Tartu University" in summary and "Riga Social Lab" not in summary


def test_call_page_shows_the_past_projects_closest_to_the_call(pm, with_partners):
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Past projects closest to this call" in page
    listed = " ".join(page[page.index('class="similar-projects"'):].split("</ul>")[0].split())
    assert "Civic participation and social innovation (CERV-2023-X) · similarity 0." in listed
    assert "3 organisations:" in listed
    assert all(name in listed for name in ("Riga Social Lab", "Tartu University", "Vilnius City"))
    # The project's title links to its page on CORDIS.
    assert ('<strong><a href="https://cordis.europa.eu/project/id/p1" rel="noopener noreferrer" target="_blank">'
            "Social enterprise support</a></strong>") in listed
    assert ('<details class="more"><summary>What it did</summary><p class="about">'
            "Mentoring for social enterprises &amp; their cities.</p></details>") in listed


def test_a_partner_the_team_knows_is_found_by_name_and_added_whatever_its_rank(pm, with_partners):
    from store.partners import resolve_organisation

    with with_partners.transaction() as cur:  # in the partner data, but with no project: never recommended
        known, _ = resolve_organisation(cur, "cordis", "4", {"name": "Riga City Council", "country": "LV",
                                                             "sector": "public"})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Add one you know" in page and "Riga City Council" not in page
    page = pm.get("/calls/CERV-SOCIAL-01?find=riga").get_data(as_text=True)
    found = page[page.index('<table class="found">'):].split("</table>")[0]
    assert "Riga City Council" in found and "Riga Social Lab" in found and "Tartu University" not in found
    assert f'name="organisation_id" value="{known}"' in found and "public body" in found

    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": known, "action": "add", "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01?find=riga+council").get_data(as_text=True)
    builder = re.sub(r"<[^>]+>", "", page[page.index('id="consortium"'):page.index("Recommended partners")])
    assert "Riga City Council" in builder.split('<table class="found">')[0]  # a member now
    assert "No organisation outside the consortium has that name or PIC." in builder  # and so not offered again
    assert "instead" not in builder.split("No organisation outside")[1].split("Recommended")[0]  # nor respelt
    # A slip in the name is set right to the names the data holds, where that finds someone outside it.
    page = pm.get("/calls/CERV-SOCIAL-01?find=tartu+univrsity&sector=academic").get_data(as_text=True)
    assert ('No organisation outside the consortium has that name or PIC. <a href="/calls/CERV-SOCIAL-01?find=tartu+'
            'university&amp;sector=academic#consortium">Find “tartu university” instead</a>.') in page
    assert "Find “riga city council” instead" not in pm.get("/calls/CERV-SOCIAL-01?find=riga+cuoncil").get_data(
        as_text=True)  # set right, it finds only a member


def test_a_large_past_consortium_shows_its_first_eight_and_folds_the_rest(pm, with_partners):
    from store.partners import resolve_organisation, save_participation, save_project

    with with_partners.transaction() as cur:
        project_id, _ = save_project(cur, "cordis", "p2", {"title": "Social economy networks", "topic_code": "CERV-2024-Y",
                                                           "topic_title": "Social innovation networks"})
        for n in range(12):
            org_id, _ = resolve_organisation(cur, "cordis", f"9{n:02d}", {"pic": f"9{n:02d}", "name": f"Member {n:02d}"})
            save_participation(cur, project_id, org_id, "participant", None)
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    listed = page[page.index('class="similar-projects"'):].split("</ul>")[0]
    item = next(li for li in listed.split("<li>") if "Social innovation networks" in li)
    shown, folded = item.split("<details><summary>and 4 more</summary>")
    assert [f"Member {n:02d}" in shown for n in range(12)] == [True] * 8 + [False] * 4
    assert all(f"Member {n:02d}" in folded for n in range(8, 12))


def test_partners_can_be_found_by_what_they_worked_on(pm, with_partners):
    page = pm.get("/partners?about=helping+social+enterprises").get_data(as_text=True)
    assert "closest to" in page and "Riga Social Lab" in page
    assert "organisations.</p>" not in page  # the answer alone, not a list of everyone below it
    # Within the other fields: the closest from Estonia, say.
    page = pm.get("/partners?about=helping+social+enterprises&country=EE&programme=cerv").get_data(as_text=True)
    found = page[page.index("closest to"):page.index("</section>")]
    assert "Among organisations from Estonia that worked in “cerv”." in found
    assert "Tartu University" in found and "Riga Social Lab" not in found
    page = pm.get("/partners?about=helping+social+enterprises&country=EE&sector=public").get_data(as_text=True)
    assert "Among organisations from Estonia of the sector public body." in page and "No indexed organisation meets them." in page
    # Each filter left out that finds some is offered, the question kept.
    assert ('1 organisation matches from any country: <a href="/partners?about=helping+social+enterprises&amp;country=&amp;'
            'sector=public">search for that instead</a>. 1 organisation matches of any sector: <a href="/partners?about='
            'helping+social+enterprises&amp;country=EE&amp;sector=">search for that instead</a>.') in page


def test_a_model_of_another_size_says_on_the_partners_page_why_it_cannot_search(settings, with_partners, tmp_path):
    from tests.helpers.models import tiny_model

    other = create_app(settings.with_(today=date(2026, 6, 27), model=str(tiny_model(tmp_path, dims=96))),
                       {"TESTING": True}, database=with_partners)
    client = other.test_client()
    assert login(client).status_code == 302
    page = client.get("/partners?about=helping+social+enterprises").get_data(as_text=True)
    found = page[page.index("closest to"):].split("</section>")[0]
    assert "needs a model of 384-dimension vectors (all-MiniLM-L6-v2, the default);" in found
    assert "gives 96" in found and "Riga Social Lab" not in found and "No organisation is indexed yet" not in found


def test_contacts_come_in_from_a_spreadsheet_and_are_shown_where_the_team_builds_consortia(pm, with_partners):
    import io

    page = pm.get("/partners").get_data(as_text=True)
    assert 'href="/partners/contacts"' in page
    token = csrf(pm, "/partners/contacts")
    sheet = ("Organization,Contact person,E-mail,Notes\n"
             "riga social lab,Ilze Ozola,ilze@rsl.lv,Director\n"
             "Unknown Institute,Jane Doe,jane@example.org,\n"
             "Tartu University,Kalle Kask,kalle@ut.ee,\n").encode()
    response = pm.post("/partners/contacts", data={"sheet": (io.BytesIO(sheet), "contacts.csv"), "csrf_token": token},
                       content_type="multipart/form-data")
    said = " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())
    assert response.status_code == 200
    assert "2 contacts added; 1 row not read." in said
    assert "The team knows 2 people at 2 organisations." in said
    assert "Riga Social Lab Ilze Ozola ilze@rsl.lv Director" in said
    # Where partners are chosen, those where the team knows someone say so.
    listed = pm.get("/partners").get_data(as_text=True)
    known = re.findall(r'>([^<>]+)</a> <a class="badge known" href="/organisations/\d+#our-contact"', listed)
    assert sorted(known) == ["Riga Social Lab", "Tartu University"]
    only_known = pm.get("/partners?known=1").get_data(as_text=True)
    assert sorted(re.findall(r'<td><a href="/organisations/\d+">([^<]+)</a>', only_known)) == [
        "Riga Social Lab", "Tartu University"]
    assert '<input type="checkbox" name="known" value="1" checked>' in only_known
    empty = " ".join(re.sub(r"<[^>]+>", "", pm.get("/partners?known=1&country=LT").get_data(as_text=True)).split())
    assert ("No organisation matches. 1 organisation matches whether the team knows someone there or not: search for"
            " that instead. 2 organisations match from any country: search for that instead. Whom the team knows is"
            " kept on each organisation") in empty
    assert "3 No organisation in the partner data has the name “Unknown Institute”" in said
    # Where the team builds a consortium with it, the lab's contact is there, with a drafted email.
    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    pm.post("/calls/CERV-SOCIAL-01/consortium", data={"organisation_id": lab, "csrf_token": token})
    builder = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert re.search(r'<a href="mailto:ilze@rsl.lv\?[^"]+">Ilze Ozola</a>', builder)
    found = pm.get("/calls/CERV-SOCIAL-01?find=university").get_data(as_text=True)  # found by name: marked too
    found = found[found.index('<table class="found">'):].split("</table>")[0]
    assert re.search(r'>Tartu University</a> <a class="badge known"', found)
    recommended = builder[builder.index('<table class="partners">'):].split("</table>")[0]
    assert "Tartu University</a>" in recommended and "Vilnius City</a>" in recommended
    assert [name for name in re.findall(r">([^<>]+)</a>(?: <span class=\"badge\">suggested</span>)? <a class=\"badge"
                                         r" known\"", recommended)] == ["Tartu University"]
    # And the recommended partners narrow to them, each keeping its rank among all.
    narrowed = pm.get("/calls/CERV-SOCIAL-01?known=1").get_data(as_text=True)
    listed = narrowed[narrowed.index('<table class="partners">'):].split("</table>")[0]
    assert re.findall(r'<a href="/organisations/\d+">([^<]+)</a>', listed) == ["Tartu University"]
    assert '<input type="checkbox" name="known" value="1" checked>' in narrowed
    empty = pm.get("/calls/CERV-SOCIAL-01?known=1&country=LT").get_data(as_text=True)
    assert "No organisation in the partner data matches (country: Lithuania, someone we know there)." in empty
    # The same file again adds nothing; a file that is not a list of contacts is refused, saying why.
    again = pm.post("/partners/contacts", data={"sheet": (io.BytesIO(sheet), "contacts.csv"), "csrf_token": token},
                    content_type="multipart/form-data").get_data(as_text=True)
    assert "0 contacts added, 2 contacts known already; 1 row not read." in " ".join(re.sub(r"<[^>]+>", " ", again).split())
    # Everyone the team knows downloads in the columns the import reads, and reads back as known.
    download = pm.get("/partners/contacts.csv")
    lines = download.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == "organisation,PIC,country,person,email,note,saved by,saved on"
    assert lines[1].startswith("Riga Social Lab,,LV,Ilze Ozola,ilze@rsl.lv,Director,pm@sic.lv,")  # no PIC known
    # Saved on the team's day: half past midnight in Riga is still the day before in UTC.
    with_partners.execute("UPDATE organisation_contacts SET updated_at = '2026-06-30 21:30+00'")
    assert pm.get("/partners/contacts.csv").get_data().decode("utf-8-sig").splitlines()[1].endswith(",2026-07-01")
    back = pm.post("/partners/contacts", data={"sheet": (io.BytesIO(download.get_data()), "callmatch-contacts.csv"),
                                               "csrf_token": token}, content_type="multipart/form-data")
    assert "0 contacts added, 2 contacts known already." in " ".join(re.sub(r"<[^>]+>", " ", back.get_data(as_text=True)).split())
    refused = pm.post("/partners/contacts", data={"sheet": (io.BytesIO(b"a,b\n1,2\n"), "numbers.csv"),
                                                  "csrf_token": token}, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "numbers.csv: No column names the organisation" in unescape(refused.get_data(as_text=True))
    assert pm.post("/partners/contacts", data={"csrf_token": token}).status_code == 400  # no file chosen
