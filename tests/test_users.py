"""Users: admins manage them on the Users page; everyone changes their own password; a deactivated
user or an old password's session is signed out."""

import pytest

from store import digests, users
from store.errors import NotFound
from tests.helpers.web import csrf
from webapp import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def people(db):
    return {role: users.create_user(db, f"{role}@sic.lv", PASSWORD, role) for role in users.ROLES}


@pytest.fixture
def app(settings, db, people):
    return create_app(settings, {"TESTING": True}, database=db)


def login_page(app, email, password, client=None):
    client = client or app.test_client()
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf(client, "/login")})


def signed_in(app, email, password=PASSWORD):
    client = app.test_client()
    assert login_page(app, email, password, client).status_code == 302, f"{email} could not sign in"
    return client


def can_sign_in(app, email, password):
    return login_page(app, email, password).status_code == 302


def is_signed_in(client):
    return client.get("/settings").status_code == 200


def post(client, path, **form):
    return client.post(path, data={**form, "csrf_token": csrf(client, "/settings")}, follow_redirects=True)


def test_a_user_added_without_a_password_is_welcomed_by_email_with_a_link_to_choose_one(app, db, settings):
    from store.queue import connect_redis, jobs

    admin = signed_in(app, "admin@sic.lv")
    page = post(admin, "/users", email="ilze@sic.lv", role="manager", password="").get_data(as_text=True)
    assert "Added ilze@sic.lv as manager. They are emailed a link to choose their password, which works for 7" in page
    ilze = users.find_user(db, "ilze@sic.lv")
    assert [j["args"] for j in jobs(connect_redis(settings.redis_url)) if j["name"] == "send_password_reset"] == [
        (ilze["id"], "admin@sic.lv")]
    # Until they choose one, nobody knows a password that signs them in.
    assert not can_sign_in(app, "ilze@sic.lv", "") and not can_sign_in(app, "ilze@sic.lv", PASSWORD)
    # Never signed in, they can be sent the welcome again (the first link may have expired).
    again = f'action="/users/{ilze["id"]}/welcome"'
    assert again in admin.get("/users").get_data(as_text=True)
    page = post(admin, f"/users/{ilze['id']}/welcome").get_data(as_text=True)
    assert "ilze@sic.lv is emailed a new link to choose their password." in page
    assert [j["args"] for j in jobs(connect_redis(settings.redis_url)) if j["name"] == "send_password_reset"] == [
        (ilze["id"], "admin@sic.lv"), (ilze["id"], "admin@sic.lv")]
    users.update_access(db, ilze["id"], active=False)
    assert again not in admin.get("/users").get_data(as_text=True)
    assert "ilze@sic.lv is deactivated: reactivate them first." in post(
        admin, f"/users/{ilze['id']}/welcome").get_data(as_text=True)
    assert post(admin, "/users/999999/welcome").status_code == 404
    assert f'action="/users/{users.find_user(db, "admin@sic.lv")["id"]}/welcome"' not in admin.get(
        "/users").get_data(as_text=True)  # signed in already
    # With nothing to send the welcome with, the admin is told what to do instead.
    down = create_app(settings.with_(redis_url="redis://127.0.0.1:1/0"), {"TESTING": True}, database=db)
    admin = signed_in(down, "admin@sic.lv")
    page = post(admin, "/users", email="juris@sic.lv", role="manager", password="").get_data(as_text=True)
    assert "Added juris@sic.lv as manager, but no welcome email can be sent now (" in page
    assert "set a password for them below and give it to them" in page


def test_only_admins_see_and_use_the_users_page(app):
    for role in ("manager", "leadership"):
        client = signed_in(app, f"{role}@sic.lv")
        assert client.get("/users").status_code == 403
        assert post(client, "/users", email="new@sic.lv", role="admin", password=PASSWORD).status_code == 403
        assert ">Users</a>" not in client.get("/settings").get_data(as_text=True)
    admin = signed_in(app, "admin@sic.lv")
    page = admin.get("/users").get_data(as_text=True)
    assert ">Users</a>" in page and "manager@sic.lv" in page and "3 active users" in page
    assert not can_sign_in(app, "new@sic.lv", PASSWORD)


def test_an_admin_adds_a_user_who_can_then_sign_in_and_is_told_what_went_wrong(app):
    admin = signed_in(app, "admin@sic.lv")
    page = post(admin, "/users", email=" New@SIC.lv ", role="leadership", password="a long password").get_data(as_text=True)
    assert "Added new@sic.lv as leadership" in page
    assert can_sign_in(app, "new@sic.lv", "a long password")
    assert "A user new@sic.lv already exists" in post(admin, "/users", email="new@sic.lv", role="manager",
                                                       password="another one").get_data(as_text=True)
    assert "at least 8 characters" in post(admin, "/users", email="x@sic.lv", role="manager", password="short").get_data(as_text=True)
    assert "Role must be one of" in post(admin, "/users", email="y@sic.lv", role="owner", password=PASSWORD).get_data(as_text=True)
    assert not can_sign_in(app, "x@sic.lv", "short") and not can_sign_in(app, "y@sic.lv", PASSWORD)


