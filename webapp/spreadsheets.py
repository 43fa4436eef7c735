"""Downloads as spreadsheets: UTF-8 CSV that Excel opens as it should, and cells that stay text."""

from __future__ import annotations

import csv
import io

from flask import Response

from store.html import web_address


def csv_file(name: str, header: list[str], rows) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    # The byte-order mark tells Excel the file is UTF-8: without it Latvian and other accented titles open
    # garbled. Python's csv module reads it back with encoding="utf-8-sig".
    return Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def known_cells(known: list[dict]) -> list[str]:
    """Everyone the team knows at an organisation (`store.contacts.known_contacts`) as two cells, the persons and
    their addresses, in the same order in both."""
    return [csv_text("; ".join(k["person"] for k in known)), csv_text("; ".join(k["email"] for k in known))]


def website_cell(website: str | None) -> str:
    """An organisation's website as a cell: the address it links to (`web_address`), or empty when it is none."""
    return (web_address(website) or ("",))[0]


def csv_text(value: str | None) -> str:
    """A text someone else wrote (a crawled title, a note) as a spreadsheet cell that stays text: one starting
    with = + - @ (or a tab or carriage return) is a formula to Excel and LibreOffice, so it gets a leading
    apostrophe (OWASP's advice)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
