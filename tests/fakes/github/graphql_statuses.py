"""What the fake GitHub's GraphQL answers about a pull request's commits and their statuses:
``headRefOid``, ``commits(first/last)`` and ``Commit.status.context(name)``, as GitHub
answers them (the newest status of a context wins; context names are case-insensitive)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.fakes.github.graphql_comments import Context, bounds

if TYPE_CHECKING:
    import graphql

    from tests.fakes.github.records import Pull


def _pull(root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context]) -> Pull:
    return info.context.state.pulls[root["key"]]


def head_ref_oid(root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context]) -> str:
    return _pull(root, info).head_sha


def commits(
    root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any
) -> dict[str, Any]:
    context: Context = info.context
    first, last = bounds(context, args, "commits")
    if args.get("after") is not None or args.get("before") is not None:
        context.violations.append("POST /graphql: the fake does not page a pull's commits")
    shas = _pull(root, info).commits
    window = shas[:first] if first is not None else shas[len(shas) - (last or 0) :]
    repo = root["key"][0]
    return {"nodes": [{"commit": {"oid": sha, "repo": repo}} for sha in window]}


def status(root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context]) -> Any:
    import graphql

    if not info.context.token.allows("statuses:read"):
        # As GitHub answers a token whose permissions leave statuses out: this field null,
        # the rest of the answer as asked.
        raise graphql.GraphQLError(
            "Resource not accessible by integration", extensions={"type": "FORBIDDEN"}
        )
    state = info.context.state
    posted = any(s.repo == root["repo"] and s.sha == root["oid"] for s in state.statuses)
    return {"repo": root["repo"], "oid": root["oid"]} if posted else None


def status_context(
    root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any
) -> Any:
    name = str(args["name"]).lower()
    found = [
        s
        for s in info.context.state.statuses
        if (s.repo, s.sha) == (root["repo"], root["oid"]) and s.context.lower() == name
    ]
    if not found:
        return None
    newest = found[-1]
    bot = newest.creator.endswith("[bot]")
    login = newest.creator[: -len("[bot]")] if bot else newest.creator
    return {
        "context": newest.context,
        "state": newest.state.upper(),
        "description": newest.description,
        "targetUrl": newest.target_url,
        "creator": {"__typename": "Bot" if bot else "User", "login": login},
    }


RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("PullRequest", "headRefOid"): head_ref_oid,
    ("PullRequest", "commits"): commits,
    ("Commit", "status"): status,
    ("Status", "context"): status_context,
}
