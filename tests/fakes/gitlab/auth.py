"""Who is calling and what they may do: tokens, scopes, job tokens, project reach and roles.

GitLab's answers, in the order it checks: an unknown token is 401; a job token on an endpoint
that does not take one is 403 (401 on ``/user``); a token without a scope the endpoint needs is
403 ``insufficient_scope``; a project the token cannot see is 404; a role too low is 403.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.fakes.gitlab.records import Project, Token
from tests.fakes.gitlab.routing import ApiError, Route, not_found
from tests.fakes.gitlab.state import GitLabState

SCOPE_ERROR = "The request requires higher privileges than provided by the access token."


def credential(headers: Mapping[str, str]) -> str | None:
    """The token a request carries (``headers`` keys are lower case)."""
    for name in ("private-token", "job-token"):
        if headers.get(name):
            return headers[name].strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def unauthorized() -> ApiError:
    return ApiError(401, "401 Unauthorized")


def forbidden() -> ApiError:
    return ApiError(403, "403 Forbidden")


def authenticate(state: GitLabState, headers: Mapping[str, str]) -> Token:
    value = credential(headers)
    token = state.tokens.get(value) if value else None
    if token is None:
        raise unauthorized()
    # A job token only counts in the JOB-TOKEN header, a personal one never does there.
    if (token.kind == "job") != bool(headers.get("job-token")):
        raise unauthorized()
    return token


def authorize(
    state: GitLabState, route: Route, token: Token, params: Mapping[str, str]
) -> Project | None:
    """The route's project when it has one; raises GitLab's refusal otherwise."""
    if token.kind == "job":
        if not route.job_token:
            raise unauthorized() if route.job_token_refusal == 401 else forbidden()
    elif not token.scopes & set(route.scopes):
        scope = " ".join(route.scopes)
        raise ApiError(
            403,
            "insufficient_scope",
            key="error",
            extra={"error_description": SCOPE_ERROR, "scope": scope},
            headers={
                "WWW-Authenticate": (
                    f'Bearer realm="GitLab", error="insufficient_scope", '
                    f'error_description="{SCOPE_ERROR}", scope="{scope}"'
                )
            },
        )
    project = None
    if route.in_project:
        project = visible_project(state, token, params["id"])
        if project is None:
            raise not_found("Project")
    if token.access_level < route.role:
        raise forbidden()
    return project


def visible_project(state: GitLabState, token: Token | None, ref: str) -> Project | None:
    """The project ``ref`` names if ``token`` may see it (None: anonymous, public only)."""
    project = state.find_project(ref)
    if project is None:
        return None
    if token is None:
        return project if project.visibility == "public" else None
    if token.project_id is not None and token.project_id != project.id:
        return None
    return project


def graphql_token(state: GitLabState, headers: Mapping[str, str]) -> Token | None:
    """Whose request to ``/api/graphql`` this is; None: anonymous. A job token is no GraphQL
    credential (the request goes on as anonymous); an unknown token is 401, one without
    ``api``/``read_api`` 403, as on REST."""
    if headers.get("job-token"):
        return None
    value = credential(headers)
    if value is None:
        return None
    token = state.tokens.get(value)
    if token is None or token.kind == "job":
        raise ApiError(401, [{"message": "Invalid token"}], key="errors")
    if not token.scopes & {"api", "read_api"}:
        raise ApiError(403, [{"message": SCOPE_ERROR}], key="errors")
    return token
