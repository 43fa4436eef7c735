"""The Texts page: what the team writes into every application, kept once per profile, counted, changed
without losing what it said before, and never overwriting a colleague's newer version unseen."""

import re

import pytest

from store import profiles
from store import texts as text_store
from tests.helpers.web import EVIL, PASSWORD, csrf, login

ABOUT = "The Social Innovation Centre is a Latvian NGO founded in 2010.\r\nIt ran the BSR social-enterprise platform."


def section(page: str, text_id: int) -> str:
    start = page.index(f'id="text-{text_id}"')
    return page[start:page.index("</section>", start)]


def test_a_text_is_kept_counted_and_shown_as_the_text_it_is(pm, seeded):
    assert "No texts yet." in pm.get("/texts").get_data(as_text=True)
    assert '<a href="/texts" aria-current="page">Texts</a>' in pm.get("/texts").get_data(as_text=True)
    response = pm.post("/texts", data={"title": "  About us   (short) ", "body": ABOUT + "\r\n" + EVIL,
                                       "csrf_token": csrf(pm, "/texts")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    text_id = seeded.scalar("SELECT id FROM application_texts")
    body = seeded.scalar("SELECT body FROM application_texts")
    assert body.startswith("The Social Innovation Centre is a Latvian NGO founded in 2010.\nIt ran")  # one break
    assert f"“About us (short)” is kept: {len(body):,} characters, {len(body.split())} words." in page
    shown = section(page, text_id)
    assert f"<h2>About us (short) <small>{len(body):,} characters, {len(body.split())} words</small></h2>" in shown
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown  # text, never markup
    assert "Written " in shown and "by pm@sic.lv" in shown
    assert f'<a href="#text-{text_id}">About us (short)</a>' in page  # the list of texts at the top

    # A title the profile has already (any case), an empty text or one too long: said, and what was typed stays.
    refused = pm.post("/texts", data={"title": "ABOUT US (SHORT)", "body": "Another", "csrf_token": csrf(pm, "/texts")})
    assert refused.status_code == 400
    assert "There is a text called “ABOUT US (SHORT)” already" in refused.get_data(as_text=True)
    refused = pm.post("/texts", data={"title": "", "body": "x" * 20_001, "csrf_token": csrf(pm, "/texts")})
    said = refused.get_data(as_text=True)
    assert "Give the text a title" in said and "at most 20,000 characters; this one has 20,001." in said
    assert "x" * 20_001 + "</textarea>" in said
    assert seeded.scalar("SELECT count(*) FROM application_texts") == 1


def test_a_change_keeps_what_the_text_said_before_and_any_version_can_be_put_back(pm, seeded):
    pm.post("/texts", data={"title": "Key staff", "body": "Anna leads.", "csrf_token": csrf(pm, "/texts")})
    text = text_store.texts_of(seeded, profiles.ensure_default_profile(seeded))[0]
    page = pm.get("/texts").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', section(page, text["id"])).group(1)
    pm.post(f"/texts/{text['id']}", data={"title": "Key staff and roles", "body": "Anna leads; Jānis writes.",
                                          "seen": seen, "csrf_token": csrf(pm, "/texts")})
    shown = section(pm.get("/texts").get_data(as_text=True), text["id"])
    assert "<h2>Key staff and roles" in shown and "Anna leads; Jānis writes." in shown
    assert "What it said before (1 earlier version)" in shown and "titled “Key staff”" in shown
    # Saved again unchanged: no new version.
    pm.post(f"/texts/{text['id']}", data={"title": "Key staff and roles", "body": "Anna leads; Jānis writes.",
                                          "csrf_token": csrf(pm, "/texts")})
    assert seeded.scalar("SELECT count(*) FROM application_text_versions") == 1

    version_id = seeded.scalar("SELECT id FROM application_text_versions")
    pm.post(f"/texts/versions/{version_id}/restore", data={"csrf_token": csrf(pm, "/texts")})
    current = text_store.get_text(seeded, text["id"])
    assert (current["title"], current["body"]) == ("Key staff", "Anna leads.")
    assert [v["body"] for v in text_store.versions_of(seeded, [text["id"]])[text["id"]]] == [
        "Anna leads; Jānis writes.", "Anna leads."]  # both kept, the latest first

    pm.post(f"/texts/{text['id']}/remove", data={"csrf_token": csrf(pm, "/texts")})
    assert seeded.scalar("SELECT count(*) FROM application_texts") == 0
    assert seeded.scalar("SELECT count(*) FROM application_text_versions") == 0
    assert pm.post(f"/texts/versions/{version_id}/restore", data={"csrf_token": csrf(pm, "/texts")}).status_code == 404


def test_a_colleagues_newer_version_is_not_overwritten_unseen(app, pm, seeded):
    pm.post("/texts", data={"title": "Past projects", "body": "SEforB (2019-2021).", "csrf_token": csrf(pm, "/texts")})
    text_id = seeded.scalar("SELECT id FROM application_texts")
    seen = re.search(r'name="seen" value="([^"]+)"', section(pm.get("/texts").get_data(as_text=True), text_id)).group(1)
    boss = app.test_client()
    assert login(boss, "boss@sic.lv", PASSWORD).status_code == 302
    boss.post(f"/texts/{text_id}", data={"title": "Past projects", "body": "SEforB (2019-2021); BSR platform.",
                                         "seen": seen, "csrf_token": csrf(boss, "/texts")})
    refused = pm.post(f"/texts/{text_id}", data={"title": "Past projects", "body": "SEforB, and more.", "seen": seen,
                                                 "csrf_token": csrf(pm, "/texts")})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "boss@sic.lv changed “Past projects” after you opened it." in page
    shown = section(page, text_id)
    assert "SEforB (2019-2021); BSR platform." in shown  # theirs, as it stands
    assert "SEforB, and more.</textarea>" in shown and '<details class="more text-edit" open>' in shown  # and yours
    assert text_store.get_text(seeded, text_id)["body"] == "SEforB (2019-2021); BSR platform."


def test_texts_belong_to_their_profile_and_keep_it_from_being_deleted(app, pm, seeded):
    from store.profiles import ProfileInUse, delete_profile

    other = profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "SIC with a university"})
    text = text_store.add_text(seeded, other, "About the university", "A university.", {"id": None})
    assert "About the university" not in pm.get("/texts").get_data(as_text=True)  # another profile's
    response = pm.post(f"/texts/{text['id']}", data={"title": "Mine now", "body": "x", "csrf_token": csrf(pm, "/texts")})
    assert response.status_code == 404
    with pytest.raises(ProfileInUse, match="holds 1 text for applications"):
        delete_profile(seeded, other)


