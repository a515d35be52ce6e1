"""Every route the fake serves, one module per area of the API."""

from __future__ import annotations

from tests.fakes.gitlab.routes import commits, jobs, notes, projects, repository, statuses, users
from tests.fakes.gitlab.routing import Route

ROUTES: list[Route] = [
    *projects.router.routes,
    *notes.router.routes,
    *commits.router.routes,
    *statuses.router.routes,
    *users.router.routes,
    *repository.router.routes,
    *jobs.router.routes,
]
