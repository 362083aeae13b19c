"""Neural-network building blocks; `nn.functional` holds the stateless functions."""
from . import functional, init, utils
from .module import Module, Parameter, Buffer
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Linear, Bilinear, Flatten, Unflatten, Identity, PixelShuffle, PixelUnshuffle, ChannelShuffle
from .parallel import DataParallel, DistributedDataParallel
from .embedding import Embedding
from .fold import Fold, Unfold
from .lazy import (LazyLinear, LazyConv1d, LazyConv2d, LazyConv3d, LazyBatchNorm1d, LazyBatchNorm2d,
                   LazyBatchNorm3d, UninitializedParameter, UninitializedBuffer, LazyConvTranspose1d,
                   LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                   LazyInstanceNorm3d)
from .padding import (ZeroPad1d, ZeroPad2d, ZeroPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d,
                      ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                      CircularPad1d, CircularPad2d, CircularPad3d)
from .activation import (ReLU, LeakyReLU, ELU, CELU, SELU, GELU, SiLU, Mish, Softplus, Hardtanh, ReLU6, Hardswish,
                         Hardsigmoid, Sigmoid, Tanh, Softsign, LogSigmoid, PReLU, LogSoftmax, Softmax, Softmax2d,
                         Threshold, Softmin, GLU, Hardshrink, Softshrink, Tanhshrink, RReLU)
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from .loss import (L1Loss, MSELoss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss, HuberLoss,
                   KLDivLoss, NLLLoss2d, MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss, SoftMarginLoss,
                   MultiLabelSoftMarginLoss, MultiLabelMarginLoss, MultiMarginLoss, TripletMarginLoss,
                   TripletMarginWithDistanceLoss, PoissonNLLLoss, GaussianNLLLoss)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .sync_batchnorm import SyncBatchNorm
from .normalization import (LayerNorm, GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, RMSNorm,
                            LocalResponseNorm)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
                      LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d,
                      FractionalMaxPool2d, FractionalMaxPool3d)
