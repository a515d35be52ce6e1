"""What the fake GitLab's GraphQL answers about a merge request's pipelines: newest first
(``first`` at most 100), each pipeline's job by name (a commit status posted into it is one,
as on GitLab), and a status's ``detailedStatus.detailsPath``, which for a status posted
through the API is its ``target_url``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import graphql

    from tests.fakes.gitlab.graphql_api import Context

MAX_PAGE = 100


def pipelines(root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any) -> Any:
    import graphql

    context = info.context
    first = args.get("first")
    if first is not None and not 0 <= first <= MAX_PAGE:
        message = f"`first` must be between 0 and {MAX_PAGE} in the fake GitLab"
        context.violations.append(f"POST /api/graphql: {message}")
        raise graphql.GraphQLError(message)
    mr = root["record"]
    # GitLab's PipelinesForMergeRequestFinder: merge request pipelines first, then the source
    # branch's, newest first in each; child pipelines (source parent_pipeline) left out.
    refs = {mr.source_branch, f"refs/merge-requests/{mr.iid}/head"}
    listed = sorted(
        (
            p
            for p in context.state.pipelines.values()
            if p.project_id == mr.project_id and p.ref in refs and p.source != "parent_pipeline"
        ),
        key=lambda p: (p.source != "merge_request_event", -p.id),
    )
    window = listed if first is None else listed[:first]
    return {"nodes": [{"id": f"gid://gitlab/Ci::Pipeline/{p.id}", "record": p} for p in window]}


def pipeline_sha(root: dict[str, Any], _info: Any, **_args: Any) -> str:
    return str(root["record"].sha)


def job(root: dict[str, Any], info: graphql.GraphQLResolveInfo[Context], **args: Any) -> Any:
    name = args.get("name")
    if name is None:
        import graphql

        raise graphql.GraphQLError("One of id or name is required")
    found = [
        s
        for s in info.context.state.statuses.values()
        if s.pipeline_id == root["record"].id and s.name == name
    ]
    if not found:
        return None
    status = max(found, key=lambda s: s.id)
    details = status.target_url or None
    return {"name": status.name, "detailedStatus": {"detailsPath": details}}


RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("MergeRequest", "pipelines"): pipelines,
    ("Pipeline", "sha"): pipeline_sha,
    ("Pipeline", "job"): job,
}
