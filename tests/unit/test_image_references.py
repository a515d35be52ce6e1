"""The images a report shows: found in its markdown, checked on disk, pointed at hosted copies."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image as PILImage

from cmlreport.errors import InputError
from cmlreport.metrics.diff import diff_metrics
from cmlreport.plots.mermaid import line_chart
from cmlreport.publishable import MAX_IMAGE_BYTES, collect_images, mermaid_sidecars
from cmlreport.publishable.references import ImageRef, find_images, replace_images, rewrite_images
from cmlreport.report.charts import Chart, Image, image_markdown
from cmlreport.report.markdown import ReportData, render_report


def encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 3), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


PNG = encoded("PNG")
JPEG = encoded("JPEG")
GIF = encoded("GIF")
WEBP = encoded("WEBP")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


def refs(md: str) -> list[str]:
    return [image.ref for image in find_images(md)]


def report_with_plots() -> str:
    diffs = diff_metrics(
        {"eval.f1": 0.81, "train.loss": 0.52}, {"eval.f1": 0.84, "train.loss": 0.4}
    )
    data = ReportData(
        "Retrain on May data",
        diffs,
        charts=[Chart("loss", mermaid=line_chart("loss", [1, 2, 3], {"head": [0.9, 0.6, 0.4]}))],
        images=[
            Image("confusion matrix", "plots/confusion matrix.png"),
            Image("loss (train) [v2]", "plots/loss (v2).svg"),
        ],
    )
    return render_report(data)


# -- finding images --------------------------------------------------------------------------


def test_the_plots_of_a_rendered_report_are_found_with_their_file_paths() -> None:
    md = report_with_plots()

    found = find_images(md)

    assert [(i.path, i.alt, i.data_uri) for i in found] == [
        ("plots/confusion matrix.png", "confusion matrix", False),
        ("plots/loss (v2).svg", "loss (train) [v2]", False),
    ]
    assert [md[i.start : i.end] for i in found] == [
        image_markdown(Image("confusion matrix", "plots/confusion matrix.png")),
        image_markdown(Image("loss (train) [v2]", "plots/loss (v2).svg")),
    ]
    assert [i.ref for i in found] == ["plots/confusion%20matrix.png", "plots/loss%20%28v2%29.svg"]


def test_titles_angle_brackets_and_escapes_are_read_like_markdown() -> None:
    md = (
        '![loss](loss.png "Training loss")\n'
        "![drift](<plots/drift 2024.png> 'Drift')\n"
        "![pr](pr.png (PR curve))\n"
        "![a \\] bracket](weird\\(1\\).png)\n"
        "![](plots/empty-alt.png)\n"
    )

    found = find_images(md)

    assert [(i.ref, i.path, i.alt) for i in found] == [
        ("loss.png", "loss.png", "loss"),
        ("plots/drift 2024.png", "plots/drift 2024.png", "drift"),
        ("pr.png", "pr.png", "pr"),
        ("weird\\(1\\).png", "weird(1).png", "a ] bracket"),
        ("plots/empty-alt.png", "plots/empty-alt.png", ""),
    ]
    assert md[found[1].start : found[1].end] == "![drift](<plots/drift 2024.png> 'Drift')"


def test_html_img_tags_in_any_attribute_order_and_quoting() -> None:
    md = (
        '<img src="a.png" alt="A &amp; B">\n'
        "<p align=center><IMG width=400 alt='b' SRC='b%20c.png'/></p>\n"
        "<img\n  alt=c\n  src=c.svg\n>\n"
        '<img alt="no source">\n'
    )

    found = find_images(md)

    assert [(i.ref, i.path, i.alt) for i in found] == [
        ("a.png", "a.png", "A & B"),
        ("b%20c.png", "b c.png", "b"),
        ("c.svg", "c.svg", "c"),
    ]
    assert md[found[2].start : found[2].end] == "<img\n  alt=c\n  src=c.svg\n>"


def test_images_inside_code_or_comments_are_text_not_pictures() -> None:
    md = (
        "Run `cmlreport plot` to get ![real](real.png).\n"
        "Inline: `![no](inline.png)` and ``![no](double `tick`.png)``.\n"
        "```markdown\n![no](fenced.png)\n```\n"
        "~~~~\n<img src=tilde.png>\n~~~\n![no](still-fenced.png)\n~~~~\n"
        "````md\n```\n![no](nested-fence.png)\n```\n````\n"
        "<!-- ![no](commented.png) -->\n"
        "\\`not code ![escaped-ticks](after.png) \\`\n"
        "```not a fence``` but inline code beside ![shown](shown.png)\n"
        "A lone ` backtick ends with its paragraph.\n\n![next](next.png) and `code`.\n"
        "```\n![no](unclosed-fence-runs-to-the-end.png)\n"
    )

    assert refs(md) == ["real.png", "after.png", "shown.png", "next.png"]


def test_remote_images_are_left_alone_and_data_uris_are_found() -> None:
    png_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    md = (
        "![ci](https://ci.example.com/badge.svg) ![x](http://x.org/a.png)\n"
        '<img src="//cdn.example.com/x.png"> <img src="HTTPS://EXAMPLE.COM/Y.PNG">\n'
        "![mail](mailto:someone@example.com) ![anchor](#top)\n"
        f"![inline]({png_uri})\n"
        "\\![escaped](not-an-image.png)\n"
        "[![badge](badge.svg)](https://ci.example.com)\n"
        "![only the outer one shows ![inner](inner.png)](outer.png)\n"
    )

    found = find_images(md)

    assert [(i.ref, i.path, i.data_uri) for i in found] == [
        (png_uri, None, True),
        ("badge.svg", "badge.svg", False),
        ("outer.png", "outer.png", False),
    ]


def test_a_query_or_fragment_is_not_part_of_the_file_name() -> None:
    assert [i.path for i in find_images("![a](plots/a.png?v=2) ![b](b.svg#icon)")] == [
        "plots/a.png",
        "b.svg",
    ]


# -- rewriting and replacing -----------------------------------------------------------------


def test_rewriting_points_sources_at_urls_and_leaves_every_other_byte_alone() -> None:
    md = report_with_plots()
    url = "https://github.com/octo/model/blob/0123abc/images/ab/abc.png?raw=true"

    out = rewrite_images(md, {"plots/confusion%20matrix.png": url})

    before, after = md.split("plots/confusion%20matrix.png")
    assert out == before + url + after
    assert rewrite_images(md, {}) == md
    assert rewrite_images(md, {"not/in/report.png": url}) == md


def test_rewritten_sources_stay_valid_in_each_syntax() -> None:
    md = 'a ![x](x.png "t") b <img alt=y src=y.png> c ![z](<z z.png>) d <img src="w.png">'
    urls = {
        "x.png": "https://h/x (1).png",
        "y.png": "https://h/y.png?raw=true",
        "z z.png": "https://h/z.png",
        "w.png": 'https://h/w.png?a=1&b="2"',
    }

    out = rewrite_images(md, urls)

    assert out == (
        'a ![x](https://h/x%20%281%29.png "t") b <img alt=y src="https://h/y.png?raw=true"> '
        'c ![z](<https://h/z.png>) d <img src="https://h/w.png?a=1&amp;b=&quot;2&quot;">'
    )
    assert [i.path for i in find_images(out)] == []  # every one is remote now


def test_replacing_swaps_the_whole_image_for_a_block_on_lines_of_its_own() -> None:
    block = "```mermaid\nxychart-beta\n```"
    md = "# R\n\n![loss](loss.png)\n\nSee ![f1](f1.png) here.\n\n![keep](keep.png)\n"

    out = replace_images(md, {"loss.png": block, "f1.png": block})

    assert out == (f"# R\n\n{block}\n\nSee \n{block}\n here.\n\n![keep](keep.png)\n")
    assert replace_images(md, {"keep.png": "[keep](keep.png)"}).endswith("\n[keep](keep.png)\n")


# -- reading and checking the files ----------------------------------------------------------


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_every_local_image_is_read_once_and_decoded_as_its_type(tmp_path: Path) -> None:
    write(tmp_path / "plots" / "confusion matrix.png", PNG)
    write(tmp_path / "plots" / "photo.JPG", JPEG)
    write(tmp_path / "anim.gif", GIF)
    write(tmp_path / "pic.webp", WEBP)
    png_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    md = (
        "![cm](plots/confusion%20matrix.png) ![again](plots/confusion%20matrix.png)\n"
        '<img src="plots/photo.JPG"> ![](anim.gif) ![](pic.webp)\n'
        f"![inline]({png_uri})\n"
    )

    images = collect_images(md, tmp_path)

    assert [(i.ref, i.name, i.content_type) for i in images] == [
        ("plots/confusion%20matrix.png", "confusion matrix.png", "image/png"),
        ("plots/photo.JPG", "photo.JPG", "image/jpeg"),
        ("anim.gif", "anim.gif", "image/gif"),
        ("pic.webp", "pic.webp", "image/webp"),
        (png_uri, "image-1.png", "image/png"),
    ]
    assert images[0].data == PNG
    assert images[4].data == PNG


def one_line_error(md: str, report_dir: Path) -> str:
    with pytest.raises(InputError) as failed:
        collect_images(md, report_dir, report_name="report.md")
    message = failed.value.message
    assert "\n" not in message
    return message


def test_a_missing_image_names_the_report_the_ref_and_where_it_looked(tmp_path: Path) -> None:
    message = one_line_error("![loss](plots/loss.png)", tmp_path)

    assert message.startswith("report.md: image 'plots/loss.png' not found: no file ")
    assert str(Path("plots") / "loss.png") in message
    assert message.endswith("(image paths are relative to the report's folder)")


def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "plots" / "loss.png", b"step,loss\n1,0.9\n")
    write(tmp_path / "page.svg", b"<html><body><svg></svg></body></html>")
    (tmp_path / "folder.png").mkdir()
    write(tmp_path / "sound.webp", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(32))
    write(tmp_path / "photo.png", JPEG)  # the extension lies: refused, not relabelled

    assert one_line_error("![](plots/loss.png)", tmp_path) == (
        "report.md: image 'plots/loss.png' is not an image (PNG, JPEG, GIF or WebP expected)"
    )
    assert "'page.svg' is SVG, which cmlreport does not publish" in one_line_error(
        "![](page.svg)", tmp_path
    )
    assert "'folder.png' is a folder" in one_line_error("![](folder.png)", tmp_path)
    assert "'sound.webp' is not an image" in one_line_error("![](sound.webp)", tmp_path)
    assert "'photo.png' is a JPEG image, not the PNG" in one_line_error("![](photo.png)", tmp_path)


def test_ordinary_metadata_is_not_mistaken_for_markup(tmp_path: Path) -> None:
    from PIL import PngImagePlugin

    xmp = b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Matplotlib version3.9, https://matplotlib.org/")
    info.add_itxt("XML:com.adobe.xmp", xmp.decode())
    png = io.BytesIO()
    PILImage.new("RGB", (4, 3)).save(png, "PNG", pnginfo=info)
    jpeg = io.BytesIO()
    PILImage.new("RGB", (4, 3)).save(jpeg, "JPEG", xmp=xmp, comment=b"a < b > c")
    write(tmp_path / "a.png", png.getvalue())
    write(tmp_path / "b.jpeg", jpeg.getvalue())

    images = collect_images("![](a.png) ![](b.jpeg)", tmp_path)

    assert [i.content_type for i in images] == ["image/png", "image/jpeg"]


def png_of_exactly(size: int) -> bytes:
    """A sound PNG padded to ``size`` bytes with a private ancillary chunk."""
    pad = size - len(PNG) - 12
    data = bytes(pad)
    chunk = struct.pack(">I", pad) + b"prVt" + data + struct.pack(">I", zlib.crc32(b"prVt" + data))
    return PNG[:33] + chunk + PNG[33:]  # after the 8-byte signature and the 25-byte IHDR


def test_an_image_over_the_size_limit_is_refused_before_upload(tmp_path: Path) -> None:
    big = write(tmp_path / "huge.png", PNG)
    with big.open("r+b") as f:
        f.truncate(MAX_IMAGE_BYTES + 1)
    write(tmp_path / "just-fits.png", png_of_exactly(MAX_IMAGE_BYTES))

    assert one_line_error("![](huge.png)", tmp_path) == (
        "report.md: image 'huge.png' is 10,485,761 bytes, over the limit of 10,485,760 bytes "
        "(10 MB); save it smaller (e.g. a lower dpi)"
    )
    assert len(collect_images("![](just-fits.png)", tmp_path)[0].data) == MAX_IMAGE_BYTES


def test_a_broken_data_uri_is_refused(tmp_path: Path) -> None:
    encoded = base64.b64encode(PNG).decode()
    garbled = f"data:image/png;base64,{encoded[:8]}!{encoded[8:]}"  # lenient decoders skip "!"
    message = one_line_error(f"![]({garbled})", tmp_path)
    assert message.startswith("report.md: data: URI 'data:image/png;base64,iVBORw0K!")
    assert message.endswith("…' is not valid base64; re-encode the image")
    assert len(message) < 120  # the whole URI is not pasted into the error
    text = base64.b64encode(b"hello").decode()
    assert "is not an image" in one_line_error(f"![](data:image/png;base64,{text})", tmp_path)
    assert "has no ','" in one_line_error("![](data:image/png;base64)", tmp_path)


def test_images_in_code_are_not_read_at_all(tmp_path: Path) -> None:
    assert collect_images("```\n![](missing.png)\n```\n`![](gone.png)`", tmp_path) == []


# -- mermaid sidecars ------------------------------------------------------------------------


def test_a_plot_with_a_mermaid_sidecar_can_be_swapped_for_its_chart(tmp_path: Path) -> None:
    fenced = "```mermaid\nxychart-beta\n  line [1, 2]\n```"
    write(tmp_path / "plots" / "loss.png", PNG)
    (tmp_path / "plots" / "loss.mmd").write_text(f"\n{fenced}\n\n")
    (tmp_path / "f1.mmd").write_text("xychart-beta\n  bar [3]\n")  # bare source, no fence
    md = "![loss](plots/loss.png) ![f1](f1.png) ![cm](cm.png)"

    blocks = mermaid_sidecars(md, tmp_path)

    assert blocks == {
        "plots/loss.png": fenced,
        "f1.png": "```mermaid\nxychart-beta\n  bar [3]\n```",
    }
    assert replace_images(md, blocks).count("```mermaid") == 2


def test_image_ref_is_a_plain_value() -> None:
    found = find_images("![a](a.png)")
    assert found == [ImageRef(ref="a.png", path="a.png", data_uri=False, alt="a", start=0, end=11)]


def test_an_img_tag_is_read_by_commonmarks_grammar_as_github_renders_it() -> None:
    import cmarkgfm

    # cmark-gfm shows the first `<img` as text (`<img` is no attribute name), the second as an
    # image; a `<!--` where an attribute belongs makes the whole tag text.
    for md, shown in [
        ("<img <img src=x.png>", ["x.png"]),
        ("<img src=n<!--<p -->", []),
        ('<img src="a.png" data-x=1>', ["a.png"]),
    ]:
        rendered = cmarkgfm.github_flavored_markdown_to_html(
            md, options=cmarkgfm.Options.CMARK_OPT_UNSAFE
        )
        assert rendered.count("<img") == len(shown), rendered
        assert [ref.ref for ref in find_images(md)] == shown


@pytest.mark.parametrize(
    "name, text",
    [
        ("unclosed image openers", "![" * 400_000),
        ("destinations never closed", "![a](" * 200_000),
        ("titles never closed", '![a](b "' * 100_000),
        ("parenthesised titles never closed", "![a](b (" * 100_000),
        ("angle destinations", "![a](<" * 200_000),
        ("img tags that never end", "<img " * 200_000),
        ("img attributes that never end", "<img a " * 150_000),
        ("backtick runs that never close", "`a``b```c" * 80_000),
        ("code spans between openers", "`a` ![" * 100_000),
        ("comments never closed", "<!--" * 200_000),
        ("nested alt text", "![" * 100_000 + "a" + "](p.png)" * 100_000),
    ],
)
def test_scanning_a_report_for_images_and_code_is_linear(name: str, text: str) -> None:
    import time

    # Shapes where every candidate reads ahead to the end if nothing is remembered: quadratic,
    # these take minutes (the backtick runs 6 s at 720k characters before); linear, well under
    # a second each.
    start = time.perf_counter()
    found = find_images(text)
    rewrite_images(text, {})
    assert time.perf_counter() - start < 10, name
    assert len(found) == (1 if name == "nested alt text" else 0)
