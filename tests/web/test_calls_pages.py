"""The calls page (ranked, filtered, sorted, exported) and a call's page: its facts, explanation and text."""

import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from matcher import ranking
from matcher.embedder import EmbeddingStore
from store import profiles
from tests.helpers.data import add_call, add_project, link_profile
from tests.helpers.web import EVIL, csrf, decide


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
    for plasma in ("plasma", "plásma"):  # an accent typed where the call has none is left aside too
        page = pm.get(f"/calls?q={quote(plasma)}").get_data(as_text=True)
        assert "HORIZON-FUSION-01" in page and "CERV-SOCIAL-01" not in page, plasma
    # Every word must appear, in any order and with any spacing; % and _ are characters, not wildcards.
    page = pm.get("/calls?q=young++civic").get_data(as_text=True)
    assert "CERV-SOCIAL-01" in page and "CERV-SMALL-01" not in page and "HORIZON-FUSION-01" not in page
    for wildcard in ("%", "_", "civic%"):
        assert "No call matches these filters" in pm.get(f"/calls?q={quote(wildcard)}").get_data(as_text=True), wildcard
    # What the team said of a call finds it too, alone or with words of its title.
    pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01"),
                                                    "body": "Ask Rīgas Tehniskā universitāte to coordinate."})
    for found in ("tehniskā", "young Tehniskā", "young TEHNISKA"):  # accents or none, as typed
        page = pm.get(f"/calls?q={quote(found)}").get_data(as_text=True)
        assert "CERV-SOCIAL-01" in page and "CERV-SMALL-01" not in page and "HORIZON-FUSION-01" not in page, found
        assert ('#:~:text=Tehnisk%C4%81%20universit%C4%81te%20to%20coordinate." title="The call\'s page, at these'
                ' words">Found in the discussion</a>: “Ask Rīgas <mark>Tehniskā</mark> universitāte to coordinate.”'
                in page), found
    assert "placeholder=\"title, identifier, text, comments\"" in page


def test_a_search_is_watched_from_the_calls_page_and_stopped_there_or_in_settings(pm, seeded):
    assert "Watch this search" not in pm.get("/calls").get_data(as_text=True)  # no words, no programme: nothing
    page = pm.get("/calls?q=civic&programme=CERV&sort=deadline").get_data(as_text=True)
    form = page[page.index('class="inline watch"'):].split("</form>")[0]
    assert ">Watch this search</button>" in form
    assert '<input type="hidden" name="q" value="civic">' in form and '<input type="hidden" name="sort" value="deadline">' in form
    token = csrf(pm, "/calls")
    watched = pm.post("/calls/watch", data={"q": "civic", "programme": "CERV", "sort": "deadline", "csrf_token": token})
    assert watched.status_code == 302 and watched.headers["Location"].endswith("/calls?q=civic&programme=CERV&sort=deadline")
    page = pm.get("/calls?q=civic&programme=CERV&sort=deadline").get_data(as_text=True)
    assert "Watching “civic” in CERV: the new calls it finds come in your digest." in page
    assert "You watch this search: the new calls it finds come in your digest." in page  # whatever the sort
    settings_page = pm.get("/settings").get_data(as_text=True)
    watched_list = settings_page[settings_page.index('id="watched"'):].split("</section>")[0]
    assert '<a href="/calls?q=civic&amp;programme=CERV&amp;sort=new">“civic” in CERV</a>' in watched_list
    # Stopped from the calls page, back to the same search; a second press finds it gone.
    watch_id = int(re.search(r'action="/watches/(\d+)/remove"', page).group(1))
    stopped = pm.post(f"/watches/{watch_id}/remove", data={"q": "civic", "programme": "CERV", "from": "calls",
                                                           "csrf_token": token})
    assert stopped.headers["Location"].endswith("/calls?q=civic&programme=CERV")
    assert "No longer watching “civic” in CERV." in pm.get("/calls").get_data(as_text=True)
    assert pm.post(f"/watches/{watch_id}/remove", data={"csrf_token": token}).status_code == 404
    # Watched again, and stopped in Settings.
    pm.post("/calls/watch", data={"programme": "CERV", "csrf_token": token})
    settings_page = pm.get("/settings").get_data(as_text=True)
    watch_id = int(re.search(r'action="/watches/(\d+)/remove"', settings_page).group(1))
    assert pm.post(f"/watches/{watch_id}/remove", data={"csrf_token": token}).headers["Location"].endswith(
        "/settings#watched")
    assert "No longer watching every call in CERV." in pm.get("/settings").get_data(as_text=True)
    # A watch needs words or a programme: said, and nothing kept.
    refused = pm.post("/calls/watch", data={"min_grant": "100000", "csrf_token": token}, follow_redirects=True)
    assert "Search for some words or choose a programme first" in refused.get_data(as_text=True)
    assert "None yet." in pm.get("/settings").get_data(as_text=True)
    # With no digest, a watch would tell nobody: the message says so, and where to turn it on.
    seeded.execute("UPDATE users SET digest_frequency = 'never' WHERE email = 'pm@sic.lv'")
    page = pm.post("/calls/watch", data={"q": "youth", "csrf_token": token}, follow_redirects=True).get_data(
        as_text=True)
    assert ("Watching “youth”: the new calls it finds come in your digest, which is off now (Settings turns it on)."
            in page)
    # With a second profile, a watch is the profile's it was watched from: not the other's, and Settings says whose.
    lab = profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "Riga Social Lab"})
    seeded.execute("UPDATE users SET profile_id = %s WHERE email = 'pm@sic.lv'", (lab,))
    assert "You watch this search" not in pm.get("/calls?q=youth").get_data(as_text=True)
    settings_page = pm.get("/settings").get_data(as_text=True)
    watched_list = settings_page[settings_page.index('id="watched"'):].split("</section>")[0]
    assert "“youth”</a><br><small>for the profile Social Innovation Centre (SIC)</small>" in watched_list


