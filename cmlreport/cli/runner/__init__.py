"""`cmlreport runner launch|stop|list|cleanup`: a cloud GPU machine as this repository's runner."""

from __future__ import annotations

import click

from cmlreport.cli.runner.cleanup import cleanup
from cmlreport.cli.runner.launch import launch
from cmlreport.cli.runner.list import list_
from cmlreport.cli.runner.stop import stop


@click.group()
def runner() -> None:
    """Start a cloud GPU machine registered as a self-hosted runner, and make sure it ends.

    \b
    The machine shuts itself down (and, with shutdown behaviour terminate, stops the bill)
    after --idle-timeout without a job and always after --max-lifetime; `runner stop` and
    `runner cleanup` are the belt to those braces.
    """


runner.add_command(launch)
runner.add_command(stop)
runner.add_command(list_)
runner.add_command(cleanup)
