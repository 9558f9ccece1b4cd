"""WordLlama text embeddings (services/ports/embeddings.py: ``TextEmbedder``), offline.

WordLlama (MIT) averages static token vectors distilled from a large language model's embedding
layer: no torch, a 16 MB weights file, thousands of texts a second on a CPU. Its wheel ships one
model, ``l2_supercat`` at 256 dimensions, with its tokenizer; nothing is downloaded here, ever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

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
