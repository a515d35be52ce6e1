"""What the fake GitHub holds, and the seeding helpers tests call (``add_repo``, ``add_pull``...).

Nothing here knows about HTTP or JSON; ``bodies.py`` renders the records the way GitHub does.
"""

from __future__ import annotations

from collections.abc import Iterable

from tests.fakes.github.apps import App
from tests.fakes.github.gitobjects import Blob, Commit, Signature, TreeEdit
from tests.fakes.github.records import (
    ACTIONS_BOT,
    ACTIONS_PERMISSIONS,
    CheckRun,
    Clock,
    CommitComment,
    CommitStatus,
    Issue,
    IssueComment,
    Pull,
    Repo,
    Runner,
    Token,
    User,
    WorkflowRun,
    fake_sha,
)
from tests.fakes.served import ForgeState


class GitHubState(ForgeState):
    """Everything the fake serves; the server serialises access with ``lock``."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, Repo] = {}
        self.issues: dict[tuple[str, int], Issue] = {}
        self.pulls: dict[tuple[str, int], Pull] = {}
        self.issue_comments: dict[int, IssueComment] = {}
        self.commit_comments: dict[int, CommitComment] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.statuses: list[CommitStatus] = []  # in the order posted
        self.runners: dict[int, Runner] = {}
        self.apps: dict[str, App] = {}  # by app id and by client id
        self.workflow_runs: dict[int, WorkflowRun] = {}
        self.requests_served = 0
        self.rate_limit_reset = int(self.clock.now().timestamp()) + 3600

    # -- seeding (what tests call) -----------------------------------------------------------

    def add_user(self, login: str) -> User:
        with self.lock:
            if login not in self.users:
                self.users[login] = User(login=login, id=self.next_id(10_000))
            return self.users[login]

    def add_token(
        self,
        value: str,
        *,
        login: str = ACTIONS_BOT,
        permissions: Iterable[str] = ACTIONS_PERMISSIONS,
        user_endpoint_forbidden: bool = False,
    ) -> Token:
        with self.lock:
            self.add_user(login)
            token = Token(value, login, frozenset(permissions), user_endpoint_forbidden)
            self.tokens[value] = token
            return token

    def add_app(
        self,
        app_id: str,
        public_key_pem: str,
        *,
        slug: str = "cmlreport-app",
        installations: dict[str, int] | None = None,
        permissions: dict[str, str] | None = None,
        client_id: str | None = None,
    ) -> App:
        """A GitHub App installed on ``installations`` (repository -> installation id)."""
        with self.lock:
            self.add_user(f"{slug}[bot]")
            app = App(app_id, slug, public_key_pem, dict(installations or {}))
            app.permissions = dict(permissions or {"metadata": "read"})
            self.apps[app_id] = app
            if client_id:
                self.apps[client_id] = app
            return app

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        private: bool = False,
        fork_of: str | None = None,
    ) -> Repo:
        """A repository with one commit (a README) on its default branch."""
        owner, _, name = full_name.partition("/")
        with self.lock:
            if fork_of is not None and fork_of not in self.repos:
                raise KeyError(f"add the parent repository {fork_of} before its fork")
            self.add_user(owner)
            repo = Repo(
                owner=owner,
                name=name,
                id=self.next_id(500_000),
                default_branch=default_branch,
                private=private,
                fork_of=fork_of,
                created_at=self.clock.now(),
            )
            readme = repo.objects.put(Blob(f"# {name}\n".encode()))
            tree = repo.objects.write_tree([TreeEdit("README.md", "100644", readme)], None)
            who = Signature(owner, self.users[owner].email, self.clock.now())
            commit = Commit(tree, (), who, who, "Initial commit")
            repo.refs[f"refs/heads/{default_branch}"] = repo.objects.put(commit)
            self.repos[full_name] = repo
            return repo

    def add_issue(
        self, repo: str, number: int, *, title: str = "An issue", author: str = "octocat"
    ) -> Issue:
        with self.lock:
            self._repo(repo)
            self.add_user(author)
            issue = Issue(
                repo, number, self.next_id(600_000), title, author, "open", self.clock.now()
            )
            self.issues[(repo, number)] = issue
            return issue

    def add_pull(
        self,
        repo: str,
        *,
        number: int,
        head_ref: str = "feature",
        head_sha: str | None = None,
        base_ref: str | None = None,
        base_sha: str | None = None,
        head_repo: str | None = None,
        state: str = "open",
        title: str = "Retrain the model",
        author: str = "octocat",
    ) -> Pull:
        """A pull request; ``head_repo`` is the fork it comes from (default: ``repo`` itself)."""
        with self.lock:
            base = self._repo(repo)
            if head_repo is not None:
                self._repo(head_repo)
            self.add_user(author)
            pull = Pull(
                repo=repo,
                number=number,
                id=self.next_id(700_000),
                issue_id=self.next_id(600_000),
                title=title,
                author=author,
                state=state,
                head_ref=head_ref,
                head_sha=head_sha or fake_sha(repo, number, "head"),
                head_repo=head_repo or repo,
                base_ref=base_ref or base.default_branch,
                base_sha=base_sha or base.refs[f"refs/heads/{base.default_branch}"],
                created_at=self.clock.now(),
            )
            pull.commits.append(pull.head_sha)
            self.pulls[(repo, number)] = pull
            return pull

    def push(self, repo: str, number: int, sha: str | None = None) -> str:
        """A new commit on the pull request's branch, now its head (as a ``synchronize``)."""
        with self.lock:
            pull = self.pulls[(repo, number)]
            pull.head_sha = sha or fake_sha(repo, number, "push", str(len(pull.commits)))
            pull.commits.append(pull.head_sha)
            return pull.head_sha

    def add_issue_comments(
        self, repo: str, issue_number: int, bodies: Iterable[str], *, author: str = "octocat"
    ) -> list[IssueComment]:
        """Comments already on the issue/pull, oldest first (e.g. 150 from other users)."""
        with self.lock:
            return [self.create_issue_comment(repo, issue_number, b, author) for b in bodies]

    # -- lookups and changes the routes use ----------------------------------------------------

    def _repo(self, full_name: str) -> Repo:
        try:
            return self.repos[full_name]
        except KeyError:
            raise KeyError(f"add_repo({full_name!r}) first") from None

    def create_issue_comment(
        self, repo: str, issue_number: int, body: str, author: str
    ) -> IssueComment:
        self.add_user(author)
        now = self.clock.now()
        comment = IssueComment(self.next_id(1_000_000), repo, issue_number, body, author, now, now)
        self.issue_comments[comment.id] = comment
        return comment

    def create_commit_comment(
        self,
        repo: str,
        commit_id: str,
        body: str,
        author: str,
        *,
        path: str | None = None,
        position: int | None = None,
        line: int | None = None,
    ) -> CommitComment:
        self.add_user(author)
        now = self.clock.now()
        comment = CommitComment(
            self.next_id(2_000_000), repo, commit_id, body, author, path, position, line, now, now
        )
        self.commit_comments[comment.id] = comment
        return comment

    def commit(self, repo: Repo, sha: str) -> Commit | None:
        """A stored commit, or a stand-in for a pull request's head/base the fake only names.

        Seeded pulls carry shas the fake never stored; GitHub knows those commits (a fork's
        head is visible from the base repository too), so the fake answers for them.
        """
        stored = repo.objects.get(sha)
        if isinstance(stored, Commit):
            return stored
        for pull in self.pulls.values():
            named = {*pull.commits} if pull.head_repo == repo.full_name else set()
            if pull.repo == repo.full_name:
                named |= {*pull.commits, pull.base_sha}
            if sha in named:
                who = Signature(pull.author, self.add_user(pull.author).email, pull.created_at)
                message = f"Update the model ({sha[:7]})"
                return Commit(fake_sha(sha, "tree"), (), who, who, message)
        return None

    def resolve(self, repo: Repo, ref: str) -> str | None:
        """A sha, branch or tag name -> the commit sha it names (None when unknown)."""
        for name in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/{ref}"):
            if name in repo.refs:
                return repo.refs[name]
        if not all(c in "0123456789abcdef" for c in ref):
            return None
        if len(ref) == 40:
            return ref
        # GitHub accepts an abbreviated sha (7 or more hex digits) that names one commit.
        if len(ref) >= 7:
            known = {s for s, o in repo.objects.objects.items() if isinstance(o, Commit)}
            for pull in self.pulls.values():
                if pull.repo == repo.full_name:
                    known |= {*pull.commits, pull.base_sha}
            found = {sha for sha in known if sha.startswith(ref)}
            if len(found) == 1:
                return found.pop()
        return None
