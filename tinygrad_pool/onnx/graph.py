"""The ONNX graph under construction: value names, initializers, nodes, and the shapes each value has.

Each value keeps its shape in the traced run and, when axes are dynamic, in a second run with those axes grown
(`shapes[name] = (first run's, second run's)`): a dim that differs between the two depends on the input's size,
so a shape argument (a Reshape's target) must not hard-code it. Only this module and the emitters build protos.
"""
import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..autograd import Function

ELEMENT_TYPES = {np.dtype(np.float32): onnx.TensorProto.FLOAT, np.dtype(np.float64): onnx.TensorProto.DOUBLE,
                 np.dtype(np.int64): onnx.TensorProto.INT64, np.dtype(np.int32): onnx.TensorProto.INT32,
                 np.dtype(np.uint8): onnx.TensorProto.UINT8, np.dtype(np.bool_): onnx.TensorProto.BOOL}

class Graph:
    """The nodes and initializers emitted so far for `trace` (and its twin, the grown run's trace, or None)."""
    def __init__(self, trace, twin_trace, opset, names, reserved):
        self.opset = opset
        self.trace = trace
        self.twins = {} if twin_trace is None else {id(a): b for a, b in zip(trace.nodes, twin_trace.nodes)}
        self.twin_trace = twin_trace or trace
        self.nodes, self.initializers = [], []
        self.values = {}          # id(Function or leaf Tensor or constant array) -> value name
        self.shapes = {}          # value name -> (shape in the traced run, shape in the grown run)
        self.reshaped_from = {}   # value name made by Reshape -> the value it reshaped
        self.leaf_names = names   # id(Tensor or its array) -> parameter, buffer or input name
        self._counts = {}
        self.scope = ""   # the submodule whose node is being emitted: ONNX node names carry it, as PyTorch's do
        self._taken = set(reserved) | set(names.values())   # the user's names, which no generated one may repeat
        self._initialized = set()   # initializer names: a buffer read as a Tensor and as an array is stored once

    # --- names -----------------------------------------------------------------------------------------------
    def fresh(self, stem):
        while True:
            count = self._counts.get(stem, 0)
            self._counts[stem] = count + 1
            name = f"{stem}_{count}"
            if name not in self._taken:
                return name

    def twin(self, fn):
        """The node of the grown run that corresponds to `fn` (fn itself without dynamic axes)."""
        return self.twins.get(id(fn), fn)

    # --- values ----------------------------------------------------------------------------------------------
    def input(self, fn, i):
        """The value name of argument i of `fn` (a Tensor): the node that made it, or a leaf."""
        node = fn.parent_nodes[i]
        if isinstance(node, Function):
            return self.values[id(node)]
        tensor = fn.parents[i]
        if id(tensor) in self.values:
            return self.values[id(tensor)]
        grown = self.twin(fn).parents[i]
        if tuple(grown.shape) != tuple(tensor.shape):
            raise ValueError(f"onnx.export: {fn.name} reads a tensor of shape {tuple(tensor.shape)} that is no part "
                             f"of the recorded graph but changes with the dynamic axes (to {tuple(grown.shape)}): "
                             "it was computed off the tape (detach(), numpy(), a comparison, an integer cast)")
        return self.array(tensor.numpy(), self.leaf_names.get(id(tensor)) or self.leaf_names.get(id(tensor._data)),
                          key=id(tensor))

    def array(self, value, name=None, key=None):
        """An initializer holding `value` (deduplicated by `key`, the identity of what it came from)."""
        if key is not None and key in self.values:
            return self.values[key]
        if name in self._initialized:
            return name
        value = np.asarray(value)
        if value.dtype not in ELEMENT_TYPES:
            raise TypeError(f"onnx.export: a constant of dtype {value.dtype} has no ONNX type here")
        name = name or self.fresh("constant")
        self.initializers.append(numpy_helper.from_array(np.array(value, order="C"), name))
        self._initialized.add(name)
        self.shapes[name] = (value.shape, value.shape)
        if key is not None:
            self.values[key] = name
        return name

    def ints(self, values):
        return self.array(np.asarray(values, np.int64))

    def scalar(self, value, dtype):
        return self.array(np.asarray(value, dtype))

    def node(self, op_type, inputs, shapes=None, outputs=1, **attributes):
        """Append a node; returns its output name (or names when outputs > 1). `shapes` (first run's, grown run's)
        records the shape of its (first) output where later shape logic needs it."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        node_name = "/" + "/".join(self.scope.split(".") + [names[0]]) if self.scope else names[0]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=node_name, **attributes))
        if shapes is not None:
            self.shapes[names[0]] = shapes
        return names[0] if outputs == 1 else names

    def shape_pair(self, fn):
        """fn's output shape in the traced and in the grown run."""
        return (tuple(self.trace.output_of[id(fn)].shape),
                tuple(self.twin_trace.output_of[id(self.twin(fn))].shape))

    def argument_shapes(self, fn, i):
        return tuple(fn.parents[i].shape), tuple(self.twin(fn).parents[i].shape)

    # --- shape arguments -------------------------------------------------------------------------------------
    def shape_argument(self, source, target, what):
        """An int64 shape for Reshape of `source` to `target` (pairs of the two runs' shapes): a dim the same in
        both is written as it is, one that copies the source's dim at its position as 0, and one other that depends
        on the input's size as -1."""
        (source_a, source_b), (target_a, target_b) = source, target
        dims = []
        for i, (a, b) in enumerate(zip(target_a, target_b)):
            if a == b and a != 0:
                dims.append(a)
            elif i < len(source_a) and source_a[i] == a and source_b[i] == b:
                dims.append(0)
            else:
                dims.append(-1)
        if dims.count(-1) > 1:
            raise ValueError(f"onnx.export: {what} to shape {target_a} has {dims.count(-1)} dims that depend on the "
                             f"dynamic axes (shape {target_b} with the axes grown); only one can be inferred")
        return self.ints(dims)

    def reshape(self, value, target, what):
        """Reshape `value` to `target` (a pair of shapes); a chain of reshapes collapses into one, and a reshape to
        the value's own shape is the value itself."""
        value = self.reshaped_from.get(value, value)
        if self.shapes.get(value) == target:
            return value
        out = self.node("Reshape", [value, self.shape_argument(self.shapes[value], target, what)], shapes=target)
        self.reshaped_from[out] = value
        return out

    def bind(self, fn, value):
        """`value` is fn's output."""
        self.values[id(fn)] = value
        self.shapes.setdefault(value, self.shape_pair(fn))

    def model_input(self, tensor, grown, name):
        self.values[id(tensor)] = name
        self.shapes[name] = (tuple(tensor.shape), tuple(grown.shape))

    def value_of(self, tensor):
        """The value name of a model output: its node, an input, or a constant."""
        if tensor._ctx is not None:
            return self.values[id(tensor._ctx)]
        if id(tensor) in self.values:
            return self.values[id(tensor)]
        return self.array(tensor.numpy(), self.leaf_names.get(id(tensor)), key=id(tensor))

    # --- cleanup ---------------------------------------------------------------------------------------------
    def prune(self, outputs):
        """Drop the nodes no output depends on (a reshape that a later one made redundant, say)."""
        needed, kept = set(outputs), []
        for node in reversed(self.nodes):
            if any(name in needed for name in node.output):
                kept.append(node)
                needed.update(name for name in node.input if name)
        self.nodes = kept[::-1]
        self.initializers = [init for init in self.initializers if init.name in needed]
        return needed
