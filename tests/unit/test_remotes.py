import pytest

from cmlreport.errors import InputError
from cmlreport.git.remotes import parse_remote


@pytest.mark.parametrize(
    ("url", "host", "path"),
    [
        ("https://github.com/octo/model.git", "github.com", "octo/model"),
        ("https://github.com/octo/model", "github.com", "octo/model"),
        ("https://x-access-token:ghs_secret@github.com/octo/model.git", "github.com", "octo/model"),
        ("git@github.com:octo/model.git", "github.com", "octo/model"),
        ("ssh://git@github.com/octo/model.git", "github.com", "octo/model"),
        (
            "ssh://git@gitlab.example.com:2222/group/sub/proj.git",
            "gitlab.example.com",
            "group/sub/proj",
        ),
        (
            "https://gitlab.example.com:8443/gitlab/group/proj",
            "gitlab.example.com:8443",
            "gitlab/group/proj",
        ),
        ("GIT@GitHub.com:octo/model", "github.com", "octo/model"),
    ],
)
def test_remote_forms(url: str, host: str, path: str) -> None:
    remote = parse_remote(url)
    assert (remote.host, remote.path) == (host, path)


def test_unparseable_remote_never_shows_credentials() -> None:
    with pytest.raises(InputError) as err:
        parse_remote("https://user:hunter2secret@host/")
    assert "hunter2secret" not in err.value.message
