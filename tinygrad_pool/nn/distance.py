"""The distance modules over `nn.functional`: `CosineSimilarity` and `PairwiseDistance`, with PyTorch's
constructor arguments (and its reprs, which show none of them)."""
from ..arguments import check_bool, check_int, check_number
from . import functional as F
from .module import Module

class CosineSimilarity(Module):
    def __init__(self, dim=1, eps=1e-8):
        self.dim = check_int(dim, "dim", "CosineSimilarity")
        self.eps = check_number(eps, "eps", "CosineSimilarity")

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)

class PairwiseDistance(Module):
    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        self.norm = check_number(p, "p", "PairwiseDistance")
        self.eps = check_number(eps, "eps", "PairwiseDistance")
        self.keepdim = check_bool(keepdim, "keepdim", "PairwiseDistance")

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
