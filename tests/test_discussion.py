"""The team's discussion of a call: comments kept per profile, mentions resolved when written, edited and taken
back only by their author, and told in the digests of those they concern (the call page is tested in
tests/web/test_discussion_pages.py)."""

from datetime import date, datetime, timedelta, timezone

import pytest

from store import decisions, digests, discussion, own_calls, profiles, users
from store.config import Settings
from store.errors import NotFound
from tests.helpers.data import add_call
from webapp.discussion import comment_html
from worker.digest import render

TODAY = date(2026, 6, 27)
PASSWORD = "long enough password"


@pytest.fixture
def team(db):
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    add_call(db, "HORIZON-CL2-01", "Democracy in the digital age", "Civic tech.")
    ids = {email: users.create_user(db, f"{email}@sic.lv", PASSWORD, role)
           for email, role in (("anna", "manager"), ("janis", "manager"), ("boss", "leadership"))}
    found = {name: users.get_user(db, user_id) for name, user_id in ids.items()}
    calls = {r["identifier"]: r["id"] for r in db.fetchall("SELECT id, identifier FROM calls")}
    return profiles.ensure_default_profile(db), calls, found


def test_a_comment_is_kept_with_its_author_and_the_colleagues_it_mentions(db, team):
    profile, calls, who = team
    comment = discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["anna"],
                                     "  Worth a bid? @Janis knows the partners.\r\nAsk @boss too; @anna.\r\n")
    # Mentions are resolved as written, case aside; the author mentioning themself is no news to them.
    assert (comment["told"], comment["emailed"]) == (2, 2)
    assert _mentions(db, comment["id"]) == [who["janis"]["id"], who["boss"]["id"]]
    assert comment["body"] == "Worth a bid? @Janis knows the partners.\nAsk @boss too; @anna."
    discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["janis"], "Yes: write to anna@sic.lv's list.")
    shown = discussion.comments_of(db, profile, calls["CERV-SOCIAL-01"])
    assert [(c["email"], c["body"][:11]) for c in shown] == [("anna@sic.lv", "Worth a bid"),
                                                             ("janis@sic.lv", "Yes: write ")]
    assert discussion.comments_of(db, profile, calls["HORIZON-CL2-01"]) == []
    # An address inside the text is not a mention, nor is a colleague who cannot sign in any more.
    with db.transaction() as cursor:
        assert discussion.mentioned(cursor, "mail anna@sic.lv or ask @nobody") == []
    users.update_access(db, who["boss"]["id"], active=False)
    with db.transaction() as cursor:
        assert discussion.mentioned(cursor, "@boss, @JANIS.") == [who["janis"]["id"]]
    # "@all" names the whole team that can sign in; its author is no news to themself.
    everyone = discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["janis"], "@All: the deadline moved.")
    assert _mentions(db, everyone["id"]) == [who["anna"]["id"]] and everyone["told"] == 1


def test_an_empty_or_overlong_comment_is_refused_in_words(db, team):
    profile, calls, who = team
    with pytest.raises(discussion.InvalidComment, match="Write something first"):
        discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["anna"], " \r\n ")
    with pytest.raises(discussion.InvalidComment, match="at most 4000 characters \\(this one has 4001\\)"):
        discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["anna"], "x" * 4001)
    # A browser's CRLF line breaks count once, as the box counted them.
    assert discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["anna"], "ab\r\n" * 1333 + "a")
    assert db.scalar("SELECT count(*) FROM call_comments") == 1


def test_only_its_author_takes_a_comment_back(db, team):
    profile, calls, who = team
    comment = discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["anna"], "Typo here")
    with pytest.raises(discussion.InvalidComment, match="Only whoever wrote a comment can remove it"):
        discussion.remove_comment(db, comment["id"], who["boss"])
    assert discussion.remove_comment(db, comment["id"], who["anna"])["call_id"] == calls["CERV-SOCIAL-01"]
    with pytest.raises(NotFound, match="removed already"):
        discussion.remove_comment(db, comment["id"], who["anna"])


def _mentions(db, comment_id):
    return [r["user_id"] for r in db.fetchall(
        "SELECT user_id FROM comment_mentions WHERE comment_id = %s ORDER BY user_id", (comment_id,))]


