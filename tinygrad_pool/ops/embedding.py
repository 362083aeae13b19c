"""Lookups by integer index: one_hot and embedding (rows of a weight matrix), as in torch.nn.functional."""
import numpy as np

from ..arguments import check_int, check_tensor
from ..tensor import Tensor, int32, int64
from .elementwise import where

def _indices(input, op, dtypes=(int64,)):
    check_tensor(input, "input", op)
    if input.dtype not in dtypes:
        raise TypeError(f"{op}: input must hold {' or '.join(map(str, dtypes))} indices, got {input.dtype}")
    return input.numpy()

def one_hot(tensor, num_classes=-1):
    """int64 (*, num_classes) with a 1 at each index; num_classes=-1 takes the largest index + 1."""
    indices = _indices(tensor, "one_hot")
    check_int(num_classes, "num_classes", "one_hot", minimum=-1)
    if num_classes == -1:
        if indices.size == 0:
            raise ValueError("one_hot: an empty tensor needs num_classes; it cannot be inferred")
        num_classes = int(indices.max()) + 1
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        bad = indices[(indices < 0) | (indices >= num_classes)].flat[0]
        raise ValueError(f"one_hot: index {bad} is out of range for num_classes={num_classes}")
    out = (indices[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor(out, device=tensor.device)

def embedding(input, weight, padding_idx=None):
    """weight[input]: row i of weight (num_embeddings, dim) for each index i. The row at padding_idx gets no
    gradient, as in PyTorch."""
    indices = _indices(input, "embedding", (int64, int32))
    check_tensor(weight, "weight", "embedding")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-d (num_embeddings, embedding_dim), got {weight.shape}")
    count = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = indices[(indices < 0) | (indices >= count)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {count} embeddings")
    rows = weight[indices]
    if padding_idx is None:
        return rows
    check_int(padding_idx, "padding_idx", "embedding")
    if not -count <= padding_idx < count:
        raise ValueError(f"embedding: padding_idx={padding_idx} must be within the {count} embeddings")
    padding = Tensor((indices == padding_idx % count)[..., None], device=weight.device)
    return where(padding, rows.detach(), rows)
