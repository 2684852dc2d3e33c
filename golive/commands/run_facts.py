"""What a report's header records about its run, found without asking the user: the
checklist's sha256, who ran it (user@host), the app's commit and whether its tree was
clean, and the Stripe account the account probe saw. Each is fail-soft: `unknown`, never
an error of the check."""

from __future__ import annotations

from pathlib import Path

from golive.core.results import ItemResult


def file_sha256(path: Path) -> str:
    """The checklist file's sha256, so that a report names exactly what it checked."""
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_operator() -> str:
    """user@host, as far as the system can tell (fail-soft: `unknown`)."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # no login name (a container without passwd entry)
        user = "unknown"
    try:
        host = socket.gethostname() or "unknown"
    except OSError:
        host = "unknown"
    return f"{user}@{host}"


def app_commit(root: Path) -> tuple[str | None, bool | None]:
    """The app repository's HEAD commit and whether its tracked files differ from it.

    Fail-soft and fast: not a git repository, no git, or slower than a few seconds all
    give (None, None), "unknown", never an error of the check.
    """
    from golive.core.git import git_or_none

    head = git_or_none(root, "rev-parse", "--verify", "HEAD")
    if head is None:
        return None, None
    status = git_or_none(root, "status", "--porcelain", "--untracked-files=no")
    commit = head.decode(errors="replace").strip() or None
    dirty = bool(status.strip()) if status is not None else None
    return commit, dirty


def stripe_account(results: list[ItemResult]) -> str | None:
    """The Stripe account id, where the account probe saw it (no extra Stripe call)."""
    for r in results:
        account = r.evidence.get("account") if r.probe == "stripe.account" else None
        if isinstance(account, str) and account.startswith("acct_"):
            return account
    return None
