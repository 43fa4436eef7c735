"""Signing in and out, passwords, sessions, and how the site refuses and fails: in words, on its own pages."""

from datetime import date

import pytest

from tests.helpers.web import PASSWORD, csrf, login
from webapp import create_app


def test_every_page_but_login_requires_sign_in(client):
    for path in ("/calls", "/calls/CERV-SOCIAL-01", "/programmes", "/pipeline", "/partners", "/texts", "/profile",
                 "/sources",
                 "/settings",
                 "/calls/export.csv", "/pipeline/decisions.csv", "/calendar.ics", "/texts.txt", "/users"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_login_page_is_public_and_has_a_csrf_token(client):
    page = client.get("/login")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client):
    assert client.post("/login", data={"email": "pm@sic.lv", "password": PASSWORD}).status_code == 400


def test_wrong_password_is_refused_with_a_message(client):
    response = login(client, password="wrong password")
    assert response.status_code == 401 and "Wrong email or password" in response.get_data(as_text=True)


def test_sign_in_goes_back_only_to_a_page_of_this_site(client):
    token = csrf(client, "/login")
    form = {"email": "pm@sic.lv", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=/pipeline%3Fx%3D1", data=form).headers["Location"] == "/pipeline?x=1"
    # Browsers read a backslash as a slash and drop tabs, so none of these is a page of this site. (Werkzeug
    # happens to escape a backslash in the Location header; safe_next does not count on it.)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "/\\/evil.example", "/\t/evil.example"):
        client.post("/logout", data={"csrf_token": csrf(client, "/calls")})
        form["csrf_token"] = csrf(client, "/login")
        response = client.post("/login", query_string={"next": target}, data=form)
        assert response.status_code == 302 and response.headers["Location"] == "/calls", target


def test_login_is_rate_limited(app, client):
    app.config["LOGIN_ATTEMPTS"] = 3
    for _ in range(3):
        login(client, password="nope nope")
    response = login(client)  # even the right password waits
    assert response.status_code == 429


def test_a_forgotten_password_is_chosen_anew_from_an_emailed_link_that_works_once(app, client, seeded, settings):
    from store import users
    from store.queue import connect_redis, jobs

    assert 'href="/password/forgot">Forgot your password?</a>' in client.get("/login").get_data(as_text=True)
    token = csrf(client, "/password/forgot")
    pm = users.find_user(seeded, "pm@sic.lv")

    def queued():
        return [j["args"] for j in jobs(connect_redis(settings.redis_url)) if j["name"] == "send_password_reset"]

    # The same answer for an address with an account and one without: the page tells no one who has one.
    for email in ("PM@sic.lv", "nobody@sic.lv"):
        page = client.post("/password/forgot", data={"csrf_token": token, "email": email}).get_data(as_text=True)
        assert f"If <strong>{email}</strong> belongs to an active account, an email with a link" in page
    assert queued() == [(pm["id"],)]

    link = f"/password/reset/{users.reset_token(pm, app.secret_key)}"
    chooser = client.get(link)
    assert 'name="new_password"' in chooser.get_data(as_text=True) and chooser.headers["Cache-Control"] == "no-store"
    for form, said in (({"new_password": "long enough 1", "repeat_password": "long enough 2"}, "differ"),
                       ({"new_password": "short", "repeat_password": "short"}, "at least 8")):
        refused = client.post(link, data={"csrf_token": token, **form})
        assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    chosen = client.post(link, data={"csrf_token": token, "new_password": "a brand new one",
                                     "repeat_password": "a brand new one"})
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/login")
    assert "Your new password is set: sign in with it." in client.get("/login").get_data(as_text=True)
    assert login(client, password=PASSWORD).status_code == 401
    assert login(client, password="a brand new one").status_code == 302
    # Used once, the link is spent; so is a forged or mangled one.
    for spent in (link, "/password/reset/" + users.reset_token({**pm, "id": 999999}, "another secret"), "/password/reset/x"):
        expired = client.get(spent)
        assert expired.status_code == 410 and "This link no longer works" in expired.get_data(as_text=True)


def test_a_password_reset_link_expires_and_the_asking_is_rate_limited(app, client, seeded, settings):
    import time

    from store import users

    pm = users.find_user(seeded, "pm@sic.lv")
    token = users.reset_token(pm, app.secret_key)
    time.sleep(1.1)
    assert users.user_for_reset(seeded, token, app.secret_key, max_age=0) is None
    assert users.user_for_reset(seeded, token, app.secret_key)["email"] == "pm@sic.lv"
    app.config["LOGIN_ATTEMPTS"] = 2
    form = {"csrf_token": csrf(client, "/password/forgot"), "email": "pm@sic.lv"}
    assert [client.post("/password/forgot", data=form).status_code for _ in range(3)] == [200, 200, 429]
    # With nothing to send the email with, every address is told so alike.
    down = create_app(settings.with_(today=date(2026, 6, 27), redis_url="redis://127.0.0.1:1/0"), {"TESTING": True},
                      database=seeded).test_client()
    for email in ("pm@sic.lv", "nobody@sic.lv"):
        page = down.post("/password/forgot", data={"csrf_token": csrf(down, "/password/forgot"), "email": email})
        assert page.status_code == 503 and "No email can be sent now" in page.get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site(client):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_carry_a_content_security_policy(pm):
    assert "script-src 'self'" in pm.get("/calls").headers["Content-Security-Policy"]


def test_every_refusal_is_a_page_of_the_site_in_words(pm):
    token = csrf(pm, "/calls/CERV-SOCIAL-01")
    response = pm.post("/calls/CERV-SOCIAL-01/decision", data={"note": "x" * (1024 * 1024 + 1), "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "larger than 1,024 KB, the most this site takes" in page
    response = pm.post("/calls/CERV-SOCIAL-01/consortium", data={"csrf_token": token})  # no organisation chosen
    assert response.status_code == 400 and "Choose an organisation." in response.get_data(as_text=True)
    response = pm.get("/sources/crawl")  # a form's address, asked for as a page
    assert response.status_code == 405 and "Method Not Allowed" in response.get_data(as_text=True)
    for response in (pm.post("/calls/CERV-SOCIAL-01/consortium", data={"csrf_token": token}),
                     pm.get("/sources/crawl")):
        assert 'href="/calls"' in response.get_data(as_text=True)  # the site's own page, with its way back
    # A decision asked for by an id that is not there is not found, not a mistake in the form.
    response = pm.post("/decisions/999999/outcome", data={"outcome": "won", "csrf_token": token})
    assert response.status_code == 404 and "<title>Not found" in response.get_data(as_text=True)
    assert "No decision 999999." in response.get_data(as_text=True)


def test_an_error_on_our_side_is_a_page_that_says_so_and_is_logged(app, pm, monkeypatch, caplog):
    from webapp import calls as call_pages

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the workload query")

    monkeypatch.setattr(call_pages.decisions, "due_near", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not as in tests
    response = pm.get("/calls/CERV-SOCIAL-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something on our side stopped this page; it has been logged." in page
    assert 'href="/calls"' in page and "a bug in the workload query" not in page
    assert "a bug in the workload query" in caplog.text


def test_a_nul_character_in_the_address_or_a_form_is_one_clear_refusal(pm):
    for path in ("/calls?q=%00", "/partners?q=a%00b", "/calls/CERV%00"):
        response = pm.get(path)
        assert response.status_code == 400 and "NUL" in response.get_data(as_text=True), path
        assert "database" not in response.get_data(as_text=True), path


def test_a_database_that_goes_away_gets_a_page_that_says_so(settings, seeded):
    from store.db import Database
    from tests.helpers.proxy import SocketProxy

    with SocketProxy(settings.database_url) as proxy, Database(proxy.url, max_size=2, wait=1) as database:
        client = create_app(settings.with_(today=date(2026, 6, 27)), {"TESTING": True}, database=database).test_client()
        assert login(client).status_code == 302 and client.get("/calls").status_code == 200
        proxy.stop()  # PostgreSQL goes away under the running app
        response = client.get("/calls")
        page = response.get_data(as_text=True)
    # Not a 400 ("something needs attention") nor "no connection became free": what happened, and that it passes.
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "Database unavailable" in page and "PostgreSQL at " in page and "is not answering" in page
    assert "The page works again once it is back." in page and "Sign out" not in page


def test_logout_ends_the_session(pm):
    token = csrf(pm, "/calls")
    pm.post("/logout", data={"csrf_token": token})
    assert pm.get("/calls").status_code == 302


def test_the_loopback_server_closes_kept_alive_connections_and_its_thread_ends():
    import http.client
    import threading

    from flask import Flask

    from webapp.loopback import THREAD_NAME, serving

    tiny = Flask(__name__)
    tiny.add_url_rule("/", "hello", lambda: "hello")
    with serving(tiny) as address:
        port = int(address.rsplit(":", 1)[1])
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        kept.request("GET", "/")
        assert kept.getresponse().read() == b"hello"  # the connection stays open (HTTP/1.1 keep-alive)
    assert not [t for t in threading.enumerate() if t.name == THREAD_NAME]
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/")
    kept.close()
