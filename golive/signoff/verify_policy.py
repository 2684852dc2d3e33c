"""`golive verify`'s policy: what a signed report must also say before a deploy relies on it.

Valid signatures prove who signed which content, not that the content is the sign-off a
deploy needs: a validly signed NOT READY report, a report about another commit or one
from last month verify all the same. A policy names each requirement; every unmet one is
listed (exit 1), so that a CI job fails with the reason rather than a bare "no".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from golive.core.errors import UsageError

#: verdicts a report can have (docs/report-json.md)
VERDICTS = ("ready", "not ready", "inconclusive", "partial")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: how far a report's time may lie in the future (clock skew between machines)
SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Policy:
    """The requirements of `golive verify --require-verdict ... --commit ... ...`."""

    verdict: str | None = None
    commit: str | None = None
    max_age: timedelta | None = None
    roles: tuple[str, ...] = ()
    signers: int = 0

    @property
    def empty(self) -> bool:
        return not (self.verdict or self.commit or self.max_age or self.roles or self.signers)


def parse_age(text: str) -> timedelta:
    """`24h`, `30m`, `7d`, `1w`, `90s` -> a duration; anything else is exit 2."""
    match = _AGE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"--max-age {text!r}: give a duration such as 24h, 30m, 7d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def make_policy(
    verdict: str | None,
    commit: str | None,
    max_age: str | None,
    roles: list[str] | None,
    signers: int | None,
) -> Policy:
    """The policy from the command line's options; bad values are exit 2."""
    if verdict is not None:
        verdict = verdict.strip().lower().replace("_", " ").replace("-", " ")
        if verdict not in VERDICTS:
            raise UsageError(f"--require-verdict {verdict!r}: choose from {', '.join(VERDICTS)}")
    if commit is not None and not re.fullmatch(r"[0-9a-fA-F]{7,64}", commit.strip()):
        raise UsageError(f"--commit {commit!r}: give the commit's hash (7 to 64 hex digits)")
    return Policy(
        verdict=verdict,
        commit=commit.strip().lower() if commit else None,
        max_age=parse_age(max_age) if max_age is not None else None,
        roles=tuple(r.strip() for r in roles or () if r.strip()),
        signers=signers or 0,
    )


def unmet(
    report: dict[str, Any], valid: list[tuple[str, str]], policy: Policy, now: datetime
) -> list[str]:
    """Each requirement the report does not meet, as a sentence; [] when all hold.

    `valid` is (principal, role) of each signature that is valid and allowed: only those
    count towards roles and signers.
    """
    from golive.reporters.json import report_from_dict

    problems: list[str] = []
    if policy.verdict is not None:
        stated = str(report.get("verdict", ""))
        computed = report_from_dict(report).verdict
        if stated != policy.verdict:
            problems.append(
                f"verdict: the report says {stated or 'nothing'!r}, not {policy.verdict!r}"
            )
        elif computed != stated:
            problems.append(
                f"verdict: the report says {stated!r}, but its results give {computed!r}"
            )
    if policy.commit is not None:
        app = report.get("app") or {}
        commit = str(app.get("commit") or "").lower()
        if not commit:
            problems.append(
                f"commit: the report names no app commit (the run was not in a git "
                f"checkout), so it cannot be tied to {policy.commit}"
            )
        elif not (commit.startswith(policy.commit) or policy.commit.startswith(commit)):
            problems.append(f"commit: the report is about {commit[:12]}, not {policy.commit}")
        elif app.get("dirty") is not False:
            problems.append(
                f"commit: the run's checkout of {commit[:12]} had uncommitted changes "
                "(app.dirty), so it is not exactly that commit"
            )
    if policy.max_age is not None:
        problems.extend(_age(report, policy.max_age, now))
    signed_roles = {r for _, r in valid}
    problems.extend(
        f"role: no valid signature by an allowed signer as {role!r}"
        for role in policy.roles
        if role not in signed_roles
    )
    people = {by for by, _ in valid}
    if policy.signers and len(people) < policy.signers:
        problems.append(
            f"signers: {len(people)} allowed signer(s) with a valid signature, "
            f"{policy.signers} required"
        )
    return problems


def _age(report: dict[str, Any], max_age: timedelta, now: datetime) -> list[str]:
    stamp = str(report.get("finished_at") or report.get("started_at") or "")
    try:
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return [f"age: the report's time {stamp!r} is not YYYY-MM-DDTHH:MM:SSZ"]
    age = now - when
    if age < -SKEW:
        return [f"age: the report is dated {stamp}, in the future"]
    if age > max_age:
        return [f"age: the run finished at {stamp}, {_show(age)} ago; at most {_show(max_age)}"]
    return []


def _show(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return f"{seconds / 86400:.1f}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds // 60}m"


def verify_with_policy(
    path: Path, allowed_signers: Path, policy: Policy, now: datetime | None = None
) -> tuple[list[str], bool]:
    """`golive verify`: the signatures' lines, then each unmet requirement of the policy."""
    from golive.signoff import signing, verification

    lines, ok = verification.verify_report(path, allowed_signers)
    if policy.empty:
        return lines, ok
    report = signing.load_report(path)
    allowed = verification.parse_allowed_signers(allowed_signers)
    valid = [(c.by, c.role) for c in verification.check_signatures(report, allowed) if c.ok]
    problems = unmet(report, valid, policy, now or datetime.now(UTC))
    if not problems:
        return [*lines, "policy: every requirement holds"], ok
    return [*lines, *(f"policy not met: {p}" for p in problems)], False
