"""Small server-side SVG charts: no script, nothing fetched from elsewhere."""

from __future__ import annotations

from collections import Counter
from datetime import date

from store.text import points


def init_app(app) -> None:
    app.jinja_env.globals.update(deadline_bars=deadline_bars, score_histogram=score_histogram)


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
