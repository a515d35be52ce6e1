"""A forge's settings hold the token; printing them (a repr in a --debug traceback, a log line)
must not show it."""

from cmlreport.forges.github.client import GitHubSettings
from cmlreport.forges.gitlab.client import GitLabSettings


def test_the_token_is_not_in_the_settings_repr() -> None:
    github = GitHubSettings(repository="octo/model", token="ghp_reprLeak0123456789")
    gitlab = GitLabSettings(project="group/model", token="glpat-reprLeak01234567")
    assert "reprLeak" not in repr(github) + str(github)
    assert "reprLeak" not in repr(gitlab) + str(gitlab)
    assert github.token.startswith("ghp_")  # still there for the client that sends it
