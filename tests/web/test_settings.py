"""The settings page: the digest, its preview, and the emails at once."""

import re
from datetime import date

from matcher import ranking
from matcher.embedder import EmbeddingStore
from store import profiles
from tests.helpers.data import add_call
from tests.helpers.web import csrf, decide


def test_settings_say_when_the_next_digest_goes_out_and_the_preview_starts_where_the_last_one_ended(pm, seeded):
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from store import digests, users

    riga = ZoneInfo("Europe/Riga")  # the team's clock, by default
    # None sent yet: the next daily run (07:00 in Riga) sends it, with what is new since a week before they were
    # added.
    page = " ".join(pm.get("/settings").get_data(as_text=True).split())
    pm_user = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"))
    assert f"with what is new since {(pm_user['created_at'] - timedelta(days=7)).astimezone(riga):%d %b %Y %H:%M %Z}" in page
    assert re.search(r"Your next digest goes out at about \d\d \w\w\w \d{4} 07:00 EES?T", page)
    assert "New calls in the top 50" in pm.get("/settings/digest-preview").get_data(as_text=True)
    # Sent just now: the next weekly one goes out in a week, and has nothing new yet.
    sent = datetime.now(timezone.utc).astimezone(riga)
    digests.mark_sent(seeded, digests.claim(seeded, pm_user["id"], pm_user["created_at"] - timedelta(days=7), sent,
                                            [], "callmatch: 2 new fitting calls"))
    page = " ".join(pm.get("/settings").get_data(as_text=True).split())
    assert re.search(f"({sent + timedelta(days=7):%d %b %Y}|{sent + timedelta(days=8):%d %b %Y}) 07:00 EES?T", page)
    assert f"with what is new since {sent:%d %b %Y %H:%M %Z}" in page
    assert "Nothing new to tell" in pm.get("/settings/digest-preview").get_data(as_text=True)


def test_settings_unsubscribe(pm, seeded):
    token = csrf(pm, "/settings")
    pm.post("/settings", data={"csrf_token": token, "digest_frequency": "weekly", "digest_top": "40",
                               "digest_days_ahead": "30", "emails_at_once": "1", "unsubscribe": "1"})
    # From every email: the digest and the one a mention sends at once.
    assert seeded.fetchone("SELECT digest_frequency, emails_at_once FROM users WHERE email = 'pm@sic.lv'") == {
        "digest_frequency": "never", "emails_at_once": False}
    assert "You get no digest: choose how often to have one." in pm.get("/settings").get_data(as_text=True)


def test_digest_preview_holds_the_new_calls_in_the_users_top(pm, seeded):
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "New calls in the top 50" in page
    assert "#1 " in page and "#2 " in page and "CERV-SOCIAL-01" in page and "HORIZON-FUSION-01" in page
    assert "CERV-SMALL-01" not in page  # screened out: below SIC's smallest project
    assert "deadline 01 Oct 2026" in page and "deadline 01 Dec 2026" in page

    token = csrf(pm, "/settings")
    for bad in ("0", "1001", "many"):
        refused = pm.post("/settings", data={"csrf_token": token, "digest_frequency": "weekly", "digest_top": bad,
                                             "digest_days_ahead": "30"}, follow_redirects=True)
        assert "top calls" in refused.get_data(as_text=True), bad
    assert seeded.scalar("SELECT digest_top FROM users WHERE email = 'pm@sic.lv'") == 50
    pm.post("/settings", data={"csrf_token": token, "digest_frequency": "weekly", "digest_top": "1",
                               "digest_days_ahead": "30"})
    first = seeded.scalar("SELECT c.identifier FROM calls c JOIN match_results m ON m.call_id = c.id WHERE m.rank = 1")
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "New calls in the top 1" in page and first in page and "#2 " not in page
    assert "Nothing new to tell" not in page
    seeded.execute("UPDATE calls SET first_seen = '2020-01-01'")  # every call seen before the period
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "Nothing new to tell: no digest is sent while that lasts" in page
    assert "<iframe" not in page  # no email would go out: there is none to show


def test_the_digest_preview_is_the_email_itself_in_a_frame_of_its_own(app, pm, seeded):
    decide(pm)  # a bid on CERV-SOCIAL-01, whose deadline is near and which the portal no longer lists
    seeded.execute("""UPDATE calls SET deadlines = '[{"date": "2026-07-10", "stage": "single-stage"}]',
                      unlisted_since = '2026-06-26' WHERE identifier = 'CERV-SOCIAL-01'""")
    page = pm.get("/settings/digest-preview").get_data(as_text=True)
    assert "<strong>Subject:</strong> callmatch: 2 new fitting calls, 1 deadline coming" in page
    frame = re.search(r'<iframe src="([^"]+)" title="The digest email" sandbox="([^"]*)"', page)
    assert "allow-scripts" not in frame[2] and "allow-same-origin" not in frame[2]
    assert "10 Jul 2026 (single-stage): Social innovation" in page  # the plain-text version, beside it

    email = pm.get(frame[1])
    assert email.mimetype == "text/html" and email.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert email.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'unsafe-inline';")
    body = email.get_data(as_text=True)
    assert '<base target="_blank">' in body  # its links open the app in a tab, not inside the frame
    assert '<h3>New calls in the top 50</h3>' in body and 'href="http://127.0.0.1:5000/calls/CERV-SOCIAL-01"' in body
    # What the page of its own used to leave out: the warning beside a deadline.
    assert "No longer listed by the portal since 26 Jun 2026: withdrawn or closed early?" in body
    signed_out = app.test_client().get(frame[1])
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]


def test_a_digests_links_open_their_calls_whatever_the_identifier_holds(pm, seeded, settings, embedder):
    from datetime import datetime, timezone

    from store import digests, users
    from worker.digest import render

    # An Interreg call is named by its page's address, whose last part may be %-escaped, or hold a #.
    identifier = "interreg_lat_lit:jaunatnes-darb%C4%81 #2"
    add_call(seeded, identifier, "Cross-border youth work", "Youth workers of Latvia and Lithuania.")
    ranking.rank_calls(seeded, EmbeddingStore(seeded, embedder), profiles.ensure_default_profile(seeded),
                       date(2026, 6, 27))
    user = users.get_user(seeded, seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"))
    content = digests.content(seeded, user, datetime(2020, 1, 1, tzinfo=timezone.utc), settings.as_of())
    assert identifier in [c["identifier"] for c in content["new_calls"]]
    _, text, html = render(user, content, settings)
    [link] = re.findall(r"http://127\.0\.0\.1:5000(/calls/interreg\S+)", text)
    assert f'href="http://127.0.0.1:5000{link}"' in html
    page = pm.get(link)
    assert page.status_code == 200 and "Cross-border youth work" in page.get_data(as_text=True)
