"""An image checked for publishing: what the forges upload and the preview inlines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalImage:
    """An image the report references by a local path (or a data: URI), read and validated."""

    ref: str  # exactly as written in the markdown, so it can be replaced there
    name: str  # a file name for it, e.g. loss.png
    data: bytes
    content_type: str  # image/png, image/svg+xml, image/jpeg, image/gif, image/webp
