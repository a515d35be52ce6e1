"""Checks every request and response of the fake against GitHub's REST description.

A violation is a one-line string; the server collects them and the pytest fixture fails the test
when there are any. So a client that sends a field, parameter or path GitHub does not describe
fails its test, and so does a fake whose answers drift from what GitHub documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.fakes.github.spec import description, operation, with_server

# GitHub answers these on every operation, though the description lists them only on some.
# When an operation does not list the status, the body must still be GitHub's error shape.
CROSS_CUTTING_ERRORS = {
    401: "basic-error",
    403: "basic-error",
    404: "basic-error",
    422: "validation-error",
}
MAX_DETAIL = 240


class SpecRequest:
    """A request in the shape openapi-core reads (its ``Request`` protocol)."""

    def __init__(
        self,
        *,
        host_url: str,
        method: str,
        path: str,
        path_pattern: str | None,
        path_params: Mapping[str, str],
        query: Iterable[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        self.host_url = host_url
        self.method = method.lower()
        self.path = path
        # When the fake routed the request itself, openapi-core is told the template
        # (it cannot match a {ref} that contains a slash on its own).
        self.path_pattern = path_pattern
        self.parameters = RequestParameters(
            path=dict(path_params),
            query=ImmutableMultiDict(list(query)),
            header=Headers(list(headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.body = body or None
        self.content_type = self.parameters.header.get("Content-Type", "application/json").lower()


class SpecResponse:
    def __init__(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
        self.status_code = status
        self.headers = Headers(list(headers.items()))
        self.content_type = self.headers.get("Content-Type", "application/json").lower()
        self.data = data


class SpecValidator:
    """openapi-core over the vendored description, served at ``api_url``."""

    def __init__(self, api_url: str) -> None:
        parts = urlsplit(api_url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path.rstrip("/")
        # Whole-description validation takes ~35 s on GitHub's; the pruned copy is generated.
        self.api = OpenAPI.from_dict(with_server(api_url), config=Config(spec_validator_cls=None))

    def request(
        self,
        method: str,
        api_path: str,
        *,
        template: str | None,
        path_params: Mapping[str, str],
        query: list[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> SpecRequest:
        return SpecRequest(
            host_url=self.host_url,
            method=method,
            path=self.prefix + api_path,
            path_pattern=self.prefix + template if template else None,
            path_params=path_params,
            query=query,
            headers=headers,
            body=body,
        )

    def check_request(self, request: SpecRequest, template: str | None) -> list[str]:
        where = f"request {request.method.upper()} {request.path}"
        found: list[str] = []
        try:
            self.api.validate_request(request)
        except Exception as error:  # every openapi-core error is a finding here
            found.append(f"{where}: {describe(error, _schema_errors(error))}")
        # openapi-core ignores parameters the description does not declare; GitHub ignores
        # them too, silently, which is how a client's "sort" or typo goes unnoticed.
        declared = _declared_query(template, request.method) if template else None
        for name in request.parameters.query:
            if declared is not None and name not in declared:
                found.append(
                    f"{where}: query parameter {name!r} is not in the description"
                    f" (it has: {', '.join(sorted(declared)) or 'none'})"
                )
        return found

    def check_response(self, request: SpecRequest, response: SpecResponse) -> list[str]:
        where = f"response {response.status_code} to {request.method.upper()} {request.path}"
        try:
            self.api.validate_response(request, response)
        except ResponseNotFound:
            return _check_cross_cutting(where, response)
        except Exception as error:
            errors = _schema_errors(error)
            kept = [e for e in errors if not _null_for_nullable_enum(e)]
            if errors and not kept:
                return []
            return [f"{where}: {describe(error, kept)}"]
        return []


def _schema_errors(error: BaseException) -> list[Any]:
    """The jsonschema errors behind an openapi-core error (none for path or cast errors)."""
    return [
        inner
        for source in (error, error.__cause__)
        for inner in getattr(source, "schema_errors", None) or []
    ]


def _null_for_nullable_enum(schema_error: Any) -> bool:
    """A null where the schema is a ``nullable`` enum (GitHub's check-run ``conclusion``).

    OAS 3.0.3 wants ``null`` listed in such an enum; GitHub's description leaves it out but
    GitHub does answer null, so this one pattern is not held against the fake.
    """
    schema = getattr(schema_error, "schema", None)
    return (
        getattr(schema_error, "validator", None) == "enum"
        and getattr(schema_error, "instance", 0) is None
        and isinstance(schema, dict)
        and schema.get("nullable") is True
    )


def _check_cross_cutting(where: str, response: SpecResponse) -> list[str]:
    schema_name = CROSS_CUTTING_ERRORS.get(response.status_code)
    if schema_name is None:
        return [f"{where}: the description lists no such status for this operation"]
    try:
        body = json.loads(response.data)
    except ValueError:
        return [f"{where}: body is not JSON"]
    # A wrapper document so "#/components/..." references resolve inside the description.
    root = {"$ref": f"#/components/schemas/{schema_name}", **description()}
    errors = [e.message for e in OAS30Validator(root).iter_errors(body)]
    return [f"{where}: not a {schema_name}: {_short(m)}" for m in errors]


def _declared_query(template: str, method: str) -> set[str]:
    op = operation(template, method) or {}
    names = set()
    for param in op.get("parameters", []):
        if "$ref" in param:
            param = description()["components"]["parameters"][param["$ref"].split("/")[-1]]
        if param.get("in") == "query":
            names.add(param["name"])
    return names


def describe(error: BaseException, schema_errors: list[Any]) -> str:
    """One line: the kind of finding, then each schema error and where it is (or the cause)."""
    details = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {_short(e.message)}"
        for e in schema_errors
    ]
    for source in (error, error.__cause__):
        details += [_short(inner) for inner in getattr(source, "errors", None) or []]
    if schema_errors:  # str(error) would repeat the whole value; the details say it all
        return f"{type(error).__name__}: {'; '.join(dict.fromkeys(details))}"
    if not details and error.__cause__ is not None:
        details.append(_short(repr(error.__cause__)))
    return "; ".join([f"{type(error).__name__}: {_short(error)}", *details])


def _short(text: Any) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"
