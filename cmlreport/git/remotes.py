"""Which forge and repository a git remote URL points at (https, ssh and scp-like forms)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cmlreport.errors import InputError

_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>(?!//).+)$")


@dataclass(frozen=True)
class Remote:
    host: str  # "github.com", "gitlab.example.com:8443"
    path: str  # "owner/name" or "group/sub/project"
    scheme: str  # "https" for web links; ssh remotes are served over https too

    @property
    def web_url(self) -> str:
        return f"{self.scheme}://{self.host}"


def parse_remote(url: str) -> Remote:
    """``https://github.com/o/r.git``, ``git@github.com:o/r.git``, ``ssh://git@host:22/o/r``.

    Credentials in the URL are dropped (a token in an https remote must never be printed).
    """
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
        if port and parts.scheme in ("http", "https"):
            host = f"{host}:{port}"
        path = parts.path
        scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
    else:
        m = _SCP.match(text)
        if not m:
            raise InputError(f"cannot tell the repository from the remote URL {_safe(text)!r}")
        host, path, scheme = m["host"], m["path"], "https"
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    if not host or path.count("/") < 1:
        raise InputError(f"cannot tell the repository from the remote URL {_safe(text)!r}")
    return Remote(host.lower(), path, scheme)


def _safe(url: str) -> str:
    """The URL without credentials, for messages."""
    return re.sub(r"//[^/@]*@", "//", url)