def test_only_its_author_edits_a_comment_and_an_edit_tells_only_whom_it_newly_mentions(db, team):
    profile, calls, who = team
    comment = discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["anna"], "Ask @janis, he knwos them.")
    written = datetime.now(timezone.utc)
    with pytest.raises(discussion.InvalidComment, match="Only whoever wrote a comment can edit it"):
        discussion.edit_comment(db, comment["id"], who["janis"], "Hijacked")
    with pytest.raises(discussion.InvalidComment, match="Write something first"):
        discussion.edit_comment(db, comment["id"], who["anna"], "  ")
    # Saving the same text (CRLF aside) is no edit.
    same = discussion.edit_comment(db, comment["id"], who["anna"], "Ask @janis, he knwos them.\r\n")
    assert same["told"] == 0 and same["edited_at"] is None

    edited = discussion.edit_comment(db, comment["id"], who["anna"], "Ask @janis, he knows them.\r\nOr @boss.")
    assert edited["told"] == 1 and edited["body"] == "Ask @janis, he knows them.\nOr @boss."
    assert edited["edited_at"] > edited["at"]
    shown = discussion.comments_of(db, profile, calls["CERV-SOCIAL-01"])
    assert [(c["body"], c["edited_at"]) for c in shown] == [(edited["body"], edited["edited_at"])]
    until = datetime.now(timezone.utc)
    # Boss, named by the edit, is told in the digest that covers the edit; Janis was told of the comment
    # when it was written, and not again for a typo fixed.
    assert [k["why"] for k in discussion.new_for(db, who["boss"]["id"], written, until)] == ["mentions you"]
    assert discussion.new_for(db, who["janis"]["id"], written, until) == []
    assert [k["excerpt"] for k in discussion.new_for(db, who["janis"]["id"], written - timedelta(minutes=1),
                                                     written)] == ["Ask @janis, he knows them. Or @boss."]
    # A mention taken out is taken back: Janis is not told of a comment that no longer names him.
    latest = discussion.edit_comment(db, comment["id"], who["anna"], "Or @boss.")
    assert latest["told"] == 0
    assert _mentions(db, comment["id"]) == [who["boss"]["id"]]
    # What it said before each edit is kept, the latest first, with when it was written and replaced.
    other = discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], who["janis"], "Never edited")
    assert discussion.versions_of(db, [comment["id"], other["id"]]) == {comment["id"]: [
        {"body": "Ask @janis, he knows them.\nOr @boss.", "written_at": edited["edited_at"],
         "replaced_at": latest["edited_at"]},
        {"body": "Ask @janis, he knwos them.", "written_at": comment["at"], "replaced_at": edited["edited_at"]}]}
    discussion.remove_comment(db, comment["id"], who["anna"])
    assert discussion.versions_of(db, [comment["id"]]) == {}  # taken back with it
    with pytest.raises(NotFound, match="it was removed"):
        discussion.edit_comment(db, comment["id"], who["anna"], "Too late")
    assert db.scalar("SELECT count(*) FROM comment_mentions") == 0


def test_a_digest_tells_the_comments_that_concern_its_reader(db, team):
    profile, calls, who = team
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    cerv, horizon = calls["CERV-SOCIAL-01"], calls["HORIZON-CL2-01"]
    decisions.decide(db, profile, horizon, "maybe", "Good partners available", "", who["boss"])
    discussion.add_comment(db, profile, cerv, who["anna"], "Should we? @janis")
    discussion.add_comment(db, profile, cerv, who["boss"], "Only with a university on board.")
    discussion.add_comment(db, profile, horizon, who["anna"], "I could write this one.")
    until = datetime.now(timezone.utc)

    def told(name):
        return [(k["identifier"], k["author"], k["why"]) for k in discussion.new_for(db, who[name]["id"], since, until)]

    # Janis is mentioned in the first; boss's reply follows a discussion he was not in.
    assert told("janis") == [("CERV-SOCIAL-01", "anna@sic.lv", "mentions you")]
    # Anna wrote before boss replied; her own comments are no news to her.
    assert told("anna") == [("CERV-SOCIAL-01", "boss@sic.lv", "you commented")]
    # Boss decided on the Horizon call, and took part in the CERV discussion only after Anna's comment.
    assert told("boss") == [("HORIZON-CL2-01", "anna@sic.lv", "you decided on it")]
    # Once the period is over, they are told no more.
    assert discussion.new_for(db, who["janis"]["id"], until, datetime.now(timezone.utc)) == []

    content = digests.content(db, who["boss"], since, TODAY)
    subject, text, html = render(who["boss"], content, settings=_settings())
    assert subject == "callmatch: 1 new comment"
    assert ("Colleagues' comments:\n- anna@sic.lv on Democracy in the digital age ("
            in text) and 'you decided on it): "I could write this one."' in text
    assert f"http://app.example/calls/HORIZON-CL2-01?profile={profile}#comment-" in text
    assert "<h3>Colleagues' comments</h3>" in html and "; profile " not in text  # the digest's own profile
    assert "(A discussion that is no longer yours: Unfollow, under it on the call's page." in text

    # A mention under another profile reaches the digest too, saying whose discussion it is in: its link
    # names that profile, for the call page to offer working on it.
    trial = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    start = datetime.now(timezone.utc)
    discussion.add_comment(db, trial, cerv, who["anna"], "@boss, for the trial profile.")
    content = digests.content(db, who["boss"], start, TODAY)
    subject, text, html = render(who["boss"], content, settings=_settings())
    assert subject == "callmatch: 1 new comment" and "mentions you; profile SIC (trial)): \"@boss, for the" in text
    assert f"/calls/CERV-SOCIAL-01?profile={trial}#comment-" in text and "; mentions you; profile SIC (trial))" in html


