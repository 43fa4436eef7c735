"""End to end in headless Chromium (Debian's), against the app served on loopback by waitress."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from store.evaluations import EVALUATION_NUMBERS as EVALUATION_LABELS
from tests.helpers.web import PASSWORD, on_day

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser
# Every page a signed-in leadership user reaches from the navigation, one call page and the form for a call,
# and a search that finds a call by its text (where it found it, and the form to watch it).
PAGES = ("/calls", "/calls?q=enterprises&screened=1", "/calls/CERV-SOCIAL-01", "/calls/new", "/programmes", "/pipeline",
         "/partners", "/partners/contacts", "/texts", "/profile", "/sources", "/settings", "/settings/digest-preview")


@pytest.fixture
def server(app):  # noqa: F811
    from webapp.loopback import serving

    with serving(app) as address:
        yield address


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium).")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        yield context.new_page()
        browser.close()


def sign_in(page, server, email, password=PASSWORD):
    """Fill in the login form already on the page; the app lands on the ranked calls."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/calls")


def test_review_decide_and_export_in_a_real_browser(server, page, tmp_path):
    page.goto(f"{server}/calls")
    assert "/login" in page.url
    page.screenshot(path=ARTIFACTS / "login.png")
    sign_in(page, server, "pm@sic.lv")
    assert page.locator("table.calls tbody tr").count() == 2
    page.screenshot(path=ARTIFACTS / "calls.png", full_page=True)

    page.select_option("select[name=programme]", "CERV")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**programme=CERV**")
    assert page.locator("table.calls tbody tr").count() == 1

    page.click("text=Social innovation and civic participation of young people")
    page.wait_for_url("**/calls/CERV-SOCIAL-01")
    assert page.get_by_role("heading", name="Why this score").is_visible()
    assert page.evaluate("typeof window.stolen") == "undefined"
    page.screenshot(path=ARTIFACTS / "call.png", full_page=True)

    page.check("input[name=state][value=maybe]")
    page.select_option("select[name=reason]", "Good partners available")
    page.fill("textarea[name=note]", "Ask the Riga lab")
    for question, rating in {"fit": 4, "win": 3, "value": 4, "capacity": 3, "partners": 4}.items():
        page.check(f"input[name=assessment-{question}][value='{rating}']")
    page.click("form.decision button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("text=Decision recorded.").is_visible()
    assert page.locator("p.assessed").inner_text().startswith("Assessment: 3.6 of 5 (strategic fit 4,")

    # Its steps to submission: the usual list in one press, one ticked off; on a phone, no sideways scroll.
    page.click("text=Add the usual steps")
    page.wait_for_url("**#steps")
    page.locator("#steps tr", has_text="Every partner's PIC").locator("text=Mark done").click()
    page.wait_for_url("**#steps")
    assert page.locator("#steps h2").inner_text() == "Steps to submission 1 of 7 done"
    assert page.locator("#steps tr.done").inner_text().startswith("Every partner's PIC collected")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#steps").screenshot(path=ARTIFACTS / "steps-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Written by pm@sic.lv, its open steps are pm's: listed at the top of the Pipeline, ticked off there.
    page.select_option("select[name=lead]", label="pm@sic.lv")
    page.click("form.lead button")
    page.wait_for_load_state()
    page.click("nav >> text=Pipeline")
    page.wait_for_url(f"{server}/pipeline")
    maybe = page.locator("section.column", has=page.locator("h2", has_text="Maybe"))
    assert maybe.locator("text=Social innovation and civic participation").is_visible()
    assert page.locator("#your-steps h2").inner_text() == "Your steps to submission 6"
    page.locator("#your-steps tr", has_text="Part B, the technical description").locator("text=Mark done").click()
    page.wait_for_url("**/pipeline#your-steps")
    assert page.locator("text=Done: Part B, the technical description").is_visible()
    assert page.locator("#your-steps tbody tr").count() == 5
    page.screenshot(path=ARTIFACTS / "pipeline.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#your-steps").screenshot(path=ARTIFACTS / "your-steps-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{server}/calls")
    with page.expect_download() as download:
        page.click("text=Export CSV")
    saved = tmp_path / "calls.csv"
    download.value.save_as(saved)
    rows = saved.read_text(encoding="utf-8-sig").strip().splitlines()  # UTF-8 with the mark spreadsheets need
    assert rows[0].startswith("rank,score,identifier") and len(rows) == 3

    for path, name in (("/sources", "sources"), ("/partners", "partners"), ("/profile", "profile")):
        page.goto(server + path)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_create_and_switch_profiles_in_a_real_browser(server, page):
    page.goto(f"{server}/login")
    sign_in(page, server, "pm@sic.lv")
    assert page.locator(".working-profile").count() == 0

    page.goto(f"{server}/profile")
    page.fill("input[name=name][placeholder]", "SIC with a university")
    page.click("text=Create")
    page.wait_for_url(f"{server}/profile")
    assert page.locator(".working-profile").inner_text() == "Profile: SIC with a university"
    assert page.locator("form.profile input[name=name]").input_value() == "SIC with a university"
    page.screenshot(path=ARTIFACTS / "profiles.png", full_page=True)

    page.select_option("select[name=profile_id]", label="Social Innovation Centre (SIC)")
    page.click("text=Switch")
    page.wait_for_url(f"{server}/profile")
    assert page.locator(".working-profile").inner_text() == "Profile: Social Innovation Centre (SIC)"


def test_an_admin_adds_a_colleague_who_then_signs_in_in_a_real_browser(server, page, seeded):  # noqa: F811
    from store.users import create_user

    create_user(seeded, "admin@sic.lv", PASSWORD, "admin")
    page.goto(f"{server}/login")
    sign_in(page, server, "admin@sic.lv")

    page.click("nav >> text=Users")
    page.wait_for_url(f"{server}/users")
    page.fill("form.card input[name=email]", "anna@sic.lv")
    page.select_option("form.card select[name=role]", "leadership")
    page.fill("form.card input[name=password]", "first password")
    page.click("text=Add user")
    page.wait_for_load_state()
    assert page.locator("text=Added anna@sic.lv as leadership").is_visible()
    assert page.locator("table.users tr", has_text="anna@sic.lv").locator("select[name=role]").input_value() == "leadership"
    page.screenshot(path=ARTIFACTS / "users.png", full_page=True)

    page.click("text=Sign out")
    page.wait_for_url(f"{server}/login")
    sign_in(page, server, "anna@sic.lv", "first password")
    assert page.locator("header.top", has_text="anna@sic.lv").is_visible()
    assert page.locator("nav >> text=Users").count() == 0


def test_on_a_phone_no_page_scrolls_sideways(server, page, with_partners, seeded):  # noqa: F811
    from store import profiles

    # A second profile, under a long name, puts a list of profiles on the profile page.
    profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "SIC with the University of Latvia and Riga"
                                   " City Council for the Interreg Central Baltic and Estonia-Latvia bids of 2027"})
    page.goto(f"{server}/login")
    sign_in(page, server, "boss@sic.lv")
    # On a laptop's screen the header keeps to one line with the working profile's name in it.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{server}/calls")
    assert page.locator("header.top .working-profile").is_visible()
    nav, signed_in = page.locator("header.top nav").bounding_box(), page.locator("header.top .logout").bounding_box()
    assert abs((nav["y"] + nav["height"] / 2) - (signed_in["y"] + signed_in["height"] / 2)) < 10
    page.set_viewport_size({"width": 390, "height": 844})
    # With partner data the call page adds the consortium builder and its forms.
    for path in (*PAGES, "/calls/CERV-SOCIAL-01?sector=public&country=LT", "/calls/CERV-SOCIAL-01?find=riga"):
        page.goto(server + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # what opens, too
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{server}/calls")
    page.screenshot(path=ARTIFACTS / "calls-phone.png", full_page=True)
    # A list that found nothing says why, and what finds some, within the screen: not in a row that scrolls.
    for path, link in (("/calls?within_days=0", "show them"), ("/partners?q=nowhere+riga", "search for that instead")):
        page.goto(server + path)
        said = page.locator("td.empty").bounding_box()
        assert said["x"] >= 0 and said["x"] + said["width"] <= 390, path
        offered = page.get_by_role("link", name=link).first.bounding_box()
        assert offered["x"] >= 0 and offered["x"] + offered["width"] <= 390, path


def test_a_partner_is_added_asked_and_confirmed_in_a_real_browser(server, page, with_partners):  # noqa: F811
    page.goto(f"{server}/login")
    sign_in(page, server, "pm@sic.lv")
    page.goto(f"{server}/calls/CERV-SOCIAL-01#consortium")
    page.get_by_role("button", name="Add Riga Social Lab").click()
    row = page.locator("table.members tr", has_text="Riga Social Lab")
    row.get_by_label("How far the team has got with Riga Social Lab").select_option("asked")
    row.get_by_label("Note on Riga Social Lab").fill("Wrote to Ilze on 3 Dec")
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    row = page.locator("table.members tr", has_text="Riga Social Lab")
    assert row.get_by_label("How far the team has got with Riga Social Lab").input_value() == "asked"
    assert row.get_by_label("Note on Riga Social Lab").input_value() == "Wrote to Ilze on 3 Dec"
    assert "1 partner in the consortium, none confirmed yet." in page.locator("#consortium").inner_text()
    row.get_by_label("How far the team has got with Riga Social Lab").select_option("confirmed")
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "1 partner in the consortium, confirmed." in page.locator("#consortium").inner_text()
    page.locator("#consortium").screenshot(path=ARTIFACTS / "consortium-builder.png")

    # The budget split: typed as people type amounts, saved, each share shown against the total.
    page.click("#budget-split summary")
    page.get_by_label("Planned EU contribution for Social Innovation Centre (SIC), in euros").fill("300 000")
    page.get_by_label("Planned EU contribution for Riga Social Lab, in euros").fill("€100,000")
    page.get_by_role("button", name="Save the split").click()
    page.wait_for_url("**#budget-split")
    # What the change said is in view where the page scrolled to, above the split rather than over it.
    said, summary = page.locator(".flashes"), page.locator("#budget-split summary")
    assert said.inner_text().startswith("Budget split saved.")
    assert page.evaluate("window.scrollY") > 0 and said.bounding_box()["y"] == 0
    assert summary.bounding_box()["y"] >= said.bounding_box()["height"]
    page.get_by_title("Hide this message").click()  # and it closes
    assert not said.is_visible()
    assert page.locator("#budget-split summary").inner_text() == (
        "Budget split €400 k planned, Social Innovation Centre (SIC) 75%")
    assert page.locator("table.budget tr", has_text="Riga Social Lab").inner_text().split() == ["Riga", "Social", "Lab",
                                                                                              "25%"]
    page.set_viewport_size({"width": 390, "height": 844})  # the members' table scrolls within itself
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    share = page.locator("table.budget tr", has_text="Riga Social Lab").locator("td").last.bounding_box()
    split = page.locator("#budget-split").bounding_box()
    assert share["x"] + share["width"] <= split["x"] + split["width"] + 1  # the shares stay in sight on a phone
    page.locator("#budget-split").screenshot(path=ARTIFACTS / "budget-split-phone.png")


def test_a_printed_call_page_keeps_the_record_and_leaves_out_the_controls(server, page, with_partners):  # noqa: F811
    page.goto(f"{server}/login")
    sign_in(page, server, "pm@sic.lv")
    page.goto(f"{server}/calls/CERV-SOCIAL-01#consortium")
    page.get_by_role("button", name="Add Riga Social Lab").click()
    page.wait_for_load_state()
    page.locator("#decision input[value=maybe]").check()
    page.locator("#decision select[name=reason]").select_option(index=1)
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    page.get_by_label("Your comment").fill("Riga Social Lab said yes by phone.\nAsk @boss about co-financing.")
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_url(f"{server}/calls/CERV-SOCIAL-01#discussion")
    assert page.locator("#discussion .mention").inner_text() == "@boss"
    page.set_viewport_size({"width": 794, "height": 1123})  # an A4 page's width
    page.emulate_media(media="print")
    # What the call is, and what the team decided and planned, are there; what changes it or helps to choose
    # (buttons, the search and filter forms, the recommended partners) is not.
    for shown in ("h1", "#decision", "#discussion .comment-body", "#steps", "table.members", "#budget-split"):
        assert page.locator(shown).first.is_visible(), shown
    for hidden in ("header.top nav", "button", "form.inline", ".recommendations", ".comment-form", "details.inline-remove"):
        assert not any(element.is_visible() for element in page.locator(hidden).all()), hidden
    assert page.evaluate("document.documentElement.scrollWidth") <= 794  # nothing cut off at the page's edge
    for path in PAGES:  # the wide tables (programmes, sources) fit the paper too
        page.goto(server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 794, path
    page.goto(f"{server}/calls")  # a printed list of calls: no boxes to tick on paper
    assert page.locator("input[form=decide-many]").count() and not any(
        box.is_visible() for box in page.locator("input[form=decide-many]").all())
    page.goto(f"{server}/calls/CERV-SOCIAL-01")
    page.emulate_media(media="screen")
    assert page.locator(".recommendations").is_visible() and page.get_by_role("button", name="Record decision").is_visible()


def test_every_page_loads_without_a_browser_error(server, page):
    """No page asks for something the app does not have (the browser's own favicon request included)
    and no script fails: the console stays free of errors."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/login")
    sign_in(page, server, "boss@sic.lv")
    for path in PAGES:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert errors == [], path


def test_every_page_passes_the_automated_accessibility_checks(app, server, page, with_partners):  # noqa: F811
    """axe-core's rules (contrast, names of controls and table headers, landmarks, ...) on every page a user
    reaches, signed out and in, with a consortium and a decision's history on the call page."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def problems(path):
        found = axe.run(page).response["violations"]
        return [(path, v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3]) for v in found]

    page.goto(f"{server}/password/forgot")
    found = problems("/password/forgot")
    page.goto(f"{server}/login")
    found += problems("/login")
    sign_in(page, server, "boss@sic.lv")
    page.goto(f"{server}/calls/CERV-SOCIAL-01")
    page.get_by_role("button", name="Add Riga Social Lab").click()
    page.check("input[name=state][value=bid]")
    page.get_by_role("button", name="Record decision").click()
    # Lost, with the evaluation summary report's scores and words: the form then opens with them.
    page.select_option("select[name=outcome]", "lost")
    page.locator("details.evaluation summary").click()
    for field, value in {"score": "12,5", "out_of": "15", "threshold": "10", "funded_from": "13"}.items():
        page.get_by_label(EVALUATION_LABELS[field]).fill(value)
    page.get_by_label("What the evaluators said").fill("Impact: uptake by cities unclear.\nA sound work plan.")
    with on_day(app, date(2027, 2, 1)):  # the result comes months after the deadline
        page.get_by_role("button", name="Record outcome").click()
        page.wait_for_url("**#outcome")
    assert "Outcome: lost, scored 12.5 of 15: above the threshold of 10, 0.5 short of the lowest score funded (13)." \
        in page.locator("#decision").inner_text()
    page.locator("#decision").screenshot(path=ARTIFACTS / "evaluation.png")
    found += problems("/calls/CERV-SOCIAL-01 with its evaluation")
    # Folded on screen, the evaluators' words print, as the rest of the record does.
    assert not page.locator(".print-only.evaluators").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".print-only.evaluators").inner_text().endswith("Impact: uptake by cities unclear.\nA sound work plan.")
    assert not page.locator("details.evaluators").is_visible() and not page.locator("form.outcome").is_visible()
    page.emulate_media(media="screen")
    # A text for applications, changed once: the Texts page then has a text, its form and an earlier version.
    page.goto(f"{server}/texts")
    page.locator("#new-text").get_by_label("Title").fill("About us (short)")
    page.locator("#new-text").get_by_label("Text").fill("The Social Innovation Centre is a Latvian NGO.")
    page.get_by_role("button", name="Keep this text").click()
    page.locator("section.text summary", has_text="change it").click()
    page.locator("section.text").get_by_label("Text").fill("The Social Innovation Centre is a Latvian NGO, since 2010.")
    page.locator("section.text").get_by_role("button", name="Save").click()
    assert "(1 earlier version)" in page.locator("section.text").inner_text()
    page.screenshot(path=ARTIFACTS / "texts.png", full_page=True)
    page.goto(f"{server}/partners")
    organisation = page.locator("a[href^='/organisations/']").first.get_attribute("href")
    for path in (*PAGES, "/users", organisation):
        page.goto(server + path)
        found += problems(path)
    assert found == []


