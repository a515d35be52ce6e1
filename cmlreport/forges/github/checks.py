"""A check run with the report and one annotation per failed gate, as the Checks API takes it.

The API takes at most 50 annotations a request and appends each request's to those already
there: the run is created with the first 50 (its output, conclusion and all), then updated
with each next 50, the output's title and summary sent again as every update requires.
``output.summary`` and ``output.text`` hold 65,535 characters each: both are cut by the one
cutter (``report.budget``), at a section or a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from cmlreport.forges.base import Annotation, CheckResult
from cmlreport.forges.github.errors import Attempt
from cmlreport.report.budget import GITHUB_CHECK_SUMMARY_LIMIT, cut_markdown

BATCH = 50  # annotations per request, the Checks API's limit
TITLE_LIMIT = 255  # an annotation's title
MESSAGE_LIMIT = 4_000  # an annotation's message may hold 64 KB; a gate's sentence is short


Outputs = tuple[str, str, str, Sequence[Annotation], "str | None"]  # title, summary, text, ...


def create_check_run(
    repo: Any,
    errors: Callable[[Attempt], AbstractContextManager[None]],
    sha: str,
    name: str,
    conclusion: str,
    outputs: Outputs,
    details_url: str | None,
) -> CheckResult:
    """The completed run on ``sha``, then its further annotations, one update per 50."""
    first, *more = check_outputs(*outputs)
    options = {"details_url": details_url} if details_url else {}
    doing = f"create check run {name!r} on commit {sha[:7]}"
    with errors(Attempt(doing, "checks: write", write=True, post=True)):
        run = repo.create_check_run(
            name=name,
            head_sha=sha,
            status="completed",
            conclusion=conclusion,
            output=first,
            **options,
        )
    for number, output in enumerate(more, start=2):
        doing = f"add annotations ({number} of {len(more) + 1}) to check run {name!r}"
        with errors(Attempt(doing, "checks: write", write=True)):
            run.edit(output=output)
    return CheckResult(str(run.html_url), str(run.conclusion))


def check_outputs(
    title: str, summary: str, text: str, annotations: Sequence[Annotation], hint: str | None
) -> list[dict[str, Any]]:
    """The ``output`` of the create request, then of each update: one per 50 annotations."""
    base: dict[str, Any] = {
        "title": title,
        "summary": cut_markdown(summary, GITHUB_CHECK_SUMMARY_LIMIT, hint),
    }
    if text:
        base["text"] = cut_markdown(text, GITHUB_CHECK_SUMMARY_LIMIT, hint)
    payloads = [_payload(a) for a in annotations]
    batches = [payloads[i : i + BATCH] for i in range(0, len(payloads), BATCH)] or [[]]
    return [{**base, "annotations": batch} if batch else dict(base) for batch in batches]


def _payload(annotation: Annotation) -> dict[str, Any]:
    return {
        "path": annotation.path,
        "start_line": annotation.line,
        "end_line": annotation.line,
        "annotation_level": annotation.level,
        "title": _cut(annotation.title, TITLE_LIMIT),
        "message": _cut(annotation.message or annotation.title, MESSAGE_LIMIT),
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
