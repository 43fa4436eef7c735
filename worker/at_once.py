"""Emails sent at once rather than with the digest: to a colleague mentioned in a comment, to one named to
write an application, to one handed a step of it, and to whoever asked for leadership's approval of a bid or
writes it, with the answer. The digest is weekly by default, and neither "@janis, can you ask RTU by Friday?"
nor a letter of support due on Thursday can wait that long, nor should a rejected bid be written for a week;
a colleague who chose otherwise on the settings page finds these in their digest instead. And the link to
choose a password: for whoever forgot theirs, and for a colleague an admin has just added."""

from __future__ import annotations

import time

from store import checklist, decisions, discussion, users
from store.config import Settings
from store.db import Database
from store.text import counted, cut

from .digest import email_message, smtp_send, templates

SUBJECT_TITLE = 70  # of the call's title in the subject: an inbox cuts a subject short


def _send(settings: Settings, to: str, subject: str, local_id: str, template: str, context: dict) -> None:
    """Write `template` (.txt and .html) with `context` and the app's address (`base`), and send it to `to`.
    `local_id`: the Message-ID's left-hand side, the same for a resend after a crash between sending and
    recording it, so that a mail client shows the message once."""
    context = {"base": settings.base_url, "zone": settings.zone, **context}
    text, html = (templates.get_template(f"{template}.{kind}").render(context) for kind in ("txt", "html"))
    smtp_send(settings, email_message(settings, to, subject, local_id, text, html))


def send_mention_emails(db: Database, settings: Settings, comment_id: int) -> list[str]:
    """Email each colleague the comment mentions who has not been emailed of it; the addresses written to.
    A failure propagates (the job is retried) and leaves that mention, and those after it, unsent."""
    sent = []
    for user_id in discussion.unsent_mentions(db, comment_id):
        with discussion.mention_to_email(db, comment_id, user_id) as mention:
            if mention is not None:
                _send(settings, mention["email"], f"{mention['author']} mentioned you: "
                      f"{cut(mention['title'], SUBJECT_TITLE)}", f"mention-{mention['id']}.{mention['user_id']}",
                      "mention", mention)
                sent.append(mention["email"])
    return sent


def send_handed_step_email(db: Database, settings: Settings, step_id: int) -> str | None:
    """Email the colleague a step was handed to, unless that was done already; the address written to. A
    failure propagates (the job is retried) and leaves the step unsent, for the retry and else the digest."""
    with checklist.step_to_email(db, step_id) as step:
        if step is None:
            return None
        _send(settings, step["email"], f"{step['handed_by']} handed you a step: {cut(step['title'], SUBJECT_TITLE)}",
              f"step-{step['id']}.{step['assigned_at']:%Y%m%d%H%M%S%f}", "handed_step", step)
        return step["email"]


def send_writer_email(db: Database, settings: Settings, decision_id: int) -> str | None:
    """Email the colleague just named to write the decision's application, unless that was done already; the
    address written to. A failure propagates (the job is retried) and leaves it unsent, for the retry and
    else the digest."""
    with decisions.writer_to_email(db, decision_id, settings.as_of()) as named:
        if named is None:
            return None
        _send(settings, named["email"], f"{named['named_by']} named you to write: {cut(named['title'], SUBJECT_TITLE)}",
              f"writer-{named['id']}.{named['named_at']:%Y%m%d%H%M%S%f}", "writer", named)
        return named["email"]


def send_answer_emails(db: Database, settings: Settings, decision_id: int) -> list[str]:
    """Email leadership's answer to a bid to whoever recorded it and whoever writes it, each unless that was
    done already; the addresses written to. A failure propagates (the job is retried) and leaves that
    colleague, and those after, unsent, for the retry and else the digest."""
    sent = []
    for user_id in decisions.answer_recipients(db, decision_id):
        with decisions.answer_to_email(db, decision_id, user_id, settings.as_of()) as answer:
            if answer is not None:
                _send(settings, answer["email"], f"{answer['answered_by']} {answer['approval']} the bid: "
                      f"{cut(answer['title'], SUBJECT_TITLE)}",
                      f"answer-{answer['id']}.{answer['user_id']}.{answer['answered_at']:%Y%m%d%H%M%S%f}", "answer",
                      answer)
                sent.append(answer["email"])
    return sent


def send_password_reset_email(db: Database, settings: Settings, user_id: int,
                              welcomed_by: str | None = None) -> str | None:
    """Email an active user the link to choose a new password, or, when an admin (`welcomed_by`) has just added
    them, a welcome with the link to choose their first; the address written to (None: no such user now). The
    link is signed here, with the secret the web app checks it with."""
    user = users.get_user(db, user_id)
    if user is None or not user["active"]:
        return None
    kind = "welcome" if welcomed_by else "reset"
    lasts = users.WELCOME_FOR if welcomed_by else users.RESET_FOR
    context = {"email": user["email"], "role": user["role"], "welcomed_by": welcomed_by,
               "lasts": counted(lasts // 86400, "day") if lasts >= 86400 else counted(lasts // 3600, "hour"),
               "link": f"{settings.base_url}/password/reset/"
                       f"{users.reset_token(user, settings.session_secret(), kind)}"}
    subject = "Welcome to callmatch: choose your password" if welcomed_by else "callmatch: choose a new password"
    _send(settings, user["email"], subject, f"{kind}-{user_id}.{time.time_ns()}", kind, context)
    return user["email"]