def test_calls_ticked_on_the_calls_page_are_marked_at_once_in_a_real_browser(server, page):
    page.goto(f"{server}/login")
    sign_in(page, server, "boss@sic.lv")
    page.goto(f"{server}/calls?screened=1")
    page.get_by_label("Tick Plasma-facing materials for fusion reactors to mark it below").check()
    page.get_by_label("Tick Small grants for civic participation to mark it below").check()
    page.get_by_label("Mark the ticked calls").select_option("no_bid")
    page.get_by_label("Reason").select_option("Weak fit with our mission")
    page.get_by_role("button", name="Record for the ticked calls").click()
    page.wait_for_url(f"{server}/calls?screened=1")
    assert "2 calls marked no bid." in page.locator("p.flash").inner_text()
    assert page.locator("input[form=decide-many]").count() == 1  # the one nobody decided on yet


def test_where_the_search_found_a_call_opens_its_page_at_those_words(server, page):
    page.set_viewport_size({"width": 1280, "height": 500})  # the call's text well below the fold
    page.goto(f"{server}/login")
    sign_in(page, server, "pm@sic.lv")
    page.goto(f"{server}/calls?q=tungsten&screened=1")
    page.get_by_role("link", name="Found in its text").click()
    page.wait_for_url(f"{server}/calls/HORIZON-FUSION-01#:~:text=Tungsten%20divertors.")
    page.wait_for_function("window.scrollY > 0")  # Chromium scrolls to the words and highlights them
    shown = page.evaluate("(() => { const r = document.getElementById('description').getBoundingClientRect();"
                          " return r.top < window.innerHeight && r.bottom > 0; })()")
    assert shown, "the call's text is in view"


