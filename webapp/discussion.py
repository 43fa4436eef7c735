"""The team's discussion on a call's page: comments added, edited and taken back, each going back to the discussion."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from markupsafe import Markup, escape

from store import discussion
from store.errors import NotFound
from store.text import counted

from . import call_or_404, current_profile_id, db
from .background import queue

bp = Blueprint("discussion", __name__)


def _telling(comment: dict, named: str) -> str:
    """How the colleagues a comment names for the first time hear of it (the end of a sentence): an email,
    queued now, to those who take one; the digest for the rest, and for all when nothing can be queued."""
    told, emailed = comment["told"], comment["emailed"]
    if not told:
        return "."
    whom = f"{counted(told, 'colleague')} {named}"
    problem = queue("worker.jobs.tell_mentions", comment["id"]) if emailed else None
    if problem:
        return f"; {whom} will find it in their digest (no email now: {problem.rstrip('.')})."
    if emailed == told:
        return f"; {whom} {'is' if told == 1 else 'are'} emailed now."
    if emailed:
        return (f"; of the {whom}, {emailed} {'is' if emailed == 1 else 'are'} emailed now, the rest find it in"
                " their digest.")
    return f"; {whom} will find it in their digest."


def _back_to(identifier: str):
    return redirect(url_for("calls.detail", identifier=identifier, _anchor="discussion"))


@bp.post("/calls/<path:identifier>/comments")
def add(identifier):
    call = call_or_404(identifier)
    try:
        comment = discussion.add_comment(db(), current_profile_id(), call["id"], g.user, request.form.get("body"))
    except discussion.InvalidComment as problem:  # the box checks both in the browser: a page sent otherwise
        flash(f"The comment was not added: {problem}")
    else:
        flash("Comment added" + _telling(comment, "mentioned"))
    return _back_to(call["identifier"])


@bp.post("/calls/<path:identifier>/comments/<int:comment_id>/edit")
def edit(identifier, comment_id):
    try:
        comment = discussion.edit_comment(db(), comment_id, g.user, request.form.get("body"))
    except NotFound:  # removed in another tab
        flash("That comment was removed; nothing to edit.")
    except discussion.InvalidComment as problem:
        flash(f"The comment was not changed: {problem}")
    else:
        flash("Your comment was saved" + _telling(comment, "it now mentions"))
    return redirect(url_for("calls.detail", identifier=identifier, _anchor=f"comment-{comment_id}"))


@bp.post("/calls/<path:identifier>/comments/<int:comment_id>/remove")
def remove(identifier, comment_id):
    try:
        discussion.remove_comment(db(), comment_id, g.user)
    except NotFound:  # a second press, or a second tab
        flash("That comment was removed already.")
    except discussion.InvalidComment as problem:
        flash(str(problem))
    else:
        flash("Your comment was removed.")
    return _back_to(identifier)


@bp.post("/calls/<path:identifier>/discussion/follow")
def follow(identifier):
    call = call_or_404(identifier)
    following = request.form.get("following") == "1"
    discussion.follow(db(), current_profile_id(), call["id"], g.user["id"], following)
    if following:
        flash("You follow this discussion: colleagues' comments on it will be in your digest.")
    else:
        flash("You no longer follow this discussion: only comments that mention you will reach you."
              " Commenting again follows it again.")
    return _back_to(call["identifier"])


@bp.post("/settings/discussions/undo")
def undo_choice():
    """From the settings page's list of the discussions one chose to follow or not: back to the usual."""
    profile_id, call_id = request.form.get("profile_id", type=int), request.form.get("call_id", type=int)
    if profile_id is None or call_id is None:
        abort(400, "Which discussion? The form named none.")
    if discussion.forget_choice(db(), profile_id, call_id, g.user["id"]):
        flash("Done: that discussion reaches your digest again only if you decided on the call, write it or"
              " commented on it.")
    else:
        flash("That choice was undone already.")
    return redirect(url_for("account.edit", _anchor="discussions"))


# A web address in a comment (up to a space, or the punctuation that ends a sentence after it), or a mention.
# One pass over the escaped text, so an @ inside an address stays part of the link.
_ADDRESS = r"https?://[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$|&lt;|&gt;|&#34;|&#39;))"
_PIECES = re.compile(f"(?P<address>{_ADDRESS})|{discussion.MENTION.pattern}")


@bp.app_template_global()
def comment_html(body: str, handles: set[str]) -> Markup:
    """A comment as the page shows it: escaped, its web addresses as links (opening elsewhere, with no
    referrer) and the colleagues it mentions (`handles`) set apart. Line breaks stay, by the stylesheet."""
    def piece(found: re.Match) -> str:
        if found.group("address"):
            return f'<a href="{found.group(0)}" rel="noopener noreferrer nofollow" target="_blank">{found.group(0)}</a>'
        if found.group("handle").lower() in (*handles, discussion.EVERYONE):
            return f'<strong class="mention">{found.group(0)}</strong>'
        return found.group(0)

    return Markup(_PIECES.sub(piece, str(escape(body))))
