"""Zip archives written byte by byte, so a test or a benchmark can build what zipfile would
refuse to write: bombs whose members unpack to far more than they take, and odd headers."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def raw_zip(path: Path, members: list[tuple[str, int, bytes, int, int]]) -> Path:
    """A zip of (name, method, compressed bytes, crc, uncompressed size), written as is."""
    out, central = bytearray(), bytearray()
    for name, method, data, crc, size in members:
        offset, raw = len(out), name.encode()
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(raw), 0
        )
        out += raw + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            0x0314,
            20,
            0,
            method,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(raw),
            0,
            0,
            0,
            0,
            0o100644 << 16,
            offset,
        )
        central += raw
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


def deflate_bomb(repeats: int = 1900) -> tuple[bytes, int, int]:
    """(raw deflate, crc, size): about 1 kB per MB of a YAML comment, ``repeats`` MB in all
    (blocks after a full flush compress to the same bytes, so one block is repeated)."""
    unit = b"#" + b" " * ((1 << 20) - 2) + b"\n"
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(unit)
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(unit, crc)
    return block * repeats + c.flush(), crc, repeats * len(unit)
