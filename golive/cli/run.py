"""Commands that run the checklist: `check` and `rehearse`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from golive.cli.app import app
from golive.cli.options import (
    ChecklistOpt,
    ColorOpt,
    EnvFileOpt,
    EnvOpt,
    FormatOpt,
    OtherEnvFileOpt,
    QuietOpt,
    SelectOpt,
    TrustOpt,
    check_color,
    checklist_path,
    finite,
    pairs,
    require_env,
)


@app.command()
def check(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    env_file: EnvFileOpt = None,
    other_env_file: OtherEnvFileOpt = None,
    only: SelectOpt = None,
    skip: SelectOpt = None,
    fmt: FormatOpt = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="Probes at once (default: checklist's).")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            max=3600,
            callback=lambda v: finite(v, "--timeout"),
            help="Seconds per probe (default: checklist's).",
        ),
    ] = None,
    deadline: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            max=3600,
            help="Seconds the whole run may take; unfinished items are then error "
            "(default: the checklist's, 120).",
        ),
    ] = None,
    color: ColorOpt = "auto",
    quiet: QuietOpt = False,
    operator: Annotated[
        str | None,
        typer.Option(
            envvar="GOLIVE_OPERATOR",
            help="Who runs the check, for the report (default: user@host).",
            show_default=False,
        ),
    ] = None,
    allowed_signers: Annotated[
        Path | None,
        typer.Option(
            help="ssh-keygen's allowed_signers file: only attestations signed (golive attest "
            "--key) by a signer it allows count.",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            help="warn, skip or manual: any item (advisory too) ending so fails the run "
            "(exit 1), for a stricter gate. Repeat or comma-separate.",
            show_default=False,
        ),
    ] = None,
    trust: TrustOpt = False,
) -> None:
    """Run the checklist against one deployment and print the report.

    Exit 0 when ready, 1 when a blocking item failed, 4 when a blocking item could
    not be decided: use it as a deploy gate.
    """
    from golive.commands import output
    from golive.commands.check import CheckOptions, execute, prepare, split_selectors

    check_color(color)
    outputs = output.parse_formats(fmt or ["table"])
    checklist = checklist_path(checklist)
    options = CheckOptions(
        checklist=checklist,
        environment=require_env(env, checklist),
        env_file=env_file,
        only=tuple(split_selectors(only)),
        skip=tuple(split_selectors(skip)),
        concurrency=concurrency,
        timeout=timeout,
        deadline=deadline,
        other_env_files=tuple(pairs(other_env_file, "--other-env-file")),
        operator=operator,
        fail_on=tuple(split_selectors(fail_on)),
        allowed_signers=allowed_signers,
        trusted=trust,
    )
    loaded, planned = prepare(options)
    others = [path for _, path in options.other_env_files]
    output.refuse_inputs(outputs, output.inputs_of(loaded, [env_file, *others]))
    with output.progress(len(planned), quiet=quiet) as progress:
        done = output.Collector(progress)
        try:
            report = execute(loaded, planned, options, done)
        except KeyboardInterrupt:
            output.print_interrupted(
                checklist, loaded.checklist, options.environment, planned, done
            )
            raise
    output.write_outputs(report, outputs, color=output.use_color(color), signoff=[])
    raise typer.Exit(int(report.exit_code))


@app.command()
def rehearse(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    env_file: EnvFileOpt = None,
    only: SelectOpt = None,
    fmt: FormatOpt = None,
    deadline: Annotated[
        float | None, typer.Option(min=0.1, max=3600, help="Seconds the whole run may take.")
    ] = None,
    quiet: QuietOpt = False,
    trust: TrustOpt = False,
    color: ColorOpt = "auto",
) -> None:
    """Run the test flows (section 6) end to end in Stripe test mode, a verdict per step.

    Writes: creates customers, subscriptions and test payments (marked golive: rehearsal,
    cleaned up after). Refuses live-mode environments and live keys before sending
    anything. See docs/rehearsal.md.
    """
    from golive.commands import output
    from golive.commands.check import CheckOptions, execute, prepare, split_selectors

    path = checklist_path(checklist)
    outputs = output.parse_formats(fmt or ["table"])
    options = CheckOptions(
        checklist=path,
        environment=require_env(env, path),
        env_file=env_file,
        only=tuple(split_selectors(only)),
        deadline=deadline,
        rehearse=True,
        trusted=trust,
    )
    loaded, planned = prepare(options)
    output.refuse_inputs(outputs, output.inputs_of(loaded, [env_file]))
    with output.progress(len(planned), quiet=quiet) as progress:
        report = execute(loaded, planned, options, progress)
    output.write_outputs(report, outputs, color=output.use_color(color))
    raise typer.Exit(int(report.exit_code))
