"""3x3 stride-1 convolution on the CPU by Winograd's F(4x4, 3x3): the larger tile of `winograd.py`'s method.

A tile is now 4x4 outputs, read from a 6x6 patch d of the input, and

    Y = A^T [ (G g G^T) * (B^T d B) ] A

takes 36 elementwise products per tile and input channel: 2.25 multiplications per output against F(2x2, 3x3)'s 4
and the direct method's 9. They become 36 matrix products per block of tiles, as in winograd.py, whose layout,
blocks, workers, backward pass and finiteness checks this module follows step for step; only the transforms differ.
With the interpolation points 0, 1, -1, 2, -2 and infinity (Lavin and Gray, 2015):

    B^T = [[4,  0, -5,  0, 1, 0],     G = [[ 1/4,     0,    0],     A^T = [[1, 1,  1, 1,  1, 0],
           [0, -4, -4,  1, 1, 0],          [-1/6,  -1/6, -1/6],            [0, 1, -1, 2, -2, 0],
           [0,  4, -4, -1, 1, 0],          [-1/6,   1/6, -1/6],            [0, 1,  1, 4,  4, 0],
           [0, -2, -1,  2, 1, 0],          [1/24,  1/12,  1/6],            [0, 1, -1, 8, -8, 1]]
           [0,  2, -1, -2, 1, 0],          [1/24, -1/12,  1/6],
           [0,  4,  0, -5, 0, 1]]          [   0,     0,    1]]

Each 2-d transform is a 1-d one along the patch's rows into a small scratch array, then the same one down its
columns, every entry a run of channels (`_bt`, `_at`, and for the backward pass their adjoints `_b`, `_a`). The
coefficients up to 8 make the rounding larger than F(2x2, 3x3)'s: the tests bound it by 1e-5 (float32) of the
magnitudes of a tile's input patch times those of the whole filter, where F(2x2, 3x3) stays within 1e-6; on random
normal data in float32 its largest error measured 3-7e-5 at outputs of magnitude about 5, F(2x2, 3x3)'s 3-5e-6.
`conv.py` says which CPUs and layers take this tile.
"""
import numpy as np
from numba import njit

from .winograd import (all_finite, block_arrays, copy_channels_last, load_backward_sample, products, products_backward,
                       run_backward, run_forward, store_channels_first, weight_gradient_part)

TILE, PLANES = 4, 36
_G = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
               [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]])
_TWO, _FOUR, _FIVE, _EIGHT = np.float32(2), np.float32(4), np.float32(5), np.float32(8)   # exact, keep float32

@njit(cache=True, inline="always")
def _bt(d0, d1, d2, d3, d4, d5):
    """B^T d for a 6-vector d."""
    a, b = d4 - _FOUR * d2, d3 - _FOUR * d1
    c, e = d4 - d2, _TWO * (d3 - d1)
    return _FOUR * d0 - _FIVE * d2 + d4, a + b, a - b, c + e, c - e, _FOUR * d1 - _FIVE * d3 + d5

@njit(cache=True, inline="always")
def _b(e0, e1, e2, e3, e4, e5):
    """B e, the adjoint of _bt."""
    s12, d12, s34, d34 = e1 + e2, e1 - e2, e3 + e4, e3 - e4
    return (_FOUR * e0, _FOUR * (e5 - d12) - _TWO * d34, -_FIVE * e0 - _FOUR * s12 - s34, d12 + _TWO * d34 - _FIVE * e5,
            e0 + s12 + s34, e5)

@njit(cache=True, inline="always")
def _at(m0, m1, m2, m3, m4, m5):
    """A^T m for a 6-vector m: 4 values."""
    a, b, c, e = m1 + m2, m1 - m2, m3 + m4, m3 - m4
    return m0 + a + c, b + _TWO * e, a + _FOUR * c, b + _EIGHT * e + m5

@njit(cache=True, inline="always")
def _a(y0, y1, y2, y3):
    """A y for a 4-vector y: 6 values, the adjoint of _at."""
    a, b = y0 + y2, y1 + y3
    c, e = y0 + _FOUR * y2, _TWO * y1 + _EIGHT * y3
    return y0, a + b, a - b, c + e, c - e, y3