def test_a_colleagues_texts_are_news_on_the_pipeline(app, pm, seeded):
    boss = app.test_client()
    assert login(boss, "boss@sic.lv", PASSWORD).status_code == 302
    assert "new</span>" not in pm.get("/pipeline").get_data(as_text=True)  # nothing yet; the look is noted
    boss.post("/texts", data={"title": "Key staff", "body": "Anna leads.", "csrf_token": csrf(boss, "/texts")})
    text_id = seeded.scalar("SELECT id FROM application_texts")
    seen = re.search(r'name="seen" value="([^"]+)"', section(boss.get("/texts").get_data(as_text=True), text_id)).group(1)
    boss.post(f"/texts/{text_id}", data={"title": "Key staff", "body": "Anna leads; Jānis writes.", "seen": seen,
                                         "csrf_token": csrf(boss, "/texts")})
    assert '<span class="count news" title="what colleagues did since you last looked at the Pipeline">2 new</span>' in (
        pm.get("/texts").get_data(as_text=True))  # the header counts them on every page
    lately = pm.get("/pipeline").get_data(as_text=True)
    lately = lately[lately.index('id="lately"'):]
    lately = lately[:lately.index("</ol>")]
    lines = [" ".join(re.sub(r"<[^>]+>", "", "<li" + line).split()) for line in lately.split("<li")[1:3]]
    assert lines[0].endswith("boss@sic.lv · the text “Key staff”: changed") and lines[0].startswith("new")
    assert lines[1].endswith("boss@sic.lv · the text “Key staff”: added")
    assert f'href="/texts#text-{text_id}"' in lately


