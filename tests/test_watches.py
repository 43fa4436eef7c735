"""Watched searches: kept once per user, said in words, and the new calls each finds told in the digest."""

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from store import profiles, watches
from store.errors import NotFound
from store.users import create_user
from tests.helpers.data import add_call

TODAY = date(2026, 6, 27)


def a_reader(db, email="pm@sic.lv"):
    user_id = create_user(db, email, "a long enough password", "manager")
    return db.fetchone("SELECT * FROM users WHERE id = %s", (user_id,))


def seen(db, identifier, when):
    db.execute("UPDATE calls SET first_seen = %s WHERE identifier = %s", (when, identifier))


def test_a_search_is_watched_once_in_the_words_of_its_filters_and_stopped(db):
    pm, boss = a_reader(db), a_reader(db, "boss@sic.lv")
    sic = profiles.ensure_default_profile(db)
    youth = watches.watch(db, pm["id"], sic, {"text": "youth", "programme": "Erasmus+", "min_grant": 200000.0,
                                              "show_screened": True, "sort": "deadline", "within_days": 30, "page": 2})
    assert youth["search"] == {"text": "youth", "programme": "Erasmus+", "min_grant": 200000.0, "show_screened": True}
    assert youth["words"] == "“youth” in Erasmus+, grants from €200 k, screened-out calls too"
    assert youth["args"] == {"q": "youth", "programme": "Erasmus+", "min_grant": "200000", "screened": "1",
                             "sort": "new"}
    # The same search again (its sort and windows aside) is the same watch; a colleague's is theirs.
    assert watches.watch(db, pm["id"], sic, {"text": "youth", "programme": "Erasmus+", "min_grant": 200000,
                                             "show_screened": True, "sort": "grant"})["id"] == youth["id"]
    assert watches.watch(db, boss["id"], sic, {"text": "youth", "show_screened": False})["words"] == "“youth”"
    assert watches.watch(db, boss["id"], sic, {"text": '"social economy" Latgale'})["words"] == (
        '"social economy" Latgale')
    assert watches.watch(db, pm["id"], sic, {"programme": "Interreg Baltic Sea Region"})["words"] == (
        "every call in Interreg Baltic Sea Region")
    assert [w["words"] for w in watches.watches(db, pm["id"])] == [
        "“youth” in Erasmus+, grants from €200 k, screened-out calls too", "every call in Interreg Baltic Sea Region"]
    assert watches.watching(db, pm["id"], sic, {"text": "youth", "programme": "Erasmus+", "min_grant": 200000.0,
                                                "show_screened": True})["id"] == youth["id"]
    assert watches.watching(db, pm["id"], sic, {"text": "youth"}) is None
    # From another profile the same search is another watch, read with that profile's screening and ranks.
    other = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "Riga Social Lab"})
    assert watches.watching(db, pm["id"], other, {"text": "youth", "programme": "Erasmus+", "min_grant": 200000.0,
                                                  "show_screened": True}) is None
    from_other = watches.watch(db, pm["id"], other, {"programme": "Interreg Baltic Sea Region"})
    assert from_other["id"] != watches.watching(db, pm["id"], sic, {"programme": "Interreg Baltic Sea Region"})["id"]
    assert [w["profile"] for w in watches.watches(db, pm["id"])] == [profiles.get_profile(db, sic)["name"]] * 2 + [
        "Riga Social Lab"]
    assert watches.unwatch(db, pm["id"], from_other["id"])["profile_id"] == other
    # A watch says which calls: words or a programme, not every new call (the digest's top calls are for that).
    with pytest.raises(watches.InvalidWatch, match="Search for some words or choose a programme first"):
        watches.watch(db, pm["id"], sic, {"text": None, "min_grant": 100000.0, "show_screened": True})
    assert watches.unwatch(db, pm["id"], youth["id"])["words"].startswith("“youth”")
    with pytest.raises(NotFound, match="You no longer watch that search."):
        watches.unwatch(db, pm["id"], youth["id"])
    with pytest.raises(NotFound):  # a colleague's watch is not one to stop
        watches.unwatch(db, pm["id"], watches.watches(db, boss["id"])[0]["id"])
    for n in range(watches.MAX_WATCHES - 1):
        watches.watch(db, pm["id"], sic, {"text": f"word{n}"})
    with pytest.raises(watches.InvalidWatch, match=f"You watch {watches.MAX_WATCHES} searches already"):
        watches.watch(db, pm["id"], sic, {"text": "one too many"})


