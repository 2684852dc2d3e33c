"""http.https: the public URL is https with a certificate that validates; plain http is not served.

The URL examined is the environment's `public_url` when it names one (TLS ending at a
proxy in front of the app that golive probes from inside, at `base_url`), else the base
URL. The message names which of the two it examined."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .http_client import RoutePath, reason, status_text

# -- http.https ----------------------------------------------------------------------------


class HttpsParams(ProbeParams):
    path: RoutePath = "/"
    ca_bundle: str | None = Field(
        None, description="CA file (PEM) to trust instead of the system's: private CAs."
    )
    plain_http_port: int = Field(80, ge=1, le=65535, description="Where plain HTTP is tried.")
    hsts: Literal["ignore", "warn", "require"] = Field(
        "warn", description="What a missing Strict-Transport-Security header is."
    )


def _ssl_problem(exc: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current.verify_message or str(current)
        if isinstance(current, ssl.SSLError):
            return current.reason or str(current)
        current = current.__cause__ or current.__context__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return reason(exc)
    return None


class Https(Probe[HttpsParams]):
    kind = "http.https"
    Params = HttpsParams
    summary = (
        "The public URL (else the base URL) is https with a certificate that validates, "
        "and plain http redirects to https or is refused."
    )

    def run(self, params: HttpsParams, ctx: ProbeContext) -> Outcome:
        import httpx

        public = ctx.public_url()
        base = public or ctx.base_url()
        which = "public URL" if public else "base URL"
        parts = urlsplit(base)
        evidence: dict[str, Any] = {"public_url" if public else "base_url": base}
        if parts.scheme != "https":
            hint = "" if public else " (or set public_url: when users reach it at another URL)"
            return Outcome.failed(
                f"the {which} {base} is not https: serve the deployment over HTTPS with a "
                f"valid certificate and use the https:// URL{hint}",
                **evidence,
            )
        verify: ssl.SSLContext | bool = True
        if params.ca_bundle:
            cafile = Path(params.ca_bundle)
            cafile = cafile if cafile.is_absolute() else ctx.root / cafile
            if not cafile.is_file():
                raise ProbeError(f"ca_bundle {cafile} is not a file")
            verify = ssl.create_default_context(cafile=str(cafile))
        timeout = httpx.Timeout(ctx.timeout)
        with httpx.Client(verify=verify, timeout=timeout, trust_env=False) as client:
            try:
                response = client.get(base + params.path)
            except httpx.TimeoutException:
                raise ProbeError(
                    f"GET {base}{params.path}: no answer within {ctx.timeout:g}s"
                ) from None
            except httpx.HTTPError as exc:
                problem = _ssl_problem(exc)
                if problem is None:
                    raise ProbeError(
                        f"GET {base}{params.path}: cannot connect ({reason(exc)})"
                    ) from None
                return Outcome.failed(
                    f"the certificate of {parts.hostname} does not validate or TLS fails "
                    f"({problem}): install a certificate from a public CA (or give ca_bundle "
                    "for a private one) covering this host name, with its full chain",
                    **evidence,
                )
        evidence["https_status"] = response.status_code
        if response.status_code >= 500:
            raise ProbeError(
                f"GET {base}{params.path} over HTTPS got {status_text(response)}: TLS works "
                "but the deployment fails; see its logs"
            )
        plain_ok, plain_note = self._plain(params, ctx, parts.hostname or "", evidence)
        if not plain_ok:
            return Outcome.failed(
                f"TLS is valid, but {plain_note}: redirect plain HTTP to https (301/308) or "
                "do not serve it",
                **evidence,
            )
        hsts = response.headers.get("strict-transport-security")
        evidence["hsts"] = hsts
        message = f"{base} ({which}): https with a valid certificate; plain HTTP {plain_note}"
        if hsts is None and params.hsts != "ignore":
            advice = (
                f"{message}; but no Strict-Transport-Security header: add "
                "`Strict-Transport-Security: max-age=31536000` so browsers never use http"
            )
            if params.hsts == "require":
                return Outcome.failed(advice, **evidence)
            return Outcome.warn(advice, **evidence)
        return Outcome.passed(message, **evidence)

    def _plain(
        self, params: HttpsParams, ctx: ProbeContext, host: str, evidence: dict[str, Any]
    ) -> tuple[bool, str]:
        import httpx

        netloc = host if params.plain_http_port == 80 else f"{host}:{params.plain_http_port}"
        url = f"http://{netloc}{params.path}"
        timeout = httpx.Timeout(min(ctx.timeout, 5.0))
        with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            try:
                with client.stream("GET", url) as response:
                    pass  # the status and Location say it all: the body is never read
            except httpx.ConnectError:
                evidence["plain_http"] = "refused"
                return True, f"is refused on port {params.plain_http_port}"
            except httpx.TimeoutException:
                evidence["plain_http"] = "no answer"
                return True, f"gets no answer on port {params.plain_http_port}"
            except httpx.HTTPError as exc:
                evidence["plain_http"] = type(exc).__name__
                return True, f"is not served on port {params.plain_http_port} ({reason(exc)})"
        status = response.status_code
        evidence["plain_http"] = status
        location = response.headers.get("location", "")
        if 300 <= status < 400:
            if location.startswith("https://"):
                return True, f"redirects to https ({status})"
            return False, f"{url} redirects to {location or 'nowhere'} ({status}), not https"
        if 200 <= status < 300:
            return False, f"{url} serves content over plain HTTP ({status})"
        return True, f"is refused with {status}"
