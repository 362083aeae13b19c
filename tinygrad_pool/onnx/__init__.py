"""ONNX export, as PyTorch's `torch.onnx.export`: run the model once, read the recorded tape, write an ONNX model.

The `onnx` package is needed only here and is imported when `export` runs, so `import tinygrad_pool` works
without it. docs/onnx.md lists the supported ops and what an exported graph looks like.
"""
import os
import warnings

import numpy as np

from ..arguments import check_bool, described, is_int
from ..nn import Module
from ..tensor import Tensor
from . import trace as tracing

__all__ = ["export"]

def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None, opset_version=17,
           do_constant_folding=True, verbose=False, export_params=True):
    """Write `model` (an nn.Module) traced on `args` (a Tensor or a tuple of Tensors) to `f` (a path or a binary
    file object) as an ONNX model. The model runs in eval mode (its modes are restored after); parameters and
    buffers become initializers named as `model.named_parameters()` and `named_buffers()` name them (graph inputs
    instead with export_params=False, where input_names beyond the model's inputs name them in order; otherwise
    such extra names are ignored, as in PyTorch). dynamic_axes {name: {dim: "label"} or [dims]} leaves those dims
    of the named inputs and outputs free. The constants are already folded (shapes and window tables are read from
    the tape), so do_constant_folding changes nothing."""
    inputs = _check_arguments(model, args, f)
    for name, flag in (("do_constant_folding", do_constant_folding), ("verbose", verbose),
                       ("export_params", export_params)):
        check_bool(flag, name, "onnx.export")
    if not is_int(opset_version):
        raise TypeError(f"onnx.export: opset_version must be an int, got {described(opset_version)}")
    input_names = _check_names(input_names, "input_names", None)
    parameter_names = input_names[len(inputs):]   # name the parameters' graph inputs, as in PyTorch
    input_names = input_names[:len(inputs)]
    try:
        import onnx
        import onnx.printer
    except ImportError:
        raise ImportError("onnx.export needs the onnx package: pip install onnx") from None
    opset = _check_opset(opset_version, onnx)
    from .build import build
    with tracing.evaluation_mode(model):
        first = tracing.run(model, inputs)
        output_names = _check_names(output_names, "output_names", len(first.outputs))
        names = _default_names(input_names, len(inputs), "input") + \
            _default_names(output_names, len(first.outputs), "output")
        axes = _check_dynamic_axes(dynamic_axes, names, [t.ndim for t in inputs] + [t.ndim for t in first.outputs])
        second = None
        if axes:
            grown = tuple(_grow(t, axes.get(name, {})) for t, name in zip(inputs, names))
            second = tracing.run(model, grown)
            _check_same_graph(first, second)
    proto = build(first, second, model, names[:len(inputs)], names[len(inputs):], axes, opset,
                  parameter_names if not export_params else None)
    onnx.checker.check_model(proto)
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    if isinstance(f, (str, os.PathLike)):
        onnx.save_model(proto, os.fspath(f))
    else:
        f.write(proto.SerializeToString())

def _check_arguments(model, args, f):
    if not isinstance(model, Module):
        raise TypeError(f"onnx.export: model must be an nn.Module, got {type(model).__name__}")
    inputs = (args,) if isinstance(args, Tensor) else args
    if not isinstance(inputs, (tuple, list)) or not inputs:
        raise TypeError(f"onnx.export: args must be a Tensor or a non-empty tuple of Tensors, got "
                        f"{type(args).__name__}")
    for i, value in enumerate(inputs):
        if not isinstance(value, Tensor):
            raise TypeError(f"onnx.export: args[{i}] must be a Tensor (keyword arguments are not supported), got "
                            f"{type(value).__name__}")
    if not isinstance(f, (str, os.PathLike)) and not callable(getattr(f, "write", None)):
        raise TypeError(f"onnx.export: f must be a file path or a binary file object with write(), got "
                        f"{type(f).__name__}")
    return tuple(inputs)

def _check_opset(opset_version, onnx):
    """14 (HardSwish) up to 21, or the newest opset the installed onnx knows if that is older."""
    newest = min(21, onnx.defs.onnx_opset_version())
    if not 14 <= opset_version <= newest:
        raise ValueError(f"onnx.export: opset_version={opset_version} is not supported: use 14 to {newest}")
    return int(opset_version)

def _check_names(names, what, count):
    if names is None:
        return []
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
        raise TypeError(f"onnx.export: {what} must be a list of non-empty str, got {names!r}")
    if count is not None and len(names) > count:
        raise ValueError(f"onnx.export: {what} has {len(names)} names {list(names)} but the model has {count}")
    if len(set(names)) != len(names):
        raise ValueError(f"onnx.export: {what} {list(names)} repeats a name")
    return list(names)

def _default_names(names, count, stem):
    return names + [f"{stem}_{i}" for i in range(len(names), count)]

def _check_dynamic_axes(dynamic_axes, names, ranks):
    """{name: {dim: label}}: a list of dims gets PyTorch's labels, name + '_dynamic_axes_' + position."""
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"onnx.export: dynamic_axes must be a dict {{name: {{dim: label}} or [dims]}}, got "
                        f"{type(dynamic_axes).__name__}")
    if len(set(names)) != len(names):
        raise ValueError(f"onnx.export: input and output names {names} must differ for dynamic_axes")
    rank_of = dict(zip(names, ranks))
    axes = {}
    for name, dims in dynamic_axes.items():
        if name not in rank_of:
            warnings.warn(f"onnx.export: dynamic_axes names {name!r}, which is neither an input nor an output name "
                          f"({names}); it is ignored", stacklevel=3)
            continue
        if isinstance(dims, (list, tuple)):
            dims = {d: f"{name}_dynamic_axes_{i + 1}" for i, d in enumerate(dims)}
        if not isinstance(dims, dict):
            raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must be a dict {{dim: label}} or a list of dims, "
                            f"got {type(dims).__name__}")
        labelled = {}
        for dim, label in dims.items():
            if not is_int(dim) or not -rank_of[name] <= dim < rank_of[name]:
                raise ValueError(f"onnx.export: dynamic_axes[{name!r}] names dim {dim!r}, but {name} has "
                                 f"{rank_of[name]} dims")
            if not isinstance(label, str):
                raise TypeError(f"onnx.export: dynamic_axes[{name!r}][{dim}] must be a str label, got "
                                f"{described(label)}")
            labelled[int(dim) % rank_of[name]] = label
        axes[name] = labelled
    return axes

def _grow(tensor, dims):
    """The input with each dynamic dim doubled (its values repeated): the second run that tells which shapes
    depend on it."""
    array = tensor.numpy()
    for dim in dims:
        if array.shape[dim] == 0:
            raise ValueError(f"onnx.export: dynamic dim {dim} of an input of shape {tensor.shape} is empty; trace "
                             "with a non-empty example")
        array = np.concatenate([array, array], axis=dim)
    return Tensor(array, device=tensor.device)

def _check_same_graph(first, second):
    ops = [fn.name for fn in first.nodes], [fn.name for fn in second.nodes]
    if ops[0] != ops[1]:
        raise ValueError("onnx.export: the model runs other ops when the dynamic axes change size, so its graph "
                         "cannot be exported with them; export without dynamic_axes")
