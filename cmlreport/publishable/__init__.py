"""What a report may read and make public: the one gate every image passes before it leaves.

Both forges (the GitHub assets branch, GitLab uploads), the fork fallback folder and the HTML
preview take their images from here, never from the disk themselves. An image is published
only if it resolves inside the image root (:mod:`.confine`) and decodes as the image type it
claims, with nothing hidden in or after it (:mod:`.decode`). Every refusal is one line that
names the report and the image as written, found before anything is sent.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, unquote_to_bytes

from cmlreport.errors import InputError
from cmlreport.publishable.confine import MAX_IMAGE_BYTES, image_root, read_confined, too_big
from cmlreport.publishable.decode import BY_SUFFIX, FORMATS, NOT_AN_IMAGE, SVG, image_problem
from cmlreport.publishable.image import LocalImage
from cmlreport.publishable.references import find_images

__all__ = [
    "EXTENSIONS",
    "MAX_IMAGE_BYTES",
    "collect_images",
    "data_uri_image",
    "image_root",
    "mermaid_sidecars",
    "preview_images",
]

EXTENSIONS = {content_type: ext for content_type, (_, ext) in FORMATS.items()}
_HINT = "image paths are relative to the report's folder"


def collect_images(
    md: str,
    report_dir: Path,
    *,
    report_name: str = "the report",
    root: Path | None = None,
    skip: Callable[[str], None] | None = None,
) -> list[LocalImage]:
    """Every local image and data: URI ``md`` references, read once each and checked.

    Paths are relative to ``report_dir`` (the report file's folder) and must resolve inside
    ``root`` (from :func:`image_root`; by default ``report_dir`` itself); ``report_name`` is
    named in errors. The first refusal raises InputError, unless ``skip`` is given: then each
    refused image is left out and ``skip`` gets the reason.
    """
    root = _real(root or report_dir)
    images: list[LocalImage] = []
    seen: set[str] = set()
    data_uris = 0
    for ref in find_images(md):
        if ref.ref in seen:
            continue
        seen.add(ref.ref)
        try:
            if ref.file_url:
                raise InputError(
                    f"{report_name}: image {ref.ref!r} is a file: URL, which is never "
                    "published; use a path relative to the report"
                )
            if ref.data_uri:
                data_uris += 1
                images.append(data_uri_image(ref.ref, data_uris, report_name))
            else:
                assert ref.path is not None
                images.append(_from_file(ref.ref, ref.path, report_dir, root, report_name))
        except InputError as exc:
            if skip is None:
                raise
            skip(exc.message)
    return images


def preview_images(sources: Iterable[str], report_dir: Path, root: Path) -> dict[str, LocalImage]:
    """For the HTML preview: the checked image of every local source that passes, by source
    as written; one that does not (missing, outside, not an image) is left out, not an error."""
    found: dict[str, LocalImage] = {}
    for src in sources:
        path = unquote(src.split("#", 1)[0].split("?", 1)[0])
        if not path:
            continue
        try:
            found[src] = _from_file(src, path, report_dir, _real(root), "the preview")
        except InputError:
            continue
    return found


def _from_file(ref: str, path_text: str, report_dir: Path, root: Path, report: str) -> LocalImage:
    path = report_dir / path_text
    where = f"{report}: image {ref if len(ref) <= 200 else ref[:200] + '…'!r}"
    data = read_confined(path, root, where, _HINT)
    declared = _type_by_suffix(path_text)
    problem = image_problem(data, declared) if declared else NOT_AN_IMAGE
    if problem is not None:
        raise InputError(f"{where} {problem}")
    assert declared is not None
    return LocalImage(ref=ref, name=path.name, data=data, content_type=declared)


def data_uri_image(uri: str, n: int, report_name: str) -> LocalImage:
    """The image a ``data:`` URI holds, checked like a file (named ``image-<n>.<ext>``);
    InputError naming ``report_name`` and the start of the URI otherwise."""
    shown = uri if len(uri) <= 40 else uri[:40] + "…"
    where = f"{report_name}: data: URI {shown!r}"
    header, comma, payload = uri.partition(",")
    if not comma:
        raise InputError(f"{where} has no ',' before its data; expected data:image/png;base64,...")
    if header.lower().endswith(";base64"):
        # Line breaks are allowed: an <img> attribute may wrap its data over several lines.
        text = "".join(payload.split())
        if len(text) // 4 * 3 > MAX_IMAGE_BYTES:  # checked before decoding megabytes
            raise InputError(f"{where} {too_big(len(text) // 4 * 3)}")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InputError(f"{where} is not valid base64; re-encode the image") from None
    else:
        data = unquote_to_bytes(payload)  # data:image/svg+xml,%3Csvg... (URL-encoded text)
        if len(data) > MAX_IMAGE_BYTES:
            raise InputError(f"{where} {too_big(len(data))}")
    declared = header[len("data:") :].split(";", 1)[0].strip().lower()
    problem = image_problem(data, declared if declared == SVG or declared in FORMATS else "")
    if problem is not None:
        raise InputError(f"{where} {problem}")
    name = f"image-{n}.{EXTENSIONS[declared]}"
    return LocalImage(ref=uri, name=name, data=data, content_type=declared)


def _type_by_suffix(path_text: str) -> str | None:
    suffix = PurePosixPath(path_text).suffix.lower()
    return SVG if suffix == ".svg" else BY_SUFFIX.get(suffix)


def mermaid_sidecars(md: str, report_dir: Path, root: Path | None = None) -> dict[str, str]:
    """For ``--images mermaid``: image ref -> the mermaid block in ``X.mmd`` next to ``X.png``.

    A sidecar's text goes into the comment, so it obeys the same root as the images. A sidecar
    holding bare mermaid source (no fence) is fenced here, since that is what mermaid's own
    tools write.
    """
    root = _real(root or report_dir)
    blocks: dict[str, str] = {}
    for ref in find_images(md):
        if ref.path is None or ref.ref in blocks:
            continue
        try:
            sidecar = (report_dir / ref.path).with_suffix(".mmd")
        except ValueError:  # no file name to put a suffix on ("plots/")
            continue
        try:
            os.stat(sidecar)
        except (OSError, ValueError):  # no sidecar (or no usable path): the image stays
            continue
        raw = read_confined(sidecar, root, f"mermaid sidecar {sidecar}", _HINT)
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InputError(f"mermaid sidecar {sidecar} is not UTF-8 text") from None
        if not text:
            raise InputError(f"mermaid sidecar {sidecar} is empty; delete it or write the chart")
        blocks[ref.ref] = fenced_mermaid(_unfenced(text, sidecar))
    return blocks


_FENCE = re.compile(r"(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")


def _unfenced(text: str, sidecar: Path) -> str:
    """The chart inside a sidecar: bare mermaid source, or one fenced block and nothing else."""
    lines = text.split("\n")
    opener = _FENCE.match(lines[0])
    if opener is None:
        return text
    run = opener[1]
    closer = lines[-1].strip() if len(lines) > 1 else ""
    if not (closer.startswith(run) and set(closer) == {run[0]}):
        raise InputError(
            f"mermaid sidecar {sidecar} opens a {run} fence that does not close on its last "
            "line; write one fenced block or bare mermaid source"
        )
    return "\n".join(lines[1:-1])


def fenced_mermaid(source: str) -> str:
    """``source`` in a mermaid block that nothing inside can close: the fence is longer than
    any run of backticks in it (a sidecar is text from the job, pasted into the comment)."""
    from cmlreport.textsafe import escape_controls

    body = "\n".join(escape_controls(line.rstrip("\r")) for line in source.split("\n"))
    longest = max((len(m[0]) for m in _BACKTICKS.finditer(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}mermaid\n{body}\n{fence}"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))
