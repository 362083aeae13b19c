"""3x3 stride-1 convolution on the CPU by Winograd's minimal filtering F(2x2, 3x3).

Directly, a 2x2 block of outputs (a *tile*) of one output channel costs 4 x 9 = 36 multiplications per input
channel; F(2x2, 3x3) needs 16, 2.25 times fewer, as elementwise products of a transformed 4x4 input patch d
and a transformed filter g:

    Y = A^T [ (G g G^T) * (B^T d B) ] A        (Y: the tile's 2x2 outputs)

Summed over input channels, the 16 elementwise products become 16 matrix products, one per position k of the
4x4 transform: M[k] (C_out, T) = U[k] (C_out, C_in) @ V[k] (C_in, T) over T tiles, which BLAS runs. The
transforms themselves are only additions (and halvings in G). See docs/convolution.md.

One worker per core takes every workers-th sample: it copies the sample's channels into zero-padded planes,
then goes through blocks of tile rows (`BLOCK_ELEMENTS`), transforming each block into V, multiplying, and
transforming M back into the output rows, dropping the outputs past an odd edge.
"""
import numpy as np
from numba import get_num_threads, njit, prange

@njit(cache=True)
def _filter_transform(w, u):
    """u[k, o, c] = (G w[o, c] G^T) at position k = 4 * xi + nu, for G = [[1,0,0], [.5,.5,.5], [.5,-.5,.5], [0,0,1]]."""
    out_channels, in_channels = w.shape[0], w.shape[1]
    gg = np.empty((4, 3), np.float64)
    for o in range(out_channels):
        for c in range(in_channels):
            g = w[o, c]
            for j in range(3):    # G g: rows of the 4x3 intermediate
                gg[0, j] = g[0, j]
                gg[1, j] = 0.5 * (g[0, j] + g[1, j] + g[2, j])
                gg[2, j] = 0.5 * (g[0, j] - g[1, j] + g[2, j])
                gg[3, j] = g[2, j]
            for i in range(4):    # (G g) G^T
                u[4 * i + 0, o, c] = gg[i, 0]
                u[4 * i + 1, o, c] = 0.5 * (gg[i, 0] + gg[i, 1] + gg[i, 2])
                u[4 * i + 2, o, c] = 0.5 * (gg[i, 0] - gg[i, 1] + gg[i, 2])
                u[4 * i + 3, o, c] = gg[i, 2]

@njit(cache=True)
def _input_transform(padded, tiles_h, tiles_w, v, c):
    """v[k, c, t] = (B^T d B)[k] for the 4x4 patch d of every tile t of `tiles_h` rows of tiles of the
    zero-padded plane `padded` (tile row th reads its rows 2 th .. 2 th + 3), with
    B^T = [[1,0,-1,0], [0,1,1,0], [0,-1,1,0], [0,1,0,-1]]."""
    for th in range(tiles_h):
        r0, r1, r2, r3 = padded[2 * th], padded[2 * th + 1], padded[2 * th + 2], padded[2 * th + 3]
        base = th * tiles_w
        for tw in range(tiles_w):
            col = 2 * tw
            # B^T d: combine the four rows, column by column
            a0 = r0[col] - r2[col]
            a1 = r0[col + 1] - r2[col + 1]
            a2 = r0[col + 2] - r2[col + 2]
            a3 = r0[col + 3] - r2[col + 3]
            b0 = r1[col] + r2[col]
            b1 = r1[col + 1] + r2[col + 1]
            b2 = r1[col + 2] + r2[col + 2]
            b3 = r1[col + 3] + r2[col + 3]
            e0 = r2[col] - r1[col]
            e1 = r2[col + 1] - r1[col + 1]
            e2 = r2[col + 2] - r1[col + 2]
            e3 = r2[col + 3] - r1[col + 3]
            f0 = r1[col] - r3[col]
            f1 = r1[col + 1] - r3[col + 1]
            f2 = r1[col + 2] - r3[col + 2]
            f3 = r1[col + 3] - r3[col + 3]
            t = base + tw
            # (B^T d) B: the same combination along each row
            v[0, c, t], v[1, c, t], v[2, c, t], v[3, c, t] = a0 - a2, a1 + a2, a2 - a1, a1 - a3
            v[4, c, t], v[5, c, t], v[6, c, t], v[7, c, t] = b0 - b2, b1 + b2, b2 - b1, b1 - b3
            v[8, c, t], v[9, c, t], v[10, c, t], v[11, c, t] = e0 - e2, e1 + e2, e2 - e1, e1 - e3
            v[12, c, t], v[13, c, t], v[14, c, t], v[15, c, t] = f0 - f2, f1 + f2, f2 - f1, f1 - f3