def test_the_search_reads_a_decisions_note_and_what_the_evaluators_said(pm, seeded):
    from store import decisions, profiles
    from tests.helpers.data import DECIDER

    def found(words):
        page = pm.get(f"/calls?q={quote(words)}").get_data(as_text=True)
        return [i for i in ("CERV-SOCIAL-01", "CERV-SMALL-01", "HORIZON-FUSION-01") if i in page]

    assert found("Tallinn") == [] and found("uptake") == []
    profile_id = profiles.ensure_default_profile(seeded)
    social, small = (seeded.scalar("SELECT id FROM calls WHERE identifier = %s", (i,))
                     for i in ("CERV-SOCIAL-01", "CERV-SMALL-01"))
    bid = decisions.decide(seeded, profile_id, social, "bid", "Strong strategic fit", "With the Tallinn lab", DECIDER)
    decisions.set_outcome(seeded, bid["id"], "lost", DECIDER, {"comments": "Impact: uptake by cities unclear."})
    decisions.decide(seeded, profile_id, small, "no_bid", "Too small", "", DECIDER)
    assert found("Tallinn") == ["CERV-SOCIAL-01"] and found("uptake cities") == ["CERV-SOCIAL-01"]
    assert found("uptake young") == ["CERV-SOCIAL-01"]  # a word of the title beside a word of the evaluators'
    # Each call found says where, when its title and identifier lack a word searched for.
    def why(words):
        page = pm.get(f"/calls?q={quote(words)}&screened=1").get_data(as_text=True)
        return [re.sub(r"<a [^>]*>(.*?)</a>", r"\1", found) for found in re.findall(r'<small class="found">(.*?)</small>',
                                                                                   page)]

    assert why("tallinn") == ["Found in the decision&#39;s note: “With the <mark>Tallinn</mark> lab”"]
    assert why("young uptake") == ["Found in what the evaluators said: “Impact: <mark>uptake</mark> by cities"
                                   " unclear.”"]
    assert why("tungsten") == ["Found in its text: “<mark>Tungsten</mark> divertors.”"]
    # Each links to the call's page at those words, for a browser that reads a link's text fragment.
    assert ('<a href="/calls/HORIZON-FUSION-01#:~:text=Tungsten%20divertors." title="The call\'s page, at these'
            ' words">Found in its text</a>') in pm.get("/calls?q=tungsten&screened=1").get_data(as_text=True)
    assert why("young social") == [] and why("cerv-social") == []  # the title and identifier say it