def test_a_colleague_unfollows_a_discussion_or_follows_one_they_took_no_part_in(db, team):
    profile, calls, who = team
    cerv = calls["CERV-SOCIAL-01"]
    since = datetime.now(timezone.utc) - timedelta(minutes=1)

    def told(name):
        return [(k["author"], k["why"]) for k in discussion.new_for(db, who[name]["id"], since,
                                                                    datetime.now(timezone.utc))]

    def state(name):
        return discussion.following(db, profile, cerv, who[name]["id"])

    assert state("anna") == {"following": False, "chosen": False, "why": None}
    discussion.add_comment(db, profile, cerv, who["anna"], "Should we?")
    assert state("anna") == {"following": True, "chosen": False, "why": "you commented"}
    discussion.add_comment(db, profile, cerv, who["boss"], "Only with a university.")
    assert told("anna") == [("boss@sic.lv", "you commented")]

    # Anna unfollows: the rest of the discussion is no longer hers, a mention of her still is.
    discussion.follow(db, profile, cerv, who["anna"]["id"], False)
    assert state("anna") == {"following": False, "chosen": True, "why": "you commented"}
    assert told("anna") == []
    discussion.add_comment(db, profile, cerv, who["boss"], "@anna, one question for you.")
    assert told("anna") == [("boss@sic.lv", "mentions you")]
    # Janis took no part and follows it all the same: his digest tells the period's comments on it.
    discussion.follow(db, profile, cerv, who["janis"]["id"], True)
    assert state("janis") == {"following": True, "chosen": True, "why": None}
    assert told("janis") == [("anna@sic.lv", "you follow it"), ("boss@sic.lv", "you follow it"),
                             ("boss@sic.lv", "you follow it")]
    # The choice is per profile and call.
    assert discussion.following(db, profile, calls["HORIZON-CL2-01"], who["janis"]["id"])["following"] is False

    # Commenting again follows it again: whoever speaks up wants the answer.
    discussion.add_comment(db, profile, cerv, who["anna"], "Back in: I can write it.")
    assert state("anna") == {"following": True, "chosen": False, "why": "you commented"}
    assert told("anna") == [("boss@sic.lv", "you commented"), ("boss@sic.lv", "mentions you")]
    # A choice to follow is not undone by commenting, and choosing again replaces it.
    discussion.add_comment(db, profile, cerv, who["janis"], "Count me in.")
    discussion.follow(db, profile, cerv, who["janis"]["id"], False)
    assert state("janis") == {"following": False, "chosen": True, "why": "you commented"}
    assert [(c["identifier"], c["following"]) for c in discussion.choices(db, who["janis"]["id"])] == [
        ("CERV-SOCIAL-01", False)]
    assert discussion.choices(db, who["anna"]["id"]) == []
    # Undone, taking part decides again.
    assert discussion.forget_choice(db, profile, cerv, who["janis"]["id"]) is True
    assert state("janis") == {"following": True, "chosen": False, "why": "you commented"}
    assert discussion.forget_choice(db, profile, cerv, who["janis"]["id"]) is False


