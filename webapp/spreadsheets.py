"""Downloads as spreadsheets: UTF-8 CSV that Excel opens as it should, and cells that stay text."""

from __future__ import annotations

import csv
import io

from flask import Response


def csv_file(name: str, header: list[str], rows) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    # The byte-order mark tells Excel the file is UTF-8: without it Latvian and other accented titles open
    # garbled. Python's csv module reads it back with encoding="utf-8-sig".
    return Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def csv_text(value: str | None) -> str:
    """A text someone else wrote (a crawled title, a note) as a spreadsheet cell that stays text: one starting
    with = + - @ (or a tab or carriage return) is a formula to Excel and LibreOffice, so it gets a leading
    apostrophe (OWASP's advice)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
