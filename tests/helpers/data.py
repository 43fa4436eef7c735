"""Small constructed rows for tests that need a few calls (real recorded data is used elsewhere)."""

from datetime import date

from store import calls as call_store


def add_call(db, identifier, title, text, deadline="2026-10-01", grant_max=None, description_html=None, **extra):
    call_store.ensure_source(db, "ft_portal")
    row = {
        "source": "ft_portal", "identifier": identifier, "programme": extra.get("programme", "Horizon Europe"),
        "programme_code": None, "call_id": None, "call_title": None, "title": title,
        "description_html": description_html if description_html is not None else f"<p>{text}</p>",
        "description_text": text, "conditions_html": "", "conditions_text": "",
        "opening_date": date(2026, 5, 1), "deadlines": [{"date": deadline, "stage": "single-stage"}],
        "deadline_model": "single-stage", "status": extra.get("status", "open"), "topic_budget": None,
        "grant_min": None, "grant_max": grant_max, "expected_grants": None, "funding_rate": None, "action_type": None,
        "keywords": [], "eligibility": extra.get("eligibility", {}), "partner_search": True,
        "url": f"https://example.org/{identifier}", "raw": {},
    }
    return call_store.upsert_call(db, row)
