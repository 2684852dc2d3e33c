"""The Stripe sandbox's customers and payment methods."""

from __future__ import annotations

import copy
import hashlib
import secrets
import time

from golive.sandbox.stripe.deliveries import Deliveries
from golive.sandbox.stripe.reads import ApiError
from golive.sandbox.stripe.state import ModeStore
from golive.sandbox.stripe.templates import JsonObject
from golive.sandbox.stripe.write_store import (
    _card_declined,
    _id,
    _metadata,
    _public,
)

#: what a test token does when it pays: succeed, fail, then dispute or warn
TEST_CARDS: dict[str, tuple[str, str, str]] = {
    # token: (brand, last4, behaviour)
    "pm_card_visa": ("visa", "4242", "succeed"),
    "pm_card_mastercard": ("mastercard", "4444", "succeed"),
    "pm_card_chargeCustomerFail": ("visa", "0341", "fail"),
    "pm_card_chargeDeclined": ("visa", "0002", "decline"),
    "pm_card_createDispute": ("visa", "0259", "dispute"),
    "pm_card_createIssuerFraudRecord": ("visa", "5423", "efw"),
}


class CustomerWrites(Deliveries):
    """Customers and payment methods (Stripe's test tokens attach as new `pm_` objects)."""

    def _create_customer(self, p: JsonObject, store: ModeStore) -> JsonObject:
        clock = p.get("test_clock")
        if clock is not None:
            self._find("test_clocks", clock, "test_clock")
        customer = self._put(
            "customers",
            {
                "id": _id("cus_"),
                "object": "customer",
                "address": None,
                "balance": 0,
                "created": int(time.time()),
                "currency": None,
                "default_source": None,
                "delinquent": False,
                "description": p.get("description"),
                "email": p.get("email"),
                "invoice_prefix": secrets.token_hex(4).upper(),
                "invoice_settings": {
                    "custom_fields": None,
                    "default_payment_method": None,
                    "footer": None,
                    "rendering_options": None,
                },
                "livemode": False,
                "metadata": _metadata(p),
                "name": p.get("name"),
                "phone": None,
                "preferred_locales": [],
                "shipping": None,
                "tax_exempt": "none",
                "test_clock": clock,
            },
        )
        if p.get("payment_method"):
            self._attach(p["payment_method"], {"customer": customer["id"]}, store)
        if isinstance(p.get("invoice_settings"), dict):
            self._update_customer(
                customer["id"], {"invoice_settings": p["invoice_settings"]}, store
            )
        self._event(store, "customer.created", customer)
        return copy.deepcopy(customer)

    def _update_customer(self, customer_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        customer = self._find("customers", customer_id)
        previous: JsonObject = {}
        for name in ("email", "name", "description"):
            if name in p:
                previous[name] = customer[name]
                customer[name] = p[name] or None
        if "metadata" in p:
            previous["metadata"] = dict(customer["metadata"])
            customer["metadata"].update(_metadata(p))
        settings = p.get("invoice_settings")
        if isinstance(settings, dict) and "default_payment_method" in settings:
            pm_id = settings["default_payment_method"] or None
            if pm_id is not None:
                pm = self._resolve_pm(pm_id, "invoice_settings[default_payment_method]")
                if pm["customer"] != customer_id:
                    raise ApiError(
                        400,
                        f"The customer does not have a payment method with the ID {pm_id}. The "
                        "payment method must be attached to the customer.",
                        param="invoice_settings[default_payment_method]",
                    )
            previous["invoice_settings"] = copy.deepcopy(customer["invoice_settings"])
            customer["invoice_settings"]["default_payment_method"] = pm_id
        self._event(store, "customer.updated", customer, previous)
        return copy.deepcopy(customer)

    def _resolve_pm(self, pm_id: str, param: str) -> JsonObject:
        pm = self.objects.get("payment_methods", {}).get(pm_id)
        if pm is None:
            raise ApiError(
                404, f"No such PaymentMethod: '{pm_id}'", code="resource_missing", param=param
            )
        return pm

    def _new_pm(self, token: str, param: str) -> JsonObject:
        if token not in TEST_CARDS:
            raise ApiError(
                404, f"No such PaymentMethod: '{token}'", code="resource_missing", param=param
            )
        brand, last4, behaviour = TEST_CARDS[token]
        return self._put(
            "payment_methods",
            {
                "id": _id("pm_"),
                "object": "payment_method",
                "allow_redisplay": "unspecified",
                "billing_details": {
                    "address": dict.fromkeys(
                        ("city", "country", "line1", "line2", "postal_code", "state")
                    ),
                    "email": None,
                    "name": None,
                    "phone": None,
                    "tax_id": None,
                },
                "card": {
                    "brand": brand,
                    "checks": {
                        "address_line1_check": None,
                        "address_postal_code_check": None,
                        "cvc_check": "unchecked",
                    },
                    "country": "US",
                    "display_brand": brand,
                    "exp_month": 12,
                    "exp_year": 2034,
                    "fingerprint": hashlib.sha256(token.encode()).hexdigest()[:16],
                    "funding": "credit",
                    "generated_from": None,
                    "last4": last4,
                    "networks": {"available": [brand], "preferred": None},
                    "regulated_status": "unregulated",
                    "three_d_secure_usage": {"supported": True},
                    "wallet": None,
                },
                "created": int(time.time()),
                "customer": None,
                "livemode": False,
                "metadata": {},
                "type": "card",
                "_behaviour": behaviour,
            },
        )

    def _attach(self, pm_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        customer_id = p.get("customer")
        if not customer_id:
            raise ApiError(400, "Missing required param: customer.", param="customer")
        self._find("customers", customer_id, "customer")
        pm = self.objects.get("payment_methods", {}).get(pm_id) or self._new_pm(pm_id, "id")
        if pm["_behaviour"] == "decline":
            raise _card_declined(None)
        pm["customer"] = customer_id
        self._event(store, "payment_method.attached", _public(pm))
        return _public(pm)

    def _detach(self, pm_id: str, store: ModeStore) -> JsonObject:
        pm = self._resolve_pm(pm_id, "id")
        pm["customer"] = None
        self._event(store, "payment_method.detached", _public(pm))
        return _public(pm)
