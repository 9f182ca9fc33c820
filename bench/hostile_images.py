#!/usr/bin/env python3
"""Writes the full-size image cases of bench/hostile.md (issue 25) into a folder.

    python3 bench/hostile_images.py /tmp/hostile-images

Every file is made from scratch here (no patient data, no downloads):
decompression bombs whose headers claim far more pixels than they hold, and
a few honest images at the sizes a clinic really uses, to measure what an
image costs. The end-to-end tests (tests/cli/images.rs) make small versions
of the bombs themselves.
"""

import base64
import os
import struct
import sys
import zlib


def png(width, height, color_type=2, depth=8, rows=None):
    """A real PNG: `rows` (default: zero bytes) deflated at level 9."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    row_bytes = 1 + width * channels * depth // 8

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    z = zlib.compressobj(9)
    data = bytearray()
    row = rows if rows is not None else b"\0" * row_bytes
    for _ in range(height):
        data += z.compress(row)
    data += z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", bytes(data))
        + chunk(b"IEND", b"")
    )


def ramp(length):
    """A PNG row (filter byte 0) of `length` bytes rising and wrapping."""
    return bytes([0] + [(i * 7) % 256 for i in range(length)])


def jpeg_header(width, height, components=3):
    """A baseline JPEG whose frame header claims `width` x `height`: tables,
    frame, scan and a few bytes of entropy data, about 600 bytes."""
    out = bytearray(b"\xff\xd8")
    out += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    out += b"\xff\xdb" + struct.pack(">H", 67) + b"\0" + bytes([1] * 64)
    # One DC and one AC table with a single 1-bit code each.
    out += b"\xff\xc4" + struct.pack(">H", 3 + 16 + 1) + b"\x00" + b"\x01" + b"\0" * 15 + b"\x00"
    out += b"\xff\xc4" + struct.pack(">H", 3 + 16 + 1) + b"\x10" + b"\x01" + b"\0" * 15 + b"\x00"
    frame = struct.pack(">BHHB", 8, height, width, components)
    for i in range(components):
        frame += bytes([i + 1, 0x11, 0])
    out += b"\xff\xc0" + struct.pack(">H", 2 + len(frame)) + frame
    scan = bytes([components]) + b"".join(bytes([i + 1, 0x00]) for i in range(components))
    scan += b"\x00\x3f\x00"
    out += b"\xff\xda" + struct.pack(">H", 2 + len(scan)) + scan
    out += b"\x00" * 480 + b"\xff\xd9"
    return bytes(out)


def gif(screen, frame):
    """A GIF with a logical screen of `screen` and one frame of `frame`
    pixels: a two-colour table, one LZW code (clear) and the trailer."""
    sw, sh = screen
    fw, fh = frame
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", sw, sh, 0x80, 0, 0)  # global table of 2 colours
    out += b"\0\0\0\xff\xff\xff"
    out += b"\x21\xf9\x04\x00\x00\x00\x00\x00"  # graphic control extension
    out += b"\x2c" + struct.pack("<HHHHB", 0, 0, fw, fh, 0)
    out += b"\x02" + b"\x02\x4c\x01" + b"\x00"  # LZW: clear, end
    out += b"\x3b"
    return bytes(out)


def webp_lossless(width, height):
    """A WebP whose VP8L header claims `width` x `height`, with a little
    data after it."""
    bits = (width - 1) | ((height - 1) << 14)
    vp8l = b"\x2f" + struct.pack("<I", bits) + b"\0" * 32
    chunk = b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def svg_with_data_uri(inner, mime):
    data = base64.b64encode(inner).decode()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        f'<image width="100" height="100" href="data:{mime};base64,{data}"/></svg>'
    ).encode()


def pdf_flate_bomb(size):
    """A one-page PDF whose content stream inflates to `size` bytes of spaces."""
    z = zlib.compressobj(9)
    body = bytearray()
    block = b" " * (1 << 20)
    for _ in range(size >> 20):
        body += z.compress(block)
    body += z.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + bytes(body) + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/hostile-images"
    os.makedirs(out, exist_ok=True)
    files = {
        # What the budget allows: a 4096 x 4096 RGBA image (16.8 million
        # pixels, the templates folder's budget) and a 2048 x 1024 logo.
        # Each row a colour ramp, so the PDF has something to compress.
        "budget-4096-rgba.png": png(4096, 4096, 6, rows=ramp(4096 * 4)),
        "budget-2048x1024-rgba.png": png(2048, 1024, 6, rows=ramp(2048 * 4)),
        # Bombs: the header claims the pixels, the file is tiny.
        "jpeg-65500.jpg": jpeg_header(65500, 65500),
        "gif-screen-65535.gif": gif((65535, 65535), (1, 1)),
        "gif-frame-11000.gif": gif((1, 1), (11000, 11000)),
        "webp-16383.webp": webp_lossless(16383, 16383),
        "svg-gif-data-uri.svg": svg_with_data_uri(gif((65535, 65535), (1, 1)), "image/gif"),
        "svg-png-11000.svg": svg_with_data_uri(png(11000, 11000), "image/png"),
        "pdf-flate-1gb.pdf": pdf_flate_bomb(1 << 30),
        # A real PNG of 11,000 x 11,000 (black, RGB), about 350 KB.
        "png-11000.png": png(11000, 11000),
        # Vector sizes: huge user units, and a blur filter.
        "svg-100000.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="100000" height="100000" fill="teal"/></svg>',
        "svg-filter.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><filter id="b"><feGaussianBlur stdDeviation="3"/></filter><rect x="10" y="10" width="80" height="80" fill="teal" filter="url(#b)"/></svg>',
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
