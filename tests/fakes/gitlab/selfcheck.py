"""The light self-check: does a request use only what GitLab's docs list for its route?

Each violation is one line naming the request, the field and the docs page. GitLab itself
ignores unknown parameters silently, which is exactly why a client must not rely on them.
"""

from __future__ import annotations

from tests.fakes.gitlab.forms import Fields
from tests.fakes.gitlab.routing import Route


def check_request(route: Route, method: str, path: str, fields: Fields) -> list[str]:
    where = f"request {method} {path}"
    found: list[str] = []
    for name in sorted(set(fields.args) - route.accepted):
        found.append(
            f"{where}: parameter '{name}' is not one GitLab documents for "
            f"{route.method} {route.template} (or the fake does not implement it); "
            f"see {route.docs}"
        )
    for name in route.required:
        if name not in fields.args:
            found.append(f"{where}: required parameter '{name}' is missing; see {route.docs}")
    for name, allowed in route.choices.items():
        value = fields.args.get(name)
        if value is not None and str(value) not in allowed:
            found.append(
                f"{where}: parameter '{name}' is {value!r}, not one of {', '.join(allowed)}; "
                f"see {route.docs}"
            )
    return found


def grape_error(route: Route, fields: Fields) -> str | None:
    """The 400 message GitLab's parameter validation gives, if any (``body is missing``)."""
    missing = [f"{name} is missing" for name in route.required if name not in fields.args]
    invalid = [
        f"{name} does not have a valid value"
        for name, allowed in route.choices.items()
        if fields.args.get(name) is not None and str(fields.args[name]) not in allowed
    ]
    problems = missing + invalid
    return ", ".join(problems) if problems else None
