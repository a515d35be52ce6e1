"""What the fake GitHub's GraphQL executes: the viewer, an issue's or pull request's comments
(ordered, windowed and paged as GitHub does) and ``minimizeComment``.

Resolvers read the fake's state through the ``Context`` graphql-core passes along; every
object they return is shaped like the schema excerpt's types, so graphql-core checks the
answer as it builds it. GitHub's own refusals (no ``first``/``last``, more than 100 records,
an unknown node) are errors in the answer, and violations: cmlreport must never send them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.fakes.github.links import Links, iso, node_id
from tests.fakes.github.records import IssueComment, Token

if TYPE_CHECKING:
    import graphql

    from tests.fakes.github.state import GitHubState

MAX_RECORDS = 100  # GitHub's limit for first/last on a connection
MINIMIZE_PERMISSIONS = ("issues:write", "pull_requests:write")


@dataclass
class Context:
    """One GraphQL request: whose token, on which fake, and where violations go."""

    state: GitHubState
    links: Links
    token: Token
    violations: list[str]


def refuse(context: Context, message: str, kind: str) -> Exception:
    """GitHub's error for a request it will not run, recorded as a violation as well."""
    import graphql

    context.violations.append(f"POST /graphql: {message}")
    return graphql.GraphQLError(message, extensions={"type": kind})


def not_found(message: str) -> Exception:
    import graphql

    return graphql.GraphQLError(message, extensions={"type": "NOT_FOUND"})


def viewer(_root: Any, info: graphql.GraphQLResolveInfo[Context]) -> dict[str, Any]:
    context: Context = info.context
    # An installation token's viewer is its app's bot (github-actions[bot] for GITHUB_TOKEN).
    user = context.state.add_user(context.token.login)
    return {"login": user.login, "databaseId": user.id}


def repository(
    _root: Any, info: graphql.GraphQLResolveInfo[Context], **args: Any
) -> dict[str, Any]:
    context: Context = info.context
    full_name = f"{args['owner']}/{args['name']}"
    if full_name not in context.state.repos:
        raise not_found(f"Could not resolve to a Repository with the name '{full_name}'.")
    return {"full_name": full_name}


def issue_or_pull(
    root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any
) -> dict[str, Any]:
    state: GitHubState = info.context.state
    key = (root["full_name"], int(args["number"]))
    if key in state.pulls:
        return {"__typename": "PullRequest", "key": key}
    if key in state.issues:
        return {"__typename": "Issue", "key": key}
    raise not_found(f"Could not resolve to an issue or pull request with the number of {key[1]}.")


