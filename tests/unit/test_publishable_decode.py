"""Image validation as a pure function: real-world variants pass, hidden payloads do not."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from cmlreport.publishable.decode import image_problem


def encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


FRAMES = [Image.new("RGBA", (20, 10), (40 * i, 0, 0, 128)) for i in range(4)]
RGB = Image.new("RGB", (64, 48), (1, 2, 3))
XMP = b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'

# Formats and options plotting tools and screenshots really produce: none may be refused.
SOUND = {
    "animated GIF with a comment": (
        encoded(
            FRAMES[0].convert("P"),
            "GIF",
            save_all=True,
            append_images=[f.convert("P") for f in FRAMES[1:]],
            loop=0,
            comment=b"made by a < b > c",
        ),
        "image/gif",
    ),
    "GIF without a colour table": (encoded(Image.new("L", (5, 5)), "GIF"), "image/gif"),
    "APNG": (encoded(FRAMES[0], "PNG", save_all=True, append_images=FRAMES[1:]), "image/png"),
    "palette PNG": (encoded(RGB.convert("P"), "PNG"), "image/png"),
    "16-bit grey PNG": (encoded(Image.new("I;16", (8, 8)), "PNG"), "image/png"),
    "progressive JPEG": (encoded(RGB, "JPEG", progressive=True), "image/jpeg"),
    "JPEG with EXIF and XMP": (
        encoded(RGB, "JPEG", exif=Image.Exif(), xmp=XMP),
        "image/jpeg",
    ),
    "lossless WebP with alpha": (encoded(FRAMES[0], "WEBP", lossless=True), "image/webp"),
    "lossy WebP with alpha": (encoded(FRAMES[0], "WEBP", quality=50), "image/webp"),
    "animated WebP": (
        encoded(FRAMES[0], "WEBP", save_all=True, append_images=FRAMES[1:]),
        "image/webp",
    ),
}


@pytest.mark.parametrize("name", sorted(SOUND))
def test_real_world_images_pass(name: str) -> None:
    data, declared = SOUND[name]
    assert image_problem(data, declared) is None


@pytest.mark.parametrize("name", sorted(SOUND))
def test_any_of_them_with_a_page_appended_is_refused(name: str) -> None:
    data, declared = SOUND[name]
    problem = image_problem(data + b"<html><script>alert(1)</script>", declared)
    assert problem is not None and "bytes after the end of its" in problem


@pytest.mark.parametrize("name", sorted(SOUND))
def test_any_of_them_cut_short_is_refused(name: str) -> None:
    data, declared = SOUND[name]
    assert image_problem(data[: len(data) * 2 // 3], declared) is not None


def test_markup_in_a_comment_is_refused() -> None:
    gif = encoded(RGB.convert("P"), "GIF", comment=b"<svg onload=alert(1)>")
    jpeg = encoded(RGB, "JPEG", comment=b"x javascript:alert(1)")

    assert "carries markup ('<svg')" in str(image_problem(gif, "image/gif"))
    assert "carries markup ('javascript:')" in str(image_problem(jpeg, "image/jpeg"))


def test_the_declared_type_must_be_the_decoded_one() -> None:
    png = encoded(RGB, "PNG")

    assert image_problem(png, "image/png") is None
    assert image_problem(png, "image/webp") == (
        "is a PNG image, not the WebP its name or type says; give it the right one"
    )
    assert str(image_problem(png, "image/svg+xml")).startswith("is SVG, which cmlreport does not")
    assert image_problem(png, "text/html") == "is not an image (PNG, JPEG, GIF or WebP expected)"
