"""Small constructed rows for tests that need a few calls or projects (real recorded data is used elsewhere)."""

from datetime import date
from decimal import Decimal

from store import calls as call_store


def add_call(db, identifier, title, text, deadline="2026-10-01", grant_max=None, description_html=None, **extra):
    call_store.ensure_source(db, "ft_portal")
    row = {
        "source": "ft_portal", "identifier": identifier, "programme": extra.get("programme", "Horizon Europe"),
        "programme_code": None, "call_id": None, "call_title": None, "title": title,
        "description_html": description_html if description_html is not None else f"<p>{text}</p>",
        "description_text": text, "conditions_html": "", "conditions_text": "",
        "opening_date": extra.get("opening_date", date(2026, 5, 1)),
        "deadlines": [{"date": deadline, "stage": "single-stage"}],
        "deadline_model": "single-stage", "status": extra.get("status", "open"),
        "topic_budget": extra.get("topic_budget"),
        "grant_min": None, "grant_max": grant_max, "expected_grants": None, "funding_rate": extra.get("funding_rate"),
        "action_type": None, "keywords": extra.get("keywords", []), "eligibility": extra.get("eligibility", {}),
        "partner_search": extra.get("partner_search"),
        "url": f"https://example.org/{identifier}", "raw": {},
    }
    return call_store.upsert_call(db, row)


def add_project(db, source_id, topic, *members):
    """A small constructed keep.eu project: members are (name, role) or (name, role, country)."""
    from store.calls import ensure_source
    from store.partners import upsert_project

    ensure_source(db, "keep_eu")
    participants = [{"source_id": m[0], "name": m[0], "country": m[2] if len(m) > 2 else "LV", "sector": "ngo",
                     "role": m[1]} for m in members]
    upsert_project(db, {"source": "keep_eu", "source_id": source_id, "topic_code": topic, "title": topic,
                        "participants": participants})


def link_profile(db, profile_id, organisation_name):
    """Link a profile to an organisation of the partner data, as the profile page's field does."""
    from store import profiles

    profile = profiles.get_profile(db, profile_id)
    profile["organisation_id"] = db.scalar("SELECT id FROM organisations WHERE name = %s", (organisation_name,))
    profiles.save_profile(db, profile, profile_id)


DECIDER = {"id": None, "role": "leadership"}


def decided(db, n_bid, n_no, rng):
    """SIC's profile with n_bid bids then n_no no-bids on constructed calls C-0, C-1, ..., whose stored signals
    separate the two (bids read closer in meaning), as a learner should find."""
    from psycopg.types.json import Jsonb

    from store import decisions, profiles

    profile_id = profiles.ensure_default_profile(db)
    for i in range(n_bid + n_no):
        bid = i < n_bid
        add_call(db, f"C-{i}", f"Call {i}", "text")
        call_id = db.scalar("SELECT id FROM calls WHERE identifier = %s", (f"C-{i}",))
        signals = {"semantic": float(rng.normal(0.6 if bid else 0.3, 0.08)), "lexical": float(rng.uniform(0, 0.2)),
                   "family1": 0.0, "family2": 0.0, "programme": float(rng.integers(0, 2))}
        db.execute("INSERT INTO match_results (profile_id, call_id, model, score, signals, inputs_hash)"
                   " VALUES (%s, %s, 'm', 0, %s, 'h') ON CONFLICT (profile_id, call_id) DO UPDATE"
                   " SET signals = EXCLUDED.signals", (profile_id, call_id, Jsonb(signals)))
        decisions.decide(db, profile_id, call_id, "bid" if bid else "no_bid",
                         "Strong strategic fit" if bid else "Weak fit with our mission", "", DECIDER)
    return profile_id


def run_of_a_killed_process(db, source):
    """A run left 'running' by a process that was killed, as SIGKILL or a restart leaves it."""
    import subprocess
    import sys

    from store import runs

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        process = runs.process_identity(child.pid)
    finally:
        child.kill()
        child.wait()
    return db.scalar("INSERT INTO crawl_runs (source, process) VALUES (%s, %s) RETURNING id", (source, process))


def finished_run(db, source, status, day, message="completed"):
    """A run of `source` that started and finished on `day` (YYYY-MM-DD) with `status`."""
    from store.calls import ensure_source

    ensure_source(db, source)
    return db.scalar("INSERT INTO crawl_runs (source, status, message, started_at, finished_at)"
                     " VALUES (%s, %s, %s, %s::date + time '05:00', %s::date + time '05:10') RETURNING id",
                     (source, status, message, day, day))


