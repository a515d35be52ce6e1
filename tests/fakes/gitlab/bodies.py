"""JSON bodies as GitLab's REST API writes them (field sets from the docs' example responses).

Every URL points at the fake itself: python-gitlab follows ``Link`` URLs and compares
``web_url`` values with the URL it was given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fakes.gitlab.records import (
    Issue,
    MergeRequest,
    Project,
    Runner,
    Upload,
    User,
)
from tests.fakes.gitlab.routing import Links
from tests.fakes.gitlab.state import GitLabState

VERSION = {
    "version": "17.5.1-ee",
    "revision": "a8b2c9e1d07",
    "kas": {"enabled": False, "externalUrl": None, "externalK8sProxyUrl": None, "version": None},
    "enterprise": True,
}


def iso(moment: datetime | None) -> str | None:
    """GitLab's timestamps: UTC with milliseconds, ``2024-05-01T12:00:01.000Z``."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def user_basic(links: Links, user: User) -> dict[str, Any]:
    """``UserBasic``: how authors appear in notes, statuses and merge requests (no ``bot``)."""
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "state": "active",
        "locked": False,
        "avatar_url": f"{links.web}/uploads/-/system/user/avatar/{user.id}/avatar.png",
        "web_url": links.user(user.username),
    }


def current_user(links: Links, user: User, created_at: datetime) -> dict[str, Any]:
    """``GET /user``: the full user, where ``bot`` tells a project access token's user apart."""
    return {
        **user_basic(links, user),
        "created_at": iso(created_at),
        "bio": "",
        "location": "",
        "public_email": None,
        "website_url": "",
        "organization": "",
        "job_title": "",
        "pronouns": None,
        "bot": user.bot,
        "work_information": None,
        "followers": 0,
        "following": 0,
        "local_time": None,
        "last_sign_in_at": None if user.bot else iso(created_at),
        "confirmed_at": iso(created_at),
        "last_activity_on": created_at.date().isoformat(),
        "email": user.email,
        "theme_id": 1,
        "color_scheme_id": 1,
        "projects_limit": 100000,
        "current_sign_in_at": None,
        "identities": [],
        "can_create_group": not user.bot,
        "can_create_project": not user.bot,
        "two_factor_enabled": False,
        "external": False,
        "private_profile": False,
        "commit_email": user.email,
    }


def project_json(links: Links, project: Project) -> dict[str, Any]:
    web = links.project(project)
    api = f"{links.api}/projects/{project.id}"
    namespace = project.namespace
    return {
        "id": project.id,
        "description": None,
        "name": project.path,
        "name_with_namespace": project.path_with_namespace.replace("/", " / "),
        "path": project.path,
        "path_with_namespace": project.path_with_namespace,
        "created_at": iso(project.created_at),
        "default_branch": project.default_branch,
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": f"git@127.0.0.1:{project.path_with_namespace}.git",
        "http_url_to_repo": f"{web}.git",
        "web_url": web,
        "readme_url": f"{web}/-/blob/{project.default_branch}/README.md",
        "forks_count": 0,
        "avatar_url": None,
        "star_count": 0,
        "last_activity_at": iso(project.created_at),
        "namespace": {
            "id": project.id + 1_000,
            "name": namespace.rsplit("/", 1)[-1],
            "path": namespace.rsplit("/", 1)[-1],
            "kind": "group",
            "full_path": namespace,
            "parent_id": None,
            "avatar_url": None,
            "web_url": f"{links.web}/groups/{namespace}",
        },
        "_links": {
            "self": api,
            "issues": f"{api}/issues",
            "merge_requests": f"{api}/merge_requests",
            "repo_branches": f"{api}/repository/branches",
            "labels": f"{api}/labels",
            "events": f"{api}/events",
            "members": f"{api}/members",
            "cluster_agents": f"{api}/cluster_agents",
        },
        "visibility": project.visibility,
        "archived": False,
        "empty_repo": False,
        "issues_enabled": True,
        "merge_requests_enabled": True,
        "jobs_enabled": True,
        "builds_access_level": "enabled",
        "merge_method": "merge",
        "only_allow_merge_if_pipeline_succeeds": False,
    }


