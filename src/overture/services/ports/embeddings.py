"""Text embeddings: what the taxonomy mapper (services/taxonomy.py) needs from a language model.

An implementation runs locally and loads nothing from the network (connectors/embeddings.py: the
WordLlama model shipped inside its wheel)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]  # one row a text, shape (texts, dimensions)


class TextEmbedder(Protocol):
    """Turns texts into vectors whose dot product says how close they are in meaning."""

    @property
    def dimensions(self) -> int:
        """The length of every vector."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text, in order; a text with nothing to embed gives a zero row."""
        ...