@njit(cache=True)
def _output_transform(mo, tiles_w, bias, y, out):
    """out (OH, OW) of one channel from its transformed products mo (16, T): the 2x2 outputs A^T M A of every
    tile (A^T = [[1,1,1,0], [0,1,-1,-1]]) into y (4, T) in one loop over all tiles, then y's rows of tiles
    interleaved into the output rows (dropping the outputs past an odd edge)."""
    out_h, out_w = out.shape
    for t in range(mo.shape[1]):
        # A^T M: rows p = m0 + m1 + m2 and q = m1 - m2 - m3, four entries each; then (A^T M) A
        p0 = mo[0, t] + mo[4, t] + mo[8, t]
        p1 = mo[1, t] + mo[5, t] + mo[9, t]
        p2 = mo[2, t] + mo[6, t] + mo[10, t]
        p3 = mo[3, t] + mo[7, t] + mo[11, t]
        q0 = mo[4, t] - mo[8, t] - mo[12, t]
        q1 = mo[5, t] - mo[9, t] - mo[13, t]
        q2 = mo[6, t] - mo[10, t] - mo[14, t]
        q3 = mo[7, t] - mo[11, t] - mo[15, t]
        y[0, t], y[1, t] = p0 + p1 + p2 + bias, p1 - p2 - p3 + bias
        y[2, t], y[3, t] = q0 + q1 + q2 + bias, q1 - q2 - q3 + bias
    for h in range(out_h):
        left, right = y[2 * (h % 2), (h // 2) * tiles_w:], y[2 * (h % 2) + 1, (h // 2) * tiles_w:]
        row = out[h]
        for i in range(out_w // 2):
            row[2 * i], row[2 * i + 1] = left[i], right[i]
        if out_w % 2:
            row[out_w - 1] = left[out_w // 2]

BLOCK_ELEMENTS = 1 << 19   # entries of v and m per block of tile rows: 2 MiB of float32, within this CPU's L3 cache

@njit(parallel=True, cache=True)
def _winograd_conv(x, u, bias, pad_h, pad_w, workers, out):
    """out (N, C_out, OH, OW) = the 3x3 stride-1 convolution of x (N, C, H, W) padded by (pad_h, pad_w).
    One worker per core takes every workers-th sample; it copies the sample's channels into zero-padded
    planes, then goes through blocks of tile rows small enough that their v and m stay in its cache."""
    n_samples, channels, height, width = x.shape
    out_channels, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    tiles_h, tiles_w = (out_h + 1) // 2, (out_w + 1) // 2
    block_rows = max(1, min(tiles_h, BLOCK_ELEMENTS // (16 * (channels + out_channels) * tiles_w)))
    block = block_rows * tiles_w
    for worker in prange(workers):
        padded = np.zeros((channels, 2 * tiles_h + 2, 2 * tiles_w + 2), x.dtype)
        v_buffer = np.empty(16 * channels * block, x.dtype)
        m_buffer = np.empty(16 * out_channels * block, x.dtype)
        mo_buffer = np.empty(16 * block, x.dtype)
        y_buffer = np.empty(4 * block, x.dtype)
        for n in range(worker, n_samples, workers):
            for c in range(channels):
                for h in range(height):
                    source, target = x[n, c, h], padded[c, h + pad_h, pad_w:]
                    for w in range(width):
                        target[w] = source[w]
            for first_row in range(0, tiles_h, block_rows):
                rows = min(block_rows, tiles_h - first_row)
                tiles = rows * tiles_w
                v = v_buffer[:16 * channels * tiles].reshape(16, channels, tiles)
                m = m_buffer[:16 * out_channels * tiles].reshape(16, out_channels, tiles)
                mo, y = mo_buffer[:16 * tiles].reshape(16, tiles), y_buffer[:4 * tiles].reshape(4, tiles)
                for c in range(channels):
                    _input_transform(padded[c, 2 * first_row:], rows, tiles_w, v, c)
                for k in range(16):
                    np.dot(u[k], v[k], m[k])
                for o in range(out_channels):
                    for k in range(16):    # one channel's products, contiguous, so the transform vectorises
                        source, target = m[k, o], mo[k]
                        for t in range(tiles):
                            target[t] = source[t]
                    _output_transform(mo, tiles_w, bias[o] if bias.size else 0.0, y,
                                      out[n, o, 2 * first_row:min(2 * (first_row + rows), out_h)])

def conv3x3(x, w, bias, pad, out_shape):
    """x (N, C, H, W), w (C_out, C, 3, 3), bias (C_out,) or None -> (N, C_out, *out_shape), stride 1, with
    pad = (top, left) zeros before the input; out_shape implies the zeros after it (none to two)."""
    x = np.ascontiguousarray(x)
    u = np.empty((16, w.shape[0], w.shape[1]), x.dtype)
    _filter_transform(np.ascontiguousarray(w), u)
    bias = np.zeros(0, x.dtype) if bias is None else np.ascontiguousarray(bias)
    out = np.empty((x.shape[0], w.shape[0]) + tuple(out_shape), x.dtype)
    if out.size:
        _winograd_conv(x, u, bias, pad[0], pad[1], min(get_num_threads(), x.shape[0]), out)
    return out
