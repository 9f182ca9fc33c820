#!/usr/bin/env python3
"""Draws web/icons/icon-192.png and icon-512.png: the same picture as
icon.svg (a blue rounded square, a white page with a folded corner and a
green tick), with the standard library only, so the PNGs can be made again
anywhere. Chromium asks for 192 and 512 pixel PNG icons before it offers to
install the page. Run: python3 web/icons/make.py
"""
import math
import os
import struct
import zlib

BLUE = (0x0B, 0x53, 0x94)
WHITE = (0xFF, 0xFF, 0xFF)
FOLD = (0xC9, 0xD9, 0xEA)
GREEN = (0x1E, 0x6B, 0x35)


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def colour(x, y):
    """The colour at (x, y) in the SVG's 512-unit square, or None outside."""
    r = 96
    cx = min(max(x, r), 512 - r)
    cy = min(max(y, r), 512 - r)
    if math.hypot(x - cx, y - cy) > r:
        return None
    # The tick (stroke 32, round caps) over the page.
    tick = [(200, 300), (240, 340), (320, 244)]
    if min(seg_dist(x, y, *tick[i], *tick[i + 1]) for i in range(2)) <= 16:
        return GREEN
    if 152 <= x <= 376 and 96 <= y <= 416:
        if x >= 304 and y <= 168:
            # The folded corner: the triangle (304,96) (304,168) (376,168).
            return FOLD if (x - 304) <= (y - 96) else BLUE
        return WHITE
    return BLUE


def png(size, path):
    ss = 4  # 4x4 samples a pixel: smooth edges
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    x = (px + (sx + 0.5) / ss) * 512 / size
                    y = (py + (sy + 0.5) / ss) * 512 / size
                    c = colour(x, y)
                    if c is not None:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 1
            n = acc[3]
            if n:
                row += bytes([round(acc[0] / n), round(acc[1] / n), round(acc[2] / n), round(255 * n / ss / ss)])
            else:
                row += bytes([0, 0, 0, 0])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", raw))
        f.write(chunk(b"IEND", b""))


here = os.path.dirname(os.path.abspath(__file__))
for size in (192, 512):
    png(size, os.path.join(here, f"icon-{size}.png"))
