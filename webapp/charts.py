"""Small server-side SVG charts: no script, nothing fetched from elsewhere."""

from __future__ import annotations

from collections import Counter
from datetime import date

from store.partners import sector_label
from store.text import counted, day, points


def init_app(app) -> None:
    app.jinja_env.globals.update(deadline_bars=deadline_bars, score_histogram=score_histogram)
    from store.html import clean_html, web_address

    app.jinja_env.filters.update(eur=eur, day=day, days_left=days_left, sanitise=clean_html, counted=counted,
                                 points=points, web_address=web_address, sector=sector,
                                 grant_range=grant_range)


def eur(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    if value >= 1_000_000_000:  # a programme's budget: "€1779.1 M" is hard to read
        return f"€{value / 1_000_000_000:.2f} bn"
    if value >= 1_000_000:
        return f"€{value / 1_000_000:.1f} M"
    if value >= 1_000:
        return f"€{value / 1_000:.0f} k"
    return f"€{value:.0f}"


def grant_range(smallest, largest) -> str:
    """A call's grant size, from what the source gave: one end, both, or neither."""
    if smallest is None and largest is None:
        return "not published"
    if smallest is None:
        return f"up to {eur(largest)}"
    if largest is None:
        return f"from {eur(smallest)}"
    return eur(smallest) if smallest == largest else f"{eur(smallest)} – {eur(largest)}"


def sector(value) -> str:
    """An organisation's sector as people read it ("company", not the stored "private")."""
    return sector_label(value) if value else "—"


def days_left(deadline, today: date) -> str:
    if not deadline:
        return ""
    days = (deadline - today).days
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"


def deadline_bars(deadlines: list[date], today: date, months: int = 12, most: int = 24) -> dict:
    """Bars of deadlines per month from this month on: a year, or up to the latest deadline when it is
    further off (a two-year work programme names deadlines that far ahead), but no more than `most`
    months; deadlines after those are counted in `later` rather than dropped unseen."""
    deadlines = [d for d in deadlines if d]
    if deadlines:
        latest = max(deadlines)
        months = min(max(months, (latest.year - today.year) * 12 + latest.month - today.month + 1), most)
    labels = []
    year, month = today.year, today.month
    for _ in range(months):
        labels.append((year, month))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    counts = Counter((d.year, d.month) for d in deadlines)
    values = [counts.get(label, 0) for label in labels]
    top = max(values) or 1
    return {"bars": [{"label": date(y, m, 1).strftime("%b %y"), "value": v, "height": round(100 * v / top)}
                     for (y, m), v in zip(labels, values, strict=True)], "max": top,
            "later": sum(1 for d in deadlines if (d.year, d.month) > labels[-1])}


def score_histogram(scores: list[float], bins: int = 12) -> dict:
    """Bars of how many calls score in each band, labelled in the points (score x 100) the tables show."""
    scores = [s for s in scores if s is not None]
    if not scores:
        return {"bars": [], "max": 0}
    low, high = min(scores), max(scores)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for s in scores:
        counts[min(int((s - low) / width), bins - 1)] += 1
    top = max(counts) or 1
    return {"bars": [{"label": points(low + i * width), "value": c, "height": round(100 * c / top)}
                     for i, c in enumerate(counts)], "max": top}
