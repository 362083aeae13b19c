"""einsum: PyTorch's Einstein summation, built from Tensor ops (a strided slice for each repeated subscript,
sums, permute, reshape and matmul), so that its gradient comes from the tape.

An equation names each dim of each operand by a letter: letters that appear in the output are kept, in its order,
and every other letter is summed over. The output is explicit after '->', or implicit: the letters that appear
once, in alphabetical order (capitals first). '...' stands for the dims a subscript leaves unnamed; they
broadcast across operands as numpy's do and come first in an implicit output. A letter repeated within one operand
takes that operand's diagonal. Operands contract pairwise, left to right, each pair as one batched matrix product.
"""
import math
import string

import numpy as np

from ..arguments import check_tensors
from ..tensor import Tensor
from .matmul import matmul
from .reduce import sum

LETTERS = string.ascii_uppercase + string.ascii_lowercase   # the order of an implicit output

def _bad(message):
    return ValueError(f"einsum(): {message}")

def _parse_term(term, position, where):
    """The letters of one subscript and whether it holds '...', checking its characters."""
    letters, ellipsis, i = [], False, 0
    while i < len(term):
        if term[i] == ".":
            if term[i:i + 3] != "...":
                raise _bad(f"found a '.' in {where} that is not part of an ellipsis '...'")
            if ellipsis:
                raise _bad(f"{where} holds more than one ellipsis '...'")
            ellipsis = True
            letters.append(Ellipsis)
            i += 3
            continue
        if term[i] not in LETTERS:
            raise _bad(f"invalid subscript {term[i]!r} at index {position + i} of the equation: subscripts must be "
                       "in [a-zA-Z]")
        letters.append(term[i])
        i += 1
    return letters

def _parse(equation, count):
    """(one list of letters and Ellipsis per operand, the output's list or None for an implicit output)."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    if "->" in right:
        raise _bad(f"equation {equation!r} holds more than one '->'")
    terms, position = [], 0
    for i, term in enumerate(left.split(",")):
        terms.append(_parse_term(term, position, f"the subscript of operand {i}"))
        position += len(term) + 1
    if len(terms) != count:
        raise _bad(f"equation {equation!r} has subscripts for {len(terms)} operands, but {count} were given")
    output = _parse_term(right, len(left) + 2, "the output") if arrow else None
    return terms, output

def _sublist_equation(arguments):
    """The equation of the sublist form einsum(op0, [0, 1], op1, [1, 2], [0, 2]): ints 0..51 name the dims,
    Ellipsis the unnamed ones."""
    pairs = len(arguments) // 2
    operands, terms = list(arguments[0:2 * pairs:2]), list(arguments[1:2 * pairs:2])
    output = arguments[-1] if len(arguments) % 2 else None

    def spelled(sublist):
        text = ""
        for item in sublist:
            if item is Ellipsis:
                text += "..."
            elif isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 0 <= item < len(LETTERS):
                text += LETTERS[item]
            else:
                raise _bad(f"a sublist holds {item!r}: use ints in [0, {len(LETTERS)}) and Ellipsis")
        return text

    equation = ",".join(spelled(term) for term in terms) + ("" if output is None else "->" + spelled(output))
    return equation, operands

def _labels(terms, operands):
    """Each operand's dims as labels: its letters, and for '...' ints 0..E-1 (E the most dims any '...' stands
    for), right-aligned so that they broadcast as numpy's."""
    counts = []
    for i, (term, operand) in enumerate(zip(terms, operands)):
        named = len(term) - (Ellipsis in term)
        if Ellipsis not in term and named != operand.ndim:
            raise _bad(f"operand {i} has {operand.ndim} dims but its subscript names {named} and holds no '...'")
        if named > operand.ndim:
            raise _bad(f"operand {i} has {operand.ndim} dims but its subscript names {named}")
        counts.append(operand.ndim - named if Ellipsis in term else 0)
    widest = max(counts, default=0)
    labels = []
    for term, count in zip(terms, counts):
        at = term.index(Ellipsis) if Ellipsis in term else len(term)
        labels.append(term[:at] + list(range(widest - count, widest)) + term[at + 1:])
    return labels, widest

def _output_labels(output, labels, widest):
    """The output's labels: explicit (checked) or implicit."""
    seen = [label for operand in labels for label in operand]
    if output is None:
        once = sorted((label for label in set(seen) if isinstance(label, str) and seen.count(label) == 1),
                      key=LETTERS.index)
        return list(range(widest)) + once
    for label in output:
        if label is not Ellipsis and label not in seen:
            raise _bad(f"output subscript {label} does not appear in the subscript of any operand")
        if label is not Ellipsis and output.count(label) > 1:
            raise _bad(f"output subscript {label} appears more than once in the output")
    at = output.index(Ellipsis) if Ellipsis in output else len(output)
    return output[:at] + (list(range(widest)) if Ellipsis in output else []) + output[at + 1:]

