import numpy as np

from matcher import learn
from matcher.ranking import active_weights
from matcher.scoring import DEFAULT_WEIGHTS
from store import profiles
from tests.helpers.data import DECIDER, decided

def test_too_few_decisions_leave_the_hand_set_weights(db):
    profile_id = decided(db, 4, 4, np.random.default_rng(1))
    result = learn.learn(db, profile_id)
    assert not result["used"] and "hand-set weights stand" in result["reason"]
    assert active_weights(profiles.get_profile(db, profile_id))["semantic"] == 0.5


def test_enough_decisions_give_cross_validated_weights_that_are_used(db):
    profile_id = decided(db, 14, 14, np.random.default_rng(2))
    result = learn.learn(db, profile_id)
    assert result["used"] and result["cv_auc"] > 0.8
    weights = active_weights(profiles.get_profile(db, profile_id))
    assert weights["semantic"] > 0 and weights["semantic"] == max(weights.values())
    stored = profiles.get_profile(db, profile_id)["weights"]
    assert stored["decisions"] == 28 and stored["cv_auc"] == result["cv_auc"]


def test_learning_is_queued_only_with_enough_decisions_of_each_kind(db):
    from store import decisions

    assert not learn.enough_decisions(db, decided(db, 4, 4, np.random.default_rng(1)))
    profile_id = decided(db, 16, 4, np.random.default_rng(1))  # 20 in all, but only 4 no-bids
    assert not learn.enough_decisions(db, profile_id)
    call_id = db.scalar("SELECT id FROM calls WHERE identifier = 'C-15'")
    decisions.decide(db, profile_id, call_id, "no_bid", "Weak fit with our mission", "", DECIDER)
    assert learn.enough_decisions(db, profile_id)  # 15 bids and 5 no-bids


def test_learned_weights_are_set_aside_when_changed_decisions_fall_below_the_minimum(db):
    from store import decisions

    profile_id = decided(db, 14, 14, np.random.default_rng(2))
    assert learn.learn(db, profile_id)["used"]
    assert learn.worth_learning(db, profile_id)
    for i in range(10):  # ten bids become maybes: 4 bids and 14 no-bids are left
        call_id = db.scalar("SELECT id FROM calls WHERE identifier = %s", (f"C-{i}",))
        decisions.decide(db, profile_id, call_id, "maybe", "Good partners available", "", DECIDER)
    assert not learn.enough_decisions(db, profile_id)
    assert learn.worth_learning(db, profile_id)  # the learned weights in use must be looked at again

    result = learn.learn(db, profile_id)
    assert not result["used"] and result["reason"].endswith("the weights learned earlier were set aside")
    assert profiles.get_profile(db, profile_id)["weights"] == {}
    assert active_weights(profiles.get_profile(db, profile_id)) == DEFAULT_WEIGHTS
    assert not learn.worth_learning(db, profile_id)
