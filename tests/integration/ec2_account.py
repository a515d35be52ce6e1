"""The EC2 account the runner tests launch into: moto's server, emptied for each test, seen
through plain boto3 (``aws``) and through cmlreport's own client (``ec2``).

A pytest plugin: ``pytest_plugins = ["tests.fakes.moto_server", "tests.integration.ec2_account"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest

from cmlreport.runner.ec2 import Ec2

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

REGION = "us-east-1"


@pytest.fixture(scope="session")
def boto_session() -> Any:
    # Shared by the tests' clients: each new session parses EC2's API model (0.1-0.2 s).
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="session")
def aws_client(moto_session: MotoServer, boto_session: Any) -> Any:
    return boto_session.client("ec2", region_name=REGION, endpoint_url=moto_session.url)


@pytest.fixture
def aws(moto: MotoServer, aws_client: Any) -> Any:
    """The (emptied) account as its owner sees it in the console: a plain boto3 client."""
    return aws_client


@pytest.fixture
def ec2(moto: MotoServer, boto_session: Any) -> Ec2:
    return Ec2(REGION, endpoint_url=moto.url, max_attempts=2, session=boto_session)
