"""How http.webhook_signature reads the answers to its five variants: each pattern of
statuses has its own cause (docs/http-probes.md), and every message names each status."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .http_client import never_reached

if TYPE_CHECKING:
    import httpx

    from .http_webhook_params import WebhookParams

VARIANTS = ("signed", "forged", "unsigned", "stale", "tampered")
BAD_VARIANTS = VARIANTS[1:]


@dataclass
class Answer:
    status: int
    text: str  # the start of the body: what the app said when it refused
    response: httpx.Response | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        text = " ".join(response.text[:400].split())
        return cls(response.status_code, text[:160], response)


@dataclass
class Check:
    """One finding of the item: a name, a verdict and the message that explains it."""

    name: str
    result: Literal["pass", "fail", "error"]
    message: str
    statuses: dict[str, int] = field(default_factory=dict)

    def evidence(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "result": self.result,
            "statuses": self.statuses,
            "note": self.message,
        }


def _statuses(answers: dict[str, Answer]) -> str:
    return ", ".join(f"{name} {answers[name].status}" for name in VARIANTS if name in answers)


def _rejected_part(answer: Answer) -> str | None:
    """Which part a validation error (FastAPI's 422 detail) names: body or a header."""
    try:
        detail = json.loads(answer.text).get("detail")
    except (ValueError, AttributeError):
        detail = None
    places = set()
    if isinstance(detail, list):
        for entry in detail:
            loc = entry.get("loc") if isinstance(entry, dict) else None
            if isinstance(loc, list) and loc:
                places.add(str(loc[0]))
    if "header" in places:
        return "header"
    if "body" in places:
        return "body"
    return None


class Judge:
    """Reads the pattern of answers to the variants; every message names each status."""

    def __init__(self, var: str, secret: str, params: WebhookParams, url: str) -> None:
        self.var = var
        self.secret = secret  # already masked: str() of a ConfigValue
        self.params = params
        self.url = url

    def as_stripe_sends(self, answers: dict[str, Answer]) -> Check:
        name = "as Stripe delivers (no credentials)"
        seen = f"({_statuses(answers)})"
        statuses = {n: a.status for n, a in answers.items()}
        if all(a.status in (401, 403) for a in answers.values()):
            return Check(
                name,
                "fail",
                f"POST {self.url} refused every variant {seen}: the route demands "
                "authentication before it reads the signature; Stripe sends no Authorization "
                "header, so every real delivery fails: exempt the webhook route from login and "
                "rely on the Stripe-Signature check",
                statuses,
            )
        unreached = never_reached(
            "POST",
            self.url,
            [a.response for a in answers.values() if a.response is not None],
            setting="the item's path (or the environment's stripe.webhook_url)",
        )
        if unreached:
            # Routing answered, not a handler: nothing is known about the signature check.
            # Whether Stripe's endpoint points here is 4.1b's question, not this item's.
            return Check(name, "error", f"{unreached} {seen}", statuses)
        return self._judge(name, answers, statuses, seen, behind=False)

    def behind_login(self, answers: dict[str, Answer], who: str) -> Check:
        name = f"behind the login ({who})"
        seen = f"({_statuses(answers)})"
        statuses = {n: a.status for n, a in answers.items()}
        if all(a.status in (401, 403) for a in answers.values()):
            return Check(
                name,
                "error",
                f"with the credentials of {who} the route still refused every variant {seen}: "
                "check those credentials to test the signature check behind the login",
                statuses,
            )
        return self._judge(name, answers, statuses, seen, behind=True)

    def _judge(
        self,
        name: str,
        answers: dict[str, Answer],
        statuses: dict[str, int],
        seen: str,
        *,
        behind: bool,
    ) -> Check:
        var, event = self.var, self.params.event_type
        signed = answers["signed"]
        problems: list[str] = []
        errors: list[str] = []
        accepted = [n for n in BAD_VARIANTS if 200 <= answers[n].status < 300]
        if accepted:
            where = "behind the login, " if behind else ""
            problems.append(
                f"{where}{self._not_enforced(accepted)} {seen}: a caller who can reach the "
                "route can make the app act on events Stripe never sent"
            )
        if signed.status >= 500:
            problems.append(
                f"the correctly signed event (type {event}) got {signed.status} {seen}: the "
                "handler fails on a valid event: check the Stripe SDK version and the API "
                "version the handler expects, and that it answers 2xx to event types it does "
                "not handle (see the deployment's logs for the exception)"
            )
        elif 300 <= signed.status < 400:
            problems.append(
                f"the correctly signed event was redirected ({signed.status}) {seen}: Stripe "
                "does not follow redirects: point the endpoint at the final URL"
            )
        elif 400 <= signed.status < 500:
            problems.append(self._signed_refused(answers, seen))
        failing = [n for n in BAD_VARIANTS if answers[n].status >= 500 or answers[n].status < 400]
        failing = [n for n in failing if n not in accepted]
        if failing and not problems:
            errors.append(
                f"{', '.join(failing)} got {', '.join(str(answers[n].status) for n in failing)} "
                f"{seen}, neither accepted nor refused: the handler fails (5xx) or redirects "
                "instead of refusing; see the deployment's logs"
            )
        if problems:
            return Check(name, "fail", "; ".join(problems), statuses)
        if errors:
            return Check(name, "error", "; ".join(errors), statuses)
        refused = ", ".join(f"{n} {answers[n].status}" for n in BAD_VARIANTS)
        return Check(
            name,
            "pass",
            f"accepted the event signed with {var} (signed {signed.status}, type {event}) and "
            f"refused the others ({refused})",
            statuses,
        )

    def _not_enforced(self, accepted: list[str]) -> str:
        causes = {
            "forged": "an event signed with a made-up secret was answered 2xx: either the "
            "deployment does not verify Stripe-Signature, or it verifies but catches the "
            "verification failure and still answers 2xx (an except that logs and returns 200); "
            f"the remedy is the same: verify every event with {self.var} "
            "(stripe.Webhook.construct_event) and answer 400 when verification fails",
            "unsigned": "an event without a Stripe-Signature header was answered 2xx: the "
            "deployment does not require Stripe-Signature, or catches the failure and answers "
            "2xx: answer 400",
            "stale": f"a correctly signed event timestamped {self.params.stale_age_s // 60} "
            "minutes ago was answered 2xx: either the deployment accepts old signatures "
            "(replays), or the verification failure is caught and answered 2xx: keep the "
            "default 5-minute tolerance of construct_event and answer 400 when it fails",
            "tampered": "an event whose body was changed after signing was answered 2xx: the "
            "deployment does not verify the signature against the raw body, or catches the "
            "failure and answers 2xx: verify the bytes as received, before parsing, and answer "
            "400 when it fails",
        }
        if "forged" in accepted:  # the broadest cause covers the others
            return causes["forged"]
        return "; ".join(causes[n] for n in accepted)

    def _signed_refused(self, answers: dict[str, Answer], seen: str) -> str:
        signed = answers["signed"]
        what = f"the event signed with {self.var} ({self.secret}) was refused ({signed.status})"
        same = all(answers[n].status == signed.status for n in BAD_VARIANTS)
        said = f" (the app said: {signed.text!r})" if signed.text else ""
        if signed.status in (400, 422) and same:
            part = _rejected_part(signed)
            if part == "body":
                return (
                    f"{what} like every other variant {seen}: the app rejected the body before "
                    "verifying the signature (a validation error on the body{said}): read the "
                    "raw body and verify it first (in FastAPI take `Request` and await "
                    "request.body() instead of a body model, which is validated before the "
                    "handler runs)".replace("{said}", said)
                )
            if part == "header":
                return (
                    f"{what} like every other variant {seen}: the app rejected the "
                    f"Stripe-Signature header before verifying it{said}: accept Stripe's "
                    "header format (t=...,v1=...) and pass it to construct_event as is"
                )
            if "signature" in signed.text.lower():
                return (
                    f"{what} like the forged ones {seen}, and the app's answer names the "
                    f"signature{said}: its signature check failed on a correctly signed "
                    f"event. Either the deployment verifies with another secret than {self.var} "
                    "(set it to the signing secret of this endpoint, Developers > Webhooks, in "
                    "this mode, and redeploy), or it verifies a body other than the raw bytes "
                    "received (parsed and re-serialised JSON, a proxy or middleware that "
                    "rewrites it): pass the raw request body to construct_event"
                )
            return (
                f"{what} like every other variant {seen}{said}: either the deployment's signing "
                f"secret is not {self.var}, or the app rejects the body before verifying it "
                f"(golive sends type {self.params.event_type}; a handler should answer 2xx to "
                "types it does not handle); the deployment's logs tell which"
            )
        return (
            f"{what} {seen}{said}: either the deployment's signing secret is not {self.var} "
            "(set it to this endpoint's signing secret and redeploy) or the handler refuses "
            f"this event type ({self.params.event_type}; it should answer 2xx to types it does "
            "not handle)"
        )
