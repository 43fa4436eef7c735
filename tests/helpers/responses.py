"""Build Scrapy responses from saved files: parser tests never touch the network."""

import json
from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse


def file_response(path: Path, url: str, *, html: bool = False, body: bytes | None = None, meta: dict | None = None):
    data = Path(path).read_bytes() if body is None else body
    cls = HtmlResponse if html else TextResponse
    return cls(url=url, request=Request(url, meta=meta or {}), body=data, encoding="utf-8")


def spider_at(spider_cls, today: str, **kwargs):
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(spider_cls, {"CALLMATCH_TODAY": today})
    return spider_cls.from_crawler(crawler, **kwargs)


def small_replay(shared_dir, tmp_path, pages=(18, 19), edit=None, folder_name="replay"):
    """A two-page replay derived from the recording: page 1 announces how many records there are. `edit`,
    where given, changes each search record in place first (a topic the portal changed since)."""
    folder = tmp_path / folder_name
    folder.mkdir(exist_ok=True)
    source = shared_dir / "fixtures" / "ft-portal" / "search-2026-06-27"
    bodies = [json.loads((source / f"page-{n}.json").read_text()) for n in pages]
    total = sum(len(b["results"]) for b in bodies)
    for number, body in enumerate(bodies, 1):
        body["totalResults"] = total if number == 1 else body["totalResults"]
        body["pageSize"] = 100
        for record in body["results"] if edit else ():
            edit(record)
        (folder / f"page-{number}.json").write_text(json.dumps(body))
    ids = {r["metadata"]["identifier"][0] for b in bodies for r in b["results"]}
    return folder, ids
