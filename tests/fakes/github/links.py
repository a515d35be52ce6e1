"""Where the fake lives, and moving GitHub's example URLs onto it.

PyGithub follows absolute URLs it finds in bodies (``url``, ``issue_url``...) and fails with a
bare AssertionError on a foreign host, so no body may keep a github.com link.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

# A link (not an e-mail address) that still leads to GitHub after relinking.
GITHUB_URL = re.compile(r"(https?://|git@|git:)([\w.-]*\.)?github\.com")


@dataclass(frozen=True)
class Links:
    """Where the fake lives: ``api`` (with the GHES ``/api/v3`` prefix if any) and ``web``."""

    api: str
    web: str

    @property
    def host(self) -> str:
        return urlsplit(self.web).netloc

    def repo(self, full_name: str) -> str:
        return f"{self.api}/repos/{full_name}"

    def user(self, login: str) -> str:
        return f"{self.api}/users/{quote(login)}"

    def relink(self, node: Any, replacements: list[tuple[str, str]] | None = None) -> Any:
        """``node`` with ``replacements`` applied to every string, then GitHub's hosts -> ours."""
        pairs = [
            *(replacements or []),
            ("https://api.github.com", self.api),
            ("https://uploads.github.com", self.web),
            ("https://svn.github.com", self.web),
            ("https://github.com", self.web),
            ("git:github.com/", f"git://{self.host}/"),
            ("git@github.com:", f"git@{self.host}:"),
        ]
        if isinstance(node, dict):
            return {k: self.relink(v, replacements) for k, v in node.items()}
        if isinstance(node, list):
            return [self.relink(v, replacements) for v in node]
        if isinstance(node, str):
            for old, new in pairs:
                node = node.replace(old, new)
            if GITHUB_URL.search(node):
                raise AssertionError(f"fake GitHub body still points at GitHub: {node}")
        return node


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: object) -> str:
    return base64.b64encode(f"{kind}{ident}".encode()).decode()
