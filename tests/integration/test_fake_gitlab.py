"""python-gitlab against the fake GitLab: the calls cmlreport makes, over real HTTP on 127.0.0.1.

The server checks every request against the fields GitLab's REST docs list for its route; the
``gitlab_server`` fixture fails a test that produced any violation.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gitlab
import pytest
import requests

from tests.fakes.gitlab import FakeGitLab
from tests.fakes.gitlab.routes import ROUTES

pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]

PROJECT = "group/sub/proj"
ENCODED = "group%2Fsub%2Fproj"
ALICE = "glpat-alice"  # a developer's personal access token with the api scope
BOT = "glpat-bot"  # the project's access token, whose user is a bot
JOB = "job-token"  # CI_JOB_TOKEN of a pipeline in the project
READER = "glpat-reader"  # a personal token with read_api only
HEAD = "4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2"
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def seed(server: FakeGitLab) -> None:
    """group/sub/proj (id 42) with merge request !3 from ``feature`` and the usual tokens."""
    project = server.add_project(PROJECT, id=42, default_branch="main")
    server.add_merge_request(project, iid=3, source_branch="feature", sha=HEAD)
    server.add_token(ALICE, username="alice", scopes={"api"})
    server.add_project_bot_token(BOT, project=project)
    server.add_job_token(JOB, project=project)
    server.add_token(READER, username="rita", scopes={"read_api"})


@pytest.fixture
def server(gitlab_server: FakeGitLab) -> FakeGitLab:
    seed(gitlab_server)
    return gitlab_server


def client(server: FakeGitLab, token: str = BOT, **options: Any) -> gitlab.Gitlab:
    options.setdefault("retry_transient_errors", False)
    if token == JOB:
        return gitlab.Gitlab(url=server.url, job_token=token, **options)
    return gitlab.Gitlab(url=server.url, private_token=token, **options)


def gets(server: FakeGitLab, path_regex: str) -> int:
    return len(server.calls("GET", path_regex))


# -- projects and merge requests ------------------------------------------------------------


def test_a_project_is_reached_by_id_by_path_and_lazily_by_encoded_path(server: FakeGitLab) -> None:
    gl = client(server)

    by_id = gl.projects.get(42)
    by_path = gl.projects.get(PROJECT)
    lazy = gl.projects.get(PROJECT, lazy=True)
    mr = lazy.mergerequests.get(3)

    assert by_id.path_with_namespace == by_path.path_with_namespace == PROJECT
    assert by_path.id == 42
    assert by_id.web_url == f"{server.url}/{PROJECT}"
    assert mr.sha == HEAD
    assert mr.web_url == f"{server.url}/{PROJECT}/-/merge_requests/3"
    assert [r.path for r in server.requests] == [
        "/projects/42",
        f"/projects/{ENCODED}",
        f"/projects/{ENCODED}/merge_requests/3",
    ]


def test_the_open_merge_request_of_a_branch_is_found_by_its_source_branch(
    server: FakeGitLab,
) -> None:
    server.add_merge_request(PROJECT, iid=4, source_branch="feature", state="merged")
    server.add_merge_request(PROJECT, iid=5, source_branch="docs")
    project = client(server).projects.get(42, lazy=True)

    found = project.mergerequests.list(source_branch="feature", state="opened", get_all=True)

    assert [mr.iid for mr in found] == [3]
    assert found[0].target_branch == "main"
    every = project.mergerequests.list(get_all=True)
    assert [mr.iid for mr in every] == [5, 4, 3]  # newest first, as GitLab lists them


def test_a_project_token_reaches_only_its_own_project(server: FakeGitLab) -> None:
    server.add_project("group/other", id=43)

    with pytest.raises(gitlab.GitlabGetError) as refused:
        client(server).projects.get("group/other")

    assert refused.value.response_code == 404
    assert refused.value.error_message == "404 Project Not Found"
    assert client(server, ALICE).projects.get("group/other").id == 43


# -- notes ----------------------------------------------------------------------------------


def test_the_bot_writes_edits_and_deletes_its_note_on_a_merge_request(server: FakeGitLab) -> None:
    mr = client(server).projects.get(42, lazy=True).mergerequests.get(3, lazy=True)

    note = mr.notes.create({"body": "<!-- cmlreport:default -->\naccuracy 0.91"})

    assert note.author["username"].startswith("project_42_bot_")
    assert (note.noteable_type, note.noteable_iid, note.system) == ("MergeRequest", 3, False)
    assert ISO_MS.fullmatch(note.created_at)
    note.body = "<!-- cmlreport:default -->\naccuracy 0.93"
    note.save()
    listed = mr.notes.list(get_all=True)
    assert [(n.body, n.system) for n in listed] == [
        ("<!-- cmlreport:default -->\naccuracy 0.93", False),
        ("added 1 commit\n\n<ul><li>4f5e6d7c - Update the model</li></ul>", True),
    ]
    note.delete()
    assert [n.system for n in mr.notes.list(get_all=True)] == [True]


def test_nobody_edits_another_users_note(server: FakeGitLab) -> None:
    theirs = server.add_notes(PROJECT, 3, ["<!-- cmlreport:default -->\nby bob"], author="bob")
    mr = client(server).projects.get(42, lazy=True).mergerequests.get(3, lazy=True)
    note = mr.notes.get(theirs[0].id)

    note.body = "taken over"
    with pytest.raises(gitlab.GitlabUpdateError) as refused:
        note.save()

    assert refused.value.response_code == 403
    assert server.notes[theirs[0].id].body == "<!-- cmlreport:default -->\nby bob"


def test_150_notes_are_read_newest_first_20_a_page(server: FakeGitLab) -> None:
    server.add_notes(PROJECT, 3, [f"review {i}" for i in range(150)], author="bob")
    mr = client(server).projects.get(42, lazy=True).mergerequests.get(3, lazy=True)
    server.reset_log()

    newest = next(iter(mr.notes.list(iterator=True, sort="desc", order_by="created_at")))
    everything = mr.notes.list(get_all=True)
    oldest_first = mr.notes.list(get_all=True, sort="asc", per_page=100)

    assert newest.body == "review 149"
    assert len(everything) == 151  # and GitLab's own system note
    assert [n.body for n in everything[:2]] == ["review 149", "review 148"]
    assert [n.body for n in oldest_first[1:3]] == ["review 0", "review 1"]
    assert oldest_first[0].system
    assert gets(server, r"/merge_requests/3/notes$") == 1 + 8 + 2


def test_pages_carry_gitlabs_headers_and_links_on_the_fakes_own_url(server: FakeGitLab) -> None:
    server.add_notes(PROJECT, 3, [f"review {i}" for i in range(8)])
    url = f"{server.url}/api/v4/projects/42/merge_requests/3/notes"

    answer = requests.get(
        url, params={"per_page": 3, "page": 2}, headers={"PRIVATE-TOKEN": BOT}, timeout=5
    )

    assert {k: answer.headers[k] for k in ("x-page", "x-per-page", "x-total")} == {
        "x-page": "2",
        "x-per-page": "3",
        "x-total": "9",
    }
    assert (answer.headers["x-prev-page"], answer.headers["x-next-page"]) == ("1", "3")
    assert answer.headers["x-total-pages"] == "3"
    links = dict(
        (rel, link) for link, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["Link"])
    )
    assert list(links) == ["prev", "next", "first", "last"]
    assert links["next"] == f"{url}?page=3&per_page=3"
    last = requests.get(links["last"], headers={"PRIVATE-TOKEN": BOT}, timeout=5)
    assert (len(last.json()), last.headers["x-next-page"]) == (3, "")


def test_notes_on_an_issue(server: FakeGitLab) -> None:
    server.add_issue(PROJECT, iid=7, title="Model drifts on new data")
    issue = client(server).projects.get(42, lazy=True).issues.get(7)

    issue.notes.create({"body": "drift report"})

    assert [n.body for n in issue.notes.list(get_all=True)] == ["drift report"]
    assert [n.noteable_type for n in server.notes.values()][-1] == "Issue"


def test_a_note_longer_than_a_million_characters_is_refused(server: FakeGitLab) -> None:
    mr = client(server).projects.get(42, lazy=True).mergerequests.get(3, lazy=True)

    with pytest.raises(gitlab.GitlabCreateError) as refused:
        mr.notes.create({"body": "x" * 1_000_001})
    mr.notes.create({"body": "x" * 1_000_000})

    assert refused.value.response_code == 400
    assert [len(n.body) for n in server.notes.values() if not n.system] == [1_000_000]


# -- commits: comments, discussions, statuses -------------------------------------------------


def test_commit_comments_and_an_editable_discussion_note_on_a_commit(server: FakeGitLab) -> None:
    commit = client(server).projects.get(PROJECT, lazy=True).commits.get(HEAD)
    assert commit.web_url == f"{server.url}/{PROJECT}/-/commit/{HEAD}"

    commit.comments.create({"note": "report, as a comment"})
    thread = commit.discussions.create({"body": "<!-- cmlreport:default -->\nreport"})
    # The docs have no GET for one discussion note: edit it by id without fetching it.
    note = thread.notes.get(thread.attributes["notes"][0]["id"], lazy=True)
    note.body = "<!-- cmlreport:default -->\nreport, updated"
    note.save()

    assert [c.note for c in commit.comments.list(get_all=True)] == [
        "report, as a comment",
        "<!-- cmlreport:default -->\nreport, updated",
    ]
    listed = commit.discussions.list(get_all=True)
    assert [(d.individual_note, [n["body"] for n in d.attributes["notes"]]) for d in listed] == [
        (True, ["report, as a comment"]),
        (False, ["<!-- cmlreport:default -->\nreport, updated"]),
    ]
    assert listed[1].attributes["notes"][0]["noteable_type"] == "Commit"


def test_a_commit_status_moves_from_running_to_success(server: FakeGitLab) -> None:
    commit = client(server, ALICE).projects.get(42, lazy=True).commits.get(HEAD, lazy=True)

    running = commit.statuses.create({"state": "running", "name": "cmlreport", "ref": "feature"})
    done = commit.statuses.create(
        {
            "state": "success",
            "name": "cmlreport",
            "ref": "feature",
            "target_url": "https://ci.example/pipelines/1",
            "description": "all gates passed",
        }
    )

    assert done.id == running.id  # the same status, moved on
    listed = commit.statuses.list(get_all=True)
    assert [(s.name, s.status, s.description) for s in listed] == [
        ("cmlreport", "success", "all gates passed")
    ]
    with pytest.raises(gitlab.GitlabCreateError) as again:
        commit.statuses.create({"state": "bogus", "name": "cmlreport"})
    assert again.value.response_code == 400
    assert [v for v in server.take_violations() if "'state' is 'bogus'" in v]


def test_a_reporter_may_comment_but_not_set_a_status(server: FakeGitLab) -> None:
    server.add_token("glpat-reporter", username="rob", role="reporter")
    project = client(server, "glpat-reporter").projects.get(42, lazy=True)

    project.mergerequests.get(3, lazy=True).notes.create({"body": "report"})
    with pytest.raises(gitlab.GitlabCreateError) as refused:
        project.commits.get(HEAD, lazy=True).statuses.create({"state": "success"})

    assert refused.value.response_code == 403
    assert server.statuses == {}


# -- uploads ------------------------------------------------------------------------------------


def test_an_upload_returns_markdown_and_the_file_is_downloadable(server: FakeGitLab) -> None:
    png = bytes(range(256)) * 4
    project = client(server).projects.get(42, lazy=True)

    made = project.upload("loss curve.png", filedata=png)

    secret = made["url"].split("/")[2]
    assert re.fullmatch(r"[0-9a-f]{32}", secret)
    assert made["url"] == f"/uploads/{secret}/loss_curve.png"
    assert made["full_path"] == f"/-/project/42/uploads/{secret}/loss_curve.png"
    assert made["markdown"] == f"![loss_curve](/uploads/{secret}/loss_curve.png)"
    member = {"PRIVATE-TOKEN": ALICE}
    by_id = requests.get(server.url + made["full_path"], headers=member, timeout=5)
    by_path = requests.get(f"{server.url}/{PROJECT}{made['url']}", headers=member, timeout=5)
    anonymous = requests.get(server.url + made["full_path"], timeout=5)
    assert (by_id.status_code, by_id.content) == (200, png)
    assert by_id.headers["Content-Type"] == "image/png"
    assert by_path.content == png
    assert anonymous.status_code == 404  # a private project's files are for its members


# -- tokens -----------------------------------------------------------------------------------


def test_a_job_token_reads_the_project_but_cannot_write_nor_be_a_user(server: FakeGitLab) -> None:
    gl = client(server, JOB)
    project = gl.projects.get(PROJECT)
    mr = project.mergerequests.get(3)

    with pytest.raises(gitlab.GitlabCreateError) as note:
        mr.notes.create({"body": "report"})
    with pytest.raises(gitlab.GitlabUploadError) as upload:
        project.upload("loss.png", filedata=b"png")
    with pytest.raises(gitlab.GitlabAuthenticationError) as who:
        gl.auth()

    assert (note.value.response_code, note.value.error_message) == (403, "403 Forbidden")
    assert upload.value.response_code == 403
    assert who.value.response_code == 401
    assert [n.system for n in server.notes.values()] == [True]


def test_an_unknown_token_is_401(server: FakeGitLab) -> None:
    with pytest.raises(gitlab.GitlabAuthenticationError) as refused:
        client(server, "glpat-revoked").projects.get(42)

    assert refused.value.response_code == 401
    assert refused.value.error_message == "401 Unauthorized"


def test_a_read_api_token_reads_but_gets_insufficient_scope_on_writes(server: FakeGitLab) -> None:
    mr = client(server, READER).projects.get(42).mergerequests.get(3)

    with pytest.raises(gitlab.GitlabCreateError) as refused:
        mr.notes.create({"body": "report"})

    assert refused.value.response_code == 403
    assert refused.value.error_message == "insufficient_scope"


def test_the_current_user_is_a_bot_for_a_project_token_and_a_person_otherwise(
    server: FakeGitLab,
) -> None:
    bot, person = client(server), client(server, ALICE)
    bot.auth()
    person.auth()

    assert bot.user is not None and person.user is not None
    assert (bot.user.bot, bot.user.name) == (True, "cmlreport")
    assert (person.user.username, person.user.bot) == ("alice", False)
    assert person.version()[0] == "17.5.1-ee"


# -- faults -----------------------------------------------------------------------------------


def test_injected_502_and_429_reach_the_client_once(server: FakeGitLab) -> None:
    mr = client(server).projects.get(42, lazy=True).mergerequests.get(3, lazy=True)
    server.inject("POST", r"/merge_requests/3/notes$", 502)
    server.inject("POST", r"/merge_requests/3/notes$", 429, headers={"Retry-After": "1"})

    with pytest.raises(gitlab.GitlabCreateError) as bad_gateway:
        mr.notes.create({"body": "report"})
    with pytest.raises(gitlab.GitlabCreateError) as too_many:
        mr.notes.create({"body": "report"}, obey_rate_limit=False)
    mr.notes.create({"body": "report"})

    assert (bad_gateway.value.response_code, bad_gateway.value.error_message) == (
        502,
        "502 Bad Gateway",
    )
    assert too_many.value.response_code == 429
    assert [n.body for n in server.user_notes(PROJECT, 3)] == ["report"]


def test_python_gitlab_honours_retry_after_and_retries_one_502_when_told(
    server: FakeGitLab,
) -> None:
    server.inject("GET", r"^/projects/42$", 429, headers={"Retry-After": "1"})
    assert client(server).projects.get(42).id == 42  # obey_rate_limit waits and retries

    server.inject("GET", r"^/projects/42$", 502)
    assert client(server, retry_transient_errors=True).projects.get(42).id == 42
    assert gets(server, r"^/projects/42$") == 4


def test_a_note_answered_too_late_was_still_posted_and_a_blind_retry_posts_it_twice(
    server: FakeGitLab,
) -> None:
    gl = client(server, timeout=0.3, retry_transient_errors=True)
    mr = gl.projects.get(42, lazy=True).mergerequests.get(3, lazy=True)
    server.inject_delay_after("POST", r"/merge_requests/3/notes$", seconds=2)

    mr.notes.create({"body": "report"}, max_retries=1)

    assert [n.body for n in server.user_notes(PROJECT, 3)] == ["report", "report"]


# -- runners ----------------------------------------------------------------------------------


def test_a_maintainer_creates_lists_and_deletes_a_project_runner(server: FakeGitLab) -> None:
    server.add_token("glpat-maint", username="mia", role="maintainer")
    gl = client(server, "glpat-maint")
    gl.auth()
    assert gl.user is not None

    made = gl.user.runners.create(
        {
            "runner_type": "project_type",
            "project_id": 42,
            "tag_list": ["cmlreport", "gpu"],
            "description": "cmlreport-gpu-1",
            "run_untagged": False,
        }
    )

    assert made.token.startswith("glrt-")
    project = gl.projects.get(42, lazy=True)
    assert [(r.description, r.runner_type) for r in project.runners.list(get_all=True)] == [
        ("cmlreport-gpu-1", "project_type")
    ]
    assert server.runners[made.id].tag_list == ["cmlreport", "gpu"]
    gl.runners.delete(made.id)
    assert project.runners.list(get_all=True) == []
    with pytest.raises(gitlab.GitlabListError) as refused:
        client(server, ALICE).projects.get(42, lazy=True).runners.list(get_all=True)
    assert refused.value.response_code == 403


# -- a self-managed GitLab under a sub-path ---------------------------------------------------


def test_a_sub_path_install_serves_api_pages_and_uploads_under_it(
    gitlab_server_factory: Callable[..., FakeGitLab],
) -> None:
    server = gitlab_server_factory(prefix="/gitlab")
    seed(server)
    server.add_notes(PROJECT, 3, [f"review {i}" for i in range(30)])
    gl = client(server)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # python-gitlab warns when links leave its base URL
        mr = gl.projects.get(PROJECT).mergerequests.get(3)
        notes = mr.notes.list(get_all=True)
        made = gl.projects.get(42, lazy=True).upload("a.png", filedata=b"png")

    assert server.url.endswith("/gitlab")
    assert len(notes) == 31
    assert mr.web_url.startswith(f"{server.url}/{PROJECT}/")
    fetched = requests.get(
        server.url + made["full_path"], headers={"PRIVATE-TOKEN": BOT}, timeout=5
    )
    assert fetched.content == b"png"
    outside = requests.get(f"{server.origin}/api/v4/projects/42", timeout=5)
    assert outside.status_code == 404
    assert [v for v in server.take_violations() if "outside GitLab's URL" in v]


# -- the self-check keeps clients honest --------------------------------------------------------


def test_a_request_the_docs_do_not_allow_is_a_violation(server: FakeGitLab) -> None:
    api = f"{server.url}/api/v4/projects/42"
    auth = {"PRIVATE-TOKEN": BOT}

    listed = requests.get(f"{api}/merge_requests/3/notes", params={"order": "asc"}, headers=auth)
    missing = requests.post(f"{api}/merge_requests/3/notes", json={"text": "x"}, headers=auth)
    unknown = requests.get(f"{api}/merge_requests/3/approvals", headers=auth)
    no_edit = requests.put(f"{api}/repository/commits/{HEAD}/comments", headers=auth)

    assert listed.status_code == 200  # GitLab ignores what it does not know...
    assert (missing.status_code, missing.json()) == (400, {"error": "body is missing"})
    assert (unknown.status_code, no_edit.status_code) == (404, 405)
    found = server.take_violations()
    assert any("parameter 'order' is not one GitLab documents" in v for v in found), found
    assert any("parameter 'text' is not one" in v for v in found), found
    assert any("required parameter 'body' is missing" in v for v in found), found
    assert any("/approvals: is no route" in v for v in found), found
    assert any("/comments: has no such method" in v for v in found), found
    assert len(found) == 5


def test_every_route_follows_a_docs_page_the_readme_names() -> None:
    readme = (Path(__file__).parents[1] / "fakes" / "gitlab" / "README.md").read_text()
    pages = {route.docs.split("#")[0] for route in ROUTES}

    assert all(page.startswith("https://docs.gitlab.com/api/") for page in pages), pages
    assert [page for page in sorted(pages) if page not in readme] == []
    templates = [(route.method, route.template) for route in ROUTES]
    assert len(templates) == len(set(templates))
