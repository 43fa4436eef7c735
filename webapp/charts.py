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


def score_histogram(scores: list[float], most: int = 20) -> dict:
    """Bars of how many calls score in each band of whole points (score x 100, as the tables show them):
    a bar a point when the scores span at most `most` points, else bands of several points, labelled
    with the points they hold, so that a bar never names a score no row shows."""
    shown = [int(points(s)) for s in scores if s is not None]
    if not shown:
        return {"bars": [], "max": 0}
    low, high = min(shown), max(shown)
    width = -(-(high - low + 1) // most)  # whole points a band, rounded up
    starts = range(low, high + 1, width)
    counts = Counter((p - low) // width for p in shown)
    top = max(counts.values())

    def label(start: int) -> str:
        end = min(start + width - 1, high)
        return str(start) if end == start else f"{start}–{end}"

    return {"bars": [{"label": label(start), "value": counts.get(i, 0), "height": round(100 * counts.get(i, 0) / top)}
                     for i, start in enumerate(starts)], "max": top}
