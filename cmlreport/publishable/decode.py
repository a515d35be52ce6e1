"""Is this really a picture of the type its name says, and nothing else? Bytes in, a verdict out.

A magic-number prefix proves nothing: ``GIF89a`` followed by a web page, or a PNG with HTML after
its end, passes one. So an image is decoded in full by Pillow, its container is walked to its
end (nothing may follow it), and the parts a browser could read as text (metadata chunks,
comments) may hold no markup. SVG is refused outright: it is a document that can carry script.
Pure: no file or network access; Pillow is imported when first needed.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Decoded pixels cost 4 bytes each: 32 Mpx (8000 x 4000, far beyond any plot) is 128 MB.
MAX_PIXELS = 32_000_000

# content type -> (Pillow's format name, the extension a file of it gets)
FORMATS: dict[str, tuple[str, str]] = {
    "image/png": ("PNG", "png"),
    "image/jpeg": ("JPEG", "jpg"),
    "image/gif": ("GIF", "gif"),
    "image/webp": ("WEBP", "webp"),
}
BY_SUFFIX = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
SVG = "image/svg+xml"
NOT_AN_IMAGE = "is not an image (PNG, JPEG, GIF or WebP expected)"
SVG_REFUSED = (
    "is SVG, which cmlreport does not publish (an SVG can carry script); save the plot as PNG "
    "(e.g. cmlreport plot ... -o plot.png) or use --images mermaid"
)

# Tags and schemes that make a browser treat bytes as a page; long enough that compressed data
# does not hold one by chance (about once in 10^5 files of 10 MB), so the raw bytes are scanned
# whole: metadata split over sub-blocks, or pixel data in a stored (uncompressed) deflate block,
# reads as a page to a browser that sniffs it even though no single chunk holds the tag.
_MARKUP = re.compile(
    rb"<(?:script|html|svg|iframe|object|embed|body|style|!doctype)[\s/>]|javascript:",
    re.IGNORECASE,
)


class _Broken(Exception):
    """The container's structure is wrong; the message says where."""


def image_problem(data: bytes, declared: str) -> str | None:
    """None if ``data`` is a sound image of type ``declared`` (a content type) with nothing
    hidden in or after it; else what is wrong, as a phrase to put after the image's name."""
    if declared == SVG:
        return SVG_REFUSED
    if declared not in FORMATS:
        return NOT_AN_IMAGE
    fmt = FORMATS[declared][0]
    found = _identify(data)
    if found is None:
        return NOT_AN_IMAGE
    if found == _BOMB:
        return _TOO_MANY_PIXELS
    if found != fmt:
        return (
            f"is a {_NAMES.get(found, found)} image, not the {_NAMES[fmt]} its name or type "
            "says; give it the right one"
        )
    try:
        end, text = _WALKS[fmt](data)
    except (_Broken, IndexError) as exc:
        return f"is not a well-formed {_NAMES[fmt]} file ({exc or 'truncated'}); re-save it"
    if end < len(data):
        return (
            f"has {len(data) - end:,} bytes after the end of its {_NAMES[fmt]} data (a file hidden "
            "behind the picture?); re-save the image"
        )
    markup = _MARKUP.search(text) or _MARKUP.search(data)
    if markup:
        shown = markup[0].decode("ascii", "replace").strip()
        return f"carries markup ({shown!r}) in its data; re-save the image without it"
    return _decode_problem(data, fmt)


_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "GIF": "GIF", "WEBP": "WebP"}
_BOMB = "bomb"
_TOO_MANY_PIXELS = f"has too many pixels to decode safely (over {MAX_PIXELS:,}); save it smaller"


