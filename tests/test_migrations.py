from pathlib import Path

import psycopg
import pytest

from store import migrate
from store.db import Database
from store.errors import Conflict
from tests.helpers.databases import fresh_database, migrated_up_to

CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, generation_expression
                  FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
                  ORDER BY 1, 2""",
    "constraints": """SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
                      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                      AND conrelid::regclass::text <> 'schema_migrations' ORDER BY 1, 2""",
    "indexes": """SELECT tablename, indexname, indexdef FROM pg_indexes
                  WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1, 2""",
    "extensions": "SELECT extname FROM pg_extension ORDER BY 1",
    # the project's own functions, not those an extension brings
    "functions": """SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
                    WHERE p.pronamespace = 'public'::regnamespace
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1""",
}


def a_profile(database) -> int:
    """A profile in a database migrated part of the way: written in that version's columns, since the
    current code writes columns later migrations add."""
    return database.scalar("INSERT INTO profiles (name, mission) VALUES ('SIC', 'Social innovation') RETURNING id")


def snapshot(url):
    with psycopg.connect(url) as conn:
        return {name: conn.execute(query).fetchall() for name, query in CATALOG.items()}


def test_migrations_produce_the_reference_schema(server_url, template_url):
    reference = fresh_database(server_url, "reference_schema")
    with psycopg.connect(reference, autocommit=True) as conn:
        conn.execute(migrate.REFERENCE_SCHEMA.read_text(encoding="utf-8"))
    migrated, expected = snapshot(template_url), snapshot(reference)
    assert migrated["columns"], "the migrated database has no tables"
    for part in CATALOG:
        assert migrated[part] == expected[part], part


def test_upgrade_on_an_up_to_date_database_applies_nothing(db):
    assert migrate.upgrade(db) == []
    assert migrate.applied(db) == {m.version for m in migrate.available()}


def test_upgrade_applies_every_migration_once_on_an_empty_database(server_url):
    url = fresh_database(server_url, "empty_for_upgrade")
    with Database(url) as database:
        first = migrate.upgrade(database)
        second = migrate.upgrade(database)
        assert [m.version for m in first] == [m.version for m in migrate.available()]
        assert second == []
        assert database.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'vector'") == 1


def test_a_badly_named_migration_file_is_refused(tmp_path):
    (tmp_path / "1_oops.sql").write_text("SELECT 1")
    try:
        migrate.available(tmp_path)
    except ValueError as exc:
        assert "NNNN_name.sql" in str(exc)
    else:
        raise AssertionError("a misnamed migration was accepted")


def test_profile_names_that_differ_only_in_case_are_told_apart_before_the_rule_is_enforced(server_url, tmp_path):
    with migrated_up_to(server_url, tmp_path, "profile_names_upgrade", 9) as database:
        for name in ("SIC (fusion)", "SIC (FUSION)", "Other"):
            database.execute("INSERT INTO profiles (name) VALUES (%s)", (name,))
        migrate.upgrade(database)
        assert [r["name"] for r in database.fetchall("SELECT name FROM profiles ORDER BY id")] == [
            "SIC (fusion)", "SIC (FUSION) (2)", "Other"]
        with pytest.raises(Conflict):
            database.execute("INSERT INTO profiles (name) VALUES ('other')")


def test_placeholder_pics_are_cleared_and_real_ones_kept(server_url, tmp_path):
    with migrated_up_to(server_url, tmp_path, "placeholder_pics_upgrade", 10) as database:
        for name, pic in (("A", "912345678"), ("B", "N/A"), ("C", "000000000"), ("D", None)):
            database.execute("INSERT INTO organisations (name, pic) VALUES (%s, %s)", (name, pic))
        migrate.upgrade(database)
        assert database.fetchall("SELECT name, pic FROM organisations ORDER BY name") == [
            {"name": "A", "pic": "912345678"}, {"name": "B", "pic": None}, {"name": "C", "pic": None},
            {"name": "D", "pic": None}]


def test_erasmus_organisations_stored_without_a_key_get_the_one_a_re_crawl_looks_for(server_url, tmp_path):
    from store.calls import ensure_source
    from store.partners import name_key

    with migrated_up_to(server_url, tmp_path, "name_keys_upgrade", 11) as database:
        for source in ("erasmus_results", "keep_eu"):
            ensure_source(database, source)

        def organisation(name, country, source, project, identifier=None):
            org = database.scalar("INSERT INTO organisations (name, country) VALUES (%s, %s) RETURNING id",
                                  (name, country))
            project_id = database.scalar(
                "INSERT INTO projects (source, source_id) VALUES (%s, %s) ON CONFLICT (source, source_id)"
                " DO UPDATE SET title = projects.title RETURNING id", (source, project))
            database.execute("INSERT INTO participations (project_id, organisation_id, role) VALUES (%s, %s, 'partner')",
                             (project_id, org))
            if identifier:
                database.execute("INSERT INTO organisation_identifiers (scheme, value, organisation_id)"
                                 " VALUES (%s, %s, %s)", (source, identifier, org))
            return org

        first = organisation("Ābeļu Biedrība", "LV", "erasmus_results", "2019-1-LV01")
        organisation("Ābeļu Biedrība", "LV", "erasmus_results", "2019-1-LV01")  # an earlier re-crawl's twin
        with_pic = organisation("Tartu Ülikool", "EE", "erasmus_results", "2019-1-LV01", "912345678")
        athens = organisation("Athens Lab", "GR", "keep_eu", "k-7", "athens lab|EL")  # keyed as the source wrote it
        london = organisation("London Lab", "GB", "keep_eu", "k-8", "london lab|UK")
        migrate.upgrade(database)

        keys = {(r["scheme"], r["value"]): r["organisation_id"]
                for r in database.fetchall("SELECT * FROM organisation_identifiers")}
        assert keys == {("erasmus_results", name_key("Ābeļu Biedrība", "LV")): first,
                        ("erasmus_results", "912345678"): with_pic,
                        ("keep_eu", name_key("Athens Lab", "EL")): athens,
                        ("keep_eu", name_key("London Lab", "UK")): london}
        assert (name_key("Athens Lab", "EL"), name_key("London Lab", "UK")) == ("athens lab|GR", "london lab|GB")


def test_cordis_values_stored_quoted_twice_are_read_again(server_url, tmp_path):
    from store.calls import ensure_source

    with migrated_up_to(server_url, tmp_path, "cordis_quotes_upgrade", 16) as database:
        for source in ("cordis", "keep_eu"):
            ensure_source(database, source)

        def organisation(name, scheme, identifier):
            org = database.scalar("INSERT INTO organisations (name, city) VALUES (%s, 'ATHENS') RETURNING id", (name,))
            database.execute("INSERT INTO organisation_identifiers (scheme, value, organisation_id) VALUES (%s, %s, %s)",
                             (scheme, identifier, org))
            return org

        twice = organisation('"NATIONAL CENTER FOR SCIENTIFIC RESEARCH ""DEMOKRITOS"""', "cordis", "1")
        plain = organisation('ASSOCIATION "A" OF B', "cordis", "2")  # quotes inside a name that is not quoted
        open_quote = organisation('"A" AND "B"', "cordis", "3")  # a quote left single inside: not CORDIS's doing
        elsewhere = organisation('"Quoted"', "keep_eu", "4")  # another source's name: left as it came
        project = database.scalar("INSERT INTO projects (source, source_id, acronym, title) VALUES"
                                  " ('cordis', '101', 'X', '\"The \"\"Y\"\" study\"') RETURNING id")
        database.execute("INSERT INTO topics (code, title) VALUES ('T-1', '\"A \"\"Z\"\" topic\"')")
        migrate.upgrade(database)
        names = {r["id"]: r["name"] for r in database.fetchall("SELECT id, name FROM organisations")}
        assert names == {twice: 'NATIONAL CENTER FOR SCIENTIFIC RESEARCH "DEMOKRITOS"', plain: 'ASSOCIATION "A" OF B',
                         open_quote: '"A" AND "B"', elsewhere: '"Quoted"'}
        assert database.scalar("SELECT title FROM projects WHERE id = %s", (project,)) == 'The "Y" study'
        assert database.scalar("SELECT title FROM topics WHERE code = 'T-1'") == 'A "Z" topic'


