"""`tinygrad_pool.device`: PyTorch's torch.device, as a string that names the backend ('cpu' or 'cuda').

    tp.device("cuda:0")          # device(type='cuda', index=0); .type 'cuda', .index 0; str() 'cuda:0'
    tp.device("cuda", 0) == "cuda"   # True: a device equals the strings that name it

One GPU is supported, so 'cuda', 'cuda:0' and device('cuda', 0) are one backend. Tensor.device is a device.
"""
class device(str):
    def __new__(cls, type, index=None):
        if isinstance(type, device):
            return type if index is None else device(type.type, index)
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', 'cuda' or 'cuda:0', got {type!r}")
        text = type
        if ":" in text:
            if index is not None:
                raise ValueError(f"device: {type!r} already has an index; pass the index once")
            text, _, number = text.partition(":")
            if not number.isdigit():
                raise ValueError(f"device: {type!r} has no valid index after ':'; use 'cuda:0'")
            index = int(number)
        if text not in ("cpu", "cuda"):
            raise ValueError(f"unknown device {type!r}: use 'cpu' or 'cuda'")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise ValueError(f"device: index must be a non-negative int, got {index!r}")
            if index != 0:
                raise ValueError(f"device {text}:{index}: one GPU is supported, so the index must be 0")
            if text == "cpu":
                index = None
        out = super().__new__(cls, text)
        out.type, out.index = text, index
        return out

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                return str.__eq__(self, device(other)) is True
            except (TypeError, ValueError):
                return False
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__

    def __reduce__(self):
        return device, (self.type, self.index)

CPU, CUDA = device("cpu"), device("cuda", 0)