def funding_streams_data(db) -> tuple[dict, dict]:
    """Calls of six programmes ranked for SIC's profile (which prefers Horizon Europe, Interreg and URBACT),
    first seen at different times: (the profile, a leadership user)."""
    from store import decisions, profiles, users

    profile_id = profiles.ensure_default_profile(db)
    profiles.save_profile(db, {**profiles.get_profile(db, profile_id), "programmes": ["Horizon Europe", "Interreg", "URBACT"]},
                          profile_id)
    profile = profiles.get_profile(db, profile_id)
    calls = (  # identifier, programme, status, rank, screened out, topic budget, first seen (days ago)
        ("HORIZON-A", "Horizon Europe", "open", 1, False, 4_000_000, 30),
        ("CERV-A", "CERV", "open", 2, False, None, 20),
        ("HORIZON-B", "Horizon Europe", "forthcoming", 3, False, 2_500_000, 30),
        ("LIFE-A", "LIFE", "open", 4, False, 1_000_000, 29.9),
        ("HORIZON-C", "Horizon Europe", "open", 5, True, 9_000_000, 30),
        ("XYZ-2027-A", "Other EU programme (XYZ)", "open", 6, False, None, 2),
        ("BSR-A", "Interreg Baltic Sea Region", "open", 9, False, None, 10),
        ("HORIZON-OLD", "Horizon Europe", "closed", 7, False, 7_000_000, 30),
        ("HORIZON-OLDER", "Horizon Europe", "closed", 10, False, None, 30),
        ("EMFAF-A", "EMFAF", "closed", 8, False, None, 30),
    )
    call_store.ensure_source(db, "interreg_bsr")
    for identifier, programme, status, rank, screened, budget, days in calls:
        add_call(db, identifier, identifier, "Text.", programme=programme, status=status,
                 topic_budget=Decimal(budget) if budget else None, opening_date=date(2026, 5, 1))
        # The Interreg programme comes from a source of its own, first crawled 10 days ago.
        source = "interreg_bsr" if programme.startswith("Interreg") else "ft_portal"
        db.execute("UPDATE calls SET source = %s, first_seen = now() - make_interval(secs => %s * 86400)"
                   " WHERE identifier = %s", (source, days, identifier))
        db.execute("INSERT INTO match_results (profile_id, call_id, model, score, rank, screened_out, inputs_hash)"
                   " SELECT %s, id, 'm', 0.5, %s, %s, 'h' FROM calls WHERE identifier = %s",
                   (profile_id, rank, screened, identifier))
    boss = users.get_user(db, users.create_user(db, "boss@sic.lv", "long enough password", "leadership"))
    for identifier, state, outcome, evaluation in (
            ("HORIZON-OLD", "bid", "won", {"score": "14", "out_of": "15"}), ("HORIZON-OLDER", "bid", "lost", None),
            ("HORIZON-A", "maybe", None, None)):
        call_id = db.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,))
        decision = decisions.decide(db, profile_id, call_id, state, "Strong strategic fit", "", boss)
        if outcome:
            decisions.set_outcome(db, decision["id"], outcome, boss, evaluation)
    return profile, boss



TEAM_CALLS = {"CERV-SOCIAL-01": "Social innovation and civic participation",
              "CERV-SOCIAL-02": "Civic participation of young people", "CERV-SOCIAL-03": "Active citizens"}


def team_on_calls(db, *identifiers, deadline="2026-07-10", **extra) -> tuple[int, dict, dict, dict]:
    """What the digest tests start from: the calls of TEAM_CALLS named (all by default), each with that
    deadline, the default profile, and two colleagues, boss (leadership) and anna (a manager). Returns
    (profile id, {identifier: call id}, boss, anna)."""
    from store import profiles, users

    ids = {}
    for identifier in identifiers or TEAM_CALLS:
        add_call(db, identifier, TEAM_CALLS[identifier], "Social enterprises.", deadline=deadline, **extra)
        ids[identifier] = db.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,))
    boss, anna = (users.get_user(db, users.create_user(db, email, "long enough password", role))
                  for email, role in (("boss@sic.lv", "leadership"), ("anna@sic.lv", "manager")))
    return profiles.ensure_default_profile(db), ids, boss, anna