def test_interreg_calls_stored_with_escapes_are_renamed_and_a_re_crawl_finds_them(server_url, tmp_path):
    from crawlers.spiders.interreg import LatviaLithuaniaSpider
    from store.calls import ensure_source, get_call, upsert_call
    from tests.helpers.data import add_call
    from tests.helpers.responses import file_response, spider_at

    page = Path(__file__).parent / "fixtures" / "constructed" / "interreg" / "lat-lit" / "calls" / "call-3-small" / "index"

    def crawled(last_part):
        spider = spider_at(LatviaLithuaniaSpider, "2026-06-27")
        response = file_response(page, f"{LatviaLithuaniaSpider.base_url}/calls/{last_part}/", html=True)
        return next(i for i in spider.parse_call(response) if hasattr(i, "as_row")).as_row()

    with migrated_up_to(server_url, tmp_path, "interreg_identifiers_upgrade", 17) as database:
        ensure_source(database, "interreg_lat_lit")
        escaped = "interreg_lat_lit:jaunatnes-darb%C4%81"
        for last_part, identifier in (("jaunatnes-darb%C4%81", escaped),  # as the crawler used to name them
                                      ("call-%FF", "interreg_lat_lit:call-%FF")):
            upsert_call(database, crawled(last_part) | {"identifier": identifier, "call_id": identifier})
        add_call(database, "HORIZON-X%20Y", "A portal topic", "Text.")  # another source: left as it is
        profile = a_profile(database)
        database.execute("UPDATE profiles SET conflicts = %s WHERE id = %s",
                         (f"{escaped}: Anna evaluates it\nHORIZON-X%20Y", profile))
        migrate.upgrade(database)

        rows = database.fetchall("SELECT identifier, call_id FROM calls ORDER BY identifier")
        assert rows == [{"identifier": "HORIZON-X%20Y", "call_id": None},
                        {"identifier": "interreg_lat_lit:call-%FF", "call_id": "interreg_lat_lit:call-%FF"},
                        {"identifier": "interreg_lat_lit:jaunatnes-darbā", "call_id": "interreg_lat_lit:jaunatnes-darbā"}]
        assert database.scalar("SELECT conflicts FROM profiles WHERE id = %s", (profile,)) == (
            "interreg_lat_lit:jaunatnes-darbā: Anna evaluates it\nHORIZON-X%20Y")
        # A link from before the rename still opens the call; a re-crawl finds the call rather than adding one.
        assert get_call(database, escaped)["identifier"] == "interreg_lat_lit:jaunatnes-darbā"
        # (Once "updated": the stored content hash still holds the old call_id.)
        assert [upsert_call(database, crawled("jaunatnes-darb%C4%81")) for _ in range(2)] == ["updated", "unchanged"]
        assert upsert_call(database, crawled("call-%FF")) == "unchanged"
        assert database.scalar("SELECT count(*) FROM calls") == 3


