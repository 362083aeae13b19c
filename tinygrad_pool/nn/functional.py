"""PyTorch's `torch.nn.functional` names. Each op lives in its family module under `tinygrad_pool/ops/`, with its
argument checks and its Function (PyTorch's second names in `nn/aliases.py`); this module only gathers them
under PyTorch's names."""
from ..ops.activation import (  # noqa: F401
    relu, sigmoid, tanh, leaky_relu, elu, celu, selu, gelu, silu, mish, softplus, hardtanh, relu6, hardswish,
    hardsigmoid, softsign, logsigmoid, prelu, softmax, log_softmax, dropout, dropout1d, dropout2d, dropout3d,
    threshold, threshold_, hardshrink, softshrink, tanhshrink, softmin, glu, rrelu, relu_, elu_, leaky_relu_,
    hardtanh_, selu_, celu_, rrelu_, alpha_dropout, feature_alpha_dropout)
from ..ops.distance import normalize, cosine_similarity, pairwise_distance, pdist  # noqa: F401
from ..ops.grid_sample import affine_grid, grid_sample  # noqa: F401
from .aliases import (  # noqa: F401
    max_pool1d_with_indices, max_pool2d_with_indices, max_pool3d_with_indices, adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices, adaptive_max_pool3d_with_indices, fractional_max_pool2d_with_indices,
    fractional_max_pool3d_with_indices, upsample, upsample_nearest, upsample_bilinear)
from ..ops.matmul import linear, bilinear  # noqa: F401
from ..ops.losses import (  # noqa: F401
    nll_loss, cross_entropy, mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, kl_div, margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss,
    soft_margin_loss, multilabel_soft_margin_loss, multilabel_margin_loss, multi_margin_loss, triplet_margin_loss,
    triplet_margin_with_distance_loss, poisson_nll_loss, gaussian_nll_loss)
from ..ops.normalization import (  # noqa: F401
    batch_norm, layer_norm, group_norm, instance_norm, local_response_norm, rms_norm)
from ..ops.movement import pad, pixel_shuffle, pixel_unshuffle, channel_shuffle  # noqa: F401
from ..ops.embedding import one_hot, embedding  # noqa: F401
from ..ops.conv import conv1d, conv2d, conv3d  # noqa: F401
from ..ops.fold import unfold, fold  # noqa: F401
from ..ops.resample import interpolate  # noqa: F401
from ..ops.conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: F401
from ..ops.pooling import (  # noqa: F401
    max_pool1d, max_pool2d, max_pool3d, avg_pool1d, avg_pool2d, avg_pool3d,
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
    adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d,
    lp_pool1d, lp_pool2d, lp_pool3d, max_unpool1d, max_unpool2d, max_unpool3d, global_avg_pool2d,
    fractional_max_pool2d, fractional_max_pool3d)
