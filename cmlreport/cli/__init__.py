"""The ``cmlreport`` click group.

Subcommands are imported only when invoked so that ``cmlreport --help`` never pays for
matplotlib, PyGithub, python-gitlab or boto3.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from cmlreport import __version__
from cmlreport.ci import environment
from cmlreport.errors import CmlReportError
from cmlreport.output import guarded_streams
from cmlreport.redact import register_environment

# name -> (module, attribute, one-line help shown by `cmlreport --help` without importing it)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "action": (
        "cmlreport.cli.action",
        "action",
        "Run as the GitHub Action: reads its INPUT_* variables.",
    ),
    "report": (
        "cmlreport.cli.report",
        "report",
        "Build the markdown report: metrics vs base, gates, slices, plots.",
    ),
    "diff": (
        "cmlreport.cli.diff",
        "diff",
        "Show the metrics diff against the base revision (md, json, table).",
    ),
    "plot": (
        "cmlreport.cli.plot",
        "plot",
        "Draw training curves, confusion matrices, histograms, drift overlays.",
    ),
    "demo": (
        "cmlreport.cli.demo",
        "demo",
        "Run the whole flow on bundled example data: no token, no network.",
    ),
    "send-comment": (
        "cmlreport.cli.send_comment",
        "send_comment",
        "Post the report on the PR/MR, commit or issue; later runs update it in place.",
    ),
    "runner": (
        "cmlreport.cli.runner",
        "runner",
        "Launch, stop, list and clean up cloud GPU runners for this repository.",
    ),
    "pr": (
        "cmlreport.cli.pr",
        "pr",
        "Commit retraining results to a branch and open a pull/merge request.",
    ),
    "merge": (
        "cmlreport.cli.merge",
        "merge",
        "Merge the reports of a matrix's legs (report --json) into one report.",
    ),
    "check": (
        "cmlreport.cli.check",
        "check",
        "Publish the report as a check run whose conclusion follows the gates.",
    ),
}

EXIT_INTERNAL = 4


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        # `action` is what action.yml runs, never typed by a user: runnable, not listed.
        return sorted(name for name in _COMMANDS if name != "action")

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module_name, attr, _ = _COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Reads the short help from the table instead of importing every command module.
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Before click parses anything: its usage errors quote input too.
        register_environment(environment())
        with guarded_streams():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt as exc:
            # `runner launch` raises its own (Interrupted): what it cleaned up, 128 + signal.
            message = getattr(exc, "message", "interrupted")
            click.echo(f"cmlreport: {message}", err=True)
            sys.exit(getattr(exc, "exit_code", 130))
        except BrokenPipeError:
            raise  # the reader left (`| head`): click's main ends quietly, as a shell tool does
        except CmlReportError as exc:
            if debug:
                _print_traceback()
            click.echo(f"cmlreport: error: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:
            if debug:
                _print_traceback()
            first = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(
                f"cmlreport: internal error: {type(exc).__name__}: {first} "
                "(this is a bug; rerun with --debug and report the traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)


def _print_traceback() -> None:
    import traceback

    # Masked like every other line by the guarded stderr: a token can sit in an exception
    # message or a URL, in the exception or in any it was raised from.
    click.echo(traceback.format_exc(), err=True, nl=False)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cmlreport")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """Metrics and plots in, a markdown report on your pull/merge request out.

    \b
    Exit codes:
      0  ok
      1  a gate failed (the report is still written)
      2  usage or input error (bad file, flag, key or revision)
      3  forge or cloud error after retries
      4  internal error (a bug)
      130, 143  interrupted by SIGINT, SIGTERM (runner launch ends what it started first)
    """
