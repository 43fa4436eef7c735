"""Which of the team's texts for applications fit a call best: the paragraphs to start its application from.

A profile keeps a few dozen texts at most (its description, its experience in each field, key staff, past
projects); the one on social entrepreneurship suits a social-economy call, the one on digital inclusion a
digital one. Each text and the call are read in passages the model can read whole, as calls are for ranking,
and a text fits as well as its closest passage is to the call's closest one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .embedder import EmbeddingStore
from .signals import passages

# Below this cosine (all-MiniLM-L6-v2) a text and a call share little more than being about projects. Six texts
# written for SIC for the purpose (its description, its experience in three fields, a staff profile, its
# financial capacity), against the 1,456 recorded calls: a text's own field's calls score 0.6 to 0.7 (civic
# engagement against "Citizens' engagement and participation": 0.71); at 0.5 each field's text fits 6 to 20
# calls, mostly of its field, and the generic texts 3 (staff) and 8 (capacity-building calls); below 0.5, the
# generic texts fit many calls that only share the language of projects (0.3 to 0.48).
FLOOR = 0.5


def fitting_texts(store: EmbeddingStore, call: dict, texts: Sequence[dict], limit: int = 3,
                  floor: float = FLOOR) -> list[dict]:
    """The texts (`id`, `title`, `body`) closest to the call (`title`, `description_text`), the closest first,
    at most `limit`, none below `floor`: each with its `similarity` and the call's passage it is closest to
    (`call_passage`), to say why."""
    if not texts:
        return []
    call_passages = [call["title"], *passages(call.get("description_text") or "", store.embedder.max_words)]
    text_passages, owners = [], []
    for number, text in enumerate(texts):
        pieces = [text["title"], *passages(text["body"], store.embedder.max_words)]
        text_passages += pieces
        owners += [number] * len(pieces)
    vectors = store.vectors(call_passages + text_passages)  # normalised: a dot product is the cosine
    cosines = vectors[len(call_passages):] @ vectors[:len(call_passages)].T  # text passage × call passage
    owners = np.asarray(owners)
    found = []
    for number, text in enumerate(texts):
        mine = cosines[owners == number]
        piece, closest = np.unravel_index(int(np.argmax(mine)), mine.shape)
        similarity = float(mine[piece, closest])
        if similarity >= floor:
            found.append({"id": text["id"], "title": text["title"], "similarity": round(similarity, 3),
                          "call_passage": call_passages[closest]})
    return sorted(found, key=lambda t: (-t["similarity"], t["title"]))[:limit]
