"""Hostile image files, built from the small committed seeds in corpus/images/."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus" / "images"


def seed(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_text(text: bytes) -> bytes:
    """The seed PNG with a tEXt chunk before its pixels (after the 8-byte signature and IHDR)."""
    png = seed("seed.png")
    return png[:33] + png_chunk(b"tEXt", b"Comment\x00" + text) + png[33:]


def pixel_bomb() -> bytes:
    """A tiny PNG whose header claims 100,000 x 100,000 pixels (40 GB decoded)."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


PAGE = b"<html><body><script>alert(document.domain)</script></body></html>\n"


def gif_with_split_comment() -> bytes:
    """A GIF comment whose markup spans two sub-blocks: the length byte between them is 0x69
    ('i'), so the raw file reads ``<script>`` while the joined payloads read ``<scrpt>``."""
    gif = seed("seed.gif")
    first = b"<scr"
    second = b"pt>alert(1)</scr" + b"x" * (0x69 - 16)
    comment = b"\x21\xfe" + bytes([len(first)]) + first + bytes([len(second)]) + second + b"\x00"
    i = gif.index(b"\x2c")  # the image descriptor
    return gif[:i] + comment + gif[i:]


def png_with_page_as_pixels() -> bytes:
    """The page as the pixel row of a grey PNG, in a stored (uncompressed) deflate block: a
    valid image whose raw bytes hold the page verbatim."""
    raw = b"\x00" + PAGE  # one row, filter 0
    stored = (
        b"\x78\x01\x01"
        + struct.pack("<HH", len(raw), len(raw) ^ 0xFFFF)
        + raw
        + struct.pack(">I", zlib.adler32(raw))
    )
    header = struct.pack(">IIBBBBB", len(PAGE), 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", stored)
        + png_chunk(b"IEND", b"")
    )


# name -> (bytes, what the one-line refusal says about it)
DECODING_ATTACKS: dict[str, tuple[bytes, str]] = {
    "html-after-iend.png": (seed("seed.png") + PAGE, "bytes after the end of its PNG data"),
    "script-in-text-chunk.png": (
        png_with_text(b"<script>alert(1)</script>"),
        "carries markup ('<script>') in its data",
    ),
    "page-named.png": (seed("page-named.png"), "is not an image"),
    "gif-then-script.gif": (seed("gif-then-script.gif"), "is not"),
    "page-after-trailer.gif": (seed("seed.gif") + PAGE, "bytes after the end of its GIF data"),
    "page-after-eoi.jpg": (seed("seed.jpg") + PAGE, "bytes after the end of its JPEG data"),
    "page-after-riff.webp": (seed("seed.webp") + PAGE, "bytes after the end of its WebP data"),
    "jpeg-named.png": (seed("seed.jpg"), "is a JPEG image, not the PNG"),
    "script.svg": (seed("script.svg"), "is SVG, which cmlreport does not publish"),
    "bomb.png": (pixel_bomb(), "too many pixels"),
    "script-split-over-sub-blocks.gif": (gif_with_split_comment(), "carries markup"),
    "page-as-stored-pixels.png": (png_with_page_as_pixels(), "carries markup"),
    "truncated.png": (seed("seed.png")[:-20], "is not a well-formed PNG file"),
}
