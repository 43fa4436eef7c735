"""Email digests: new fitting calls, coming deadlines, decisions waiting. HTML and plain text, sent once a period."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import quote, unquote, urlparse

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape

from store import digests
from store.config import Settings
from store.consortium import FOLLOW_UP_DAYS
from store.calls import change_summary
from store.checklist import DUE_WITHIN_DAYS
from store.db import Database
from store.decisions import STATES, assessment_summary
from store.evaluations import outcome_said, scored
from store.errors import ConfigurationError
from store.text import consortium_progress, counted, day, failed_gates, moment, points, stage_note, unlisted

log = logging.getLogger(__name__)
templates = Environment(loader=PackageLoader("worker", "templates"), autoescape=select_autoescape(["html"]))
# Times on the team's clock: each email is written with the settings' `zone` in its context.
templates.filters.update(day=pass_context(lambda context, value: day(value, context["zone"])),
                         moment=pass_context(lambda context, value: moment(value, context["zone"])))
templates.filters.update(points=points, failed_gates=failed_gates, stage_note=stage_note,
                         unlisted=unlisted, consortium_progress=consortium_progress, assessment=assessment_summary,
                         change_summary=change_summary, scored=scored,
                         outcome_said=outcome_said)
templates.globals.update(follow_up_days=FOLLOW_UP_DAYS, step_days=DUE_WITHIN_DAYS, states=STATES)
# A call's address in the web app: its identifier quoted, as url_for would (a slug taken from an
# Interreg site's address may hold %-escapes of its own, or a #, which a bare link would lose).
templates.filters["call_path"] = lambda identifier: "/calls/" + quote(identifier, safe="/:")


@pass_context
def _other_profile(context, row: dict) -> str | None:
    """The name of the profile `row` (a bid, a step, a partner asked) is of, where it is not the digest's: a
    reader's own work is told of under every profile."""
    return row["profile"] if row.get("profile_id") and row["profile"] != context.get("profile") else None


@pass_context
def _call_link(context, row: dict) -> str:
    """The call page's address for `row` (`call_path`), opened for `row`'s profile where it is not the digest's
    (the page then offers to switch to it)."""
    path = templates.filters["call_path"](row["identifier"])
    return f"{path}?profile={row['profile_id']}" if _other_profile(context, row) else path


templates.filters.update(other_profile=_other_profile, call_link=_call_link)


def render(user: dict, content: dict, settings: Settings, link_target: str | None = None) -> tuple[str, str, str]:
    """(subject, plain text, html). `link_target` names where the html's links open (the web app's
    preview shows the email in a frame, and opens its links in a new tab)."""
    subject = "callmatch: " + (", ".join(digests.told(content)) or "no new fitting calls")
    if content.get("failing"):  # no news means less then: say so where it is read first (and short: one line)
        subject += "; a crawl failed"
    context = {"user": user, "base": settings.base_url, "zone": settings.zone, "link_target": link_target, **content}
    text, html = (templates.get_template(name).render(context) for name in ("digest.txt", "digest.html"))
    return subject, text, html


def email_message(settings: Settings, to: str, subject: str, local_id: str, text: str, html: str) -> EmailMessage:
    """An email from callmatch, in plain text and HTML. `local_id`: the left-hand side of its Message-ID, the
    same for a resend of the same news, so that a mail client shows it once."""
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, settings.mail_from, to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{local_id}@{_domain(settings.mail_from)}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the sender
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def smtp_send(settings: Settings, message: EmailMessage) -> None:
    url = urlparse(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ConfigurationError(f"SMTP_URL={settings.smtp_url!r} is not smtp://host:port or smtps://host:port.")
    port = url.port or (465 if url.scheme == "smtps" else 25)
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(url.hostname, port, timeout=30, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(url.hostname, port, timeout=30)
    with client:
        if url.username:
            if url.scheme == "smtp":
                client.starttls(context=ssl.create_default_context())
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


@dataclass
class DigestRun:
    sent: list[str] = field(default_factory=list)   # addresses written to
    quiet: list[str] = field(default_factory=list)  # due, with nothing to tell: not sent, their period kept open

    def summary(self) -> str:
        line = f"Sent {counted(len(self.sent), 'digest')}" + (f": {', '.join(self.sent)}" if self.sent else "")
        if self.quiet:
            return (f"{line}; {counted(len(self.quiet), 'digest')} had nothing new to tell and waited for the next"
                    f" one: {', '.join(self.quiet)}.")
        return line + ("." if self.sent else "; none was due.")


def send_due_digests(db: Database, settings: Settings) -> DigestRun:
    """Send every digest due now that has something to tell. Safe to run twice: a period is claimed first."""
    now = digests.utcnow()
    run = DigestRun()
    for user, start in digests.due_users(db, now):
        content = digests.content(db, user, start, settings.as_of(), watched=settings.crawl_spiders, now=now,
                                  zone=settings.timezone)
        if not digests.has_news(content):
            run.quiet.append(user["email"])
            continue
        subject, text, html = render(user, content, settings)
        digest_id = digests.claim(db, user["id"], start, now, [c["id"] for c in content["new_calls"]], subject)
        if digest_id is None:
            continue
        # One id per digest: a resend of a period whose first send was not recorded is the same message.
        message = email_message(settings, user["email"], subject, f"digest-{digest_id}.{user['id']}", text, html)
        smtp_send(settings, message)  # a failure propagates: the claimed, unsent period is retried
        digests.mark_sent(db, digest_id)
        run.sent.append(user["email"])
    return run


def _domain(sender: str) -> str:
    """The sender's mail domain, which a Message-ID's right-hand side should be ("localhost" without one)."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"
