#!/usr/bin/env python3
"""ppm2png.py IN.ppm OUT.png: QEMU's screendump (binary PPM, P6, maxval 255)
to an 8-bit RGB PNG, with the standard library only (no Pillow on the build
host). Used by image/kiosk-screenshot.sh."""
import struct
import sys
import zlib


def read_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1  # the single whitespace byte after maxval
    if fields[0] != b"P6" or int(fields[3]) != 255:
        sys.exit("ppm2png: %s: not a P6 PPM with maxval 255" % path)
    w, h = int(fields[1]), int(fields[2])
    pix = data[pos:pos + 3 * w * h]
    if len(pix) != 3 * w * h:
        sys.exit("ppm2png: %s: short pixel data" % path)
    return w, h, pix


def write_png(path, w, h, pix):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    stride = 3 * w
    raw = b"".join(b"\x00" + pix[y * stride:(y + 1) * stride] for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: ppm2png.py IN.ppm OUT.png")
    write_png(sys.argv[2], *read_ppm(sys.argv[1]))
