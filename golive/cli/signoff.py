"""Sign-off commands: `attest`, `sign`, `verify`, `report` and `diff`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from golive.cli.app import app
from golive.cli.options import ChecklistOpt, ColorOpt, DiffFormatOpt, FormatOpt, checklist_path
from golive.core.errors import UsageError
from golive.core.results import ExitCode


@app.command()
def attest(
    item: Annotated[str, typer.Argument(help="The manual item's id, e.g. 9.3.")],
    env: Annotated[
        str, typer.Option("--env", "-e", help="The environment this attestation is for.")
    ],
    by: Annotated[str, typer.Option("--by", help="The person who attests (a name).")],
    checklist: ChecklistOpt = None,
    role: Annotated[
        str | None,
        typer.Option(help="The role they attest in (ops, QA, ...); some items require one."),
    ] = None,
    evidence: Annotated[
        str | None, typer.Option(help="What shows it: a text, a ticket or a URL.")
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(help="When it stops counting: a date (2025-03-01), a UTC time or 30d/12h/2w."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(help="Sign it with this SSH private key (SSHSIG), so that it proves who."),
    ] = None,
    passphrase_env: Annotated[
        str | None, typer.Option(help="A variable holding the key's passphrase.")
    ] = None,
) -> None:
    """Record that a named person confirmed a manual item for one environment.

    Appends to the attestations file (default attestations.yaml beside the checklist),
    with the item definition's sha256: later checks of that environment count the item
    as pass, until it expires or the item's definition changes.
    """
    from datetime import UTC, datetime

    from golive.engine.loader import load_checklist
    from golive.signoff.attestations import attest as record
    from golive.signoff.records import parse_expiry, show_time

    now = datetime.now(UTC).replace(microsecond=0)
    try:
        until = parse_expiry(expires, now) if expires else None
    except ValueError as exc:
        raise UsageError(f"--expires {exc}") from None
    loaded = load_checklist(checklist_path(checklist))
    done, path = record(
        loaded,
        item,
        env,
        by,
        now,
        role=role,
        evidence=evidence,
        expires=until,
        key=key,
        passphrase_env=passphrase_env,
    )
    as_role = f" as {done.role}" if done.role else ""
    until_text = f", until {show_time(done.expires)}" if done.expires else ""
    typer.echo(
        f"golive: {item} attested for {env} by {done.by}{as_role} at {show_time(done.at)}"
        f"{until_text} in {path} (item sha256 {done.item_sha256[:12]}…"
        + (f", signed with {done.key})" if done.signature else ", unsigned)")
    )


@app.command()
def sign(
    report: Annotated[Path, typer.Argument(help="The JSON report (-f json:PATH).")],
    key: Annotated[
        Path | None,
        typer.Option(help="OpenSSH private key (Ed25519 or RSA); with --payload-out, .pub."),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who signs: the principal in allowed_signers.")
    ] = None,
    role: Annotated[str | None, typer.Option(help="As what: engineer, ops, ...")] = None,
    accept_risk: Annotated[
        str | None,
        typer.Option(help="REASON: sign a report that is not ready or partial; signed too."),
    ] = None,
    passphrase_env: Annotated[
        str | None,
        typer.Option(help="Name of the variable holding the key's passphrase."),
    ] = None,
    payload_out: Annotated[
        Path | None,
        typer.Option(help="Write the bytes to sign here for ssh-keygen -Y sign, not sign."),
    ] = None,
    attach: Annotated[
        Path | None,
        typer.Option(help="Attach this signature, made by ssh-keygen -Y sign -n golive."),
    ] = None,
    payload: Annotated[
        Path | None,
        typer.Option(help="With --attach: the payload signed (default: SIG less .sig)."),
    ] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the signed report here.")
    ] = None,
) -> None:
    """Sign a JSON report with an SSH key (SSHSIG, namespace golive).

    Several people can sign one report. Not-ready or partial reports need --accept-risk.
    With ssh-agent or a hardware key: --payload-out FILE, `ssh-keygen -Y sign -n golive
    -f KEY FILE`, then --attach FILE.sig.
    """
    from golive.signoff import signing

    if attach is not None:
        message = signing.attach_signature(
            report, signature=attach, payload_file=payload, output=output_file
        )
    elif payload_out is not None:
        message = signing.write_payload(
            report,
            key=key,
            by=by,
            role=role,
            accept_risk=accept_risk,
            passphrase_env=passphrase_env,
            payload_out=payload_out,
        )
    else:
        message = signing.sign_report(
            report,
            key=key,
            by=by,
            role=role,
            accept_risk=accept_risk,
            passphrase_env=passphrase_env,
            output=output_file,
        )
    typer.echo(message, err=True)


@app.command()
def verify(
    report: Annotated[Path, typer.Argument(help="The signed JSON report.")],
    allowed_signers: Annotated[
        Path,
        typer.Option(help="ssh-keygen's allowed_signers file: who may sign, with which key."),
    ],
    extract: Annotated[
        Path | None,
        typer.Option(help="Also write each signature's payload and .sig to this folder."),
    ] = None,
    require_verdict: Annotated[
        str | None,
        typer.Option(help="The verdict the report must have (ready, not ready, ...)."),
    ] = None,
    commit: Annotated[
        str | None,
        typer.Option(help="The app commit being deployed: the report must be about it."),
    ] = None,
    max_age: Annotated[
        str | None,
        typer.Option(help="How old the run may be: 24h, 30m, 7d."),
    ] = None,
    require_role: Annotated[
        list[str] | None,
        typer.Option(help="A role that must have signed (validly, an allowed signer). Repeat."),
    ] = None,
    require_signers: Annotated[
        int | None,
        typer.Option(min=1, help="How many different allowed signers must have signed."),
    ] = None,
) -> None:
    """Check every signature of a report offline; exit 1 if any fails or none is there.

    Lists who signed, as what and when. With a policy (--require-verdict, --commit,
    --max-age, --require-role, --require-signers) exit 1 also names each requirement
    the report does not meet. --extract DIR writes what `ssh-keygen -Y verify -n golive`
    needs to check each signature without golive.
    """
    from golive.signoff import verification
    from golive.signoff.verify_policy import make_policy, verify_with_policy

    policy = make_policy(require_verdict, commit, max_age, require_role, require_signers)
    if extract is not None:
        for line in verification.extract(report, extract):
            typer.echo(line, err=True)
    lines, ok = verify_with_policy(report, allowed_signers, policy)
    for line in lines:
        typer.echo(line)
    raise typer.Exit(0 if ok else int(ExitCode.NOT_READY))


@app.command()
def report(
    report_file: Annotated[Path, typer.Argument(help="A stored JSON report (signed or not).")],
    fmt: FormatOpt = None,
    allowed_signers: Annotated[
        Path | None,
        typer.Option(help="Check the signers against this allowed_signers file too."),
    ] = None,
    color: ColorOpt = "auto",
) -> None:
    """Render a stored JSON report in any format, without re-running the checks.

    The HTML page shows the sign-off: who signed, as what, when, and whether each
    signature held when the page was made.
    """
    from golive.commands import output
    from golive.commands.export import export

    outputs = output.parse_formats(fmt or ["table"])
    output.refuse_inputs(outputs, [report_file, allowed_signers])
    export(report_file, outputs, allowed_signers, color=output.use_color(color))


@app.command()
def combine(
    staging: Annotated[Path, typer.Argument(help="The staging (test-mode) JSON report.")],
    prod: Annotated[Path, typer.Argument(help="The live environment's JSON report.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the combined report.")
    ],
) -> None:
    """One sign-off from two runs: the items a live environment does not run (traffic)
    are taken from a staging report of the same app commit and checklist, marked so.

    The combined report's verdict is computed again (the exit code is its gate, as for
    check); sign it with `golive sign`. Reports of different commits or checklists are
    refused (exit 2).
    """
    from golive.signoff.combine import combine as combine_reports
    from golive.signoff.signing import save_report

    combined, taken = combine_reports(staging, prod)
    save_report(output, combined)
    for line in taken:
        typer.echo(f"  taken from staging: {line}")
    typer.echo(
        f"wrote {output}: {combined['environment']} · verdict {combined['verdict']} "
        f"({len(taken)} item(s) taken from {staging})"
    )
    raise typer.Exit(int(combined["exit_code"]))


@app.command("diff")
def diff_(
    old: Annotated[Path, typer.Argument(help="The earlier JSON report.")],
    new: Annotated[Path, typer.Argument(help="The later JSON report.")],
    fmt: DiffFormatOpt = "text",
) -> None:
    """Compare two JSON reports; exit 1 when NEW is worse (verdict or a blocking item).

    Shows new failures, fixes, status, waiver and attestation changes, and checklist
    changes (digest, items added or removed).
    """
    import json

    from golive.signoff.diff import compare, render_text
    from golive.signoff.signing import load_report

    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: use text or json")
    result = compare(load_report(old), load_report(new))
    if fmt == "json":
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo(render_text(result, str(old), str(new)), nl=False)
    raise typer.Exit(int(ExitCode.NOT_READY) if result.worse else 0)
