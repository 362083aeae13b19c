"""What every backend provides: the functions below, under these names and with these parameters.

A backend is a package (`cpu/`, `cuda/`) whose `__init__.py` exports exactly these names, each working on its
own array type (numpy arrays on the CPU, `CudaArray`s on CUDA). Arrays called `x`, `a`, `b`, `g` are that array
type; an operand of an elementwise function may also be a python number. `tests/test_backends.py` checks that
both backends export exactly this set, with these parameter names.

The ops (`tinygrad_pool/ops/`) call these functions through `Function.xp`, the backend of the inputs' device;
a name a backend lacks fails at once with the op and the device named (`backends.MissingKernel`). Adding a
backend function means a line here, the function in both backends, and its tests.
"""
import re
from typing import NamedTuple

DECLARATIONS = """
# creation and transfer
asarray(array)                    A C-ordered numpy array (or anything np.asarray takes) -> this device's array (a
                                  copy on CUDA).
to_numpy(x)                       This device's array -> a numpy array (the array itself on the CPU, a copy from
                                  CUDA).
full(shape, value, dtype)         A new array of `shape` and `dtype` filled with `value`, filled on the device.
zeros(shape, dtype)               full(shape, 0, dtype).
arange(n, dtype)                  0, 1, ..., n-1 as a 1-d array of `dtype`.
astype(x, dtype)                  x cast to `dtype` (x itself when it already has that dtype).
copy(x)                           A new array with x's values.
contiguous(x)                     x laid out in C order (x itself when it already is).
owned(x, taken)                   x when its storage may be written and is not in the set `taken`, else a copy;
                                  the result's storage joins `taken`. A leaf's .grad shares storage with nothing.
storage(x)                        The object that owns x's memory: arrays that view one another give the same
                                  one (in-place writes are counted by it).
assign(x, key, values)            x[key] = values, in place: values (an array of this device, or a python number)
                                  broadcast to x[key]'s shape; key as getitem's, () for all of x.
add_into(x, a)                    x += a in place (a of x's dtype, broadcasting to x's shape) and True; False, with
                                  x unchanged, where x is read-only. Gradient accumulation into a leaf's .grad.

# elementwise: numpy's broadcasting and dtypes; a or b may be a python number
add(a, b)                         a + b.
sub(a, b)                         a - b.
mul(a, b)                         a * b.
div(a, b)                         a / b (true division).
pow(a, b)                         a ** b.
maximum(a, b)                     The larger of a and b; NaN wins, as in numpy.maximum.
minimum(a, b)                     The smaller of a and b; NaN wins.
eq(a, b)                          a == b, as a bool array.
ne(a, b)                          a != b.
lt(a, b)                          a < b.
le(a, b)                          a <= b.
gt(a, b)                          a > b.
ge(a, b)                          a >= b.
floor_divide(a, b)                floor(a / b), as Python's //: rounded toward -inf (integer b holds no 0).
remainder(a, b)                   a - b * floor(a / b), with the sign of b, as Python's %.
bitwise_and(a, b)                 a & b of integer or bool arrays.
bitwise_or(a, b)                  a | b.
bitwise_xor(a, b)                 a ^ b.
neg(x)                            -x.
exp(x)                            e ** x.
log(x)                            The natural log: -inf at 0, NaN below.
sqrt(x)                           The square root: NaN below 0.
abs(x)                            |x|.
tanh(x)                           tanh(x).
log1p(x)                          log(1 + x), accurate near 0: -inf at -1, NaN below.
sin(x)                            sin(x).
cos(x)                            cos(x).
sinh(x)                           sinh(x).
cosh(x)                           cosh(x).
floor(x)                          The largest integer <= x, in x's float dtype (-0.0, inf and NaN stay).
ceil(x)                           The smallest integer >= x.
round(x)                          The nearest integer, ties to even.
sign(x)                           1, -1 or 0; 0 also for -0.0 and NaN, as torch.sign.
sigmoid(x)                        1 / (1 + exp(-x)), computed so that it never overflows.
relu(x)                           max(x, 0); NaN stays NaN, as in PyTorch.
relu_backward(g, out)             g where the ReLU's output `out` is positive or NaN, else 0.
activation(x, kind, a, b)         scalar.activation(kind, x, a, b) at every element: leaky_relu, elu, gelu, silu,
                                  ... by the codes in backends/scalar.py, with up to two parameters a, b.
activation_backward(g, x, kind, a, b)
                                  g * scalar.activation_grad(kind, x, a, b) at every element of x.
dropout(x, p, key)                x with element i zeroed where scalar.uniform_hash(key, i) < p, the rest scaled by
                                  1 / (1 - p): the same mask on every device.
where(cond, a, b)                 a where the bool array cond holds, else b (a, b: arrays or python numbers).
special(x, kind)                  scalar.special(kind, x) at every element of a float array: expm1, log2, log10,
                                  trunc, erf, erfc, erfinv, sinc by the codes in backends/scalar.py.
atan2(a, b)                       The angle of the point (b, a), in [-pi, pi], as numpy.arctan2 (floats).
fmod(a, b)                        a - trunc(a / b) * b exactly: the remainder with the sign of a, as C's fmod
                                  (integer b holds no 0).
hypot(a, b)                       sqrt(a * a + b * b) without overflow (floats).
copysign(a, b)                    The magnitude of a with the sign bit of b (floats).

# reductions: axis is None (all), an int or a tuple of ints
sum(x, axis, keepdims)            The sum over `axis` (integers and bools sum as int64).
max(x, axis, keepdims)            The maximum over `axis`; NaN wins.
min(x, axis, keepdims)            The minimum over `axis`; NaN wins.
argmax(x, axis, keepdims)         The index of the first maximum along the int `axis` (of the first NaN, if any).
argmin(x, axis, keepdims)         The index of the first minimum along `axis`.
prod(x, axis, keepdims)           The product over `axis` (integers and bools multiply as int64).
cumsum(x, axis)                   The running sum along the int `axis` (integers and bools add as int64).
cumprod(x, axis)                  The running product along the int `axis` (integers and bools multiply as int64).
cummax(x, axis)                   (the running maximum along the int `axis`, the int64 index where it was last
                                  reached): a NaN wins and stays, and a later NaN takes the index.
cummin(x, axis)                   (the running minimum, the index where it was last reached), as cummax.

# movement
reshape(x, shape)                 x with a new shape of the same size (one entry may be -1).
permute(x, axes)                  x with its axes reordered.
expand(x, shape)                  x broadcast to `shape`.
getitem(x, key)                   x[key] for a tuple key of ints, slices, None, Ellipsis and int or bool numpy
                                  arrays.
index_add(shape, key, values)     Zeros of `shape` with `values` added at `key` (repeated indices add up): the
                                  gradient of getitem.
pad(x, widths, value)             x with widths[i] = (before, after) elements of `value` added around axis i.
concatenate(xs, axis)             The arrays `xs` joined along `axis`.
scatter(shape, key, values)       Zeros of `shape` with out[key] = values (a repeated index keeps one of its
                                  values): max_unpool.
pad_copy(x, sources)              (planes, D, H, W) -> (planes, OD, OH, OW): the copying pad modes (reflect,
                                  replicate, circular); out[p, d, h, w] = x[p, sources.depth[d], sources.height[h],
                                  sources.width[w]] (`sources`: an ops.movement.CopySources).
pad_copy_backward(g, sources, in_shape)
                                  The gradient of pad_copy: zeros of `in_shape` with each g element added where it
                                  was copied from.

# gather and scatter along one axis: index is int64 and in range (the ops check it); backends/cpu/indexing.py
gather(x, axis, index)            out[..., i, ...] = x[..., index[..., i, ...], ...] with i along `axis`: out has
                                  index's shape, which is no larger than x's outside `axis`.
scatter_reduce(x, axis, index, src, reduce)
                                  A copy of x with each element of src's leading index-shaped box combined into x
                                  at its index along `axis`, by scalar.scatter_combine: reduce 'assign' (a repeated
                                  index keeps one of its values), 'sum', 'prod', 'amax' or 'amin'.
index_select(x, axis, index)      x's slices at the positions of the 1-d `index` along `axis`.
index_scatter(x, axis, index, src, accumulate)
                                  A copy of x with src's slice l along `axis` written at index[l] of the 1-d
                                  `index` (added when accumulate; else a repeated index keeps one of its slices).

# sorting and searching; backends/cpu/sorting.py
argsort(x, axis, descending)      The int64 positions that sort x along the int `axis`, stably in both directions
                                  (equal elements keep their order): NaN sorts above every number, -0.0 equals 0.0.
searchsorted(sequence, values, right)
                                  int64 (rows, m): where each value of row r of `values` (rows, m) goes in row r of
                                  the sorted `sequence` (rows or 1, n), before equal elements (after them with
                                  right); a NaN value goes after every element. Both have one dtype.

# matmul, pooling, convolution
matmul(a, b)                      (..., m, k) @ (..., k, n) with broadcast batch dims.
max_pool(x, windows, with_indices)
                                  (planes, D, H, W) -> (values (planes, OD, OH, OW), their flat offsets into each
                                  plane when with_indices, else None: int32 or int64, which max_pool_backward takes
                                  back). `windows` is an ops.pooling.Windows.
max_pool_backward(grad_out, indices, windows)
                                  The input gradient of max_pool: each grad_out element added to the input at its
                                  index.
fractional_max_pool(x, starts, kernel, out_shape, with_indices)
                                  (planes, D, H, W) -> (values (planes, *out_shape), int64 flat offsets or None)
                                  of max pooling over the kernel (3 ints) box from starts[p, :, o] (a (planes, 3,
                                  widest output) int64 table): windows of each plane's own.
avg_pool(x, windows, factor)      (planes, D, H, W) -> window sums (planes, OD, OH, OW), each divided by
                                  factor[0, od] * factor[1, oh] * factor[2, ow] (a (3, widest output) float64 table).
avg_pool_backward(grad_out, windows, factor)
                                  The input gradient of avg_pool.
conv_forward(x, w, bias, geometry, groups)
                                  x (N, C, D, H, W), w (C_out, C/groups, KD, KH, KW), bias (C_out,) or None ->
                                  (N, C_out, OD, OH, OW). `geometry` is an ops.conv.ConvGeometry.
conv_backward(x, w, grad_out, geometry, groups, need_input, need_weight, need_bias)
                                  (grad_x, grad_w, grad_bias) of conv_forward; None for each gradient that is not
                                  needed. x is read only when need_weight; otherwise any array of its shape serves
                                  (a broadcast zero: conv_transpose).
im2col(x, geometry)               x (N, C, D, H, W) -> columns (C * KD*KH*KW, N * OD*OH*OW): row (c, jd, jh, jw)
                                  holds what that tap reads at every output position, 0 in the padding.
col2im(cols, input_shape, geometry)
                                  The adjoint of im2col: zeros of `input_shape` with every column entry added to
                                  the element it was read from.
resample(x, taps)                 (planes, D, H, W) -> (planes, OD, OH, OW): along each dim, output o sums
                                  weight * input over its taps (`taps`, an ops.resample.Taps). interpolate; its
                                  gradient is resample with taps.transposed.
grid_sample(x, grid, mode, padding, align_corners)
                                  x (N, C, H, W) read at grid (N, OH, OW, 2), normalised (x, y) positions -> (N, C,
                                  OH, OW): the taps and weights of scalar.grid_tap (mode and padding: its codes),
                                  NaN where a position is not finite.
grid_sample_backward(g, x, grid, mode, padding, align_corners, need_input, need_grid)
                                  (grad_x, grad_grid) of grid_sample; None for each gradient that is not needed.

# normalisation: x is an (N, C, S) view; `grouping` (an ops.normalization.Grouping) says which elements share
# statistics (mean and biased variance, float64 arrays) and whether weight and bias index C or S
normalize(x, weight, bias, statistics, eps, grouping)
                                  (out, mean, var): out = (x - mean) / sqrt(var + eps) * weight + bias, each element
                                  with its group's statistics: `statistics` (mean, var), or, when it is None, those
                                  of x (shape (C,) over the batch, else (N * groups,)). weight and bias (C,) or (S,),
                                  or None.
normalize_backward(x, g, mean, var, weight, eps, grouping, batch_statistics, need_input, need_weight, need_bias)
                                  (grad_x, grad_weight, grad_bias) of normalize; with batch_statistics, mean and var
                                  are functions of x. None for each gradient that is not needed.

# optimizer steps: update a parameter and its state in place, one fused pass (formulas in scalar.py)
sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first)
                                  SGD with momentum (buf: the momentum buffer; first: the buffer's first step).
adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
          amsgrad, step)
                                  Adam, or AdamW when decoupled (max_exp_avg_sq may be empty unless amsgrad).
adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay)
                                  Adadelta.
rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
             centered)
                                  RMSprop (grad_avg used only when centered, momentum_buffer only with momentum).
adagrad_step(param, grad, state_sum, lr, lr_decay, eps, weight_decay, step)
                                  Adagrad, its learning rate decayed for step `step`.
adamax_step(param, grad, exp_avg, exp_inf, lr, beta1, beta2, eps, weight_decay, step)
                                  Adamax.
nadam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, mu, mu_next,
           mu_product)
                                  NAdam, with this step's momentum mu, the next one and the product of the mus so far.
radam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step)
                                  RAdam.
"""

class Declared(NamedTuple):
    name: str
    parameters: tuple
    meaning: str

def _parse(text):
    """One Declared per entry: an entry starts at the left margin with name(parameters); indented lines go on."""
    entries, lines = [], []
    for line in text.splitlines() + [""]:
        if line.startswith((" ", "\t")):
            lines.append(line)
            continue
        if lines:
            name, parameters, meaning = re.fullmatch(r"(\w+)\(([^)]*)\)\s*(.*)", " ".join(
                part.strip() for part in lines)).groups()
            entries.append(Declared(name, tuple(p.strip() for p in parameters.split(",")), meaning))
        lines = [line] if line and not line.startswith("#") else []
    return {entry.name: entry for entry in entries}

FUNCTIONS = _parse(DECLARATIONS)
