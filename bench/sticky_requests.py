"""API requests per sticky-comment run on a busy pull request, counted on the fake GitHub.

The forge talks real HTTP (PyGithub) to the project's fake GitHub server on 127.0.0.1, exactly
as in the tests; the fake's request log is the count. Goal: an update takes at most 4 requests
(two pages, the GraphQL viewer query that tells whether the marker comment is this token's, the
PATCH). A first post reads the comments again after posting, to find a racing duplicate.
"""

from __future__ import annotations

import sys
import time

from harness import REPO_ROOT, parse_repeat, print_table

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from cmlreport.ci import CiContext
from cmlreport.forges.base import Target, TargetKind
from cmlreport.forges.github.forge import GitHubForge, GitHubSettings
from cmlreport.forges.sticky import post_sticky
from tests.fakes.github import ACTIONS_PERMISSIONS, FakeGitHub

REPO = "octo/model"
TOKEN = "ghs_benchToken0123456789"
PR = Target(TargetKind.PR, number=7)
GOAL = 4


def scenario(server: FakeGitHub, before: int, after: int) -> list[tuple[str, int, float]]:
    """`before` comments, our first post, `after` more comments, then an update and a no-op."""
    server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(before)])
    ci = CiContext(provider="github", repository=REPO, pr_number=7, event_name="pull_request")
    settings = GitHubSettings(
        repository=REPO, token=TOKEN, api_url=server.url, server_url=server.web_url, ci=ci
    )
    rows = []
    for label, body, chatter in (
        ("first post", "v1", after),
        ("update", "v2", 0),
        ("unchanged", "v2", 0),
    ):
        forge = GitHubForge(settings)
        server.reset_log()
        start = time.perf_counter()
        post_sticky(forge, PR, body, "train/report")
        elapsed = time.perf_counter() - start
        rows.append((label, len(server.requests), elapsed))
        server.add_issue_comments(REPO, 7, ["more review"] * chatter)
    return rows


def main() -> int:
    repeat = parse_repeat(__doc__ or "", 3)
    table = []
    worst_update = 0
    for before, after in ((0, 0), (150, 5), (150, 60), (300, 150)):
        timings: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        for _ in range(repeat):
            with FakeGitHub() as server:
                server.add_repo(REPO)
                server.add_pull(REPO, number=7)
                server.add_token(
                    TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True
                )
                for label, count, elapsed in scenario(server, before, after):
                    counts[label] = count
                    timings.setdefault(label, []).append(elapsed)
        for label, count in counts.items():
            best = min(timings[label])
            table.append(
                [f"{before} before, {after} after", label, str(count), f"{best * 1000:.0f} ms"]
            )
        if before + after <= 200:
            worst_update = max(worst_update, counts["update"])
    print("Sticky comment on a pull request, GitHub Actions token (fake GitHub on 127.0.0.1)")
    print_table(["comments on the PR", "run", "API requests", "min wall time"], table)
    verdict = "meets" if worst_update <= GOAL else "MISSES"
    print(
        f"\nupdate with <= 200 comments: at most {worst_update} requests "
        f"({verdict} the goal of {GOAL})"
    )
    return 0 if worst_update <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
