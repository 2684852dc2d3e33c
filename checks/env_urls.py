"""env.public_urls: every public-URL variable the app reads is a real https address.

An app builds links, redirects and Stripe's success/cancel URLs from a variable such as
BASE_URL, APP_URL, SITE_URL, PUBLIC_URL or NEXT_PUBLIC_*_URL. In a live environment a
value left at a development default (http://localhost:3000), a private address or a
placeholder domain sends paying customers somewhere they cannot reach.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from urllib.parse import urlsplit

from pydantic import Field

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeParams

from .env import DEFAULTS_DESCRIPTION, defaults_of

DEFAULT_VARS = [
    "BASE_URL",
    "APP_URL",
    "SITE_URL",
    "PUBLIC_URL",
    "FRONTEND_URL",
    "NEXTAUTH_URL",
    "NEXT_PUBLIC_URL",
    "NEXT_PUBLIC_*_URL",
]
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
PLACEHOLDER_WORDS = ("yourapp", "your-app", "yourdomain", "your-domain", "placeholder",
                     "changeme", "change-me", "replace-me", "todo")  # fmt: skip
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".test", ".example", ".invalid",
                  ".lan", ".home.arpa")  # fmt: skip


class PublicUrlsParams(ProbeParams):
    vars: list[str] = Field(
        default_factory=lambda: list(DEFAULT_VARS),
        description="Names (globs: NEXT_PUBLIC_*_URL) of the variables holding the app's "
        "public URL; every one that is set is judged.",
    )
    defaults: dict[str, str] = Field(default_factory=dict, description=DEFAULTS_DESCRIPTION)


def url_problem(value: str) -> str | None:
    """Why `value` is not a public https URL, or None when it is one."""
    try:
        parts = urlsplit(value.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return "not an http(s) URL with a host"
    why = [] if parts.scheme == "https" else ["not https"]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        if ip.is_loopback:
            why.append("a loopback address")
        elif ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved:
            why.append("a private address, unreachable from the internet")
    elif host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        why.append("a local host name" if host != "localhost" else "localhost")
    elif "." not in host:
        why.append("a host name without a domain (an internal name)")
    elif host in PLACEHOLDER_DOMAINS or host.endswith(tuple("." + d for d in PLACEHOLDER_DOMAINS)):
        why.append("a placeholder domain")
    if any(word in value.lower() for word in PLACEHOLDER_WORDS):
        why.append("a placeholder")
    return ", ".join(why) or None


def shown_url(value: str) -> str:
    """The value with any password in it masked."""
    try:
        parts = urlsplit(value.strip())
        if parts.password:
            return value.replace(f":{parts.password}@", ":***@")
    except ValueError:
        pass
    return value.strip()


class PublicUrls(Probe[PublicUrlsParams]):
    kind = "env.public_urls"
    Params = PublicUrlsParams
    summary = (
        "Every public-URL variable the app reads (BASE_URL, APP_URL, SITE_URL, PUBLIC_URL, "
        "NEXT_PUBLIC_*_URL...) is an https URL that is not localhost, a private address or a "
        "placeholder."
    )

    def run(self, params: PublicUrlsParams, ctx: ProbeContext) -> Outcome:
        patterns = [ctx.expand(v) for v in params.vars]
        defaults = defaults_of(params.defaults, ctx)
        names = sorted(
            {
                n
                for n, _ in ctx.env.config.items()
                if any(fnmatch.fnmatchcase(n, p) for p in patterns)
            }
            | {n for n in defaults if any(fnmatch.fnmatchcase(n, p) for p in patterns)}
        )
        judged: list[str] = []
        bad: list[str] = []
        for name in names:
            value = ctx.var(name)
            if value is not None:
                raw, how = value.reveal(), f"{name} is {shown_url(value.reveal())!r}"
            elif name in defaults:
                raw = defaults[name]
                how = f"{name} is not set, so the app uses its default {shown_url(raw)!r}"
            else:
                continue
            judged.append(name)
            problem = url_problem(raw)
            if problem:
                bad.append(f"{how}: {problem}")
        if bad:
            return Outcome.failed(
                "; ".join(bad) + " (links, redirects and Stripe's return URLs built from it "
                "send customers where they cannot go)",
                variables=judged,
            )
        if not judged:
            return Outcome.skip(
                f"none of {', '.join(patterns)} is set in {ctx.env.config.origin}: nothing to "
                "judge (name the app's own variables in input public_url_vars)"
            )
        return Outcome.passed(
            f"{', '.join(judged)}: public https URL{'s' if len(judged) > 1 else ''}",
            variables=judged,
        )
