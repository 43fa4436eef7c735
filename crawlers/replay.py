"""A loopback HTTP server that answers like the live sources, from recorded responses.

- POST .../search?...&pageNumber=N answers with `page-N.json`, but only for a request shaped as the
  live API wants it (multipart JSON parts `query`, `languages`, `sort`); otherwise 500 {"type":"throwable"},
  as the portal does.
- Any other request answers with the file `recorded_name()` names under the folder (404 when there is
  none): `api/project/7/` -> `api/project/7/index` (and so does `api/project/7` when that is a folder),
  `api/search?page=2` -> `api/search@page=2`, and a POST with a JSON body -> the path, '@', and the
  body's top-level fields (`search@from=0&size=500`).

Faults can be injected per file name (500, or a hang past the client's timeout) to test crawls that
half-fail. Every request is kept in `requests` for tests to inspect.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

SEARCH_PATH = "/search-api/prod/rest/search"


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """{part name: (content type, payload)} of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        return {}
    return {
        part.get_param("name", header="content-disposition"): (part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_parts()
    }


def recorded_name(path: str, query: str = "", body: bytes = b"") -> str:
    """The file under the replay folder that answers this request."""
    name = path.lstrip("/")
    if body:
        try:
            fields = json.loads(body)
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            query = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if not isinstance(fields[k], (dict, list)))
    if query:
        return name.rstrip("/") + "@" + query
    if not name or name.endswith("/"):
        return name + "index"
    return name


class ReplayServer:
    def __init__(self, folder: Path, faults: dict[str, object] | None = None, hang_seconds: float = 30.0):
        self.folder = Path(folder)
        self.faults = dict(faults or {})
        self.hang_seconds = hang_seconds
        self.requests: list[dict] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                server._answer(self, "GET", b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                server._answer(self, "POST", self.rfile.read(length))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def search_url(self) -> str:
        return self.url + SEARCH_PATH

    def __enter__(self) -> "ReplayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- answering -----------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        url = urlparse(handler.path)
        record = {"method": method, "path": url.path, "query": parse_qs(url.query),
                  "content_type": handler.headers.get("Content-Type", ""), "parts": {}}
        self.requests.append(record)
        if method == "POST" and url.path == SEARCH_PATH:
            parts = parse_multipart(record["content_type"], body)
            record["parts"] = {name: (ctype, payload.decode(errors="replace"))
                               for name, (ctype, payload) in parts.items()}
            if not self._is_live_shaped(parts):
                return self._send(handler, 500, b'{"type":"throwable"}')
            page = (record["query"].get("pageNumber") or ["1"])[0]
            return self._send_file(handler, f"page-{page}.json")
        return self._send_file(handler, recorded_name(url.path, url.query, body))

    @staticmethod
    def _is_live_shaped(parts: dict) -> bool:
        for name in ("query", "languages", "sort"):
            if name not in parts or parts[name][0] != "application/json":
                return False
            try:
                json.loads(parts[name][1])
            except ValueError:
                return False
        return True

    def _send_file(self, handler, name: str) -> None:
        fault = self.faults.get(name)
        if fault == "timeout":
            self._stop.wait(self.hang_seconds)
            return self._send(handler, 504, b"")
        if isinstance(fault, int):
            return self._send(handler, fault, b'{"type":"throwable"}')
        if ".." in Path(name).parts:
            return self._send(handler, 404, b'{"error":"not recorded"}')
        path = self.folder / name
        if path.is_dir():  # `/apply` and `/apply/` are one page on most sites: both answer with `apply/index`
            path = path / "index"
        if not path.is_file():
            return self._send(handler, 404, b'{"error":"not recorded"}')
        self._send(handler, 200, path.read_bytes())

    @staticmethod
    def _send(handler, status: int, payload: bytes) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json" if payload[:1] in (b"{", b"[") else "text/html")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to do