@njit(cache=True)
def _input_transform(padded, tiles_h, tiles_w, v, scratch):
    """v[6 i + j, t] = (B^T d B)[i, j] for the 6x6 patch d of every tile t of `tiles_h` rows of tiles of the
    channel-last `padded` (tile row th reads its rows 4 th .. 4 th + 5); scratch (6, 6, C)."""
    for th in range(tiles_h):
        for tw in range(tiles_w):
            t, col = th * tiles_w + tw, 4 * tw
            for r in range(6):   # scratch[r, j] = (d_r B)[j] along patch row r
                p = padded[4 * th + r]
                p0, p1, p2, p3, p4, p5 = p[col], p[col + 1], p[col + 2], p[col + 3], p[col + 4], p[col + 5]
                s = scratch[r]
                s0, s1, s2, s3, s4, s5 = s[0], s[1], s[2], s[3], s[4], s[5]
                for c in range(p0.size):
                    s0[c], s1[c], s2[c], s3[c], s4[c], s5[c] = _bt(p0[c], p1[c], p2[c], p3[c], p4[c], p5[c])
            for j in range(6):   # then B^T down column j
                q0, q1, q2, q3, q4, q5 = scratch[0, j], scratch[1, j], scratch[2, j], scratch[3, j], scratch[4, j], \
                    scratch[5, j]
                o0, o1, o2, o3, o4, o5 = v[j, t], v[6 + j, t], v[12 + j, t], v[18 + j, t], v[24 + j, t], v[30 + j, t]
                for c in range(q0.size):
                    o0[c], o1[c], o2[c], o3[c], o4[c], o5[c] = _bt(q0[c], q1[c], q2[c], q3[c], q4[c], q5[c])

@njit(cache=True)
def _output_transform(m, tiles, bias, z, scratch):
    """z[4 a + b, t] = output (a, b) of A^T M A plus bias for the products m[:, t] of every tile t;
    scratch (6, 4, C_out)."""
    for t in range(tiles):
        for i in range(6):   # scratch[i, b] = (M_i A)[b] along row i of M
            m0, m1, m2, m3, m4, m5 = m[6 * i, t], m[6 * i + 1, t], m[6 * i + 2, t], m[6 * i + 3, t], \
                m[6 * i + 4, t], m[6 * i + 5, t]
            s0, s1, s2, s3 = scratch[i, 0], scratch[i, 1], scratch[i, 2], scratch[i, 3]
            for o in range(m0.size):
                s0[o], s1[o], s2[o], s3[o] = _at(m0[o], m1[o], m2[o], m3[o], m4[o], m5[o])
        for b in range(4):   # then A^T down column b
            q0, q1, q2, q3, q4, q5 = scratch[0, b], scratch[1, b], scratch[2, b], scratch[3, b], scratch[4, b], \
                scratch[5, b]
            z0, z1, z2, z3 = z[b, t], z[4 + b, t], z[8 + b, t], z[12 + b, t]
            for o in range(q0.size):
                y0, y1, y2, y3 = _at(q0[o], q1[o], q2[o], q3[o], q4[o], q5[o])
                z0[o], z1[o], z2[o], z3[o] = y0 + bias[o], y1 + bias[o], y2 + bias[o], y3 + bias[o]

