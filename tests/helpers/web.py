"""What the web app's tests share: the seeded password, signing in, reading a page's forms, deciding."""

import re
from contextlib import contextmanager

PASSWORD = "correct horse battery"


EVIL = ('<p onclick="steal()">Social enterprises <script>alert(1)</script>'
        '<a href="javascript:alert(2)">click</a><img src=x onerror="alert(3)"></p>')


def csrf(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sent_back(page, form_start=""):
    """What a browser sends back of the first form at or after the text `form_start`: its CSRF token and the
    version (`seen`) of what the page showed."""
    form = page[page.index(form_start):]
    return {name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1) for name in ("csrf_token", "seen")}


def opened(client, path, form_start=""):
    return sent_back(client.get(path).get_data(as_text=True), form_start)


@contextmanager
def on_day(app, day):
    """The app's clock at `day` for what runs inside: a bid's result comes months after the day it was decided."""
    settings = app.extensions["callmatch.settings"]
    app.extensions["callmatch.settings"] = settings.with_(today=day)
    try:
        yield
    finally:
        app.extensions["callmatch.settings"] = settings


def login(client, email="pm@sic.lv", password=PASSWORD):
    token = csrf(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def decide(client, state="bid", reason="Strong strategic fit", note="Good fit", **options):
    token = csrf(client, "/calls/CERV-SOCIAL-01")
    return client.post("/calls/CERV-SOCIAL-01/decision",
                       data={"state": state, "reason": reason, "note": note, "csrf_token": token}, **options)


RATED = {"fit": "5", "win": "2", "value": "4", "capacity": "3", "partners": "4"}


RATED_LINE = ("3.6 of 5 (strategic fit 5, chance of winning 2, value against the cost of bidding 4, our capacity 3,"
              " partners available 4)")


def assess(client, ratings, state="bid", note="Good fit"):
    form = {"state": state, "reason": "Strong strategic fit", "note": note,
            "csrf_token": csrf(client, "/calls/CERV-SOCIAL-01"),
            **{f"assessment-{key}": value for key, value in ratings.items()}}
    return client.post("/calls/CERV-SOCIAL-01/decision", data=form)


def leadership_editing_the_profile(app) -> tuple:
    """A signed-in leadership client and the least of a profile form it may save, to add fields to."""
    boss = app.test_client()
    assert login(boss, "boss@sic.lv").status_code == 302
    return boss, {"csrf_token": csrf(boss, "/profile"), "name": "SIC", "mission": "Social innovation in Latvia",
                  "min_lead_days": "14"}
