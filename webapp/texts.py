"""The Texts page: what the team writes into every application, kept once per profile, with what each text
said before its edits."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from matcher.texts_fit import fitting_texts
from store import calls as call_store
from store import decisions, profiles
from store.checklist import next_deadline
from store import texts as text_store

from . import current_profile_id, db, settings
from .partner_cache import embedding_store

bp = Blueprint("texts", __name__)


def _own(text_id: int) -> dict:
    """The text, if it is the working profile's: another profile's texts are not reached from this one."""
    text = text_store.get_text(db(), text_id)
    if text["profile_id"] != current_profile_id():
        abort(404, "That text belongs to another profile: switch to it on the profile page.")
    return text


def _page(draft: dict | None = None, refused: str | None = None, status: int = 200):
    """The page. `draft` is what the user wrote that was not saved (its `id`: the text it would change; none:
    a new one), kept in its form beside `refused`, which says why."""
    texts = text_store.texts_of(db(), current_profile_id())
    versions = text_store.versions_of(db(), [text["id"] for text in texts])
    for text in texts:
        text["versions"] = versions.get(text["id"], [])
        text["size"] = text_store.size(text["body"])
        text["version"] = text_store.version(text)
    return render_template("texts.html", title="Texts for applications", texts=texts, draft=draft or {},
                           fits=_applications_fitted(texts),
                           refused=refused, profile=profiles.get_profile(db(), current_profile_id()),
                           max_title=text_store.MAX_TITLE, max_text=text_store.MAX_TEXT), status


def _applications_fitted(texts: list[dict]) -> dict[int, list[dict]]:
    """Per text, the applications being written (bids not rejected and maybes, with a deadline ahead) it fits
    best among the profile's texts (`matcher.texts_fit`), the soonest due first, each with its `next_deadline`:
    the texts to bring up to date before those deadlines."""
    today = settings().as_of()
    writing = [{**row, "next_deadline": ahead} for row in decisions.planned(db(), current_profile_id())
               if (ahead := next_deadline(row, today)[0])]
    if not texts or not writing:
        return {}
    store, fits = embedding_store(), {}
    for row in sorted(writing, key=lambda r: (r["next_deadline"], r["identifier"])):
        for text in fitting_texts(store, call_store.get_call(db(), row["identifier"]), texts):
            fits.setdefault(text["id"], []).append(row)
    return fits


@bp.route("/texts")
def index():
    return _page()


@bp.route("/texts.txt")
def download():
    """Every text of the profile in one plain-text file (UTF-8), each under its title."""
    profile = profiles.get_profile(db(), current_profile_id())
    document = text_store.as_document(profile["name"], text_store.texts_of(db(), profile["id"]))
    return Response(document, content_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=callmatch-texts.txt"})


@bp.post("/texts")
def add():
    draft = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
    try:
        text = text_store.add_text(db(), current_profile_id(), draft["title"], draft["body"], g.user)
    except text_store.InvalidText as problem:
        return _page(draft, str(problem), 400)
    flash(f"“{text['title']}” is kept: {text_store.size(text['body'])}.")
    return redirect(url_for("texts.index", _anchor=f"text-{text['id']}"))


@bp.post("/texts/<int:text_id>")
def change(text_id):
    _own(text_id)
    draft = {"id": text_id, "title": request.form.get("title", ""), "body": request.form.get("body", "")}
    try:
        text = text_store.change_text(db(), text_id, draft["title"], draft["body"], g.user, request.form.get("seen"))
    except text_store.ChangedSince as changed:  # a colleague saved it meanwhile: theirs is shown, this one kept
        return _page(draft, str(changed), 409)
    except text_store.InvalidText as problem:
        return _page(draft, str(problem), 400)
    flash(f"“{text['title']}” is saved: {text_store.size(text['body'])}. What it said before is kept under it.")
    return redirect(url_for("texts.index", _anchor=f"text-{text_id}"))


@bp.post("/texts/versions/<int:version_id>/restore")
def restore(version_id):
    text_id = text_store.earlier_version(db(), version_id)["text_id"]
    _own(text_id)
    text = text_store.restore_version(db(), version_id, g.user)
    flash(f"“{text['title']}” is as it was again; the version it replaced is kept under it.")
    return redirect(url_for("texts.index", _anchor=f"text-{text_id}"))


@bp.post("/texts/<int:text_id>/remove")
def remove(text_id):
    _own(text_id)
    removed = text_store.remove_text(db(), text_id)
    flash(f"“{removed['title']}” is removed, with its earlier versions.")
    return redirect(url_for("texts.index"))