def test_a_search_that_finds_nothing_offers_the_wider_ones_that_find_some(pm, seeded):
    from tests.helpers.data import add_call

    def said(query):
        page = pm.get("/calls" + query).get_data(as_text=True)
        return " ".join(page[page.index('class="empty"'):].split("</td>")[0].split(">", 1)[1].split())

    # Only a screened-out call (too small) holds the word: it says so, and links to it.
    assert said("?q=micro") == ('No call matches these filters. 1 screened-out call matches: <a href="/calls?q=micro&amp;'
                                'screened=1">show them</a>.')
    assert "CERV-SMALL-01" in pm.get("/calls?q=micro&screened=1").get_data(as_text=True)
    # A phrase no call says, whose words one holds apart; the other filters are kept.
    assert said("?q=%22enterprises+social%22&programme=CERV") == (
        'No call matches these filters. 1 call holds the words apart: <a href="/calls?q=enterprises+social&amp;'
        'programme=CERV">search for them in any order</a>.')
    # Two words no call holds together (one of them only a screened-out call holds): each found without the other.
    assert said("?q=tungsten+micro") == ('No call matches these filters. 1 call matches “tungsten”, “micro” left out:'
                                         ' <a href="/calls?q=tungsten">search for that instead</a>.')
    assert said("?q=quux+xylophone") == "No call matches these filters."  # nothing wider finds one either
    # A word no call holds, a slip of the keyboard: spelt as the word calls hold that is most like it, the phrase
    # and the other filters kept.
    assert said("?q=socail") == ('No call matches these filters. 1 call matches “social”: <a href="/calls?q=social">'
                                 'search for that instead</a>.')
    assert said("?q=%22socail+enterprises%22&programme=CERV") == (
        'No call matches these filters. 1 call matches &#34;social enterprises&#34;: <a href="/calls?q=%22social+'
        'enterprises%22&amp;programme=CERV">search for that instead</a>.')
    assert said("?q=bioekonomy") == "No call matches these filters."  # no word of the calls is near it
    # The calls' words are read again once the calls change: a call that came in since holds the word.
    add_call(seeded, "CL6-BIOECONOMY-01", "Circular bioeconomy in rural regions", "Bio-based value chains.")
    assert said("?q=bioekonomy") == ('No call matches these filters. 1 call matches “bioeconomy”: <a href="/calls?q='
                                     'bioeconomy">search for that instead</a>.')
    # A word no call holds that is a form of one they hold is offered once, set right or in that form.
    assert said("?q=participatory") == ('No call matches these filters. 1 call matches “participation”: <a href="/calls'
                                        '?q=participation">search for that instead</a>.')
    # Every word is held, but not together: the search with a word in the form the calls write, then with each
    # word left out; at most three.
    add_call(seeded, "CERV-YOUTH-01", "Innovative youth work", "Youth workers.", grant_max=Decimal("500000"))
    assert said("?q=innovative+enterprises") == (
        'No call matches these filters. 1 call matches “innovation enterprises”: <a href="/calls?q=innovation+'
        'enterprises">search for that instead</a>. 1 call matches “enterprises”, “innovative” left out: <a href="'
        '/calls?q=enterprises">search for that instead</a>. 1 call matches “innovative”, “enterprises” left out:'
        ' <a href="/calls?q=innovative">search for that instead</a>.')
    assert said("?q=innovative+enterprises+tungsten") == "No call matches these filters."  # any two are apart


