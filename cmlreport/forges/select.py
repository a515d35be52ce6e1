"""Which forge, repository and token a command talks to: from flags, the CI, or origin."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from cmlreport.ci import CiContext, GitHubAppCredentials, detect_ci, github_app
from cmlreport.errors import GitError, InputError
from cmlreport.forges.base import Forge
from cmlreport.forges.proposal import Proposals
from cmlreport.forges.runners import RunnerRegistry
from cmlreport.git.remotes import Remote, parse_remote
from cmlreport.redact import register
from cmlreport.report.budget import GITHUB_COMMENT_LIMIT, GITLAB_NOTE_LIMIT

if TYPE_CHECKING:  # the clients import PyGithub/python-gitlab: only when a forge is opened
    from cmlreport.forges.github.client import GitHubSettings
    from cmlreport.forges.gitlab.client import GitLabSettings

GITHUB_TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
# What gives write access to a forge, wherever cmlreport may read it from.
FORGE_SECRET_VARS = (*GITHUB_TOKEN_VARS, "GITLAB_TOKEN", "GITHUB_APP_PRIVATE_KEY")
# Characters one comment may hold: a GitHub comment, a GitLab note.
COMMENT_LIMITS = {"github": GITHUB_COMMENT_LIMIT, "gitlab": GITLAB_NOTE_LIMIT}


@dataclass(frozen=True)
class ForgeContext:
    provider: str  # "github" | "gitlab"
    repository: str
    api_url: str
    server_url: str
    ci: CiContext
    token: str | None = field(default=None, repr=False)
    token_source: str = ""
    branch: str | None = None
    head_sha: str | None = None
    timeout: float = 30.0  # seconds per HTTP request (CMLREPORT_HTTP_TIMEOUT)
    # Who owns the pushed branch: the origin remote's owner (a fork, when --repo names upstream).
    head_owner: str | None = None
    # A GitHub App to act as (GITHUB_APP_ID...): its installation token replaces ``token``.
    app: GitHubAppCredentials | None = field(default=None, repr=False)


def default_key(env: Mapping[str, str]) -> str:
    """One sticky comment per workflow and job unless --key says otherwise."""
    if env.get("GITHUB_ACTIONS") == "true":
        parts = [env.get("GITHUB_WORKFLOW", ""), env.get("GITHUB_JOB", "")]
    elif env.get("GITLAB_CI") == "true":
        parts = [env.get("CI_JOB_NAME", "")]
    else:
        parts = []
    key = "/".join(p for p in parts if p)
    key = re.sub(r"[^A-Za-z0-9._/:@+ -]", "-", key).strip(" -")[:100]
    return key or "report"


def _origin(cwd: Path) -> Remote | None:
    from cmlreport import baseline

    try:
        url = baseline.origin_url(cwd)
    except GitError:
        return None
    return parse_remote(url) if url else None


def _provider(forge: str, ci: CiContext, remote: Remote | None) -> str:
    if forge != "auto":
        return forge
    if ci.provider in ("github", "gitlab"):
        return ci.provider
    if remote is None:
        raise InputError(
            "cannot tell where to post: not in GitHub Actions or GitLab CI and no 'origin' "
            "remote; pass --repo OWNER/NAME and --forge github|gitlab"
        )
    if remote.host == "github.com" or remote.host.startswith("github."):
        return "github"
    if "gitlab" in remote.host:
        return "gitlab"
    raise InputError(
        f"cannot tell whether {remote.host} (origin) is GitHub or GitLab; pass --forge"
    )


def forge_context(
    env: Mapping[str, str],
    cwd: Path,
    *,
    repo: str | None = None,
    token_env: str | None = None,
    forge: str = "auto",
) -> ForgeContext:
    from cmlreport import baseline

    ci = detect_ci(env)
    remote = None if (repo and ci.provider != "local") else _origin(cwd)
    provider = _provider(forge, ci, remote)
    repository = repo or ci.repository or (remote.path if remote else None)
    if not repository:
        raise InputError("cannot tell which repository to post to; pass --repo OWNER/NAME")
    if provider == "github" and repository.count("/") != 1:
        raise InputError(f"--repo {repository!r}: a GitHub repository is OWNER/NAME")
    web = ci.server_url or (remote.web_url if remote else "https://github.com")
    if provider == "github":
        api = ci.api_url or env.get("GITHUB_API_URL") or _github_api(web)
    else:
        api = ci.api_url or f"{web.rstrip('/')}/api/v4"
    names = (token_env,) if token_env else _token_vars(provider, ci)
    source = next((n for n in names if env.get(n)), names[0])
    token = env.get(source) or None
    # An app configured in the environment wins over GITHUB_TOKEN; --token-env over both.
    app = github_app(env) if provider == "github" and not token_env else None
    if app is not None:
        token, source = None, f"GitHub App {app.app_id}"
    # Masked in all cmlreport prints; no ::add-mask::, the runner masks its own secrets.
    register(token)
    try:
        branch, head = baseline.current_branch(cwd), baseline.head_sha(cwd)
    except GitError:
        branch, head = None, None
    # CI checkouts are detached: the branch under test comes from the CI's variables.
    branch = branch or _ci_branch(env)
    head_owner = remote.path.split("/")[0] if remote and provider == "github" else None
    return ForgeContext(
        provider,
        repository,
        api,
        web,
        ci,
        token,
        source,
        branch,
        head,
        _timeout(env),
        head_owner,
        app,
    )


def _timeout(env: Mapping[str, str]) -> float:
    raw = env.get("CMLREPORT_HTTP_TIMEOUT", "").strip()
    if not raw:
        return 30.0
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise InputError(f"CMLREPORT_HTTP_TIMEOUT={raw!r}: give seconds between 0 and 600")
    return value


def _ci_branch(env: Mapping[str, str]) -> str | None:
    if env.get("GITLAB_CI") == "true":
        # CI_COMMIT_REF_NAME names a tag in tag pipelines, which no merge request comes from.
        ref_name = None if env.get("CI_COMMIT_TAG") else env.get("CI_COMMIT_REF_NAME")
        return (
            env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
            or env.get("CI_COMMIT_BRANCH")
            or ref_name
        )
    if env.get("GITHUB_ACTIONS") == "true":
        if env.get("GITHUB_HEAD_REF"):
            return env["GITHUB_HEAD_REF"]
        ref = env.get("GITHUB_REF", "")
        if ref.startswith("refs/heads/"):
            return env.get("GITHUB_REF_NAME") or ref.removeprefix("refs/heads/")
    return None


def _github_api(web: str) -> str:
    web = web.rstrip("/")
    return "https://api.github.com" if web == "https://github.com" else f"{web}/api/v3"


def _token_vars(provider: str, ci: CiContext) -> tuple[str, ...]:
    if provider == "github":
        return GITHUB_TOKEN_VARS
    return ("GITLAB_TOKEN", "CI_JOB_TOKEN")


def without_forge_secrets(env: Mapping[str, str], token_env: str | None) -> dict[str, str]:
    """``env`` less the variables that give write access to a forge (and ``--token-env``'s):
    what a command cmlreport starts may see, since it need not post anything itself."""
    hidden = {*FORGE_SECRET_VARS, *((token_env,) if token_env else ())}
    return {name: value for name, value in env.items() if name not in hidden}


def missing_token(ctx: ForgeContext) -> InputError:
    if ctx.provider == "github":
        how = (
            "add `env: GITHUB_TOKEN: ${{ github.token }}` to the step"
            if ctx.ci.provider == "github"
            else "export GITHUB_TOKEN (or GH_TOKEN), e.g. GITHUB_TOKEN=$(gh auth token)"
        )
        return InputError(
            f"no GitHub token in {ctx.token_source}: {how}, or pass --token-env VAR, or set "
            "GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY to act as a GitHub App"
        )
    return InputError(
        f"no GitLab token in {ctx.token_source}: set GITLAB_TOKEN to a token with the api scope"
    )


class _Checkout(TypedDict):
    """What both forges' settings take from the context alike."""

    token: str
    ci: CiContext
    branch: str | None
    head_sha: str | None
    timeout: float


def _checkout(ctx: ForgeContext) -> _Checkout:
    token = ctx.token
    if ctx.app is not None:
        from cmlreport.forges.github.app import installation_token
        from cmlreport.forges.http import HttpLimits

        limits = HttpLimits(timeout=ctx.timeout)
        token = installation_token(
            ctx.app, repository=ctx.repository, api_url=ctx.api_url, limits=limits
        )
    if not token:
        raise missing_token(ctx)
    return _Checkout(
        token=token, ci=ctx.ci, branch=ctx.branch, head_sha=ctx.head_sha, timeout=ctx.timeout
    )


def _github_settings(ctx: ForgeContext) -> GitHubSettings:
    from cmlreport.forges.github.client import GitHubSettings

    return GitHubSettings(
        repository=ctx.repository,
        api_url=ctx.api_url,
        server_url=ctx.server_url,
        head_owner=ctx.head_owner,
        **_checkout(ctx),
    )


def _gitlab_settings(ctx: ForgeContext) -> GitLabSettings:
    from cmlreport.forges.gitlab.client import GitLabSettings

    kind = "job" if ctx.token_source == "CI_JOB_TOKEN" else "private"
    return GitLabSettings(
        project=ctx.repository,
        token_kind=kind,
        server_url=ctx.server_url,
        api_url=ctx.api_url,
        token_source=ctx.token_source,
        **_checkout(ctx),
    )


def open_registry(ctx: ForgeContext) -> RunnerRegistry:
    """Where cloud runners are registered: the same repository, token and client set-up."""
    from cmlreport.forges.github.runners import GitHubRunners
    from cmlreport.forges.gitlab.runners import GitLabRunners

    if ctx.provider == "github":
        return GitHubRunners(_github_settings(ctx))
    return GitLabRunners(_gitlab_settings(ctx))


def open_forge(ctx: ForgeContext) -> Forge:
    """The forge to post on, once the token is known to be there."""
    from cmlreport.forges.github.forge import GitHubForge
    from cmlreport.forges.gitlab.forge import GitLabForge

    if ctx.provider == "github":
        return GitHubForge(_github_settings(ctx))
    return GitLabForge(_gitlab_settings(ctx))


def open_proposals(ctx: ForgeContext) -> Proposals:
    """Where `pr create` commits and opens its pull/merge request: the same repository and token."""
    if ctx.provider == "github":
        from cmlreport.forges.github.proposals import GitHubProposals

        return GitHubProposals(_github_settings(ctx))
    from cmlreport.forges.gitlab.proposals import GitLabProposals

    return GitLabProposals(_gitlab_settings(ctx))