def test_partners_already_in_a_consortium_are_not_asked_yet_after_the_upgrade(server_url, tmp_path):
    from store import consortium
    from tests.helpers.data import add_call

    with migrated_up_to(server_url, tmp_path, "partner_status_upgrade", 18) as database:
        add_call(database, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
        call_id = database.scalar("SELECT id FROM calls")
        profile = a_profile(database)
        lab = database.scalar("INSERT INTO organisations (name) VALUES ('Riga Social Lab') RETURNING id")
        database.execute("INSERT INTO consortium_members (profile_id, call_id, organisation_id) VALUES (%s, %s, %s)",
                         (profile, call_id, lab))
        migrate.upgrade(database)
        [member] = consortium.members(database, profile, call_id)
        assert (member["name"], member["status"], member["status_note"], member["status_by"], member["status_at"]) == (
            "Riga Social Lab", "not_asked", "", None, None)


def test_a_consortiums_history_starts_from_what_was_stored_before_it(server_url, tmp_path):
    from store import consortium
    from tests.helpers.data import add_call

    with migrated_up_to(server_url, tmp_path, "consortium_history_upgrade", 19) as database:
        add_call(database, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
        call_id = database.scalar("SELECT id FROM calls")
        profile = a_profile(database)
        user = database.scalar("INSERT INTO users (email, password_hash, role) VALUES ('pm@sic.lv', 'x', 'manager')"
                               " RETURNING id")
        for name, status, at in (("Riga Social Lab", "not_asked", None), ("Tartu University", "confirmed", "2026-06-02")):
            org = database.scalar("INSERT INTO organisations (name) VALUES (%s) RETURNING id", (name,))
            database.execute("INSERT INTO consortium_members (profile_id, call_id, organisation_id, added_by, added_at,"
                             " status, status_note, status_by, status_at) VALUES (%s, %s, %s, %s, '2026-06-01', %s,"
                             " %s, %s, %s)", (profile, call_id, org, user, status, "Signed" if at else "", user, at))
        migrate.upgrade(database)
        assert [(e["change"], e["organisation_name"], e["note"], e["email"], e["at"].date().isoformat())
                for e in consortium.history(database, profile, call_id)] == [
            ("added", "Riga Social Lab", "", "pm@sic.lv", "2026-06-01"),
            ("added", "Tartu University", "", "pm@sic.lv", "2026-06-01"),
            ("confirmed", "Tartu University", "Signed", "pm@sic.lv", "2026-06-02")]


def test_an_organisations_search_name_leaves_aside_the_accents_python_leaves_aside(db):
    """Migration 0047 spells out store.text's table of accented letters: SQL and Python fold every one alike."""
    from store.text import ACCENTED_LETTERS, without_accents

    name = f"Rīgas {ACCENTED_LETTERS} Lab"
    kept = db.scalar("INSERT INTO organisations (name, short_name) VALUES (%s, 'RTU') RETURNING search_name", (name,))
    assert kept == f"{without_accents(name)} RTU" and kept.isascii()
    assert db.scalar("UPDATE organisations SET name = 'Šiaulių kolegija' RETURNING search_name") == "siauliu kolegija RTU"


def test_a_calls_search_text_leaves_aside_the_accents_python_leaves_aside(db):
    """Migration 0048's plain_letters() is the same table again; the calls search finds words typed either way."""
    from datetime import date

    from store import profiles
    from store.calls import search_calls
    from store.text import ACCENTED_LETTERS, without_accents
    from tests.helpers.data import add_call

    assert db.scalar("SELECT plain_letters(%s)", (ACCENTED_LETTERS,)) == without_accents(ACCENTED_LETTERS)
    add_call(db, "HORIZON-MSCA-2027-DN-01", "Marie Skłodowska-Curie doctoral networks", "Hosted in Osnabrück.")
    assert db.scalar("SELECT search_text FROM calls") == (
        "Marie Sklodowska-Curie doctoral networks HORIZON-MSCA-2027-DN-01 Hosted in Osnabruck.")
    profile_id = profiles.ensure_default_profile(db)
    for typed in ("sklodowska osnabruck", "Skłodowska OSNABRÜCK", "msca-2027 marie"):
        rows, total = search_calls(db, profile_id, date(2026, 6, 27), text=typed, show_screened=True)
        assert total == 1 and rows[0]["identifier"] == "HORIZON-MSCA-2027-DN-01", typed


def test_the_contact_kept_at_an_organisation_stays_when_several_may_be(server_url, tmp_path):
    from store.contacts import known_contacts, save_contact

    with migrated_up_to(server_url, tmp_path, "several_contacts_upgrade", 25) as database:
        lab = database.scalar("INSERT INTO organisations (name) VALUES ('Riga Social Lab') RETURNING id")
        database.execute("INSERT INTO organisation_contacts (organisation_id, person, email, note)"
                         " VALUES (%s, 'Ilze Ozola', 'ilze@rsl.lv', 'Director')", (lab,))
        migrate.upgrade(database)
        [ilze] = known_contacts(database, [lab])[lab]
        assert (ilze["person"], ilze["email"], ilze["note"]) == ("Ilze Ozola", "ilze@rsl.lv", "Director")
        save_contact(database, lab, "", "office@rsl.lv", "Research office", None)  # a second one now fits beside her
        save_contact(database, lab, "Ilze Ozola", "ilze@rsl.lv", "Director, Riga", None, ilze["id"])
        assert [(k["email"], k["note"]) for k in known_contacts(database, [lab])[lab]] == [
            ("ilze@rsl.lv", "Director, Riga"), ("office@rsl.lv", "Research office")]


def test_the_colleagues_a_comment_mentioned_stay_mentioned_since_it_was_written(server_url, tmp_path):
    from datetime import datetime, timezone

    from store import discussion
    from tests.helpers.data import add_call

    with migrated_up_to(server_url, tmp_path, "comment_mentions_upgrade", 34) as database:
        add_call(database, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
        call_id = database.scalar("SELECT id FROM calls")
        profile = a_profile(database)
        anna, janis = (database.scalar("INSERT INTO users (email, password_hash, role) VALUES (%s, 'x', 'manager')"
                                       " RETURNING id", (email,)) for email in ("anna@sic.lv", "janis@sic.lv"))
        database.execute("INSERT INTO call_comments (profile_id, call_id, user_id, body, mentions, at)"
                         " VALUES (%s, %s, %s, 'Ask @janis', %s, '2026-06-01 10:00Z')", (profile, call_id, anna, [janis]))
        migrate.upgrade(database)
        assert database.fetchall("SELECT user_id, at FROM comment_mentions") == [
            {"user_id": janis, "at": datetime(2026, 6, 1, 10, tzinfo=timezone.utc)}]
        told = discussion.new_for(database, janis, datetime(2026, 5, 31, tzinfo=timezone.utc),
                                  datetime(2026, 6, 2, tzinfo=timezone.utc))
        assert [(k["excerpt"], k["why"]) for k in told] == [("Ask @janis", "mentions you")]


def test_what_happened_to_the_steps_starts_from_what_was_stored_before_it(server_url, tmp_path):
    from store import checklist
    from tests.helpers.data import add_call

    with migrated_up_to(server_url, tmp_path, "step_history_upgrade", 39) as database:
        add_call(database, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
        profile = a_profile(database)
        anna, janis = (database.scalar("INSERT INTO users (email, password_hash, role) VALUES (%s, 'x', 'manager')"
                                       " RETURNING id", (email,)) for email in ("anna@sic.lv", "janis@sic.lv"))
        decision = database.scalar("INSERT INTO decisions (profile_id, call_id, state, reason, decided_by)"
                                   " VALUES (%s, (SELECT id FROM calls), 'bid', 'Strong strategic fit', %s)"
                                   " RETURNING id", (profile, anna))
        database.execute("INSERT INTO application_steps (decision_id, title, due, added_by, added_at, assignee_id,"
                         " assigned_by, assigned_at, done_by, done_at) VALUES (%s, 'Budget agreed', '2026-09-01', %s,"
                         " '2026-06-01', %s, %s, '2026-06-02', %s, '2026-06-03')",
                         (decision, anna, janis, anna, janis))
        database.execute("INSERT INTO application_steps (decision_id, title, added_by, added_at)"
                         " VALUES (%s, 'Part B', %s, '2026-06-04')", (decision, anna))
        migrate.upgrade(database)
        assert [(e["change"], e["title"], e["email"], e["to"], e["at"].date().isoformat())
                for e in checklist.step_history(database, decision)] == [
            ("added", "Budget agreed", "anna@sic.lv", None, "2026-06-01"),
            ("handed", "Budget agreed", "anna@sic.lv", "janis@sic.lv", "2026-06-02"),
            ("done", "Budget agreed", "janis@sic.lv", None, "2026-06-03"),
            ("added", "Part B", "anna@sic.lv", None, "2026-06-04")]


def test_searches_watched_before_are_watched_from_the_profile_their_user_works_on(server_url, tmp_path):
    from store import watches

    with migrated_up_to(server_url, tmp_path, "watch_profile_upgrade", 50) as database:
        first, second = a_profile(database), database.scalar(
            "INSERT INTO profiles (name, mission) VALUES ('Riga Social Lab', 'Youth work') RETURNING id")
        users = [database.scalar("INSERT INTO users (email, password_hash, role, profile_id) VALUES (%s, 'x',"
                                 " 'manager', %s) RETURNING id", (email, profile))
                 for email, profile in (("pm@sic.lv", second), ("boss@sic.lv", None))]
        for user in users:
            database.execute("INSERT INTO watched_searches (user_id, search) VALUES (%s, '{\"text\": \"youth\"}')",
                             (user,))
        migrate.upgrade(database)
        assert [[(w["words"], w["profile_id"]) for w in watches.watches(database, user)] for user in users] == [
            [("“youth”", second)], [("“youth”", first)]]  # where none is chosen, the first profile
