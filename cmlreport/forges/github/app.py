"""A GitHub App's installation token: the app's JWT (RS256, PyGithub's ``Auth.AppAuth``)
exchanged for a token of its installation on the repository, so no personal token is needed.

The exchange happens once per process and repository, and again when the token has lived
``TOKEN_LIFETIME`` (GitHub's expire after an hour: a ``send-comment --watch`` follows a
training for longer). The token is registered with ``redact`` before anything can print it,
and the private key was registered when read.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from cmlreport import __version__
from cmlreport.errors import InputError
from cmlreport.forges.errors import BadToken
from cmlreport.forges.http import ForgeRetry, HttpLimits, RequestCounter
from cmlreport.redact import register

if TYPE_CHECKING:
    from cmlreport.ci import GitHubAppCredentials

KEY_VAR = "GITHUB_APP_PRIVATE_KEY"
# Used for at most 50 minutes of the hour GitHub gives it, by this machine's monotonic clock
# (the server's expires_at is another clock, which may be skewed from ours).
TOKEN_LIFETIME = 50 * 60.0
_TOKENS: dict[tuple[str, int | None, str, str], tuple[str, float]] = {}


def check_private_key(pem: str) -> None:
    """An RSA private key GitHub could have generated; InputError naming the variable."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode("utf-8", errors="replace"), password=None)
    except (ValueError, TypeError):
        # Not the library's words: they could quote part of what it failed to read.
        raise InputError(
            f"{KEY_VAR} is not a usable PEM private key (malformed, encrypted or cut short); "
            "paste the whole .pem file GitHub generated for the app"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise InputError(f"{KEY_VAR} is not an RSA key: GitHub Apps sign with RS256")


def installation_token(
    app: GitHubAppCredentials,
    *,
    repository: str,
    api_url: str,
    limits: HttpLimits,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """A token of ``app``'s installation on ``repository`` (``GITHUB_APP_INSTALLATION_ID``,
    else the installation GitHub names for the repository), fresh enough to use now."""
    key = (app.app_id, app.installation_id, repository, api_url)
    cached = _TOKENS.get(key)
    if cached is None or clock() - cached[1] >= TOKEN_LIFETIME:
        register(app.private_key)
        check_private_key(app.private_key)
        issued = clock()
        _TOKENS[key] = cached = (_exchange(app, repository, api_url, limits), issued)
    return cached[0]


def _exchange(app: GitHubAppCredentials, repository: str, api_url: str, limits: HttpLimits) -> str:
    import github
    from github.GithubException import GithubException
    from requests import RequestException

    retry = ForgeRetry(
        total=limits.retries, backoff=limits.backoff, max_wait=limits.max_wait,
        counter=RequestCounter(),
    )  # fmt: skip
    integration = github.GithubIntegration(
        auth=github.Auth.AppAuth(app.app_id, app.private_key),
        base_url=api_url.rstrip("/"),
        timeout=math.ceil(limits.timeout),
        user_agent=f"cmlreport/{__version__}",
        retry=retry,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    owner, _, name = repository.partition("/")
    step = f"find the installation of GitHub App {app.app_id} on {repository}"
    try:
        installation = app.installation_id
        if installation is None:
            installation = int(integration.get_repo_installation(owner, name).id)
        step = f"create a token for installation {installation} of GitHub App {app.app_id}"
        token = str(integration.get_access_token(installation).token)
    except GithubException as exc:
        raise _refusal(exc, step, app, repository) from None
    except RequestException as exc:
        from cmlreport.errors import RemoteError

        raise RemoteError(f"could not {step}: {type(exc).__name__} talking to {api_url}") from None
    register(token)
    return token


def _refusal(exc: Exception, step: str, app: GitHubAppCredentials, repository: str) -> Exception:
    from cmlreport.errors import RemoteError

    status = getattr(exc, "status", 0)
    data = getattr(exc, "data", None)
    said = f"{status} {data.get('message', '')}".strip() if isinstance(data, dict) else str(status)
    if status == 401:
        return BadToken(
            f"GitHub refused the app's JWT ({said}) trying to {step}: check GITHUB_APP_ID "
            f"and that {KEY_VAR} is a current private key of that app"
        )
    if status == 404:
        return RemoteError(
            f"could not {step} ({said}): install the app on {repository} (its settings page, "
            "Install App) or set GITHUB_APP_INSTALLATION_ID to an installation that covers it"
        )
    return RemoteError(f"could not {step}: GitHub answered {said}")