def test_a_deactivated_user_is_signed_out_cannot_sign_in_and_gets_no_digest(app, db, people):
    manager = signed_in(app, "manager@sic.lv")
    admin = signed_in(app, "admin@sic.lv")
    page = post(admin, f"/users/{people['manager']}/access", role="manager").get_data(as_text=True)  # box unticked
    assert "manager@sic.lv: manager, deactivated" in page
    assert not is_signed_in(manager)
    assert not can_sign_in(app, "manager@sic.lv", PASSWORD)
    refused = login_page(app, "manager@sic.lv", PASSWORD)
    assert refused.status_code == 403 and "This account is deactivated" in refused.get_data(as_text=True)
    assert "Wrong email or password" in login_page(app, "manager@sic.lv", "not the password").get_data(as_text=True)
    assert people["manager"] not in {user["id"] for user, _ in digests.due_users(db, digests.utcnow())}
    post(admin, f"/users/{people['manager']}/access", role="leadership", active="1")
    assert can_sign_in(app, "manager@sic.lv", PASSWORD)
    assert users.get_user(db, people["manager"])["role"] == "leadership"


def test_deactivating_someone_who_writes_applications_says_they_are_to_be_handed_over(app, db, people):
    from store import decisions, profiles
    from tests.helpers.data import DECIDER, add_call

    profile_id = profiles.ensure_default_profile(db)
    for identifier, deadline, state in (("CERV-AHEAD-01", "2099-03-01", "bid"), ("CERV-AHEAD-02", "2099-04-01", "maybe"),
                                        ("CERV-PAST-01", "2020-03-01", "bid"), ("CERV-DROP-01", "2099-03-01", "no_bid")):
        add_call(db, identifier, identifier, "text", deadline=deadline)
        decided = decisions.decide(db, profile_id, db.scalar("SELECT id FROM calls WHERE identifier = %s", (identifier,)),
                                   state, "Strong strategic fit", "", DECIDER)
        decisions.set_lead(db, decided["id"], people["manager"], DECIDER)
    admin = signed_in(app, "admin@sic.lv")
    listed = admin.get("/users").get_data(as_text=True)
    row = listed[listed.index("<td>manager@sic.lv"):].split("</tr>")[0]
    assert "<td>2 applications</td>" in row  # each one's load, before anyone leaves
    page = post(admin, f"/users/{people['manager']}/access", role="manager").get_data(as_text=True)
    # The two with a deadline ahead, not the one past or the one dropped.
    assert "They write 2 applications with a deadline ahead: the Pipeline&#39;s Who writes what lists them" in page
    page = post(admin, f"/users/{people['leadership']}/access", role="leadership").get_data(as_text=True)
    assert "leadership@sic.lv: leadership, deactivated" in page and "They write" not in page


def test_there_is_always_an_active_admin(app, db, people):
    admin = signed_in(app, "admin@sic.lv")
    assert "Nothing changed: you cannot deactivate yourself" in post(admin, f"/users/{people['admin']}/access", role="admin").get_data(as_text=True)
    page = post(admin, f"/users/{people['admin']}/access", role="manager", active="1").get_data(as_text=True)
    assert "admin@sic.lv is the only active admin" in page
    assert users.get_user(db, people["admin"])["role"] == "admin"
    # With a second admin, the first may step down (and leaves the page that is no longer theirs); the second then cannot.
    users.update_access(db, people["leadership"], "admin")
    stepped_down = admin.post(f"/users/{people['admin']}/access",
                              data={"role": "manager", "active": "1", "csrf_token": csrf(admin, "/settings")})
    assert stepped_down.headers["Location"] == "/calls"
    assert users.get_user(db, people["admin"])["role"] == "manager"
    with pytest.raises(users.InvalidUser, match="only active admin"):
        users.update_access(db, people["leadership"], active=False)
    with pytest.raises(NotFound):
        users.update_access(db, 10**9, "manager")


def test_an_admin_sets_a_new_password_and_the_old_sessions_end(app, people):
    manager = signed_in(app, "manager@sic.lv")
    admin = signed_in(app, "admin@sic.lv")
    page = post(admin, f"/users/{people['manager']}/password", password="brand new secret").get_data(as_text=True)
    assert "New password set for manager@sic.lv" in page
    assert not is_signed_in(manager)
    assert not can_sign_in(app, "manager@sic.lv", PASSWORD) and can_sign_in(app, "manager@sic.lv", "brand new secret")
    assert "at least 8 characters" in post(admin, f"/users/{people['manager']}/password", password="x").get_data(as_text=True)
    post(admin, f"/users/{people['admin']}/password", password="the admin's own")  # their own, from this page
    assert is_signed_in(admin) and can_sign_in(app, "admin@sic.lv", "the admin's own")


