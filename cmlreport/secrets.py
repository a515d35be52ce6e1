"""Keep tokens out of every line cmlreport prints.

Secrets are registered once, where they are read from the environment; every message the CLI
prints passes through ``mask``. In GitHub Actions the runner is also told to mask them in the
log (``::add-mask::``), which covers output from libraries too.
"""

from __future__ import annotations

import sys

_SECRETS: set[str] = set()
MIN_LENGTH = 6  # masking "a" in every message would mangle it and protect nothing


def register(secret: str | None, *, actions: bool = False) -> None:
    if not secret or len(secret) < MIN_LENGTH or secret in _SECRETS:
        return
    _SECRETS.add(secret)
    if actions:
        # The runner swallows this line and masks the value in the rest of the log.
        sys.stdout.write(f"::add-mask::{secret}\n")
        sys.stdout.flush()


def mask(text: str) -> str:
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def forget_all() -> None:
    """For tests that run several commands in one process."""
    _SECRETS.clear()
