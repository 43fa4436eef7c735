"""Learning from decisions: once enough bid/no-bid decisions exist, re-weight the signals from them.

A logistic regression reads each decided call's signals (bid = 1, no bid = 0; 'maybe' teaches nothing).
Its cross-validated ROC AUC is kept beside the weights so anyone can see whether it beats guessing;
with too few decisions, or a model no better than chance, the hand-set weights stand. Decisions can be
changed afterwards: when they fall below the minimum again, weights learned earlier are set aside.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from store import profiles
from store.db import Database

from .scoring import SIGNAL_NAMES, WEIGHTS_TOTAL

MIN_DECISIONS = 20
MIN_PER_CLASS = 5


def training_rows(db: Database, profile_id: int) -> tuple[np.ndarray, np.ndarray]:
    rows = db.fetchall(
        """SELECT m.signals, d.state FROM decisions d JOIN match_results m
               ON m.call_id = d.call_id AND m.profile_id = d.profile_id
           WHERE d.profile_id = %s AND d.state IN ('bid', 'no_bid') ORDER BY d.id""", (profile_id,))
    X = np.array([[float(r["signals"].get(name, 0.0)) for name in SIGNAL_NAMES] for r in rows])
    X = X.reshape(-1, len(SIGNAL_NAMES))
    y = np.array([1 if r["state"] == "bid" else 0 for r in rows])
    return X, y


def sufficient(bids: int, no_bids: int) -> bool:
    """The minimum a model needs: MIN_DECISIONS bid/no-bid decisions, at least MIN_PER_CLASS of each."""
    return bids + no_bids >= MIN_DECISIONS and min(bids, no_bids) >= MIN_PER_CLASS


def enough_decisions(db: Database, profile_id: int) -> bool:
    """Whether the profile has the bid/no-bid decisions a model needs (the web app then queues learning)."""
    rows = db.fetchone(
        "SELECT count(*) FILTER (WHERE state = 'bid') AS bids, count(*) FILTER (WHERE state = 'no_bid') AS no_bids"
        " FROM decisions WHERE profile_id = %s", (profile_id,))
    return sufficient(rows["bids"], rows["no_bids"])


def worth_learning(db: Database, profile_id: int) -> bool:
    """Whether a changed decision should re-weigh the signals: there are enough decisions to learn from,
    or weights were learned before and may no longer have them (a bid changed to maybe, say)."""
    return enough_decisions(db, profile_id) or bool(profiles.get_profile(db, profile_id)["weights"])


def learn(db: Database, profile_id: int) -> dict:
    """Fit, cross-validate, and store the weights when they are worth using; returns what happened."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = training_rows(db, profile_id)
    n, positives = len(y), int(y.sum())
    smaller = min(positives, n - positives)
    if not sufficient(positives, n - positives):
        set_aside = bool(profiles.get_profile(db, profile_id)["weights"])
        if set_aside:
            profiles.set_weights(db, profile_id, {})
        return {"used": False, "decisions": n,
                "reason": f"{n} bid/no-bid decisions ({positives} bids); at least {MIN_DECISIONS} with "
                          f"{MIN_PER_CLASS} of each are needed, so the hand-set weights stand"
                          + (" again: the weights learned earlier were set aside" if set_aside else "")}
    model = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000))
    folds = StratifiedKFold(n_splits=min(5, smaller), shuffle=True, random_state=0)
    auc = float(np.mean(cross_val_score(model, X, y, cv=folds, scoring="roc_auc")))
    model.fit(X, y)
    scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    # Back to the raw signals' scale, then to the same total as the hand-set weights.
    raw = regression.coef_[0] / np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    total = np.abs(raw).sum() or 1.0
    weights = {name: round(float(w / total * WEIGHTS_TOTAL), 4)
               for name, w in zip(SIGNAL_NAMES, raw, strict=True)}
    used = auc > 0.55
    record = {"signals": weights if used else None, "cv_auc": round(auc, 3), "decisions": n,
              "learned_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "candidate": weights}
    profiles.set_weights(db, profile_id, record)
    return {"used": used, "decisions": n, "cv_auc": round(auc, 3), "weights": weights,
            "reason": "learned weights are in use" if used
            else "the model is no better than chance; hand-set weights stand"}
