"""GitLab's GraphQL endpoint (``POST /api/graphql``), as far as cmlreport uses it: who the token
is and the notes of a merge request or issue, cut from either end.

Queries are parsed and validated with graphql-core against the excerpt of GitLab's schema
(``spec/graphql/excerpt.graphql``), then executed against the fake's state: a query the
excerpt does not cover is a violation, not a guess. As on GitLab, notes come oldest first
(by creation, then id), system notes included; ``first``/``last`` above GitLab's 100 are
refused here (GitLab would cut them silently: a client must not rely on more). A job token
is no GraphQL credential on GitLab: the request is anonymous (no ``currentUser``, public
projects only).
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.fakes.gitlab import graphql_pipelines
from tests.fakes.gitlab.auth import visible_project
from tests.fakes.gitlab.bodies import iso
from tests.fakes.gitlab.records import REPORTER, Issue, MergeRequest, Note, Token
from tests.fakes.gitlab.routing import Links
from tests.fakes.served import Reply

if TYPE_CHECKING:
    import graphql

    from tests.fakes.gitlab.state import GitLabState

SCHEMA_PATH = Path(__file__).resolve().parent / "spec" / "graphql" / "excerpt.graphql"
MAX_PAGE = 100  # GitLab's max_page_size


@dataclass
class Context:
    state: GitLabState
    links: Links
    token: Token | None  # None: anonymous (or a job token, which GraphQL does not take)
    violations: list[str]


@functools.cache
def schema() -> graphql.GraphQLSchema:
    import graphql

    built = graphql.build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    resolvers = {
        ("Query", "currentUser"): current_user,
        ("Query", "project"): project,
        ("Project", "mergeRequest"): noteable,
        ("Project", "issue"): noteable,
        ("MergeRequest", "notes"): notes,
        ("Issue", "notes"): notes,
        **graphql_pipelines.RESOLVERS,
    }
    for (type_name, field_name), resolve in resolvers.items():
        owner = built.get_type(type_name)
        assert isinstance(owner, graphql.GraphQLObjectType), type_name
        owner.fields[field_name].resolve = resolve
    return built


def current_user(_root: Any, info: graphql.GraphQLResolveInfo[Context]) -> dict[str, Any] | None:
    context: Context = info.context
    if context.token is None:
        return None
    user = context.state.users[context.token.username]
    return {"id": f"gid://gitlab/User/{user.id}", "username": user.username}


def project(_root: Any, info: graphql.GraphQLResolveInfo[Context], fullPath: str) -> Any:
    context: Context = info.context
    if fullPath.isdigit():  # a full path, never an id: GitLab finds nothing
        return None
    found = visible_project(context.state, context.token, fullPath)
    if found is None or (context.token is not None and context.token.access_level < REPORTER):
        return None
    return {"record": found, "fullPath": found.path_with_namespace, "id": _gid("Project", found.id)}


def noteable(root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any) -> Any:
    state: GitLabState = info.context.state
    iid = str(args.get("iid") or "")
    if not iid.isdigit():
        return None
    store = state.merge_requests if info.field_name == "mergeRequest" else state.issues
    found: MergeRequest | Issue | None = store.get((root["record"].id, int(iid)))
    if found is None:
        return None
    kind = "MergeRequest" if info.field_name == "mergeRequest" else "Issue"
    return {"record": found, "project": root["record"], "kind": kind, "iid": str(found.iid)}


def notes(root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any) -> Any:
    import graphql

    context: Context = info.context
    for name in ("first", "last"):
        count = args.get(name)
        if count is not None and not 0 <= count <= MAX_PAGE:
            message = f"`{name}` must be between 0 and {MAX_PAGE} in the fake GitLab"
            context.violations.append(f"POST /api/graphql: {message}")
            raise graphql.GraphQLError(message)
    listed = sorted(
        context.state.notes_on(root["project"], root["kind"], root["record"].iid),
        key=lambda n: (n.created_at, n.id),
    )
    start, end = 0, len(listed)
    ids = [n.id for n in listed]
    if args.get("after") is not None:
        start = _place(ids, args["after"]) + 1
    if args.get("before") is not None:
        end = _place(ids, args["before"])
    window = listed[start:end]
    more_before = more_after = False
    if args.get("first") is not None:
        more_after = len(window) > args["first"]
        window = window[: args["first"]]
    if args.get("last") is not None:
        more_before = len(window) > args["last"]
        window = window[len(window) - args["last"] :] if args["last"] else []
    return {
        "nodes": [_note(context, root, n) for n in window],
        "pageInfo": {
            "hasNextPage": more_after,
            "hasPreviousPage": more_before,
            "startCursor": _cursor(window[0].id) if window else None,
            "endCursor": _cursor(window[-1].id) if window else None,
        },
    }


def answer(body: Any, context: Context) -> Reply:
    import graphql

    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        context.violations.append("POST /api/graphql: the body is not {query, variables}")
        return Reply(400, {"errors": [{"message": "No query string was present"}]})
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        context.violations.append("POST /api/graphql: variables is not an object")
        variables = None
    try:
        document = graphql.parse(body["query"])
    except graphql.GraphQLError as error:
        context.violations.append(f"POST /api/graphql: the query does not parse: {error.message}")
        return Reply(200, {"errors": [{"message": error.message}]})
    errors = graphql.validate(schema(), document)
    if errors:
        context.violations.extend(f"POST /api/graphql: {e.message}" for e in errors)
        return Reply(200, {"errors": [{"message": e.message} for e in errors]})
    result = graphql.execute_sync(
        schema(), document, context_value=context, variable_values=variables
    )
    if result.errors:
        return Reply(200, {"data": result.data, "errors": [e.formatted for e in result.errors]})
    return Reply(200, {"data": result.data})


def _note(context: Context, root: dict[str, Any], note: Note) -> dict[str, Any]:
    user = context.state.users[note.author]
    noun = "merge_requests" if root["kind"] == "MergeRequest" else "issues"
    web = context.links.project(root["project"])
    # A note in a thread is a DiscussionNote in its global id, as GitLab writes it.
    kind = "Note" if note.individual else "DiscussionNote"
    return {
        "id": _gid(kind, note.id),
        "body": note.body,
        "system": note.system,
        "createdAt": iso(note.created_at),
        "updatedAt": iso(note.updated_at),
        "url": f"{web}/-/{noun}/{root['record'].iid}#note_{note.id}",
        "author": {"id": _gid("User", user.id), "username": user.username},
    }


def _gid(kind: str, ident: int) -> str:
    return f"gid://gitlab/{kind}/{ident}"


def _cursor(note_id: int) -> str:
    return base64.b64encode(json.dumps({"id": str(note_id)}).encode()).decode()


def _place(ids: list[int], cursor: str) -> int:
    import graphql

    try:
        wanted = int(json.loads(base64.b64decode(cursor))["id"])
        return ids.index(wanted)
    except (ValueError, KeyError, TypeError) as error:
        raise graphql.GraphQLError("Please provide a valid cursor") from error