def test_the_texts_download_as_one_document_each_under_its_title(pm, seeded):
    for title, body in (("Key staff", "Anna leads.\r\nJānis writes."), ("About us (short)", "A Latvian NGO.")):
        pm.post("/texts", data={"title": title, "body": body, "csrf_token": csrf(pm, "/texts")})
    response = pm.get("/texts.txt")
    assert response.headers["Content-Disposition"] == "attachment; filename=callmatch-texts.txt"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data().decode("utf-8") == (
        "Texts for applications: Social Innovation Centre (SIC)\n\n\n"
        "About us (short)\n================\n\nA Latvian NGO.\n\n\n"
        "Key staff\n=========\n\nAnna leads.\nJānis writes.\n")  # by title, line breaks as written


CIVIC = ("SIC trains young people in civic participation, runs participatory budgeting with municipalities and helps"
         " local NGOs engage citizens in decisions.")
STAFF = ("Anna has managed EU-funded projects for ten years, including budgets, reporting and the coordination of"
         " partners in five countries.")


def test_the_texts_that_fit_a_call_are_offered_where_its_application_is_written(pm, seeded):
    from tests.helpers.web import decide

    for title, body in (("Experience: civic engagement", CIVIC), ("Key staff: project manager", STAFF)):
        pm.post("/texts", data={"title": title, "body": body, "csrf_token": csrf(pm, "/texts")})
    civic = seeded.scalar("SELECT id FROM application_texts WHERE title LIKE 'Experience%'")
    assert 'class="fitting-texts"' not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # nothing to write
    decide(pm)  # a bid on "Social innovation and civic participation of young people"
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    offered = page[page.index('class="fitting-texts"'):page.index("</div>", page.index('class="fitting-texts"'))]
    assert "this one fits this call best" in offered
    assert f'<a href="/texts#text-{civic}">Experience: civic engagement</a>' in offered
    assert "closest to where the call says “" in offered
    assert "Key staff" not in offered  # the language of any project is no fit
    # The Texts page says the same from the text's side: the applications being written that it fits.
    texts_page = pm.get("/texts").get_data(as_text=True)
    assert ('Among the best fits of 1 application being written: <a href="/calls/CERV-SOCIAL-01#steps">Social'
            ' innovation and civic participation of young people</a> (bid, due 01 Oct 2026).') in " ".join(
                section(texts_page, civic).split())
    staff = seeded.scalar("SELECT id FROM application_texts WHERE title LIKE 'Key staff%'")
    assert "Among the best fits" not in section(texts_page, staff)
    # Withdrawn, the bid is no longer written: nothing is offered to add, and it had no steps to keep.
    bid = seeded.scalar("SELECT id FROM decisions")
    pm.post(f"/decisions/{bid}/outcome", data={"outcome": "withdrawn", "csrf_token": csrf(pm, "/calls")})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert 'class="fitting-texts"' not in page and "Add the usual steps" not in page
    assert 'id="steps"' not in page and ">Add step</button>" not in page  # none was written down: nothing to keep
    assert "Among the best fits" not in pm.get("/texts").get_data(as_text=True)
    pm.post(f"/decisions/{bid}/outcome", data={"outcome": "submitted", "csrf_token": csrf(pm, "/calls")})
    assert 'class="fitting-texts"' in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # a stage may remain
    decide(pm, state="no_bid", reason="Weak fit with our mission")
    assert 'class="fitting-texts"' not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Among the best fits" not in pm.get("/texts").get_data(as_text=True)
