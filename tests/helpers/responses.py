"""Build Scrapy responses from saved files: parser tests never touch the network."""

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
