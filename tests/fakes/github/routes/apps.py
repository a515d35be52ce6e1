"""GitHub App authentication: a repository's installation, an installation's access token."""

from __future__ import annotations

from tests.fakes.github.apps import App, expiry, new_token
from tests.fakes.github.links import iso
from tests.fakes.github.routing import ApiError, Call, Reply, Router, not_found
from tests.fakes.github.spec import example

router = Router()


def _app(call: Call) -> App:
    assert call.token.app_id is not None  # as_app routes are reached only with a verified JWT
    return call.state.apps[call.token.app_id]


@router("GET", "/repos/{owner}/{repo}/installation", as_app=True)
def get_repo_installation(call: Call) -> Reply:
    repo = call.repo()
    app = _app(call)
    installation = app.installations.get(repo.full_name)
    if installation is None:
        raise not_found()
    body = call.links.relink(example("installation"))
    owner = call.state.add_user(repo.owner)
    api = call.links.api
    body.update(
        id=installation,
        app_id=int(app.app_id) if app.app_id.isdigit() else 1,
        app_slug=app.slug,
        target_id=owner.id,
        target_type="User",
        permissions=dict(app.permissions),
        repository_selection="selected",
        access_tokens_url=f"{api}/app/installations/{installation}/access_tokens",
        repositories_url=f"{api}/installation/repositories",
        html_url=f"{call.links.web}/settings/installations/{installation}",
    )
    body["account"] = call.links.relink(body["account"], [("octocat", repo.owner)])
    return Reply(200, body)


@router("POST", "/app/installations/{installation_id}/access_tokens", as_app=True)
def create_access_token(call: Call) -> Reply:
    app = _app(call)
    installation = call.number("installation_id")
    repos = sorted(r for r, i in app.installations.items() if i == installation)
    if not repos:
        raise not_found()
    asked = (call.body or {}).get("permissions") or {}
    for name, level in asked.items():
        if app.permissions.get(name) not in (level, "write"):
            raise ApiError(422, "The permissions requested are not granted to this installation.")
    value = new_token()
    call.state.add_token(
        value, login=app.bot, permissions=app.token_permissions(), user_endpoint_forbidden=True
    )
    app.issued.append(value)
    body = example("installation-token")
    body.update(
        token=value,
        expires_at=iso(expiry(call.state.clock.now())),
        permissions=dict(app.permissions),
        repository_selection="selected",
    )
    body.pop("repositories", None)
    return Reply(201, body)
