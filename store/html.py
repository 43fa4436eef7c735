"""Foreign HTML (crawled pages): kept to a small allow-list of tags before it is stored and again before it is shown."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

ALLOWED_TAGS = {
    "p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "a", "h2", "h3", "h4", "h5",
    "table", "thead", "tbody", "tr", "th", "td", "blockquote", "span", "div", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}

_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|tr|table|ul|ol|blockquote)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")  # as nh3 writes them: lower case, no attributes allowed
_EMPTY_LINK = re.compile(r"<a [^>]*>((?:\s|&nbsp;)*)</a>")
_LINK_WITHOUT_ADDRESS = re.compile(r"<a (?![^>]*\bhref=)[^>]*>(.*?)</a>", re.S)  # nh3 output: links never nest
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\ufeff]+")
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")  # RFC 3986's, nothing else
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_BARE_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+(?::\d+)?(?:[/?#].*)?$", re.I)  # www.cnr.it, x.org/en


def clean_html(raw: str | None, base: str | None = None) -> str:
    """Sanitised HTML, safe to render as-is. `base` is the address of the page it was read from: its
    relative links are resolved against it. Without one (HTML from an API, or already stored), a
    relative link would lead into this site, and is left as text; the portal's are titles pasted as
    addresses anyway."""
    if not raw:
        return ""
    cleaned = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        url_relative=("rewrite_with_base", base) if base else "deny",
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # What is left of such a link, and the portal's links around a lone space beside the real one, are no
    # links: a reader would tab to (and a screen reader announce) a link with no address or no words.
    cleaned = _EMPTY_LINK.sub(r"\1", cleaned)
    return _LINK_WITHOUT_ADDRESS.sub(r"\1", cleaned).strip()


def nest_headings(fragment: str, below: int) -> str:
    """Sanitised HTML whose headings sit under a page's own h`below`, with no level skipped: screen
    readers announce a skipped level as a gap in the outline, and the portal's descriptions start at h4
    under the page's h2, or put an h3 after h4s. The levels the fragment uses are renumbered in order from
    h`below + 1`, and a heading more than one level below the one before it is raised to the next level."""
    used = sorted({int(level) for closing, level in _HEADING_TAG.findall(fragment) if not closing})
    ranked = {level: below + 1 + n for n, level in enumerate(used)}
    previous = current = below

    def renumber(tag: re.Match) -> str:
        nonlocal previous, current
        if not tag[1]:  # an opening tag; headings do not nest, so its closing tag comes before the next one
            current = previous = min(ranked[int(tag[2])], previous + 1, 6)
        return f"<{tag[1]}h{current}>"

    return _HEADING_TAG.sub(renumber, fragment) if ranked else fragment


def html_to_text(raw: str | None) -> str:
    """Plain text for search and embedding: block ends become line breaks, entities decoded."""
    if not raw:
        return ""
    text = _BLOCK_END.sub("\n", clean_html(raw))
    text = html.unescape(_TAG.sub(" ", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def web_address(value: str | None) -> tuple[str, str] | None:
    """An organisation's website from foreign data as (link, what to show: its host), or None when it is
    not one: only http(s) addresses link, and a bare host name ("www.cnr.it", as CORDIS gives a sixth
    of them) is read as http://."""
    value = (value or "").strip()
    if not _URL_CHARACTERS.match(value):  # spaces, quotes, angle brackets: not an address as written
        return None
    if "://" not in value:
        if not _BARE_HOST.match(value):
            return None
        value = f"http://{value}"
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value, parts.hostname