def _identify(data: bytes) -> str | None:
    from PIL import Image, UnidentifiedImageError

    # Only our four formats: some other Pillow plugins hand the file to outside programs
    # (EPS runs Ghostscript).
    formats = [fmt for fmt, _ in FORMATS.values()]
    try:
        with _bombs_are_errors(), Image.open(io.BytesIO(data), formats=formats) as im:
            return str(im.format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _BOMB
    except UnidentifiedImageError:
        return None
    except Exception:  # hostile headers make plugins raise anything (struct.error, ValueError)
        return None


def _decode_problem(data: bytes, fmt: str) -> str | None:
    from PIL import Image

    try:
        with _bombs_are_errors():
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                width, height = im.size
                if width * height > MAX_PIXELS:
                    return (
                        f"is {width:,} x {height:,} pixels, over the limit of {MAX_PIXELS:,}; "
                        "save it smaller"
                    )
                im.verify()  # checksums, where the format has them (PNG)
            # verify() leaves the image unusable: decode every pixel from a fresh open.
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _TOO_MANY_PIXELS
    except Exception as exc:  # any decoder failure on hostile bytes is the file's fault
        said = " ".join(str(exc).split())[:100] or type(exc).__name__
        return f"cannot be decoded as {_NAMES[fmt]} ({said}); re-save the image"
    return None


@contextmanager
def _bombs_are_errors() -> Iterator[None]:
    """Pillow only warns between its pixel limit and twice that: make it an error."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


# -- container walks: (offset just past the image's end, the bytes a browser could read as text)


def _png(data: bytes) -> tuple[int, bytes]:
    i, text = 8, list[bytes]()
    while True:
        if i + 12 > len(data):
            raise _Broken(f"no IEND chunk before byte {len(data):,}")
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            raise _Broken(f"chunk {kind!r} at byte {i:,} runs past the end")
        if kind not in (b"IDAT", b"fdAT"):  # pixel data (fdAT: animation frames)
            text.append(data[i + 8 : end - 4])
        i = end
        if kind == b"IEND":
            return i, b"\n".join(text)


def _jpeg(data: bytes) -> tuple[int, bytes]:
    i, text = 2, list[bytes]()
    while True:
        if data[i] != 0xFF:
            raise _Broken(f"no marker at byte {i:,}")
        while data[i] == 0xFF:  # fill bytes
            i += 1
        marker = data[i]
        i += 1
        if marker == 0xD9:  # end of image
            return i, b"\n".join(text)
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            continue
        length = int.from_bytes(data[i : i + 2], "big")
        if length < 2 or i + length > len(data):
            raise _Broken(f"segment at byte {i:,} runs past the end")
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:  # comment, application data (EXIF, XMP)
            text.append(data[i + 2 : i + length])
        i += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            i = _after_scan(data, i)


def _after_scan(data: bytes, i: int) -> int:
    while True:
        i = data.find(b"\xff", i)
        if i < 0:
            raise _Broken("scan data without an end")
        following = data[i + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            i += 1 if following == 0xFF else 2  # stuffed byte, restart marker, fill
            continue
        return i


def _gif(data: bytes) -> tuple[int, bytes]:
    packed = data[10]
    i = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)  # global colour table
    text: list[bytes] = []
    while True:
        block = data[i]
        if block == 0x3B:  # trailer
            return i + 1, b"\n".join(text)
        if block == 0x21:  # extension: comment, application, graphic control, plain text
            i, payload = _sub_blocks(data, i + 2)
            text.append(payload)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW data
            packed = data[i + 9]
            i += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0) + 1
            i, _ = _sub_blocks(data, i)
        else:
            raise _Broken(f"unknown block 0x{block:02x} at byte {i:,}")


def _sub_blocks(data: bytes, i: int) -> tuple[int, bytes]:
    parts: list[bytes] = []
    while (size := data[i]) != 0:
        if i + 1 + size > len(data):
            raise _Broken(f"data block at byte {i:,} runs past the end")
        parts.append(data[i + 1 : i + 1 + size])
        i += 1 + size
    return i + 1, b"".join(parts)


def _webp(data: bytes) -> tuple[int, bytes]:
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data):
        raise _Broken("the RIFF size runs past the end")
    i, text = 12, list[bytes]()
    while i < end:
        if i + 8 > end:
            raise _Broken(f"chunk header at byte {i:,} runs past the end")
        kind = data[i : i + 4]
        size = int.from_bytes(data[i + 4 : i + 8], "little")
        stop = i + 8 + size
        if stop > end:
            raise _Broken(f"chunk {kind!r} at byte {i:,} runs past the end")
        if kind not in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):  # pixel data
            text.append(data[i + 8 : stop])
        i = stop + (size & 1)  # chunks are padded to an even size
    return end, b"\n".join(text)


_WALKS: dict[str, Callable[[bytes], tuple[int, bytes]]] = {
    "PNG": _png,
    "JPEG": _jpeg,
    "GIF": _gif,
    "WEBP": _webp,
}