def test_the_first_tab_skips_the_navigation_and_focus_stays_visible(server, page):
    page.goto(f"{server}/login")
    sign_in(page, server, "pm@sic.lv")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    assert skip.bounding_box()["y"] >= 0  # shown once focused, off-screen otherwise
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")  # the next stop is on the page, past the navigation
    assert page.evaluate("document.activeElement.closest('header') === null")
    page.goto(f"{server}/calls")
    assert skip.bounding_box()["y"] < 0


def test_the_digest_preview_shows_the_styled_email_whose_links_open_in_a_tab(server, page):
    page.goto(f"{server}/login")
    sign_in(page, server, "pm@sic.lv")
    page.goto(f"{server}/settings/digest-preview")
    email = page.frame_locator("iframe[title='The digest email']")
    heading = email.locator("h3").first
    assert heading.text_content() == "New calls in the top 50"
    # The email's own inline styles apply inside the frame (its policy allows them, and nothing else).
    assert email.locator("body").evaluate("b => getComputedStyle(b).maxWidth") == "640px"
    page.screenshot(path=ARTIFACTS / "digest-preview.png", full_page=True)
    # Its links lead where the sent email's do: the app's configured address, which need not be this
    # test server's, so the tab is answered here.
    link = email.locator("a[href*='/calls/']").first
    address = link.get_attribute("href")
    page.context.route(address, lambda route: route.fulfill(body="the call's page", content_type="text/plain"))
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == address and tab.locator("body").text_content() == "the call's page"
    assert page.url.endswith("/settings/digest-preview")  # the preview stays where it was


