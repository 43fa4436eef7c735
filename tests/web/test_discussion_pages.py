"""The discussion of a call on its page: comments, mentions, replies, edits, following, and how colleagues
hear of them."""

from datetime import date

from store import profiles
from tests.helpers.web import csrf, decide, login
from webapp import create_app


def test_the_team_discusses_a_call_on_its_page(pm, seeded, app, settings):
    import csv
    import io

    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert 'id="discussion"' in page and "Nothing said yet." in page
    assert "<code>@boss</code>, <code>@pm</code>, or <code>@all</code> for everyone" in page  # whom one can mention
    added = pm.post("/calls/CERV-SOCIAL-01/comments", data={
        "csrf_token": token, "body": "@boss: bid? Notes at https://docs.example/x?a=1&b=2.\r\n<script>alert(1)</script>"},
        follow_redirects=True)
    shown = added.get_data(as_text=True)
    assert "Comment added; 1 colleague mentioned is emailed now." in shown
    from store.queue import connect_redis, jobs

    comment_id = seeded.scalar("SELECT id FROM call_comments")
    assert [(j["name"], j["args"]) for j in jobs(connect_redis(settings.redis_url))] == [("tell_mentions", (comment_id,))]
    assert "Discussion <small>1 comment</small>" in shown
    # The long page's own contents at its top, each part with what it holds so far.
    assert '<a href="#discussion">Discussion <small>1</small></a>' in shown
    assert '<a href="#decision">Decision</a>' in shown and 'href="#steps"' not in shown
    assert all(f'<a href="#{part}">' in shown and f'id="{part}"' in shown
               for part in ("screening", "score", "consortium", "description"))
    assert '<strong class="mention">@boss</strong>' in shown
    assert '<a href="https://docs.example/x?a=1&amp;b=2" rel="noopener noreferrer nofollow"' in shown
    assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    refused = pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "  "}, follow_redirects=True)
    assert "The comment was not added: Write something first." in refused.get_data(as_text=True)
    # The calls list and the Pipeline's card count the discussion, and link to it.
    link = '<a href="/calls/CERV-SOCIAL-01#discussion">1 comment</a>'
    assert link in pm.get("/calls").get_data(as_text=True)
    decide(pm)
    assert link in pm.get("/pipeline").get_data(as_text=True)
    [register] = list(csv.DictReader(io.StringIO(pm.get("/pipeline/decisions.csv").get_data().decode("utf-8-sig"))))
    assert register["comments"] == "1"  # the register says which decisions were talked over
    decided = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert '<a href="#decision">Decision <small>bid</small></a>' in decided and '<a href="#steps">Steps</a>' in decided

    remove = f"/calls/CERV-SOCIAL-01/comments/{comment_id}/remove"
    boss = app.test_client()
    login(boss, "boss@sic.lv")
    # Unread by boss: the calls list says so, and the call page marks it new, once.
    unread = '<a href="/calls/CERV-SOCIAL-01#discussion">1 comment, <strong>1 new</strong></a>'
    assert unread in boss.get("/calls").get_data(as_text=True)
    seen_by_boss = boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert f'<li id="comment-{comment_id}" class="new"><div class="said"><span class="badge">new</span>' in seen_by_boss
    assert '<a href="#discussion">Discussion <small>1, 1 new</small></a>' in seen_by_boss  # the page's own list
    assert unread not in boss.get("/calls").get_data(as_text=True)
    assert 'class="new"><div class="said">' not in boss.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert 'class="new"><div class="said">' not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)  # own
    assert "</strong>: bid? Notes at" in seen_by_boss and remove not in seen_by_boss  # only its author may take it back
    # Boss replies: the box starts with a mention of the comment's author, who is told of the answer.
    reply = f'href="/calls/CERV-SOCIAL-01?reply={comment_id}#new-comment" aria-label="Reply to pm@sic.lv">reply</a>'
    assert reply in seen_by_boss and "?reply=" not in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    replying = boss.get(f"/calls/CERV-SOCIAL-01?reply={comment_id}").get_data(as_text=True)
    assert 'maxlength="4000" autofocus>@pm </textarea>' in replying
    assert 'maxlength="4000"></textarea>' in boss.get("/calls/CERV-SOCIAL-01?reply=999999").get_data(as_text=True)
    assert 'maxlength="4000"></textarea>' in pm.get(f"/calls/CERV-SOCIAL-01?reply={comment_id}").get_data(as_text=True)
    # Leadership, approving the bid, finds the discussion beside it as well as on the board's card.
    waiting = boss.get("/pipeline").get_data(as_text=True)
    assert waiting.count(link) == 2 and waiting.index("Bids waiting for your approval") < waiting.index(link)
    refused = boss.post(remove, data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01")}, follow_redirects=True)
    assert "Only whoever wrote a comment can remove it." in refused.get_data(as_text=True)
    edit = f"/calls/CERV-SOCIAL-01/comments/{comment_id}/edit"
    assert edit not in seen_by_boss
    refused = boss.post(edit, data={"csrf_token": csrf(boss, "/calls/CERV-SOCIAL-01"), "body": "Approved."},
                        follow_redirects=True)
    assert "The comment was not changed: Only whoever wrote a comment can edit it." in refused.get_data(as_text=True)
    # Its author corrects it in place; the page says it was edited, and boss, mentioned already, is not told again.
    mine = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert remove in mine and f'action="{edit}"' in mine and ">@boss: bid? Notes at https://docs" in mine
    edited = pm.post(edit, data={"csrf_token": token, "body": "@boss: bid? Notes at https://docs.example/y"})
    assert edited.headers["Location"].endswith(f"/calls/CERV-SOCIAL-01#comment-{comment_id}")
    shown = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "Your comment was saved." in shown and 'class="edited"' in shown and "https://docs.example/y</a>" in shown
    assert "Discussion <small>1 comment</small>" in shown
    # What it said before stays readable under it, as safely shown as the comment itself was.
    before = shown.split('<details class="more versions">')[1].split("</details>")[0]
    assert "What it said before (1 earlier text)" in before and "Written " in before and ", replaced " in before
    assert "https://docs.example/x?a=1&amp;b=2</a>" in before and "&lt;script&gt;" in before and "<script>" not in before
    assert "Your comment was removed." in pm.post(remove, data={"csrf_token": token},
                                                  follow_redirects=True).get_data(as_text=True)
    again = pm.post(remove, data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith("/calls/CERV-SOCIAL-01#discussion")
    gone = pm.post(edit, data={"csrf_token": token, "body": "Too late"}, follow_redirects=True)
    assert "That comment was removed; nothing to edit." in gone.get_data(as_text=True)
    assert "Nothing said yet." in pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert pm.post("/calls/NO-SUCH-CALL/comments", data={"csrf_token": token, "body": "x"}).status_code == 404

    # A colleague who would rather have mentions in the digest is told there.
    saved = boss.post("/settings", data={"csrf_token": csrf(boss, "/settings"), "digest_frequency": "daily",
                                         "digest_top": "50", "digest_days_ahead": "30"}, follow_redirects=True)
    assert "Email settings saved." in saved.get_data(as_text=True)
    assert 'name="emails_at_once" value="1">' in saved.get_data(as_text=True)  # unticked now
    again = pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "@boss, again"},
                    follow_redirects=True)
    assert "Comment added; 1 colleague mentioned will find it in their digest." in again.get_data(as_text=True)