def bounds(context: Context, args: dict[str, Any], connection: str) -> tuple[Any, Any]:
    """``first`` and ``last`` of a connection, refused as GitHub refuses them: neither given,
    or more than ``MAX_RECORDS``."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        message = (
            "You must provide a `first` or `last` value to properly paginate the "
            f"`{connection}` connection."
        )
        raise refuse(context, message, "MISSING_PAGINATION_BOUNDARIES")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_RECORDS:
            message = (
                f"Requesting {value} records on the `{connection}` connection exceeds the "
                f"`{name}` limit of {MAX_RECORDS} records."
            )
            raise refuse(context, message, "EXCESSIVE_PAGINATION")
    return first, last


def comments(
    root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any
) -> dict[str, Any]:
    """``comments(first/last, after/before, orderBy)``: by creation unless ordered by
    UPDATED_AT, ties broken by id; a cursor names a place in that order."""
    context: Context = info.context
    first, last = bounds(context, args, "comments")
    listed = [
        c for c in context.state.issue_comments.values() if (c.repo, c.issue_number) == root["key"]
    ]
    order = args.get("orderBy")
    descending = order is not None and order["direction"] == "DESC"

    def key(comment: IssueComment) -> tuple[Any, ...]:
        return (comment.updated_at, comment.id) if order else (comment.id,)

    listed.sort(key=key, reverse=descending)
    keys = [key(c) for c in listed]
    start, end = 0, len(listed)
    if args.get("after") is not None:
        after = _cursor_key(context, args["after"], bool(order))
        start = next((i for i, k in enumerate(keys) if _beyond(k, after, descending)), end)
    if args.get("before") is not None:
        before = _cursor_key(context, args["before"], bool(order))
        end = next((i for i, k in enumerate(keys) if not _ahead(k, before, descending)), end)
        end = max(end, start)
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    window = listed[start:end]
    return {
        "nodes": [comment_node(context, c) for c in window],
        "totalCount": len(listed),
        "pageInfo": {
            "hasNextPage": end < len(listed),
            "hasPreviousPage": start > 0,
            "startCursor": _cursor(keys[start]) if window else None,
            "endCursor": _cursor(keys[end - 1]) if window else None,
        },
    }


def comment_node(context: Context, comment: IssueComment) -> dict[str, Any]:
    """An ``IssueComment`` as GraphQL shows it. A bot's login has no ``[bot]`` here (REST
    says ``github-actions[bot]``, GraphQL ``github-actions``), while ``viewer`` keeps it."""
    bot = comment.author.endswith("[bot]")
    login = comment.author[: -len("[bot]")] if bot else comment.author
    html = f"{context.links.web}/{comment.repo}/issues/{comment.issue_number}"
    key = (comment.repo, comment.issue_number)
    # A pull request is an issue too: its comments answer both, as on GitHub.
    pull = {"__typename": "PullRequest", "key": key, "number": key[1]}
    return {
        "__typename": "IssueComment",
        "issue": {"__typename": "Issue", "key": key, "number": key[1]},
        "pullRequest": pull if key in context.state.pulls else None,
        "repository": {"full_name": comment.repo, "nameWithOwner": comment.repo},
        "author": {"__typename": "Bot" if bot else "User", "login": login},
        "body": comment.body,
        "databaseId": comment.id,
        "id": node_id("IssueComment", comment.id),
        "isMinimized": comment.minimized_reason is not None,
        "minimizedReason": comment.minimized_reason,
        "updatedAt": iso(comment.updated_at),
        "url": f"{html}#issuecomment-{comment.id}",
        "viewerCanMinimize": any(context.token.allows(p) for p in MINIMIZE_PERMISSIONS),
        "viewerDidAuthor": comment.author == context.token.login,
    }


def minimize_comment(
    _root: Any, info: graphql.GraphQLResolveInfo[Context], **args: Any
) -> dict[str, Any]:
    context: Context = info.context
    given = args["input"]
    comment = _comment_by_node_id(context.state, str(given["subjectId"]))
    if comment is None:
        raise not_found(f"Could not resolve to a node with the global id of '{given['subjectId']}'")
    if not any(context.token.allows(p) for p in MINIMIZE_PERMISSIONS):
        import graphql

        raise graphql.GraphQLError(
            "Resource not accessible by integration", extensions={"type": "FORBIDDEN"}
        )
    # GitHub takes OUTDATED and answers "outdated" (its note: the cases differ).
    comment.minimized_reason = str(given["classifier"]).lower()
    return {
        "clientMutationId": given.get("clientMutationId"),
        "minimizedComment": comment_node(context, comment),
    }


def node(_root: Any, info: graphql.GraphQLResolveInfo[Context], **args: Any) -> Any:
    """``node(id:)``: an issue comment by its node id (the only kind cmlreport looks up)."""
    context: Context = info.context
    comment = _comment_by_node_id(context.state, str(args["id"]))
    if comment is None:
        raise not_found(f"Could not resolve to a node with the global id of '{args['id']}'")
    return comment_node(context, comment)


RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "node"): node,
    ("Query", "viewer"): viewer,
    ("Query", "repository"): repository,
    ("Repository", "issueOrPullRequest"): issue_or_pull,
    ("Issue", "comments"): comments,
    ("PullRequest", "comments"): comments,
    ("Mutation", "minimizeComment"): minimize_comment,
}


def _comment_by_node_id(state: GitHubState, ident: str) -> IssueComment | None:
    try:
        decoded = base64.b64decode(ident, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    kind, digits = decoded[: len("IssueComment")], decoded[len("IssueComment") :]
    if kind != "IssueComment" or not digits.isdigit():
        return None
    return state.issue_comments.get(int(digits))


def _cursor(key: tuple[Any, ...]) -> str:
    parts = [key[0].isoformat(), key[1]] if len(key) == 2 else list(key)
    return base64.b64encode(f"cursor:v2:{json.dumps(parts)}".encode()).decode()


def _cursor_key(context: Context, cursor: str, ordered: bool) -> tuple[Any, ...]:
    """The place a cursor names; one from another order (or none of ours) is refused."""
    shape = [str, int] if ordered else [int]
    try:
        text = base64.b64decode(cursor, validate=True).decode()
        parts = (
            json.loads(text.removeprefix("cursor:v2:")) if text.startswith("cursor:v2:") else None
        )
        if isinstance(parts, list) and [type(part) for part in parts] == shape:
            return (datetime.fromisoformat(parts[0]), parts[1]) if ordered else (parts[0],)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    message = f"`{cursor}` does not appear to be a valid cursor."
    raise refuse(context, message, "INVALID_CURSOR_ARGUMENTS")


def _beyond(key: tuple[Any, ...], cursor: tuple[Any, ...], descending: bool) -> bool:
    """Whether ``key`` comes after ``cursor`` in the order."""
    return key < cursor if descending else key > cursor


def _ahead(key: tuple[Any, ...], cursor: tuple[Any, ...], descending: bool) -> bool:
    """Whether ``key`` comes before ``cursor`` in the order."""
    return key > cursor if descending else key < cursor