def test_a_digest_tells_the_new_calls_each_watched_search_finds_whatever_their_rank(db, settings):
    from store import digests
    from worker.digest import render

    pm = a_reader(db)
    profile_id = profiles.ensure_default_profile(db)
    now = datetime.now(timezone.utc)
    since = now - timedelta(days=7)
    add_call(db, "INTERREG-LV-LT-2026", "Cross-border cooperation", "Projects in Latgale and Šiauliai regions.",
             programme="Interreg Latvia-Lithuania")
    add_call(db, "CERV-2026-YOUTH", "Youth participation", "Young people in Latgale.", programme="CERV")
    add_call(db, "CERV-2025-OLD", "Civic participation in Latgale", "Seen long ago.", programme="CERV")
    seen(db, "CERV-2025-OLD", now - timedelta(days=30))
    add_call(db, "HORIZON-FUSION", "Plasma physics", "Tungsten.", programme="Horizon Europe")
    add_call(db, "CERV-TOP", "Latgale civic lab", "The best fit.", programme="CERV")  # among the new fitting calls
    seen(db, "INTERREG-LV-LT-2026", now - timedelta(hours=3))
    seen(db, "CERV-2026-YOUTH", now - timedelta(hours=2))
    # Ranked low, and one screened out: a watch is about the words, not the rank.
    db.execute("""INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash, screened_out, gates)
                  SELECT %s, id, 'm', 0.1, 400 + id, 'h', identifier = 'CERV-2026-YOUTH',
                         CASE WHEN identifier = 'CERV-2026-YOUTH' THEN
                         '[{"gate": "size", "passed": false, "reason": "Grant below the minimum"}]'::jsonb
                         ELSE '[]'::jsonb END FROM calls""", (profile_id,))
    db.execute("UPDATE match_results SET rank = 1, screened_out = false WHERE call_id = (SELECT id FROM calls"
               " WHERE identifier = 'CERV-TOP')")
    watches.watch(db, pm["id"], profile_id, {"text": "latgale"})
    watches.watch(db, pm["id"], profile_id, {"text": "siauliai", "programme": "Interreg Latvia-Lithuania"})
    watches.watch(db, pm["id"], profile_id, {"text": "tungsten", "programme": "CERV"})  # finds nothing new: left out
    everything = watches.watch(db, pm["id"], profile_id, {"text": "latgale", "show_screened": True})

    content = digests.content(db, pm, since, TODAY, now=now)
    assert [c["identifier"] for c in content["new_calls"]] == ["CERV-TOP"]  # told there, not again below
    assert [(w["words"], [c["identifier"] for c in w["calls"]], w["total"]) for w in content["watched"]] == [
        ("“latgale”", ["INTERREG-LV-LT-2026"], 1),  # the screened-out one only where the watch says so
        ("“siauliai” in Interreg Latvia-Lithuania", ["INTERREG-LV-LT-2026"], 1),
        ("“latgale”, screened-out calls too", ["CERV-2026-YOUTH", "INTERREG-LV-LT-2026"], 2)]  # newest first
    assert digests.has_news(content)
    subject, text, html = render(pm, content, settings)
    assert subject.startswith("callmatch: 1 new fitting call, 4 new calls for your watched searches, ")
    assert ("New calls for your watched search “siauliai” in Interreg Latvia-Lithuania:\n"
            "- Cross-border cooperation [Interreg Latvia-Lithuania]") in text
    assert 'Found in its text: "Projects in Latgale and Šiauliai regions."' in text
    assert re.search(r"- Youth participation \[CERV\] #4\d\d, deadline 01 Oct 2026, screened out \(size: Grant below"
                     r" the minimum\)\n", text)
    assert (f'<a href="{settings.base_url}/calls/INTERREG-LV-LT-2026#:~:text=Latgale%20and%20%C5%A0iauliai%20regions."'
            ' style="color:#5b6475">Found in its text</a>: “Projects in <strong>Latgale</strong> and Šiauliai regions.”'
            ) in html  # the link opens the call's page at those words
    # More than a digest lists: the first ten, and the rest a link away, newest first.
    for n in range(watches.NEWS_PER_WATCH + 2):
        add_call(db, f"CERV-LATGALE-{n:02}", f"Latgale call {n}", "Text.", programme="CERV")
        seen(db, f"CERV-LATGALE-{n:02}", now - timedelta(hours=n + 1))
    content = digests.content(db, pm, since, TODAY, now=now)
    latgale = next(w for w in content["watched"] if w["id"] == everything["id"])
    assert latgale["total"] == 14 and len(latgale["calls"]) == watches.NEWS_PER_WATCH
    _, text, html = render(pm, content, settings)
    assert f"4 more, newest first: {settings.base_url}/calls?q=latgale&amp;screened=1&amp;sort=new" not in text
    assert f"4 more, newest first: {settings.base_url}/calls?q=latgale&screened=1&sort=new" in text
    assert f'<a href="{settings.base_url}/calls?q=latgale&amp;screened=1&amp;sort=new">4 more</a>' in html
    # A week on, nothing it finds is new.
    later = digests.content(db, pm, now, TODAY, now=now + timedelta(days=7))
    assert later["watched"] == [] and not any("watched" in said for said in digests.told(later)), digests.told(later)


