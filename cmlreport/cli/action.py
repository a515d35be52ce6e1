"""`cmlreport action`: what the GitHub Action (action.yml) runs, reading its INPUT_* variables."""

from __future__ import annotations

import click

from cmlreport.ci import environment
from cmlreport.cli.common import write_output

EXIT_INPUT = 2


@click.command()
@click.pass_context
def action(ctx: click.Context) -> None:
    """Run as the GitHub Action: read the action's inputs from the INPUT_* variables action.yml
    sets (INPUT_COMMAND, INPUT_METRICS, INPUT_IMAGE_ROOT, ...; an unset one takes its default),
    then run the cmlreport commands they stand for, in this process.

    command=report writes the step outputs report-path and gates (passed or failed) and posts
    the comment even when a gate failed: the action's next step fails the job after that.
    A bad input is one ::error line naming it, and exit 2.
    """
    from cmlreport.action import ActionInputs, calls, report_outputs
    from cmlreport.errors import GateFailed, InputError
    from cmlreport.output import annotate_error

    env = environment()
    try:
        inputs = ActionInputs.from_environ(env)
    except InputError as exc:
        annotate_error("cmlreport", exc.message)
        ctx.exit(EXIT_INPUT)
    first, *rest = calls(inputs)
    if inputs.command == "report":
        try:
            _run(ctx, first)
            failed = False
        except GateFailed as exc:
            click.echo(f"cmlreport: {exc.message}", err=True)
            failed = True
        for name, value in report_outputs(inputs, gates_failed=failed).items():
            write_output(env, name, value)
    else:
        _run(ctx, first)
    for argv in rest:
        _run(ctx, argv)


def _run(ctx: click.Context, argv: list[str]) -> None:
    """``cmlreport ARGV`` in this process: a cancelled job's SIGINT/SIGTERM reaches
    `runner launch` itself (the Actions runner signals the step's process, not its children),
    and errors end the run as the command's own would."""
    root = ctx.find_root()
    assert isinstance(root.command, click.Group)
    name, *args = argv
    command = root.command.get_command(root, name)
    assert command is not None, name
    with command.make_context(name, args, parent=root) as sub:
        command.invoke(sub)
