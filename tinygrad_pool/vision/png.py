"""A minimal PNG encoder (8-bit gray, RGB or RGBA, no interlace), so that `save_image` works without Pillow.

A PNG file is the 8-byte signature and then chunks, each: 4-byte big-endian length, 4-byte type, data, CRC-32 of
type + data. IHDR gives the size and pixel format, IDAT the zlib-compressed rows (each preceded by its filter
type, 0 = none here), IEND closes the file.
"""
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOR_TYPES = {1: 0, 3: 2, 4: 6}   # channels -> gray, RGB, RGBA

def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def encode_png(pixels):
    """The PNG bytes of a uint8 array (H, W) or (H, W, C) with 1, 3 or 4 channels."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in COLOR_TYPES:
        raise ValueError(f"encode_png: expected a uint8 array (H, W) or (H, W, 1/3/4), got {pixels.dtype} "
                         f"{pixels.shape}")
    height, width, channels = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPES[channels], 0, 0, 0)
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, width * channels)], axis=1)
    return (SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))
