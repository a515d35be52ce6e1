"""The repository, the token's user and the rate limit."""

from __future__ import annotations

from tests.fakes.github.bodies import private_user_json, repo_json
from tests.fakes.github.git_bodies import rate_limit_json
from tests.fakes.github.records import RATE_LIMIT
from tests.fakes.github.routing import ApiError, Call, Reply, Router

router = Router()


@router("GET", "/repos/{owner}/{repo}")
def get_repo(call: Call) -> Reply:
    return Reply(200, repo_json(call.links, call.state, call.repo()))


@router("GET", "/user")
def get_authenticated_user(call: Call) -> Reply:
    if call.token.user_endpoint_forbidden:
        raise ApiError(403, "Resource not accessible by integration")
    return Reply(200, private_user_json(call.links, call.user))


@router("GET", "/rate_limit")
def get_rate_limit(call: Call) -> Reply:
    used = call.state.requests_served
    return Reply(200, rate_limit_json(RATE_LIMIT, used, call.state.rate_limit_reset))
