"""Finding the base revision and reading metrics at it, in real git repositories.

Remotes are ``file://`` URLs so that git really negotiates and fetches (and honours --depth),
as it does against GitHub or GitLab in CI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from cmlreport.baseline import head_sha, read_file_at, repo_root, resolve_base
from cmlreport.ci import CiContext
from cmlreport.errors import GitError, InputError
from tests.gitrepo import GitRepo, make_origin, run_git, shallow_clone

LOCAL = CiContext(provider="local")
UNKNOWN_SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _hermetic_git(monkeypatch: pytest.MonkeyPatch) -> None:
    # cmlreport runs git with the process environment: keep the developer's config out of it.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def train(repo: GitRepo, accuracy: float, msg: str | None = None) -> str:
    """One training run: write metrics.json and commit it."""
    repo.write("metrics.json", f'{{"accuracy": {accuracy}}}\n')
    return repo.commit(msg or f"train: accuracy {accuracy}")


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "work")
    train(repo, 0.80, "baseline")
    return repo


@dataclass
class Diverged:
    work: GitRepo  # the developer's work tree, on feature
    origin: GitRepo  # the bare origin holding both branches
    shas: dict[str, str]  # by commit name: m1..m4, f1, f2


@pytest.fixture
def diverged(project: GitRepo, tmp_path: Path) -> Diverged:
    """main: m1 - m2 - m3 - m4, feature: m2 - f1 - f2 (branched before main moved on)."""
    shas = {"m1": project.sha()}
    shas["m2"] = train(project, 0.81)
    project.branch("feature")
    shas["m3"] = train(project, 0.82)
    shas["m4"] = train(project, 0.83)
    project.checkout("feature")
    shas["f1"] = train(project, 0.85)
    shas["f2"] = train(project, 0.86)
    origin = make_origin(project, tmp_path / "origin.git", head="main")
    return Diverged(project, origin, shas)


# --- explicit --base ---------------------------------------------------------------------


def test_an_explicit_tag_is_the_base(project: GitRepo) -> None:
    v1 = project.sha()
    project.git("tag", "v1")
    train(project, 0.9)
    train(project, 0.95)

    base = resolve_base("v1", LOCAL, project.path)

    assert (base.sha, base.ref, base.how) == (v1, "v1", "from --base")


def test_an_explicit_base_on_a_branch_is_reduced_to_the_fork_point(diverged: Diverged) -> None:
    work, shas = diverged.work, diverged.shas
    base = resolve_base("main", LOCAL, work.path)
    assert base.sha == shas["m2"]
    assert base.ref == "main"


def test_an_unknown_explicit_base_without_remote_says_what_to_do(project: GitRepo) -> None:
    with pytest.raises(GitError) as err:
        resolve_base("nope", LOCAL, project.path)
    assert "'nope'" in err.value.message
    assert "no 'origin' remote" in err.value.message
    assert "--base" in err.value.message
    assert "\n" not in err.value.message


def test_an_option_like_base_is_rejected_as_input(project: GitRepo) -> None:
    with pytest.raises(InputError, match="--base '--all'"):
        resolve_base("--all", LOCAL, project.path)


def test_an_explicit_base_missing_from_a_shallow_clone_is_fetched(
    diverged: Diverged, tmp_path: Path
) -> None:
    work, origin, shas = diverged.work, diverged.origin, diverged.shas
    work.git("tag", "v-old", shas["m1"])
    work.git("push", "--quiet", "origin", "v-old")
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    assert not clone.has_commit(shas["m4"])

    by_sha = resolve_base(shas["m4"], LOCAL, clone.path)
    by_tag = resolve_base("v-old", LOCAL, clone.path)

    assert clone.has_commit(shas["m4"])
    assert by_sha.sha == shas["m2"]
    assert (by_tag.sha, by_tag.ref) == (shas["m1"], "v-old")


def test_an_explicit_remote_branch_missing_from_the_clone_is_fetched(
    diverged: Diverged, tmp_path: Path
) -> None:
    origin, shas = diverged.origin, diverged.shas
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    base = resolve_base("origin/main", LOCAL, clone.path)
    assert (base.sha, base.ref) == (shas["m2"], "origin/main")
    assert clone.sha("origin/main") == shas["m4"]


def test_a_short_sha_missing_from_the_clone_asks_for_the_full_one(
    diverged: Diverged, tmp_path: Path
) -> None:
    origin, shas = diverged.origin, diverged.shas
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    with pytest.raises(GitError, match="only a full 40-character sha can be fetched"):
        resolve_base(shas["m4"][:10], LOCAL, clone.path)


# --- base from the CI context --------------------------------------------------------------


def test_the_pull_request_target_branch_resolves_to_origin(diverged: Diverged) -> None:
    work, shas = diverged.work, diverged.shas
    base = resolve_base(None, CiContext(provider="github", base_ref="main"), work.path)
    assert base.ref == "origin/main"
    assert base.how == "from the pull request's target branch"
    # main moved on to m4 after feature branched off m2: m2 is what feature changed.
    assert base.sha == shas["m2"]
    assert base.sha != work.sha("origin/main")


def test_gitlab_diff_base_sha_wins_over_the_target_branch(diverged: Diverged) -> None:
    work, shas = diverged.work, diverged.shas
    ci = CiContext(provider="gitlab", base_sha=shas["m1"], base_ref="main")
    base = resolve_base(None, ci, work.path)
    assert (base.sha, base.ref) == (shas["m1"], shas["m1"])
    assert "CI_MERGE_REQUEST_DIFF_BASE_SHA" in base.how


def test_gitlab_falls_back_to_the_target_branch_when_the_diff_base_is_gone(
    diverged: Diverged,
) -> None:
    work, shas = diverged.work, diverged.shas
    ci = CiContext(provider="gitlab", base_sha=UNKNOWN_SHA, base_ref="main")
    base = resolve_base(None, ci, work.path)
    assert (base.sha, base.ref) == (shas["m2"], "origin/main")
    assert "CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in base.how


def test_gitlab_branch_pipeline_compares_with_ci_default_branch(diverged: Diverged) -> None:
    work, shas = diverged.work, diverged.shas
    work.branch("develop", shas["m1"])
    work.git("push", "--quiet", "origin", "develop")
    ci = CiContext(provider="gitlab", default_branch="develop")
    base = resolve_base(None, ci, work.path)
    assert (base.sha, base.ref, base.how) == (
        shas["m1"],
        "origin/develop",
        "from CI_DEFAULT_BRANCH",
    )


def test_a_push_to_the_default_branch_compares_with_the_tip_before_the_push(
    diverged: Diverged,
) -> None:
    work, shas = diverged.work, diverged.shas
    work.checkout("main")  # CI built main's new tip, m4; the push moved main from m2 to m4
    for provider in ("github", "gitlab"):
        ci = CiContext(provider=provider, default_branch="main", before_sha=shas["m2"])
        base = resolve_base(None, ci, work.path)
        assert (base.sha, base.how) == (shas["m2"], "from the push's previous commit")


def test_a_force_pushed_away_previous_commit_falls_back_and_says_so(diverged: Diverged) -> None:
    work, shas = diverged.work, diverged.shas
    work.checkout("main")
    ci = CiContext(provider="github", default_branch="main", before_sha=UNKNOWN_SHA)
    base = resolve_base(None, ci, work.path)
    assert base.sha == shas["m4"]
    assert base.how.endswith("the push's previous commit 0123456 cannot be fetched")


def test_a_push_to_another_branch_still_compares_with_the_default_branch(
    diverged: Diverged,
) -> None:
    work, shas = diverged.work, diverged.shas  # on feature (f2); the push moved it from f1
    ci = CiContext(provider="github", default_branch="main", before_sha=shas["f1"])
    base = resolve_base(None, ci, work.path)
    assert (base.sha, base.ref) == (shas["m2"], "origin/main")  # the fork point, as before


def test_an_explicit_base_is_never_replaced_by_the_push(diverged: Diverged) -> None:
    work, shas = diverged.work, diverged.shas
    work.checkout("main")
    ci = CiContext(provider="github", default_branch="main", before_sha=shas["m2"])
    base = resolve_base("HEAD", ci, work.path)
    assert base.sha == shas["m4"]


# --- shallow CI clones ---------------------------------------------------------------------


def test_a_shallow_pull_request_clone_fetches_the_base_and_finds_the_fork_point(
    diverged: Diverged, tmp_path: Path
) -> None:
    origin, shas = diverged.origin, diverged.shas
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    assert clone.is_shallow()
    assert not clone.has_commit(shas["m4"])
    assert not clone.has_commit(shas["m2"])
    ci = CiContext(provider="github", base_sha=shas["m4"], base_ref="main")

    base = resolve_base(None, ci, clone.path)

    assert clone.has_commit(shas["m4"])
    assert (base.sha, base.ref, base.how) == (shas["m2"], shas["m4"], "from the pull request event")


def test_an_actions_checkout_of_the_merge_commit_compares_with_the_base_tip(
    diverged: Diverged, tmp_path: Path
) -> None:
    work, origin, shas = diverged.work, diverged.origin, diverged.shas
    # GitHub builds refs/pull/N/merge (base tip + PR head) and actions/checkout fetches only it.
    work.checkout("main")
    work.git("merge", "--quiet", "--no-ff", "--no-edit", "-X", "theirs", "feature")
    merge = work.sha()
    work.git("push", "--quiet", "origin", "HEAD:refs/pull/1/merge")
    work.git("reset", "--quiet", "--hard", shas["m4"])
    ci_clone = GitRepo.init(tmp_path / "runner")
    ci_clone.git("remote", "add", "origin", origin.url)
    ci_clone.git("fetch", "--quiet", "--depth=1", "origin", f"+{merge}:refs/remotes/pull/1/merge")
    ci_clone.git("checkout", "--quiet", "--detach", merge)
    ci = CiContext(provider="github", base_sha=shas["m4"], base_ref="main", head_sha=merge)

    base = resolve_base(None, ci, ci_clone.path)

    assert base.sha == shas["m4"]
    assert base.how == "from the pull request event"


def test_deepening_grows_until_the_merge_base_appears(project: GitRepo, tmp_path: Path) -> None:
    for i in range(5):
        train(project, 0.6 + i / 100)
    fork_point = project.sha()
    project.branch("feature")
    for i in range(6):
        train(project, 0.7 + i / 100)
    project.checkout("feature")
    for i in range(6):
        train(project, 0.9 + i / 100)
    origin = make_origin(project, tmp_path / "origin.git", head="main")
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    ci = CiContext(provider="github", base_ref="main")

    base = resolve_base(None, ci, clone.path, deepen=(1, 2, 4))

    assert base.sha == fork_point
    assert base.how == "from the pull request's target branch"
    assert clone.is_shallow(), "only the history needed was fetched, not all of it"
    assert not clone.has_commit(project.sha("main~10"))


def test_when_deepening_gives_up_the_base_tip_is_used_and_said(
    project: GitRepo, tmp_path: Path
) -> None:
    project.branch("feature")
    for i in range(6):
        main_tip = train(project, 0.7 + i / 100)
    project.checkout("feature")
    for i in range(6):
        train(project, 0.9 + i / 100)
    origin = make_origin(project, tmp_path / "origin.git", head="main")
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    ci = CiContext(provider="github", base_ref="main")

    base = resolve_base(None, ci, clone.path, deepen=(1, 1))

    assert base.sha == main_tip
    assert "merge base is not in the shallow history" in base.how
    assert base.how.startswith("from the pull request's target branch")


def test_an_unfetchable_base_sha_is_one_line_naming_the_sha_and_the_fix(
    diverged: Diverged, tmp_path: Path
) -> None:
    origin = diverged.origin
    clone = shallow_clone(origin, tmp_path / "ci", branch="feature")
    ci = CiContext(provider="github", base_sha=UNKNOWN_SHA)

    with pytest.raises(GitError) as err:
        resolve_base(None, ci, clone.path)

    message = err.value.message
    assert f"cannot find base revision '{UNKNOWN_SHA}'" in message
    assert f"'git fetch origin {UNKNOWN_SHA}' failed" in message
    assert "fetch-depth: 0" in message
    assert "\n" not in message


def test_an_unreachable_origin_is_a_git_error_not_a_hang(project: GitRepo, tmp_path: Path) -> None:
    project.git("remote", "add", "origin", (tmp_path / "gone.git").as_uri())
    with pytest.raises(GitError, match="cannot find base revision 'release'"):
        resolve_base("release", LOCAL, project.path)


# --- no CI, no --base: the remote's default branch, then main/master -----------------------


def test_the_default_branch_recorded_by_clone_is_the_base(project: GitRepo, tmp_path: Path) -> None:
    project.git("branch", "--move", "main", "trunk")
    trunk = project.sha()
    origin = make_origin(project, tmp_path / "origin.git", head="trunk")
    clone = GitRepo(tmp_path / "laptop")
    run_git(tmp_path, "clone", "--quiet", origin.url, str(clone.path))
    clone.git("checkout", "--quiet", "-b", "experiment")
    train(clone, 0.99)

    base = resolve_base(None, LOCAL, clone.path)

    assert (base.sha, base.ref, base.how) == (trunk, "origin/trunk", "from origin's default branch")


def test_the_default_branch_is_asked_from_the_remote_when_not_recorded(
    project: GitRepo, tmp_path: Path
) -> None:
    project.git("branch", "--move", "main", "trunk")
    fork_point = project.sha()
    project.branch("experiment")
    trunk_tip = train(project, 0.85)
    project.checkout("experiment")
    train(project, 0.99)
    origin = make_origin(project, tmp_path / "origin.git", head="trunk")
    clone = shallow_clone(origin, tmp_path / "ci", branch="experiment")
    assert not clone.git("for-each-ref", "refs/remotes/origin/HEAD")

    base = resolve_base(None, LOCAL, clone.path)

    assert (base.sha, base.ref) == (fork_point, "origin/trunk")
    assert clone.has_commit(trunk_tip)


def test_without_remote_master_is_the_fallback(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "old-style", branch="master")
    master = train(repo, 0.8)
    repo.git("checkout", "--quiet", "-b", "tune")
    train(repo, 0.82)

    base = resolve_base(None, LOCAL, repo.path)

    assert (base.sha, base.ref) == (master, "master")
    assert base.how.startswith("fallback")


def test_main_is_preferred_over_master(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "both", branch="master")
    train(repo, 0.7)
    repo.git("checkout", "--quiet", "-b", "main")
    main = train(repo, 0.8)
    repo.git("checkout", "--quiet", "-b", "tune")
    train(repo, 0.82)
    assert resolve_base(None, LOCAL, repo.path).sha == main


def test_no_base_anywhere_asks_for_base(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "lonely", branch="dev")
    train(repo, 0.8)
    with pytest.raises(GitError, match=r"pass --base REV$"):
        resolve_base(None, LOCAL, repo.path)


# --- reading metrics at a revision ---------------------------------------------------------


def test_read_file_at_returns_the_bytes_committed_then(project: GitRepo) -> None:
    old = project.sha()
    train(project, 0.9)
    assert read_file_at(old, "metrics.json", project.path) == b'{"accuracy": 0.8}\n'
    assert read_file_at("HEAD", "metrics.json", project.path) == b'{"accuracy": 0.9}\n'


def test_read_file_at_takes_paths_relative_to_cwd_or_absolute(project: GitRepo) -> None:
    project.write("eval/scores.json", '{"f1": 0.5}\n')
    rev = project.commit("add eval scores")
    subdir = project.path / "eval"
    assert read_file_at(rev, "scores.json", subdir) == b'{"f1": 0.5}\n'
    assert read_file_at(rev, "../metrics.json", subdir) == b'{"accuracy": 0.8}\n'
    assert read_file_at(rev, subdir / "scores.json", project.path) == b'{"f1": 0.5}\n'


def test_a_file_missing_at_the_base_is_none_not_an_error(project: GitRepo) -> None:
    base = project.sha()
    project.write("new_metrics.json", "{}\n")
    project.commit("add new metrics")
    assert read_file_at(base, "new_metrics.json", project.path) is None
    assert (project.path / "new_metrics.json").exists(), "nothing was checked out"


def test_read_file_at_an_unknown_revision_is_a_git_error(project: GitRepo) -> None:
    with pytest.raises(GitError, match="unknown revision 'no-such-branch'"):
        read_file_at("no-such-branch", "metrics.json", project.path)


def test_read_file_at_refuses_directories_and_paths_outside_the_repo(
    project: GitRepo, tmp_path: Path
) -> None:
    project.write("eval/scores.json", "{}\n")
    project.commit("add eval")
    with pytest.raises(InputError, match="eval is a directory"):
        read_file_at("HEAD", "eval", project.path)
    with pytest.raises(InputError, match="outside the git repository"):
        read_file_at("HEAD", tmp_path / "elsewhere.json", project.path)


# --- the repository itself -----------------------------------------------------------------


def test_repo_root_and_head_from_a_subdirectory(project: GitRepo) -> None:
    (project.path / "src").mkdir()
    assert repo_root(project.path / "src") == project.path.resolve()
    assert head_sha(project.path / "src") == project.sha()


def test_outside_a_repository_is_a_git_error(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError, match="is not inside a git repository"):
        repo_root(tmp_path / "plain")
    with pytest.raises(GitError, match="is not inside a git repository"):
        resolve_base("main", LOCAL, tmp_path / "plain")


def test_an_empty_repository_has_no_head(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "empty")
    with pytest.raises(GitError, match="no commit yet"):
        head_sha(repo.path)
