"""What the team did lately, as the Pipeline lists it: every kind of record, newest first, for the profile's
calls only, within the window and the limit (the page itself is tested in tests/web/test_pipeline.py)."""

from datetime import date, datetime, timedelta, timezone

from store import activity, checklist, consortium, decisions, discussion, own_calls, profiles, users
from tests.helpers.data import add_call, add_project
from webapp.pipeline import _said

PASSWORD = "long enough password"


def test_the_teams_recent_records_are_listed_newest_first_for_the_profile(db):
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    add_project(db, "P1", "CERV-2024-CITIZENS", ("Riga Social Lab", "lead"))
    anna = users.get_user(db, users.create_user(db, "anna@sic.lv", PASSWORD, "manager"))
    sic = profiles.ensure_default_profile(db)
    trial = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    call_id, lab = db.scalar("SELECT id FROM calls"), db.scalar("SELECT id FROM organisations")
    before = datetime.now(timezone.utc)

    decision = decisions.decide(db, sic, call_id, "maybe", "Good partners available", "", anna)
    consortium.add_members(db, sic, call_id, [lab], anna["id"])
    consortium.set_status(db, sic, call_id, lab, "confirmed", "Yes, by phone", anna["id"])
    step = checklist.add_step(db, decision["id"], "Budget agreed", None, anna)
    checklist.set_done(db, step["id"], True, anna)
    janis = users.create_user(db, "janis@sic.lv", PASSWORD, "manager")
    letter = checklist.add_step(db, decision["id"], "Letter of support", None, anna)
    checklist.update_step(db, letter["id"], None, janis, user=anna)
    mine = checklist.add_step(db, decision["id"], "Part B", None, anna)
    checklist.update_step(db, mine["id"], None, anna["id"], user=anna)  # taken on oneself: no news
    discussion.add_comment(db, sic, call_id, anna, "Riga Social Lab is in.\nNext: a university.")
    own_calls.add(db, {"title": "Youth work", "programme": "Active Citizens Fund"}, anna, date(2026, 6, 27))
    discussion.add_comment(db, trial, call_id, anna, "On the trial profile")  # another profile's: not listed

    events = activity.recent(db, sic, before)
    assert [e["kind"] for e in events] == ["added", "comment", "step", "step", "consortium", "consortium",
                                           "decision"]
    assert {e["email"] for e in events} == {"anna@sic.lv"}
    said = [_said(e, {})["did"] for e in events]
    assert said == ["added the call by hand", "commented: “Riga Social Lab is in. Next: a university.”",
                    "handed “Letter of support” to janis@sic.lv", "ticked off “Budget agreed”", "marked Riga Social Lab confirmed (“Yes, by phone”)",
                    "added Riga Social Lab", "decided maybe: Good partners available"]
    assert _said(events[1], {})["anchor"] == f"comment-{events[1]['detail']['id']}"
    # The window and the limit: the newest are kept.
    assert activity.recent(db, sic, datetime.now(timezone.utc) + timedelta(seconds=1)) == []
    assert [e["kind"] for e in activity.recent(db, sic, before, limit=2)] == ["added", "comment"]
    assert [e["kind"] for e in activity.recent(db, trial, before)] == ["comment", "added"]
    # Later changes of the decision: the usual ones as sentences, others as the call page's history says them.
    decisions.set_lead(db, decision["id"], anna["id"], anna)
    assert _said(activity.recent(db, sic, before, limit=1)[0], {})["did"] == "named anna@sic.lv to write it"
    decisions.decide(db, sic, call_id, "bid", "Strong strategic fit", "Go", anna)
    assert _said(activity.recent(db, sic, before, limit=1)[0], {})["did"] == (
        "state Maybe → Bid, reason Good partners available → Strong strategic fit, note “Go”, approval not needed →"
        " waiting for approval")


