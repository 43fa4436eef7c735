"""The call-fit score: a weighted sum of signals, the same code for live calls and for the benchmark.

Hand-set weights were chosen on the development dump (cordis-dev) on a coarse grid, not query by
query; `learn.py` replaces them once enough bid/no-bid decisions exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from store.programmes import preferred

from . import signals
from .embedder import EmbeddingStore

# Past work in the call's strand weighs far more than in its programme or programme part: an
# organisation goes back to the strand it knows (cordis-dev calls recall@10 0.317 -> 0.335; any
# weight from 1.5 to 12.8 gives 0.328 to 0.337). It can lift the right call only where a past topic
# shares its strand (40 of the 812 benchmark queries); the broader families say much less.
# Meaning weighs 0.5 and the programme 0.2 (1.0 and 0.1 before 2026-12-05). cordis-dev's calls dump
# reads the same anywhere on a wide plateau around either point (0.335 both). The partners dump, read as
# a calls task, is a second population: large organisations known by topic titles alone, for which the
# model's meaning helps less. There this point gives 0.198 against 0.163, +0.035 with a 95% interval of
# +0.016 to +0.055 over 129 organisations.
DEFAULT_WEIGHTS = {"semantic": 0.5, "lexical": 0.3, "family1": 0.2, "family2": 0.1, "family3": 3.0,
                   "programme": 0.1}
SIGNAL_NAMES = tuple(DEFAULT_WEIGHTS)
SIGNAL_LABELS = {"semantic": "meaning (how much closer the call is to the profile than the average call)",
                 "lexical": "shared words", "family1": "past projects in the programme",
                 "family2": "past projects in the programme part", "family3": "past projects in the strand",
                 "programme": "a preferred programme", "held": "a project already held under this call"}

# A call under which the organisation already holds a project is not a new opportunity: it goes
# below the new calls, whatever the weights (hand-set or learned), and its explanation says why.
# The benchmark asks the same question (which topic would it go for next, never one it held), as a
# recommender's leave-one-out never asks for what was already taken: cordis-dev calls recall@10
# 0.245 -> 0.304. The penalty is the weights' total (learned weights are scaled to the same total):
# the signals are shares, similarities and yes/no answers of at most 1, so whatever the mix a held
# call stays below the new ones. On the benchmark 1.0 did nearly as much, and 10 changes nothing.
WEIGHTS_TOTAL = round(sum(DEFAULT_WEIGHTS.values()), 4)
HELD_PENALTY = WEIGHTS_TOTAL

# Part of every stored result's inputs hash: change it when the formula, the explanation or a gate's
# wording changes, so `match` re-scores.
VERSION = 9


@dataclass
class CandidateSet:
    """Calls (or topics) prepared once: passages embedded, text indexed."""

    keys: list
    codes: list[str | None]
    texts: list[str]  # what lexical similarity reads (title + description)
    programmes: list[str | None]
    passage_texts: list[str]
    passage_vectors: np.ndarray
    offsets: np.ndarray
    vectorizer: object = field(repr=False, default=None)
    matrix: object = field(repr=False, default=None)

    @classmethod
    def build(cls, store: EmbeddingStore, keys, codes, titles, bodies, programmes=None,
              progress: Callable[[int, int], None] | None = None) -> "CandidateSet":
        from sklearn.feature_extraction.text import TfidfVectorizer

        passage_texts, offsets = [], []
        for title, body in zip(titles, bodies, strict=True):
            offsets.append(len(passage_texts))
            passage_texts.append(title)
            passage_texts.extend(signals.passages(body or "", store.embedder.max_words))
        vectors = store.vectors(passage_texts, progress)
        texts = [f"{t} {b or ''}" for t, b in zip(titles, bodies, strict=True)]
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit(texts)
        return cls(list(keys), list(codes), texts, list(programmes or [None] * len(texts)), passage_texts,
                   vectors, np.asarray(offsets), vectorizer, vectorizer.transform(texts))

    def __len__(self) -> int:
        return len(self.keys)

    def passages_of(self, index: int) -> range:
        end = self.offsets[index + 1] if index + 1 < len(self.offsets) else len(self.passage_texts)
        return range(self.offsets[index], end)


@dataclass
class Profile:
    """What an organisation is and did, as the scorer reads it."""

    items: list[str]  # passages of mission and themes, past project titles, topics worked in
    vectors: np.ndarray
    codes: list[str]  # topic or call identifiers of past projects
    programmes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.items)


@dataclass
class Scored:
    scores: np.ndarray
    signals: dict[str, np.ndarray]
    item_similarity: np.ndarray  # candidate x profile item: best cosine, for explanations
    item_lift: np.ndarray        # the same less each item's average over the candidates: what the score used


def score(candidates: CandidateSet, profile: Profile, weights: dict | None = None) -> Scored:
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    semantic, per_item, lift = signals.semantic(candidates.passage_vectors, candidates.offsets, profile.vectors)
    query = candidates.vectorizer.transform([profile.text])
    lexical = np.asarray((candidates.matrix @ query.T).toarray()).ravel().astype(np.float32)
    found = {"semantic": semantic, "lexical": lexical, **signals.history(candidates.codes, profile.codes)}
    found["programme"] = np.array([preferred(p, profile.programmes) for p in candidates.programmes],
                                  dtype=np.float32)
    found["held"] = signals.already_held(candidates.codes, profile.codes)
    total = sum(contributions(found, weights).values())
    return Scored(np.asarray(total, dtype=np.float32), found, per_item, lift)


def contributions(found: dict, weights: dict) -> dict:
    """Each signal's share of the score (arrays for every candidate, or one call's values); the score is
    their sum. Explanations read the same shares, so they always add up to what was scored."""
    shares = {name: weights.get(name, 0.0) * found[name] for name in SIGNAL_NAMES}
    shares["held"] = -HELD_PENALTY * found["held"]
    return shares


def build_profile(store: EmbeddingStore, items: Sequence[str], codes: Sequence[str],
                  programmes: Sequence[str] = ()) -> Profile:
    items = [i for i in dict.fromkeys(i.strip() for i in items) if i]
    return Profile(items, store.vectors(items) if items else np.zeros((0, 384), np.float32), list(codes),
                   list(programmes))


def profile_items(profile: dict) -> list[str]:
    """The pieces of text a call is matched against: mission, each theme, each past project."""
    items = signals.passages(profile.get("mission") or "")
    for block in ("themes", "past_projects"):
        items += [line.strip(" -•\t") for line in (profile.get(block) or "").splitlines() if line.strip()]
    return items


def history_items(projects: list[dict]) -> tuple[list[str], list[str]]:
    """What past projects add to a profile: each one's title and its topic's title as items to match
    against, and its topic code for the history signal. Repeats are kept: a topic worked in three
    times weighs three times. The benchmark builds its profiles with this too."""
    items = [text for p in projects for text in (p["title"], p["topic_title"]) if text]
    codes = [p["topic_code"] for p in projects if p["topic_code"]]
    return items, codes
