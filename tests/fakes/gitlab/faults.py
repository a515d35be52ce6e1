"""Fault injection as GitLab (or the proxy in front of it) words its errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from tests.fakes.served import Faults


def default_body(status: int) -> Any:
    """What GitLab (or the proxy in front of it) answers with ``status``."""
    if status == 429:
        return "Retry later\n"  # Rack::Attack's plain-text throttle answer
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"message": f"{status} {phrase}"}


def gitlab_faults() -> Faults:
    """``path`` is the API path without the sub-path and ``/api/v4``, e.g.
    ``/projects/42/merge_requests/3/notes``."""
    return Faults(default_body)