def test_a_step_reopened_removed_or_put_back_is_listed_and_one_only_added_or_redated_is_not(db):
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    anna = users.get_user(db, users.create_user(db, "anna@sic.lv", PASSWORD, "manager"))
    sic = profiles.ensure_default_profile(db)
    decision = decisions.decide(db, sic, db.scalar("SELECT id FROM calls"), "bid", "Strong strategic fit", "", anna)
    before = datetime.now(timezone.utc)

    step = checklist.add_step(db, decision["id"], "Budget agreed", "2026-09-01", anna)
    checklist.update_step(db, step["id"], "2026-09-02", None, title="Budget agreed with partners", user=anna)
    checklist.set_done(db, step["id"], True, anna)
    checklist.set_done(db, step["id"], False, anna)
    checklist.remove_step(db, step["id"], anna)
    removal = db.scalar("SELECT id FROM step_events WHERE change = 'removed'")
    checklist.restore_step(db, removal, anna)

    assert [_said(e, {})["did"] for e in activity.recent(db, sic, before)] == [
        "put back the step “Budget agreed with partners”", "removed the step “Budget agreed with partners”",
        "reopened “Budget agreed with partners”", "ticked off “Budget agreed with partners”"]


def test_an_edited_comment_is_listed_with_what_each_edit_wrote(db):
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    anna = users.get_user(db, users.create_user(db, "anna@sic.lv", PASSWORD, "manager"))
    sic = profiles.ensure_default_profile(db)
    comment = discussion.add_comment(db, sic, db.scalar("SELECT id FROM calls"), anna, "RTU coordinates.")
    discussion.edit_comment(db, comment["id"], anna, "RTU coordinates, if LU agrees.")
    discussion.edit_comment(db, comment["id"], anna, "LU coordinates after all.")
    discussion.edit_comment(db, comment["id"], anna, "LU coordinates after all.")  # unchanged: no edit

    events = activity.recent(db, sic, datetime.now(timezone.utc) - timedelta(minutes=1))
    # An edit should not quietly change what colleagues read and answered.
    assert [_said(e, {})["did"] for e in events] == [
        "edited a comment: “LU coordinates after all.”", "edited a comment: “RTU coordinates, if LU agrees.”",
        "commented: “LU coordinates after all.”"]
    assert {_said(e, {})["anchor"] for e in events} == {f"comment-{comment['id']}"}
    # Edits before the window are not listed; the comment is, as it reads now.
    db.execute("UPDATE comment_versions SET replaced_at = replaced_at - interval '60 days'")
    events = activity.recent(db, sic, datetime.now(timezone.utc) - timedelta(minutes=1))
    assert [e["detail"].get("edited", False) for e in events] == [False]


def test_what_colleagues_did_since_ones_last_look_is_news(db):
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation", "Social enterprises.")
    anna, janis = (users.get_user(db, users.create_user(db, f"{name}@sic.lv", PASSWORD, "manager"))
                   for name in ("anna", "janis"))
    sic = profiles.ensure_default_profile(db)
    trial = profiles.save_profile(db, {**profiles.SIC_PROFILE, "name": "SIC (trial)"})
    call_id = db.scalar("SELECT id FROM calls")

    discussion.add_comment(db, sic, call_id, anna, "Worth a look?")
    decisions.decide(db, sic, call_id, "maybe", "Good partners available", "", anna)
    # Janis never looked: the last DAYS days of the others' doings are news to him, his own never are.
    assert activity.news(db, sic, janis) == 2 and activity.news(db, sic, anna) == 0
    discussion.add_comment(db, sic, call_id, janis, "Yes.")
    assert activity.news(db, sic, janis) == 2 and activity.news(db, sic, anna) == 1
    assert activity.mark_seen(db, sic, janis["id"]) is None  # his first look
    assert activity.news(db, sic, janis) == 0
    discussion.add_comment(db, sic, call_id, anna, "Then I ask RTU.")
    assert activity.news(db, sic, janis) == 1
    looked = activity.mark_seen(db, sic, janis["id"])
    assert looked is not None and activity.mark_seen(db, sic, janis["id"]) > looked
    # A look is per profile: the trial profile's news wait for a look at it.
    discussion.add_comment(db, trial, call_id, anna, "On the trial profile")
    assert activity.news(db, sic, janis) == 0 and activity.news(db, trial, janis) == 1
    # Nothing older than the list's window is news, however long ago the last look was.
    db.execute("UPDATE lately_seen SET at = at - interval '90 days'")
    db.execute("UPDATE call_comments SET at = at - interval '60 days' WHERE body = 'Worth a look?'")
    db.execute("UPDATE decision_events SET at = at - interval '60 days'")
    assert activity.news(db, sic, janis) == 1
    # The header counts up to MOST_NEWS and says "more" beyond.
    for n in range(activity.MOST_NEWS + 1):
        discussion.add_comment(db, sic, call_id, anna, f"Note {n}")
    assert activity.news(db, sic, janis) == activity.MOST_NEWS + 1