def test_an_empty_calls_page_offers_each_other_filter_left_out_that_finds_some(pm):
    def said(query):
        page = pm.get("/calls" + query).get_data(as_text=True)
        return " ".join(page[page.index('class="empty"'):].split("</td>")[0].split(">", 1)[1].split())

    # The open CERV call is kept out by the status asked for, and a forthcoming call of another programme by the
    # programme: each is offered; the other filters are kept.
    assert said("?programme=CERV&status=forthcoming&sort=deadline") == (
        'No call matches these filters. 1 call matches in any programme: <a href="/calls?programme=&amp;status='
        'forthcoming&amp;sort=deadline">show them</a>. 1 call matches of any status: <a href="/calls?programme=CERV'
        '&amp;status=&amp;sort=deadline">show them</a>.')
    assert said("?within_days=0").endswith('2 calls match with no deadline window: <a href="/calls?within_days=">'
                                           'show them</a>.')  # none due today: 0 days is a filter too
    assert said("?within_days=1&min_grant=5000000") == (
        'No call matches these filters. 1 call matches with no deadline window: <a href="/calls?within_days=&amp;'
        'min_grant=5000000">show them</a>.')  # without the minimum grant, the deadline still keeps them out
    assert said("?decision=bid&programme=CERV") == (
        'No call matches these filters. 1 call matches with any decision or none: <a href="/calls?decision=&amp;'
        'programme=CERV">show them</a>.')
    # A search's word that keeps them out is offered left out instead; the other filters are not.
    assert said("?q=tungsten+social&programme=Horizon+Europe") == (
        'No call matches these filters. 1 call matches “tungsten”, “social” left out: <a href="/calls?q=tungsten&amp;'
        'programme=Horizon+Europe">search for that instead</a>.')  # not "in any programme", which finds the other


def test_bad_filter_values_get_a_clear_message(pm):
    page = pm.get("/calls?within_days=soon&status=maybe").get_data(as_text=True)
    assert "Deadline window must be a number" in page and "Status must be open, forthcoming or closed" in page


def test_a_programme_is_read_as_the_calls_name_it_and_one_no_call_is_in_is_said(pm):
    page = pm.get("/calls?programme=cerv").get_data(as_text=True)  # typed by hand, in another case
    assert '<option selected>CERV</option>' in page and "CERV-SOCIAL-01" in page and "HORIZON-FUSION-01" not in page
    page = pm.get("/calls?programme=CERVV").get_data(as_text=True)
    assert ("No stored call is in the programme “CERVV” (did you mean CERV?), so every programme is shown."
            in page) and "HORIZON-FUSION-01" in page
    assert "(did you mean" not in pm.get("/calls?programme=Interreg").get_data(as_text=True)  # none is near


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


def test_before_the_first_crawl_the_calls_page_says_when_calls_will_come(app, pm, seeded):
    page = pm.get("/calls?q=no-such-words").get_data(as_text=True)
    assert "No call matches these filters." in page and "No calls are stored yet" not in page
    seeded.execute("DELETE FROM calls")  # as on a new installation
    page = pm.get("/calls").get_data(as_text=True)
    assert "No calls are stored yet: the daily crawl\n      collects them at 05:00 Riga time" in page
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
    assert "Did you mean" not in page  # nothing near it
    # An identifier typed in another case, or with a slip, links to the call it most likely meant.
    for typed in ("cerv-social-01", "CERV-SOCIAL-1", "CERV-SOCAIL-01"):
        response = pm.get(f"/calls/{typed}")
        assert response.status_code == 404, typed
        assert ('No call &#39;' + typed + '&#39; is stored. <a href="/calls/CERV-SOCIAL-01">Did you mean CERV-SOCIAL-01?'
                '</a>') in response.get_data(as_text=True), typed


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

