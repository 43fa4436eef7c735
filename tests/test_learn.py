import numpy as np
from psycopg.types.json import Jsonb

from matcher import learn, profiles
from matcher.ranking import active_weights
from tests.helpers.data import add_call

USER = {"id": None, "role": "leadership"}


def decided(db, n_bid, n_no, rng):
    from store import decisions

    profile_id = profiles.ensure_default_profile(db)
    for i in range(n_bid + n_no):
        bid = i < n_bid
        add_call(db, f"C-{i}", f"Call {i}", "text")
        call_id = db.scalar("SELECT id FROM calls WHERE identifier = %s", (f"C-{i}",))
        signals = {"semantic": float(rng.normal(0.6 if bid else 0.3, 0.08)), "lexical": float(rng.uniform(0, 0.2)),
                   "family1": 0.0, "family2": 0.0, "programme": float(rng.integers(0, 2))}
        db.execute("INSERT INTO match_results (profile_id, call_id, model, score, signals, inputs_hash)"
                   " VALUES (%s, %s, 'm', 0, %s, 'h')", (profile_id, call_id, Jsonb(signals)))
        decisions.decide(db, profile_id, call_id, "bid" if bid else "no_bid",
                         "Strong strategic fit" if bid else "Weak fit with our mission", "", USER)
    return profile_id


def test_too_few_decisions_leave_the_hand_set_weights(db):
    profile_id = decided(db, 4, 4, np.random.default_rng(1))
    result = learn.learn(db, profile_id)
    assert not result["used"] and "hand-set weights stand" in result["reason"]
    assert active_weights(profiles.get_profile(db, profile_id))["semantic"] == 1.0


def test_enough_decisions_give_cross_validated_weights_that_are_used(db):
    profile_id = decided(db, 14, 14, np.random.default_rng(2))
    result = learn.learn(db, profile_id)
    assert result["used"] and result["cv_auc"] > 0.8
    weights = active_weights(profiles.get_profile(db, profile_id))
    assert weights["semantic"] > 0 and weights["semantic"] == max(weights.values())
    stored = profiles.get_profile(db, profile_id)["weights"]
    assert stored["decisions"] == 28 and stored["cv_auc"] == result["cv_auc"]
