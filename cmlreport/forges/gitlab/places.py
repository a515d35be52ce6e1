"""Where our sticky note is on a merge request, kept as a commit status in the CI pipeline that
posted it, so that the next run finds it in the first request wherever it sits among
thousands of notes.

The notes connection is read from both ends; a note in the middle of a busy merge request is
in neither window. So once a CI job has written (or found) our note outside the first
``WINDOW``, it posts a ``success`` status named ``cmlreport comment !N: KEY`` into its own
pipeline (``CI_PIPELINE_ID`` on ``CI_COMMIT_SHA``: the status joins that pipeline as one more
job, which cannot turn a failing pipeline green), its target URL the note, when the merge
request lists that pipeline (a merge request or source-branch pipeline, not a child one).
The next run's first query asks each of the merge request's latest pipelines for that job
(``Pipeline.job(name:)``; a status's ``detailsPath`` is its target URL), and the note is then
one ``GET`` away.

A status is only a hint (anyone with Developer access may post one, and GraphQL does not say
who did): the note it names is taken only when it is on this merge request, ours, and opens
with our marker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cmlreport.forges.sticky import PLACE_DESCRIPTION

PIPELINES = 20  # the merge request's latest pipelines asked for the status
VARIABLES = ", $context: String!"
FIELDS = f"""
      pipelines(first: {PIPELINES}) {{
        nodes {{ id job(name: $context) {{ detailedStatus {{ detailsPath }} }} }}
      }}
"""
_NOTE_ID = re.compile(r"#note_(\d{1,19})\Z")
_PIPELINE_ID = re.compile(r"gid://gitlab/Ci::Pipeline/(\d{1,19})")
MAX_URL = 4_096  # a longer details path is no link of ours (and no regex runs on it)


def stored_note(noteable: Mapping[str, Any]) -> int | None:
    """The note id the first listed pipeline holding our status names (GitLab lists a merge
    request's pipelines newest first, merge request pipelines before branch ones); None for
    an issue, or where no pipeline holds one."""
    nodes = ((noteable.get("pipelines") or {}).get("nodes")) or []
    for node in nodes:
        job = node.get("job") if isinstance(node, Mapping) else None
        details = (job.get("detailedStatus") or {}) if isinstance(job, Mapping) else {}
        path = str(details.get("detailsPath") or "")
        found = _NOTE_ID.search(path) if len(path) <= MAX_URL else None
        if found:
            return int(found[1])
    return None


def listed_pipelines(noteable: Mapping[str, Any]) -> frozenset[int]:
    """The pipelines the merge request lists (as far as the first query asked): only a
    status in one of them is found again."""
    nodes = ((noteable.get("pipelines") or {}).get("nodes")) or []
    found = (
        _PIPELINE_ID.fullmatch(str(n.get("id") or "")) for n in nodes if isinstance(n, Mapping)
    )
    return frozenset(int(m[1]) for m in found if m)


def keep_place(project: Any, sha: str, pipeline_id: int, context: str, url: str) -> None:
    """The status ``context`` that names the note at ``url``, in pipeline ``pipeline_id``
    (on ``sha``)."""
    data = {
        "state": "success",
        "name": context,
        "description": PLACE_DESCRIPTION,
        "target_url": url,
        "pipeline_id": pipeline_id,
    }
    project.commits.get(sha, lazy=True).statuses.create(data)