def test_the_seven_days_of_new_calls_begin_at_midnight_on_the_teams_clock(pm, seeded):
    # Today is 27 June in Riga (UTC+3 in summer): the 7 days begin at 20 June 00:00 there, 19 June 21:00 UTC.
    seeded.execute("UPDATE calls SET first_seen = '2026-06-01' WHERE identifier = 'HORIZON-FUSION-01'")  # first crawl
    for seen, new in (("2026-06-19 21:30+00", True), ("2026-06-19 20:30+00", False)):
        seeded.execute("UPDATE calls SET first_seen = %s WHERE identifier = 'CERV-SMALL-01'", (seen,))
        page = pm.get("/calls?screened=1&new=1").get_data(as_text=True)
        assert ('href="/calls/CERV-SMALL-01"' in page) is new, seen



def test_what_a_crawl_changed_in_a_call_shows_on_its_page_the_calls_page_and_its_pipeline_card(pm, seeded, settings):
    from datetime import datetime, timezone

    from store.text import day

    today = day(datetime.now(timezone.utc), settings.zone)  # the crawl's day on the team's clock, as the pages say

    def crawled(deadline, grant_max="500000"):  # the call as the seeded one, but for what the portal changed
        add_call(seeded, "CERV-SOCIAL-01", "Social innovation and civic participation of young people",
                 "Projects build social enterprises and civic engagement.", grant_max=Decimal(grant_max),
                 programme="CERV", description_html=EVIL, deadline=deadline)

    assert "<dt>Changed</dt>" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    decide(pm, state="maybe", reason="Good partners available")
    crawled("2026-10-15")
    moved = "Deadline moved from 01 Oct 2026 to 15 Oct 2026 (14 days later)"
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f"<dt>Changed</dt><dd><ul class=\"changes\"><li><small>{today}</small> {moved}</li>" \
        in page
    pipeline = pm.get("/pipeline").get_data(as_text=True)
    maybe_column = pipeline[pipeline.index("<h2>Maybe"):pipeline.index("<h2>No bid")]
    assert f"Changed {today}: {moved}" in maybe_column
    # The calls page marks it beside its deadline, the change in full on hover.
    listed = pm.get("/calls").get_data(as_text=True)
    assert f'<small class="changed" title="{moved}">deadline moved {today}</small>' in listed
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


def test_csv_export_lists_the_current_filtered_list(pm):
    response = pm.get("/calls/export.csv?programme=CERV")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    # UTF-8 with a byte-order mark, which spreadsheets need to show accented titles as they are.
    assert response.get_data().startswith(b"\xef\xbb\xbfrank,score,identifier")
    lines = response.get_data().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "CERV-SOCIAL-01" in lines[1]


def test_the_calls_list_says_how_a_bid_ended(pm, seeded):
    import csv
    import io

    def row(page):
        cells = page[page.index("Social innovation and civic participation"):].split("</tr>")[0]
        return " ".join(re.sub(r"<[^>]+>", " ", cells).split())

    decide(pm)
    assert row(pm.get("/calls").get_data(as_text=True)).endswith("Bid")
    bid = seeded.scalar("SELECT id FROM decisions")
    pm.post(f"/decisions/{bid}/outcome", data={"outcome": "withdrawn", "csrf_token": csrf(pm, "/calls")})
    assert row(pm.get("/calls").get_data(as_text=True)).endswith("Bid withdrawn")
    exported = {r["identifier"]: r for r in csv.DictReader(io.StringIO(
        pm.get("/calls/export.csv").get_data().decode("utf-8-sig")))}
    assert (exported["CERV-SOCIAL-01"]["decision"], exported["CERV-SOCIAL-01"]["outcome"]) == ("bid", "withdrawn")
    assert exported["HORIZON-FUSION-01"]["outcome"] == ""
    seeded.execute("UPDATE decisions SET outcome = NULL, approval = 'rejected'")
    assert row(pm.get("/calls").get_data(as_text=True)).endswith("Bid rejected")


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


def test_a_country_column_writes_the_code_with_its_name_and_a_dash_for_none():
    from webapp.words import country_abbr

    assert str(country_abbr("UK")) == '<abbr title="United Kingdom">UK</abbr>'  # CORDIS's code for Britain
    assert str(country_abbr(None)) == "—"
    assert str(country_abbr("<b>")) == "&lt;b&gt;"  # not a country: the text as it came, escaped