def test_a_call_no_crawler_collects_is_added_and_changed_in_a_real_browser(server, page):
    page.goto(f"{server}/login")
    sign_in(page, server, "pm@sic.lv")
    page.get_by_role("link", name="Add a call").click()
    page.get_by_label("Title", exact=True).fill("Cooperation partnerships in adult education")
    page.get_by_label("Programme or funder").fill("Erasmus+ (VIAA)")
    page.get_by_label("Deadline", exact=True).fill("2027-03-05")  # the browser's own date field
    page.get_by_label("Largest grant").fill("400 000")
    page.get_by_label("Open only to organisations from").fill("Latvia")
    page.get_by_label("What it funds").fill("Adult education for social inclusion and civic engagement.")
    page.get_by_role("button", name="Add the call").click()
    page.wait_for_url(f"{server}/calls/team:cooperation-partnerships-in-adult-education")
    facts = page.locator(".facts").inner_text()
    assert "05 Mar 2027" in facts and "Erasmus+ (VIAA)" in facts and "Added by the team (pm@sic.lv)" in facts
    page.screenshot(path=ARTIFACTS / "own-call.png", full_page=True)
    page.get_by_role("link", name="Change").click()
    assert page.get_by_label("Deadline", exact=True).input_value() == "2027-03-05"
    page.get_by_label("Deadline", exact=True).fill("2027-03-19")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server}/calls/team:cooperation-partnerships-in-adult-education")
    assert "19 Mar 2027" in page.locator(".facts").inner_text()
