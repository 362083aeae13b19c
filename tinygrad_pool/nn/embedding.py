"""`Embedding`: a learned table of vectors, looked up by index."""
import numpy as np

from ..arguments import check_int
from ..seeding import generator
from . import functional as F
from .module import Module, Parameter

class Embedding(Module):
    """weight (num_embeddings, embedding_dim) from N(0, 1), as in PyTorch; the padding_idx row starts at 0 and
    gets no gradient."""
    def __init__(self, num_embeddings, embedding_dim, padding_idx=None):
        check_int(num_embeddings, "num_embeddings", "Embedding", minimum=1)
        check_int(embedding_dim, "embedding_dim", "Embedding", minimum=0)
        if padding_idx is not None:
            check_int(padding_idx, "padding_idx", "Embedding")
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx={padding_idx} must be within num_embeddings="
                                 f"{num_embeddings}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        table = generator().standard_normal((num_embeddings, embedding_dim)).astype(np.float32)
        if padding_idx is not None:
            table[padding_idx] = 0
        self.weight = Parameter(table)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"
