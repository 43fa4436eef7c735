"""A real sentence-transformers model of another size than the default, made on the spot: a two-layer BERT
with random weights and the packaged model's tokenizer. Its vectors mean nothing; their size is the point."""

from pathlib import Path


def tiny_model(folder: Path, dims: int = 96) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import AutoTokenizer, BertConfig, BertModel

    from matcher.embedder import PACKAGED, resolve_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(PACKAGED))
    torch.manual_seed(0)
    bert = BertModel(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=dims, num_hidden_layers=2,
                                num_attention_heads=4, intermediate_size=2 * dims))
    raw, model = folder / "bert", folder / "model"
    bert.save_pretrained(raw)
    tokenizer.save_pretrained(raw)
    SentenceTransformer(modules=[Transformer(str(raw), max_seq_length=128), Pooling(dims, "mean"),
                                 Normalize()]).save(str(model))
    return model