def test_a_colleagues_comment_is_unread_until_the_discussion_is_read_again(db, team):
    from store import calls as call_store

    profile, calls, who = team
    cerv = calls["CERV-SOCIAL-01"]

    def unread(name):
        rows, _ = call_store.search_calls(db, profile, TODAY, show_screened=True, user_id=who[name]["id"])
        return {r["identifier"]: r["unread"] for r in rows if r["comments"]}

    discussion.add_comment(db, profile, cerv, who["anna"], "Worth a look?")
    discussion.add_comment(db, profile, cerv, who["boss"], "Yes.")
    assert unread("janis") == {"CERV-SOCIAL-01": 2} and unread("anna") == {"CERV-SOCIAL-01": 1}
    assert discussion.mark_read(db, profile, cerv, who["janis"]["id"]) is None  # his first read
    assert unread("janis") == {"CERV-SOCIAL-01": 0}
    discussion.add_comment(db, profile, cerv, who["anna"], "Then I write to RTU.")
    assert unread("janis") == {"CERV-SOCIAL-01": 1}
    read = discussion.mark_read(db, profile, cerv, who["janis"]["id"])
    assert read is not None and discussion.mark_read(db, profile, cerv, who["janis"]["id"]) > read
    # Read under one profile, the same call's discussion under another is still unread.
    trial = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    discussion.add_comment(db, trial, cerv, who["anna"], "On the trial profile")
    rows, _ = call_store.search_calls(db, trial, TODAY, show_screened=True, user_id=who["janis"]["id"])
    assert [r["unread"] for r in rows if r["comments"]] == [1] and unread("janis") == {"CERV-SOCIAL-01": 0}
    # Without a reader, nothing is counted as unread.
    rows, _ = call_store.search_calls(db, profile, TODAY, show_screened=True)
    assert {r["unread"] for r in rows} == {0}


def test_a_comment_is_shown_escaped_with_its_links_and_mentions():
    shown = str(comment_html('See https://ec.europa.eu/x?a=1&b=2. <script>x</script> "@anna" https://y.lv/@anna',
                             {"anna"}))
    assert shown == ('See <a href="https://ec.europa.eu/x?a=1&amp;b=2" rel="noopener noreferrer nofollow"'
                     ' target="_blank">https://ec.europa.eu/x?a=1&amp;b=2</a>. &lt;script&gt;x&lt;/script&gt;'
                     ' &#34;<strong class="mention">@anna</strong>&#34; <a href="https://y.lv/@anna"'
                     ' rel="noopener noreferrer nofollow" target="_blank">https://y.lv/@anna</a>')
    assert str(comment_html("javascript:alert(1) @janis", {"anna"})) == "javascript:alert(1) @janis"
    assert str(comment_html("@all: moved", set())) == '<strong class="mention">@all</strong>: moved'


def test_a_discussion_keeps_its_author_its_call_and_its_profile_on_record(db, team):
    profile, calls, who = team
    newcomer = users.create_user(db, "new@sic.lv", PASSWORD, "manager")
    discussion.add_comment(db, profile, calls["CERV-SOCIAL-01"], users.get_user(db, newcomer), "Hello")
    with pytest.raises(users.InvalidUser, match="contacts or comments on record"):
        users.delete_user(db, newcomer)
    typed = own_calls.add(db, {"title": "Youth work", "programme": "Active Citizens Fund"}, who["anna"], TODAY)
    discussion.add_comment(db, profile, typed["id"], who["anna"], "Is this the 2027 round?")
    with pytest.raises(own_calls.InvalidCall, match="or a discussion is recorded"):
        own_calls.remove(db, typed["identifier"])
    # A profile whose discussions would go with it is kept, as one with decisions is.
    trial = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    discussion.add_comment(db, trial, calls["HORIZON-CL2-01"], who["anna"], "For the trial profile.")
    with pytest.raises(profiles.ProfileInUse, match="holds the team's discussion of 1 call; they would be lost"):
        profiles.delete_profile(db, trial)
    db.execute("DELETE FROM call_comments WHERE profile_id = %s", (trial,))
    assert profiles.delete_profile(db, trial) == "SIC (trial)"


def _settings():
    """Real settings, with the app's address the links are checked against."""
    return Settings.from_env({}).with_(base_url="http://app.example")