def test_a_mention_whose_email_cannot_be_queued_is_left_for_the_digest(settings, seeded):
    app = create_app(settings.with_(today=date(2026, 6, 27), redis_url="redis://127.0.0.1:1/0"), {"TESTING": True},
                     database=seeded)
    client = app.test_client()
    login(client)
    added = client.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": csrf(client, "/calls/CERV-SOCIAL-01"),
                                                                "body": "@boss, can you look?"}, follow_redirects=True)
    page = added.get_data(as_text=True)
    assert "Comment added; 1 colleague mentioned will find it in their digest (no email now: " in page
    assert "Discussion <small>1 comment</small>" in page  # kept, whatever became of the email
    assert seeded.scalar("SELECT count(*) FROM comment_mentions WHERE emailed_at IS NULL") == 1


def test_how_colleagues_hear_of_what_concerns_them_is_said_in_one_sentence(settings, seeded):
    from webapp.background import telling_each

    for redis, told, said in (
            (None, {"anna@sic.lv": True, "janis@sic.lv": True}, "; anna@sic.lv and janis@sic.lv are emailed now."),
            (None, {"anna@sic.lv": True, "janis@sic.lv": False},
             "; anna@sic.lv is emailed now; janis@sic.lv will find it in their digest."),
            (None, {}, "."),
            ("redis://127.0.0.1:1/0", {"anna@sic.lv": True, "janis@sic.lv": False},
             "; anna@sic.lv and janis@sic.lv will find it in their digest (no email now: ")):
        app = create_app(settings.with_(redis_url=redis) if redis else settings, {"TESTING": True}, database=seeded)
        with app.app_context():
            assert telling_each("worker.jobs.tell_answered_bid", 1, told).startswith(said), told


