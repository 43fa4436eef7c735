"""Screening gates: a call that fails one is marked, never hidden, and the gate says why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from store.partners import sector_label
from store.profiles import declared_conflicts
from store.text import area_text, counted, day, eur, eur_against, unlisted


@dataclass(frozen=True)
class Gate:
    gate: str
    passed: bool
    reason: str

    def as_json(self) -> dict:
        return {"gate": self.gate, "passed": self.passed, "reason": self.reason}


def upcoming_deadline(deadlines: list[dict], today: date) -> date | None:
    future = sorted(date.fromisoformat(d["date"]) for d in deadlines if date.fromisoformat(d["date"]) >= today)
    return future[0] if future else None


def deadline_gate(call: dict, profile: dict, today: date) -> Gate:
    deadlines = call.get("deadlines") or []
    if not deadlines:
        return Gate("deadline", True, "No deadline published yet")
    nxt = upcoming_deadline(deadlines, today)
    if nxt is None:
        last = max(date.fromisoformat(d["date"]) for d in deadlines)
        return Gate("deadline", False, f"Deadline passed on {day(last)}")
    days = (nxt - today).days
    need = profile.get("min_lead_days") or 0
    if days < need:
        return Gate("deadline", False,
                    f"Only {counted(days, 'day')} left before {day(nxt)}; at least {need} are needed")
    return Gate("deadline", True, f"{days} days left before {day(nxt)}")


def size_gate(call: dict, profile: dict) -> Gate:
    minimum = profile.get("min_project_size")
    if not minimum:
        return Gate("size", True, "No minimum project size set")
    largest = call.get("grant_max")
    if largest is not None:
        if largest < minimum:
            grant, least = eur_against(largest, minimum)
            return Gate("size", False, f"Largest grant {grant} is below the minimum {least}")
        return Gate("size", True, f"Grants up to {eur(largest)}")
    budget = call.get("topic_budget")
    if budget is not None and budget < minimum:
        budget_words, least = eur_against(budget, minimum)
        return Gate("size", False, f"The whole topic budget {budget_words} is below the minimum {least}")
    # Unknown is not small: Erasmus+ lump sums publish no grant size.
    return Gate("size", True, "Grant size not published (not treated as small)")


def _kinds(sectors: list[str]) -> str:
    return ", ".join(map(sector_label, sectors))


def eligibility_gate(call: dict, profile: dict) -> Gate:
    eligibility = call.get("eligibility") or {}
    allowed, area = eligibility.get("countries") or [], eligibility.get("area")
    countries = set(profile.get("countries") or [])
    if allowed and countries and not countries & set(allowed):
        return Gate("eligibility", False, f"Open only to organisations established in {area_text(eligibility)}")
    # A call for some kinds of organisation only (URBACT: cities and other public bodies); a profile
    # that names none of its own kinds is not judged.
    types, own = eligibility.get("applicant_types") or [], profile.get("organisation_types") or []
    if types and own and not set(types) & set(own):
        return Gate("eligibility", False,
                    f"Open only to these kinds of applicant: {_kinds(types)} (the profile's: {_kinds(own)})")
    reason = f"Programme area: {area}" if area else "No country restriction published"
    return Gate("eligibility", True, reason + (f"; applicants: {_kinds(types)}" if types else ""))


def listing_gate(call: dict) -> Gate | None:
    """Only for a call its source stopped listing while its dates say it is still open or forthcoming."""
    since = call.get("unlisted_since")
    if since is None:
        return None
    return Gate("listed", False, f"{unlisted(since)} Check there")


def conflict_gate(call: dict, profile: dict) -> Gate | None:
    """Only for a call the profile declares a conflict with: by the start of its identifier, or by its
    programme's name (case aside)."""
    identifier, programme = call["identifier"].casefold(), (call.get("programme") or "").casefold()
    for what, why in declared_conflicts(profile.get("conflicts")):
        if identifier.startswith(what.casefold()) or programme == what.casefold():
            return Gate("conflict", False, f"Conflict declared in the profile for {what}" + (f": {why}" if why else ""))
    return None


def screen(call: dict, profile: dict, today: date) -> list[Gate]:
    found = [deadline_gate(call, profile, today), size_gate(call, profile), eligibility_gate(call, profile)]
    return found + [gate for gate in (conflict_gate(call, profile), listing_gate(call)) if gate]