def test_a_user_changes_their_own_password(app):
    here, elsewhere = signed_in(app, "manager@sic.lv"), signed_in(app, "manager@sic.lv")
    wrong = post(here, "/settings/password", current_password="not it", new_password="fresh secret", repeat_password="fresh secret")
    assert "The current password is wrong" in wrong.get_data(as_text=True)
    differ = post(here, "/settings/password", current_password=PASSWORD, new_password="fresh secret", repeat_password="fresh secreT")
    assert "differ" in differ.get_data(as_text=True)
    assert can_sign_in(app, "manager@sic.lv", PASSWORD)

    done = post(here, "/settings/password", current_password=PASSWORD, new_password="fresh secret", repeat_password="fresh secret")
    assert "Password changed" in done.get_data(as_text=True)
    assert is_signed_in(here) and not is_signed_in(elsewhere)
    assert can_sign_in(app, "manager@sic.lv", "fresh secret") and not can_sign_in(app, "manager@sic.lv", PASSWORD)


def test_the_demo_login_is_an_admin_whose_saved_password_always_works(settings, db):
    from cli.context import AppContext
    from cli.demo import _demo_login

    app = AppContext(settings)
    settings.ensure_data_dir()
    email, first = _demo_login(app)
    user = users.find_user(db, email)
    assert user["role"] == "admin" and users.password_matches(user, first)
    assert _demo_login(app) == (email, first)

    users.set_password(db, user["id"], "changed in the app")  # the saved password no longer works
    _, second = _demo_login(app)
    assert second != first and users.authenticate(db, email, second)["id"] == user["id"]
    assert (settings.data_dir / "demo-login.txt").read_text() == second


def test_only_a_user_with_nothing_on_record_can_be_deleted(app, db, people):
    from store.profiles import ensure_default_profile
    from store import decisions
    from tests.helpers.data import add_call

    admin = signed_in(app, "admin@sic.lv")
    post(admin, "/users", email="typo@sci.lv", role="manager", password=PASSWORD)
    typo = users.find_user(db, "typo@sci.lv")["id"]
    assert f"/users/{typo}/delete" in admin.get("/users").get_data(as_text=True)
    assert "to confirm" in post(admin, f"/users/{typo}/delete").get_data(as_text=True)
    assert users.find_user(db, "typo@sci.lv")
    assert "Deleted typo@sci.lv" in post(admin, f"/users/{typo}/delete", confirm="1").get_data(as_text=True)
    assert users.find_user(db, "typo@sci.lv") is None

    add_call(db, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
    call_id = db.scalar("SELECT id FROM calls")
    decisions.decide(db, ensure_default_profile(db), call_id, "maybe", "Good partners available", "", users.get_user(db, people["manager"]))
    page = admin.get("/users").get_data(as_text=True)
    assert f"/users/{people['manager']}/delete" not in page and f"/users/{people['admin']}/delete" not in page
    refused = post(admin, f"/users/{people['manager']}/delete", confirm="1").get_data(as_text=True)
    assert "manager@sic.lv has decisions, consortium changes, contacts or comments on record: deactivate them instead" in refused
    assert "you cannot delete yourself" in post(admin, f"/users/{people['admin']}/delete", confirm="1").get_data(as_text=True)
    assert users.find_user(db, "manager@sic.lv") and users.find_user(db, "admin@sic.lv")


def test_a_user_whose_first_decision_lands_during_the_delete_is_refused_not_lost(db, people):
    """The check and the delete are two statements: a change recorded between them must not be
    orphaned, nor fail as a database error."""
    import threading
    import time

    import psycopg

    from store import decisions
    from store.profiles import ensure_default_profile
    from tests.helpers.data import add_call

    add_call(db, "CERV-SOCIAL-01", "Social innovation", "Social enterprises.")
    call_id = db.scalar("SELECT id FROM calls")
    decision = decisions.decide(db, ensure_default_profile(db), call_id, "maybe", "Good partners available", "",
                                users.get_user(db, people["admin"]))
    newcomer = users.create_user(db, "new@sic.lv", PASSWORD, "manager")
    with psycopg.connect(db.url) as other:  # the newcomer's change, written but not yet committed
        other.execute("INSERT INTO decision_events (decision_id, user_id, change) VALUES (%s, %s, '{}')",
                      (decision["id"], newcomer))
        threading.Timer(0.5, other.commit).start()
        started = time.monotonic()
        with pytest.raises(users.InvalidUser,
                           match="new@sic.lv has decisions, consortium changes, contacts or comments on record"):
            users.delete_user(db, newcomer)
        assert time.monotonic() - started >= 0.4, "the delete should have waited for the change to land"
    assert users.find_user(db, "new@sic.lv")