def merge_request_json(
    links: Links, state: GitLabState, mr: MergeRequest, *, single: bool = False
) -> dict[str, Any]:
    project = state.projects[mr.project_id]
    author = user_basic(links, state.users[mr.author])
    user_notes = [n for n in state.notes_on(project, "MergeRequest", mr.iid) if not n.system]
    body: dict[str, Any] = {
        "id": mr.id,
        "iid": mr.iid,
        "project_id": mr.project_id,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "created_at": iso(mr.created_at),
        "updated_at": iso(mr.updated_at),
        "merged_by": None,
        "merge_user": None,
        "merged_at": None,
        "closed_by": None,
        "closed_at": None,
        "target_branch": mr.target_branch,
        "source_branch": mr.source_branch,
        "user_notes_count": len(user_notes),
        "upvotes": 0,
        "downvotes": 0,
        "author": author,
        "assignees": [],
        "assignee": None,
        "reviewers": [],
        "source_project_id": mr.project_id,
        "target_project_id": mr.project_id,
        "labels": [],
        "draft": False,
        "work_in_progress": False,
        "milestone": None,
        "merge_when_pipeline_succeeds": False,
        "merge_status": "can_be_merged",
        "detailed_merge_status": "mergeable",
        "sha": mr.sha,
        "merge_commit_sha": None,
        "squash_commit_sha": None,
        "discussion_locked": None,
        "should_remove_source_branch": None,
        "force_remove_source_branch": True,
        "prepared_at": iso(mr.created_at),
        "reference": f"!{mr.iid}",
        "references": {
            "short": f"!{mr.iid}",
            "relative": f"!{mr.iid}",
            "full": f"{project.path_with_namespace}!{mr.iid}",
        },
        "web_url": f"{links.project(project)}/-/merge_requests/{mr.iid}",
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
        "squash": False,
        "squash_on_merge": False,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": False,
        "blocking_discussions_resolved": True,
    }
    if single:
        body.update(
            subscribed=False,
            changes_count="1",
            latest_build_started_at=None,
            latest_build_finished_at=None,
            first_deployed_to_production_at=None,
            pipeline=None,
            head_pipeline=None,
            diff_refs={"base_sha": mr.base_sha, "head_sha": mr.sha, "start_sha": mr.base_sha},
            merge_error=None,
            user={"can_merge": True},
        )
    return body


def issue_json(links: Links, state: GitLabState, issue: Issue) -> dict[str, Any]:
    project = state.projects[issue.project_id]
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": issue.project_id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": None,
        "closed_by": None,
        "labels": [],
        "milestone": None,
        "assignees": [],
        "assignee": None,
        "author": user_basic(links, state.users[issue.author]),
        "type": "ISSUE",
        "issue_type": "issue",
        "confidential": False,
        "web_url": f"{links.project(project)}/-/issues/{issue.iid}",
        "references": {
            "short": f"#{issue.iid}",
            "relative": f"#{issue.iid}",
            "full": f"{project.path_with_namespace}#{issue.iid}",
        },
    }


def upload_json(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "alt": upload.alt,
        "url": upload.url,
        "full_path": upload.full_path,
        "markdown": upload.markdown,
    }


def runner_json(runner: Runner) -> dict[str, Any]:
    """A runner as ``GET /projects/:id/runners`` lists it."""
    return {
        "id": runner.id,
        "description": runner.description,
        "ip_address": None,
        "active": not runner.paused,
        "paused": runner.paused,
        "is_shared": runner.runner_type == "instance_type",
        "runner_type": runner.runner_type,
        "name": None,
        "online": runner.status == "online",
        "status": runner.status,
    }
