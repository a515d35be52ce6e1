"""Where our sticky note is on a merge request, kept as a commit status in the CI pipeline that
posted it, so that the next run finds it in the first request wherever it sits among
thousands of notes.

The notes connection is read from both ends; a note in the middle of a busy merge request is
in neither window. So once a CI job has written (or found) our note outside the first
``WINDOW``, it posts a ``success`` status named ``cmlreport comment: KEY`` into its own
pipeline (``CI_PIPELINE_ID`` on ``CI_COMMIT_SHA``: the status joins that pipeline as one more
job, which cannot turn a failing pipeline green), its target URL the note. The next run's
first query asks each of the merge request's latest pipelines for that job
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
        nodes {{ job(name: $context) {{ detailedStatus {{ detailsPath }} }} }}
      }}
"""
_NOTE_ID = re.compile(r"#note_(\d{1,19})\Z")


def stored_note(noteable: Mapping[str, Any]) -> int | None:
    """The note id the first listed pipeline holding our status names (GitLab lists a merge
    request's pipelines newest first, merge request pipelines before branch ones); None for
    an issue, or where no pipeline holds one."""
    nodes = ((noteable.get("pipelines") or {}).get("nodes")) or []
    for node in nodes:
        job = node.get("job") if isinstance(node, Mapping) else None
        details = (job.get("detailedStatus") or {}) if isinstance(job, Mapping) else {}
        found = _NOTE_ID.search(str(details.get("detailsPath") or ""))
        if found:
            return int(found[1])
    return None


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
