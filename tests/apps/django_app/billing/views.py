"""Checkout, portal, webhook and the staff tools."""

import time

import stripe
from django.conf import settings
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing.models import Dispute, FraudWarning, WebhookEndpoint

TIERS = {"basic", "pro"}


def health(request):
    return JsonResponse({"ok": True})


def staff_only(view):
    """Signed-in staff only: anonymous callers go to the login page, others get 403."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_POST
@csrf_exempt  # Stripe signs its requests; it has no CSRF token
def webhook(request):
    endpoint = WebhookEndpoint.objects.filter(livemode=settings.STRIPE_LIVE_MODE).first()
    if endpoint is None:
        return HttpResponse(status=500)
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature", ""), endpoint.secret
        )
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponse(status=400)
    return JsonResponse({"received": event["id"]})


@require_POST
@login_required
def checkout(request):
    key = f"checkout:{request.user.pk}:{int(time.time() // 60)}"
    count = cache.get_or_set(key, 0, 120)
    if count >= settings.CHECKOUT_LIMIT_PER_MINUTE:
        response = JsonResponse({"error": "too many checkout attempts"}, status=429)
        response["Retry-After"] = str(60 - int(time.time()) % 60)
        return response
    cache.incr(key)
    tier = request.POST.get("tier", "")
    if tier not in TIERS:
        return JsonResponse({"error": "unknown tier"}, status=400)
    return JsonResponse({"url": f"https://checkout.stripe.com/c/pay/cs_golive_{tier}"})


@require_POST
@login_required
def portal(request):
    return JsonResponse({"url": "https://billing.stripe.com/p/session/golive"})


@user_passes_test(lambda user: user.is_staff)
def disputes_page(request):
    return HttpResponse("<!doctype html><title>Disputes</title><h1>Disputes</h1>")


def _dispute(row):
    return {"id": row.stripe_id, "amount": row.amount, "status": row.status, "reason": row.reason}


def _warning(row):
    return {
        "id": row.stripe_id,
        "charge": row.charge,
        "fraud_type": row.fraud_type,
        "actionable": row.actionable,
        "status": row.status,
    }


@require_GET
@staff_only
def disputes(request):
    return JsonResponse({"data": [_dispute(d) for d in Dispute.objects.all()]})


@require_GET
@staff_only
def dispute(request, dispute_id):
    row = Dispute.objects.filter(stripe_id=dispute_id).first()
    if row is None:
        raise Http404
    return JsonResponse(_dispute(row))


@require_GET
@staff_only
def fraud_warnings(request):
    return JsonResponse({"data": [_warning(w) for w in FraudWarning.objects.all()]})


@require_GET
@staff_only
def fraud_warning(request, warning_id):
    row = FraudWarning.objects.filter(stripe_id=warning_id).first()
    if row is None:
        raise Http404
    return JsonResponse(_warning(row))


def openapi(request):
    """The API description (as drf-spectacular would publish it)."""
    return JsonResponse(OPENAPI)


_STAFF = {"security": [{"session": ["staff"]}], "tags": ["staff"]}
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "shop", "version": "1"},
    "paths": {
        "/stripe/webhook/": {"post": {"summary": "Stripe webhook"}},
        "/billing/checkout": {
            "post": {
                "summary": "Create a checkout session",
                "security": [{"session": []}],
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["tier"],
                                "properties": {
                                    "tier": {"type": "string", "enum": ["basic", "pro"]}
                                },
                            }
                        }
                    }
                },
            }
        },
        "/billing/portal": {"post": {"summary": "Billing portal", "security": [{"session": []}]}},
        "/staff/disputes": {"get": {"summary": "Disputes page", **_STAFF}},
        "/staff/api/disputes": {"get": {"summary": "List disputes", **_STAFF}},
        "/staff/api/disputes/{id}": {"get": {"summary": "A dispute", **_STAFF}},
        "/staff/api/fraud-warnings": {"get": {"summary": "Early fraud warnings", **_STAFF}},
        "/staff/api/fraud-warnings/{id}": {"get": {"summary": "A warning", **_STAFF}},
    },
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "sessionid"}}
    },
}