@njit(cache=True)
def _store_tiles(z, tiles_w, out_rows):
    """out_rows[o, h, w] = output (h % 4, w % 4) of tile (h // 4, w // 4) in z, channel-first, for the rows and
    columns out_rows has (the tiles may reach past the edges). One output row at a time: the gathers read z, which
    is in cache, and the writes run along out's rows (written channel by channel per position instead, the
    forward of (32, 64, 56, 56) x 64 on one Xeon core took 40 ms instead of 35)."""
    for o in range(out_rows.shape[0]):
        for h in range(out_rows.shape[1]):
            first, row, target = (h // 4) * tiles_w, 4 * (h % 4), out_rows[o, h]
            for w in range(out_rows.shape[2]):
                target[w] = z[row + w % 4, first + w // 4, o]

@njit(cache=True)
def _winograd_conv(worker, workers, x, ut, bias, pad_h, pad_w, block_rows, out, finite):
    """winograd.py's _winograd_conv with 4x4 tiles: out (N, C_out, OH, OW) for ut[k] = U[k]^T (C, C_out)."""
    n_samples, channels = x.shape[0], x.shape[1]
    out_channels, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    tiles_h, tiles_w = -(-out_h // 4), -(-out_w // 4)
    padded = np.zeros((4 * tiles_h + 2, 4 * tiles_w + 2, channels), x.dtype)
    v, m = block_arrays(block_rows * tiles_w, channels, out_channels, x.dtype, PLANES)
    z = np.empty((16, block_rows * tiles_w, out_channels), x.dtype)
    scratch_in, scratch_out = np.empty((6, 6, channels), x.dtype), np.empty((6, 4, out_channels), x.dtype)
    finite[worker] = True
    for n in range(worker, n_samples, workers):
        copy_channels_last(x[n], pad_h, pad_w, padded)
        for first_row in range(0, tiles_h, block_rows):
            rows = min(block_rows, tiles_h - first_row)
            tiles = rows * tiles_w
            _input_transform(padded[4 * first_row:], rows, tiles_w, v, scratch_in)
            products(v, ut, m, tiles)
            _output_transform(m, tiles, bias, z, scratch_out)
            _store_tiles(z, tiles_w, out[n, :, 4 * first_row:min(4 * (first_row + rows), out_h)])
        finite[worker] &= all_finite(out[n])

@njit(cache=True)
def _gradient_transform(g, first_row, rows, tiles_w, gy, scratch):
    """gy[6 i + j, t] = (A dY A^T)[i, j] for the 4x4 block dY of every tile t in `rows` rows of tiles from
    `first_row` of the channel-last grad_out g (zero past the edges): the adjoint of the output transform;
    scratch (6, 6, C_out), of which (4, 6) is used."""
    for th in range(rows):
        for tw in range(tiles_w):
            t, col = th * tiles_w + tw, 4 * tw
            for a in range(4):   # scratch[a, j] = (dY_a A^T)[j] along grad row a
                y = g[4 * (first_row + th) + a]
                y0, y1, y2, y3 = y[col], y[col + 1], y[col + 2], y[col + 3]
                s = scratch[a]
                s0, s1, s2, s3, s4, s5 = s[0], s[1], s[2], s[3], s[4], s[5]
                for o in range(y0.size):
                    s0[o], s1[o], s2[o], s3[o], s4[o], s5[o] = _a(y0[o], y1[o], y2[o], y3[o])
            for j in range(6):   # then A down column j
                q0, q1, q2, q3 = scratch[0, j], scratch[1, j], scratch[2, j], scratch[3, j]
                o0, o1, o2, o3, o4, o5 = gy[j, t], gy[6 + j, t], gy[12 + j, t], gy[18 + j, t], gy[24 + j, t], \
                    gy[30 + j, t]
                for o in range(q0.size):
                    o0[o], o1[o], o2[o], o3[o], o4[o], o5[o] = _a(q0[o], q1[o], q2[o], q3[o])

@njit(cache=True)
def _input_transform_adjoint(dv, tiles_h, tiles_w, grad_padded, scratch):
    """grad_padded += B dv[:, t] B^T over every tile t, added at the 6x6 patch the tile's input came from (patches
    overlap by two): the adjoint of _input_transform; scratch (6, 6, C)."""
    for th in range(tiles_h):
        for tw in range(tiles_w):
            t, col = th * tiles_w + tw, 4 * tw
            for i in range(6):   # scratch[i, s] = (dV_i B^T)[s] along row i of dV
                e0, e1, e2, e3, e4, e5 = dv[6 * i, t], dv[6 * i + 1, t], dv[6 * i + 2, t], dv[6 * i + 3, t], \
                    dv[6 * i + 4, t], dv[6 * i + 5, t]
                s = scratch[i]
                s0, s1, s2, s3, s4, s5 = s[0], s[1], s[2], s[3], s[4], s[5]
                for c in range(e0.size):
                    s0[c], s1[c], s2[c], s3[c], s4[c], s5[c] = _b(e0[c], e1[c], e2[c], e3[c], e4[c], e5[c])
            for s in range(6):   # then B down column s, added into patch column s
                q0, q1, q2, q3, q4, q5 = scratch[0, s], scratch[1, s], scratch[2, s], scratch[3, s], scratch[4, s], \
                    scratch[5, s]
                r0, r1, r2 = grad_padded[4 * th, col + s], grad_padded[4 * th + 1, col + s], \
                    grad_padded[4 * th + 2, col + s]
                r3, r4, r5 = grad_padded[4 * th + 3, col + s], grad_padded[4 * th + 4, col + s], \
                    grad_padded[4 * th + 5, col + s]
                for c in range(q0.size):
                    a0, a1, a2, a3, a4, a5 = _b(q0[c], q1[c], q2[c], q3[c], q4[c], q5[c])
                    r0[c] += a0
                    r1[c] += a1
                    r2[c] += a2
                    r3[c] += a3
                    r4[c] += a4
                    r5[c] += a5

@njit(cache=True)
def _winograd_backward(worker, workers, x, u, grad_out, pad_h, pad_w, block_rows, s_parts, grad_x, finite):
    """winograd.py's _winograd_backward with 4x4 tiles: s_parts[worker, k] (C_out, C) = the sum of dM[k]^T V[k]
    over that worker's samples, and grad_x through the adjoint of the input transform."""
    n_samples, channels = x.shape[0], x.shape[1]
    out_channels, out_h, out_w = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    need_weight, need_input = s_parts.shape[0] > 0, grad_x.shape[0] > 0
    tiles_h, tiles_w = -(-out_h // 4), -(-out_w // 4)
    padded = np.zeros((4 * tiles_h + 2, 4 * tiles_w + 2, channels), x.dtype)
    grad_padded = np.zeros((4 * tiles_h + 2, 4 * tiles_w + 2, channels), x.dtype)
    g = np.zeros((4 * tiles_h, 4 * tiles_w, out_channels), x.dtype)
    v, gy = block_arrays(block_rows * tiles_w, channels, out_channels, x.dtype, PLANES)
    scratch_in, scratch_out = np.empty((6, 6, channels), x.dtype), np.empty((6, 6, out_channels), x.dtype)
    finite[worker] = True
    s = weight_gradient_part(s_parts, worker)
    for n in range(worker, n_samples, workers):
        load_backward_sample(x[n], grad_out[n], pad_h, pad_w, need_weight, need_input, padded, grad_padded, g)
        for first_row in range(0, tiles_h, block_rows):
            rows = min(block_rows, tiles_h - first_row)
            tiles = rows * tiles_w
            if need_weight:
                _input_transform(padded[4 * first_row:], rows, tiles_w, v, scratch_in)
            _gradient_transform(g, first_row, rows, tiles_w, gy, scratch_out)
            products_backward(gy, v, u, s, tiles, need_weight, need_input)
            if need_input:
                _input_transform_adjoint(v, rows, tiles_w, grad_padded[4 * first_row:], scratch_in)
        if need_input:
            store_channels_first(grad_padded[pad_h:, pad_w:], grad_x[n])
            finite[worker] &= all_finite(grad_x[n])

def _filter_transform(w):
    """U (36, C_out, C): U[6 i + j, o, c] = (G w[o, c] G^T)[i, j], summed in float64."""
    u = np.einsum("ia,ocab,jb->ijoc", _G, w.astype(np.float64), _G, optimize=True)
    return np.ascontiguousarray(u.reshape(PLANES, w.shape[0], w.shape[1]), dtype=w.dtype)

def _filter_transform_adjoint(s):
    """grad_w (C_out, C, 3, 3) = G^T S G for every filter, S[i, j] = s[6 i + j, o, c], in s's dtype."""
    s64 = s.reshape(6, 6, s.shape[1], s.shape[2]).astype(np.float64)
    return np.ascontiguousarray(np.einsum("ia,ijoc,jb->ocab", _G, s64, _G, optimize=True).astype(s.dtype))

def conv3x3(x, w, bias, pad, out_shape):
    """(out, whether all of out is finite), as winograd.conv3x3 gives them, by 4x4 tiles."""
    return run_forward(_winograd_conv, TILE, _filter_transform(w), x, bias, pad, out_shape)

def conv3x3_backward(x, w, grad_out, pad, need_input, need_weight):
    """(grad_x or None, whether grad_x is all finite, grad_w or None), as winograd.conv3x3_backward gives them,
    by 4x4 tiles."""
    return run_backward(_winograd_backward, TILE, _filter_transform(w), _filter_transform_adjoint, x, grad_out, pad,
                        need_input, need_weight)
