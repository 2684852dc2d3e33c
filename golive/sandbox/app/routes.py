"""The reference app's routes: the route table, the OpenAPI document it serves (for `golive
init --from-openapi`), the demo disputes and the disputes page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


JsonObject = dict[str, Any]

DISPUTES: tuple[JsonObject, ...] = (
    {
        "id": "dp_1GoLiveDemo0001",
        "object": "dispute",
        "amount": 1200,
        "currency": "usd",
        "charge": "ch_1GoLiveDemo0003",
        "reason": "fraudulent",
        "status": "needs_response",
        "created": 1_760_000_000,
        "evidence_details": {"due_by": 1_760_800_000, "has_evidence": False},
    },
    {
        "id": "dp_1GoLiveDemo0002",
        "object": "dispute",
        "amount": 4900,
        "currency": "usd",
        "charge": "ch_1GoLiveDemo0004",
        "reason": "product_not_received",
        "status": "under_review",
        "created": 1_759_000_000,
        "evidence_details": {"due_by": 1_759_800_000, "has_evidence": True},
    },
)
LEAKED_HASH = "pbkdf2_sha256$600000$golivesalt$Q2hhbmdlTWVQbGVhc2VJbUFIYXNo"

DISPUTES_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stripe disputes</title></head>
<body><h1>Stripe disputes</h1>
<nav><a href="#disputes">Disputes</a> | <a href="#fraud-warnings">Fraud Warnings</a></nav>
<section id="disputes"><p>{disputes} open disputes.</p></section>
<section id="fraud-warnings"><p>Loaded from /api/stripe/fraud-warnings.</p></section>
</body></html>
"""

Route = tuple[str, "re.Pattern[str]", str]
ROUTES: tuple[Route, ...] = (
    ("POST", re.compile(r"/api/subscription/webhook"), "webhook"),
    ("POST", re.compile(r"/api/subscription/create-checkout-session"), "checkout"),
    ("POST", re.compile(r"/api/subscription/create-portal-session"), "portal"),
    ("GET", re.compile(r"/api/stripe/disputes"), "disputes"),
    ("GET", re.compile(r"/api/stripe/disputes/(?P<id>[^/]+)"), "dispute"),
    ("GET", re.compile(r"/api/stripe/fraud-warnings"), "fraud_warnings"),
    ("GET", re.compile(r"/api/stripe/fraud-warnings/(?P<id>[^/]+)"), "fraud_warning"),
    ("GET", re.compile(r"/stripe-disputes"), "disputes_page"),
    ("GET", re.compile(r"/health"), "health"),
    ("POST", re.compile(r"/api/admin/reset-rate-limits"), "reset_limits"),
    ("GET", re.compile(r"/openapi.json"), "openapi"),
)


def _operation(tag: str, summary: str, security: list[str] | None, **extra: Any) -> JsonObject:
    op: JsonObject = {
        "tags": [tag],
        "summary": summary,
        "responses": {"200": {"description": "OK"}},
    }
    if security is not None:
        op["security"] = [{"bearer": security}]
    op.update(extra)
    return op


#: The app's OpenAPI document (what FastAPI serves at /openapi.json), for `golive init
#: --from-openapi`.
OPENAPI: JsonObject = {
    "openapi": "3.1.0",
    "info": {"title": "reference deployment", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/subscription/webhook": {"post": _operation("subscription", "Stripe webhook", None)},
        "/api/subscription/create-checkout-session": {
            "post": _operation(
                "subscription",
                "Create a Checkout session",
                [],
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["tier"],
                                "properties": {
                                    "tier": {"type": "string", "enum": ["basic", "pro"]},
                                    "cycle": {"type": "string", "enum": ["monthly", "yearly"]},
                                },
                            }
                        }
                    },
                },
            )
        },
        "/api/subscription/create-portal-session": {
            "post": _operation("subscription", "Create a billing portal session", [])
        },
        "/api/stripe/disputes": {"get": _operation("admin", "List disputes", ["admin"])},
        "/api/stripe/disputes/{id}": {"get": _operation("admin", "One dispute", ["admin"])},
        "/api/stripe/fraud-warnings": {
            "get": _operation("admin", "List early fraud warnings", ["admin"])
        },
        "/api/stripe/fraud-warnings/{id}": {
            "get": _operation("admin", "One early fraud warning", ["admin"])
        },
        "/stripe-disputes": {"get": _operation("admin", "Disputes page", ["admin"])},
        "/api/admin/reset-rate-limits": {
            "post": _operation("admin", "Reset the rate limiter", ["admin"])
        },
        "/health": {"get": _operation("meta", "Health", None)},
    },
}
#: The routes the document lists: (method, path template, summary).
OPENAPI_ROUTES: tuple[tuple[str, str, str], ...] = tuple(
    (method, path, op["summary"])
    for path, ops in OPENAPI["paths"].items()
    for method, op in ops.items()
)