def _sizes(prepared):
    """The size of each label over all operands: one size, or 1 where it broadcasts to the others'."""
    sizes = {}
    for i, (operand, operand_labels) in enumerate(prepared):
        for label, size in zip(operand_labels, operand.shape):
            if label not in sizes or sizes[label] == 1:
                sizes[label] = size
            elif size != 1 and size != sizes[label]:
                name = "an ellipsis dim" if isinstance(label, int) else f"subscript {label}"
                raise _bad(f"{name} has size {size} in operand {i}, which does not broadcast with the size "
                           f"{sizes[label]} seen before")
    return sizes

def _diagonal(x, labels, i):
    """x with each repeated label taken once, along its diagonal: the two dims moved last, flattened and read
    with a stride of n + 1."""
    labels = list(labels)
    while len(set(labels)) < len(labels):
        first = next(j for j, label in enumerate(labels) if labels.count(label) > 1)
        second = labels.index(labels[first], first + 1)
        n = x.shape[first]
        if x.shape[second] != n:
            raise _bad(f"subscript {labels[first]} is repeated for operand {i} but the sizes don't match, "
                       f"{x.shape[second]} != {n}")
        rest = [j for j in range(x.ndim) if j not in (first, second)]
        x = x.permute(*rest, first, second).reshape(tuple(x.shape[j] for j in rest) + (n * n,))[..., ::n + 1]
        labels = [labels[j] for j in rest] + [labels[first]]
    return x, labels

def _sum_out(x, labels, wanted):
    """x summed over the labels not in `wanted`."""
    dims = tuple(j for j, label in enumerate(labels) if label not in wanted)
    if not dims:
        return x, labels
    return sum(x, dims), [label for label in labels if label in wanted]

def _contract(a, a_labels, b, b_labels, keep, sizes):
    """The product of a and b summed over their shared labels not in `keep`: as (batch, a's own, shared) @
    (batch, shared, b's own)."""
    batch = [label for label in a_labels if label in b_labels and label in keep]
    shared = [label for label in a_labels if label in b_labels and label not in keep]
    a_own = [label for label in a_labels if label not in b_labels]
    b_own = [label for label in b_labels if label not in a_labels]

    def size(group):
        return math.prod([sizes[label] for label in group])

    a3 = a.permute(*(a_labels.index(label) for label in batch + a_own + shared)).reshape(
        size(batch), size(a_own), size(shared))
    b3 = b.permute(*(b_labels.index(label) for label in batch + shared + b_own)).reshape(
        size(batch), size(shared), size(b_own))
    out_labels = batch + a_own + b_own
    return matmul(a3, b3).reshape(tuple(sizes[label] for label in out_labels)), out_labels

def einsum(*arguments):
    """einsum(equation, *operands): the sum of the products of the operands' elements over every subscript not
    in the output (see the module's docstring); operands may also come as one list, or in the sublist form
    einsum(op0, [0, 1], op1, [1, 2], [0, 2]). All operands must share one dtype."""
    if not arguments:
        raise TypeError("einsum() needs an equation and operands, e.g. einsum('ij,jk->ik', a, b)")
    if isinstance(arguments[0], Tensor):
        equation, operands = _sublist_equation(arguments)
    else:
        equation, operands = arguments[0], list(arguments[1:])
        if not isinstance(equation, str):
            raise TypeError(f"einsum(): the equation must be a str, got {type(equation).__name__}")
        if len(operands) == 1 and isinstance(operands[0], (tuple, list)):
            operands = list(operands[0])
    operands = check_tensors(operands, "operands", "einsum")
    if not operands:
        raise _bad("needs at least one operand")
    if len({t.dtype for t in operands}) > 1:
        raise TypeError("einsum(): the operands must share one dtype, got "
                        + ", ".join(str(t.dtype) for t in operands) + "; cast them with .to(dtype)")
    terms, output = _parse(equation, len(operands))
    labels, widest = _labels(terms, operands)
    output = _output_labels(output, labels, widest)
    prepared = [_diagonal(operand, operand_labels, i) for i, (operand, operand_labels) in
                enumerate(zip(operands, labels))]
    sizes = _sizes(prepared)
    for i, (operand, operand_labels) in enumerate(prepared):
        target = tuple(sizes[label] for label in operand_labels)
        if operand.shape != target:   # size-1 dims broadcast to the others' size
            prepared[i] = (operand.expand(target), operand_labels)
    result, result_labels = None, None
    for i, (operand, operand_labels) in enumerate(prepared):
        later = set(output) | {label for _, others in prepared[i + 1:] for label in others}
        operand, operand_labels = _sum_out(operand, operand_labels, later | set(result_labels or ()))
        if result is None:
            result, result_labels = operand, operand_labels
            continue
        result, result_labels = _sum_out(result, result_labels, later | set(operand_labels))
        result, result_labels = _contract(result, result_labels, operand, operand_labels, later, sizes)
    result, result_labels = _sum_out(result, result_labels, set(output))
    order = [result_labels.index(label) for label in output]
    return result.permute(*order) if order != sorted(order) else result