def test_a_watch_is_read_with_the_screening_of_the_profile_it_was_watched_from(db, settings):
    from store import digests
    from worker.digest import render

    pm = a_reader(db)
    sic = profiles.ensure_default_profile(db)
    lab = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "Riga Social Lab"})
    now = datetime.now(timezone.utc)
    add_call(db, "CERV-2026-YOUTH", "Youth participation", "Young people in Latgale.", programme="CERV")
    seen(db, "CERV-2026-YOUTH", now - timedelta(hours=2))
    # Too small for SIC, which screens it out; the lab takes small grants.
    db.execute("""INSERT INTO match_results (profile_id, call_id, model, score, rank, inputs_hash, screened_out, gates)
                  SELECT p, id, 'm', 0.1, 400, 'h', p = %(sic)s, CASE WHEN p = %(sic)s THEN
                         '[{"gate": "size", "passed": false, "reason": "Grant below the minimum"}]'::jsonb
                         ELSE '[]'::jsonb END FROM calls, unnest(ARRAY[%(sic)s, %(lab)s]::bigint[]) p""",
               {"sic": sic, "lab": lab})
    watches.watch(db, pm["id"], sic, {"text": "latgale"})
    watches.watch(db, pm["id"], lab, {"text": "latgale"})
    db.execute("UPDATE users SET profile_id = %s WHERE id = %s", (sic, pm["id"]))  # the digest is SIC's
    pm = db.fetchone("SELECT * FROM users WHERE id = %s", (pm["id"],))

    content = digests.content(db, pm, now - timedelta(days=7), TODAY, now=now)
    assert [(w["profile"], [c["identifier"] for c in w["calls"]]) for w in content["watched"]] == [
        ("Riga Social Lab", ["CERV-2026-YOUTH"])]  # SIC's own watch finds it screened out
    _, text, html = render(pm, content, settings)
    assert "New calls for your watched search “latgale” (for the profile Riga Social Lab):" in text
    assert "New calls for your watched search “latgale” (for the profile Riga Social Lab)</h3>" in html
    # A profile deleted: the searches watched from it are watched from the first one left, once.
    watches.watch(db, pm["id"], lab, {"text": "youth"})
    profiles.delete_profile(db, lab)
    assert [(w["words"], w["profile_id"]) for w in watches.watches(db, pm["id"])] == [("“latgale”", sic),
                                                                                     ("“youth”", sic)]
