"""An email, at once, to a colleague mentioned in a comment. The digest is weekly by default, and "@janis,
can you ask RTU by Friday?" cannot wait that long; a colleague who chose otherwise on the settings page
finds it in their digest instead."""

from __future__ import annotations

from email.message import EmailMessage

from store import discussion
from store.config import Settings
from store.db import Database
from store.text import cut

from .digest import email_message, smtp_send, templates

SUBJECT_TITLE = 70  # of the call's title in the subject: an inbox cuts a subject short


def message_for(mention: dict, settings: Settings) -> EmailMessage:
    context = {"base": settings.base_url, **mention}
    text, html = (templates.get_template(name).render(context) for name in ("mention.txt", "mention.html"))
    # One id a mention: a resend after a crash between sending and recording it is the same message.
    return email_message(settings, mention["email"], f"{mention['author']} mentioned you: "
                         f"{cut(mention['title'], SUBJECT_TITLE)}", f"mention-{mention['id']}.{mention['user_id']}",
                         text, html)


def send_mention_emails(db: Database, settings: Settings, comment_id: int) -> list[str]:
    """Email each colleague the comment mentions who has not been emailed of it; the addresses written to.
    A failure propagates (the job is retried) and leaves that mention, and those after it, unsent."""
    sent = []
    for user_id in discussion.unsent_mentions(db, comment_id):
        with discussion.mention_to_email(db, comment_id, user_id) as mention:
            if mention is not None:
                smtp_send(settings, message_for(mention, settings))
                sent.append(mention["email"])
    return sent
