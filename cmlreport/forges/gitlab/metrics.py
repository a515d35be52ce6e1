"""What GitLab shows of the gates: a commit status, and an OpenMetrics file for the MR widget;
and the merge request a status and a report belong to.

A commit status is a state and one line (255 characters). The merge request's metrics widget
reads a job's ``artifacts:reports:metrics`` file, ``name value`` lines, and shows each metric
beside the target branch's value: ``metrics_text`` writes the report's metrics that way.
"""

from __future__ import annotations

from typing import Any

from cmlreport.errors import InputError

STATES = {"success": "success", "failure": "failed", "neutral": "success"}
DESCRIPTION_LIMIT = 255  # GitLab's limit for a commit status description


def status_data(name: str, conclusion: str, title: str, details_url: str | None) -> dict[str, str]:
    """The fields of the commit status request for a check's conclusion and title."""
    if conclusion not in STATES:
        raise InputError(
            f"--conclusion {conclusion!r}: a GitLab commit status takes success, failure or neutral"
        )
    description = title
    if conclusion == "neutral" and "no gates" not in title.lower():
        description = f"no gates: {title}"
    data = {
        "state": STATES[conclusion],
        "name": name,
        "description": description[:DESCRIPTION_LIMIT],
    }
    if details_url:
        data["target_url"] = details_url
    return data


def open_merge_request(project: Any, branch: str) -> int | None:
    """The iid of the open merge request from ``branch`` (python-gitlab's ``project``)."""
    found = [
        mr.attributes
        for mr in project.mergerequests.list(
            state="opened",
            source_branch=branch,
            order_by="created_at",
            sort="desc",
            get_all=False,  # the newest 100 are plenty, and no warning about more
        )
    ]
    # A fork's merge request may use the same branch name: this project's own comes first.
    found.sort(key=lambda mr: mr.get("source_project_id") != mr.get("project_id"))
    return int(found[0]["iid"]) if found else None
