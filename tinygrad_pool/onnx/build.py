"""From a trace to an ONNX ModelProto: names for the leaves, one emitter per node, the graph's inputs and outputs."""
from onnx import helper

from .graph import ELEMENT_TYPES, Graph
from .ops import EMITTERS

def build(first, second, model, input_names, output_names, axes, opset, parameter_inputs):
    """`first` is the trace of the example inputs, `second` (or None) that of the inputs with the dynamic axes
    grown. `parameter_inputs` None keeps the parameters and buffers as initializers; a list makes them graph inputs,
    the first ones named by it."""
    leaf_names = {}
    for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
        leaf_names.setdefault(id(tensor), name)
        leaf_names.setdefault(id(tensor._data), name)
    reserved = set(input_names) | set(output_names) | set(parameter_inputs or ())
    g = Graph(first, second, opset, leaf_names, reserved)
    grown_inputs = (second or first).inputs
    for tensor, grown, name in zip(first.inputs, grown_inputs, input_names):
        g.model_input(tensor, grown, name)
    for fn in first.nodes:
        g.scope = first.scopes[id(fn)][1] if id(fn) in first.scopes else ""
        emitter = EMITTERS.get(fn.name)
        if emitter is None:
            where = f"submodule {g.scope!r}" if g.scope else f"{type(model).__name__}.forward"
            raise ValueError(f"onnx.export: {where} ran {fn.name} ({type(fn).__module__}.{fn.name}), which has no "
                             f"ONNX export; supported: {', '.join(sorted(EMITTERS))}")
        g.bind(fn, emitter(g, fn))
    g.scope = ""
    values = [g.value_of(out) for out in first.outputs]
    values = _name_outputs(g, values, output_names, set(input_names))
    needed = g.prune(values)
    for name in input_names:
        if name not in needed:
            raise ValueError(f"onnx.export: input {name!r} reaches no output through recorded ops: an integer input "
                             "used as indices, or a value taken off the tape (numpy(), item(), a comparison), would "
                             "be frozen into the graph as a constant")
    graph_inputs = [_value_info(name, t, g.shapes[name], axes.get(name, {}))
                    for name, t in zip(input_names, first.inputs)]
    if parameter_inputs is not None:
        parameters = set(leaf_names.values())
        inits = [init for init in g.initializers if init.name in parameters]
        names = dict(zip((init.name for init in inits), parameter_inputs))
        for node in g.nodes:
            node.input[:] = [names.get(name, name) for name in node.input]
        graph_inputs += [helper.make_tensor_value_info(names.get(init.name, init.name), init.data_type,
                                                       list(init.dims)) for init in inits]
        g.initializers = [init for init in g.initializers if init.name not in parameters]
    graph_outputs = [_value_info(name, t, g.shapes.get(value, (t.shape, t.shape)), axes.get(name, {}))
                     for name, value, t in zip(output_names, values, first.outputs)]
    graph = helper.make_graph(g.nodes, type(model).__name__, graph_inputs, graph_outputs, g.initializers)
    opsets = [helper.make_opsetid("", opset)]
    # the oldest IR version of the opset, so that older runtimes load the file too
    return helper.make_model(graph, producer_name="tinygrad_pool", opset_imports=opsets,
                             ir_version=helper.find_min_ir_version_for(opsets))

def _name_outputs(g, values, output_names, input_names):
    """Give each output value its output name: the node that makes it is renamed, or an Identity copies it (an
    input, a constant or a value that is already another output)."""
    made = {name for node in g.nodes for name in node.output}
    taken, named, renamed = set(), [], {}
    for value, name in zip(values, output_names):
        value = renamed.get(value, value)
        if value in made and value not in taken and value not in input_names:
            renamed[value] = name
            for node in g.nodes:
                for slots in (node.input, node.output):
                    for i, slot in enumerate(slots):
                        if slot == value:
                            slots[i] = name
            g.shapes[name] = g.shapes.get(value)
            made.add(name)
        else:
            g.nodes.append(helper.make_node("Identity", [value], [name]))
            g.shapes[name] = g.shapes.get(value)
        taken.add(name)
        named.append(name)
    return named

def _value_info(name, tensor, shapes, labels):
    """A graph input's or output's type: a labelled dim, or one that changes with the dynamic axes, is symbolic."""
    first, grown = shapes if shapes is not None else (tensor.shape, tensor.shape)
    dims = []
    for i, (a, b) in enumerate(zip(first, grown)):
        dims.append(labels[i] if i in labels else (f"{name}_dim_{i}" if a != b else int(a)))
    return helper.make_tensor_value_info(name, ELEMENT_TYPES[tensor.dtype], dims)