def test_a_link_to_a_comment_under_another_profile_offers_to_work_on_it(pm, seeded):
    trial = profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    sic = seeded.scalar("SELECT min(id) FROM profiles")
    page = pm.get(f"/calls/CERV-SOCIAL-01?profile={trial}").get_data(as_text=True)
    assert ("The link you followed is about the profile <strong>SIC (trial)</strong>. You work on <strong>Social"
            " Innovation Centre (SIC)</strong>: this page shows its decision, consortium and discussion.") in page
    assert f'name="profile_id" value="{trial}"' in page and "Work on SIC (trial)</button>" in page
    for named in (sic, 999999, "x"):  # the profile worked on, or none there is: nothing to offer
        assert "The link you followed" not in pm.get(f"/calls/CERV-SOCIAL-01?profile={named}").get_data(as_text=True)
    switched = pm.post("/profiles/switch", data={"csrf_token": csrf(pm, "/calls/CERV-SOCIAL-01"), "profile_id": trial,
                                                 "next": "/calls/CERV-SOCIAL-01#discussion"})
    assert switched.headers["Location"].endswith("/calls/CERV-SOCIAL-01#discussion")
    assert "The link you followed" not in pm.get(f"/calls/CERV-SOCIAL-01?profile={trial}").get_data(as_text=True)


def test_a_colleague_follows_or_unfollows_a_calls_discussion_from_its_page(pm, seeded):
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You do not follow this discussion: only comments that mention you reach you." in page
    assert '<button name="following" value="1" class="secondary">Follow</button>' in page
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    pm.post("/calls/CERV-SOCIAL-01/comments", data={"csrf_token": token, "body": "Worth a look."})
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You follow this discussion because you commented: colleagues' comments on it are in your digest." in page
    unfollowed = pm.post("/calls/CERV-SOCIAL-01/discussion/follow", data={"csrf_token": token, "following": "0"})
    assert unfollowed.headers["Location"].endswith("/calls/CERV-SOCIAL-01#discussion")
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You no longer follow this discussion: only comments that mention you will reach you." in page
    assert "You unfollowed this discussion: only comments that mention you reach you." in page
    followed = pm.post("/calls/CERV-SOCIAL-01/discussion/follow", data={"csrf_token": token, "following": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "You follow this discussion: colleagues&#39; comments on it will be in your digest." in followed
    assert "You follow this discussion: colleagues' comments on it are in your digest." in followed
    assert pm.post("/calls/NO-SUCH-CALL/discussion/follow", data={"csrf_token": token, "following": "1"}
                   ).status_code == 404

    # The settings page lists the choices, each with its undo: taking part decides again.
    settings_page = pm.get("/settings").get_data(as_text=True)
    chosen = settings_page[settings_page.index('id="discussions"'):].split("</section>")[0]
    assert 'href="/calls/CERV-SOCIAL-01#discussion">Social innovation and civic participation' in chosen
    assert "<td>to follow it, " in chosen and 'aria-label="Undo: follow Social innovation' in chosen
    pm.post("/calls/CERV-SOCIAL-01/discussion/follow", data={"csrf_token": token, "following": "0"})
    ids = {"profile_id": seeded.scalar("SELECT profile_id FROM discussion_follows"),
           "call_id": seeded.scalar("SELECT call_id FROM discussion_follows")}
    undone = pm.post("/settings/discussions/undo", data={"csrf_token": token, **ids})
    assert undone.headers["Location"].endswith("/settings#discussions")
    settings_page = pm.get("/settings").get_data(as_text=True)
    assert "Done: that discussion reaches your digest again only if you decided on the call" in settings_page
    assert "No choices so far: the usual applies to every discussion." in settings_page
    page = pm.get("/calls/CERV-SOCIAL-01").get_data(as_text=True)
    assert "You follow this discussion because you commented" in page
    again = pm.post("/settings/discussions/undo", data={"csrf_token": token, **ids}, follow_redirects=True)
    assert "That choice was undone already." in again.get_data(as_text=True)
    assert pm.post("/settings/discussions/undo", data={"csrf_token": token}).status_code == 400
    # A choice under another profile says which, and its link offers to work on it.
    from store import discussion
    trial = profiles.save_profile(seeded, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    discussion.follow(seeded, trial, ids["call_id"], seeded.scalar("SELECT id FROM users WHERE email = 'pm@sic.lv'"),
                      True)
    settings_page = pm.get("/settings").get_data(as_text=True)
    assert f'href="/calls/CERV-SOCIAL-01?profile={trial}#discussion">' in settings_page
    assert "<br><small>profile SIC (trial)</small>" in settings_page
