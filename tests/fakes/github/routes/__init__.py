"""Every route the fake serves, one module per area of the API."""

from __future__ import annotations

from tests.fakes.github.routes import (
    apps,
    checks,
    comments,
    commits,
    git,
    pulls,
    repos,
    runners,
    statuses,
)
from tests.fakes.github.routing import Route

ROUTES: list[Route] = [
    *repos.router.routes,
    *pulls.router.routes,
    *commits.router.routes,
    *comments.router.routes,
    *checks.router.routes,
    *statuses.router.routes,
    *git.router.routes,
    *runners.router.routes,
    *apps.router.routes,
]
