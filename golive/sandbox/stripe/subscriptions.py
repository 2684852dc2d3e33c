"""The Stripe sandbox's subscriptions and invoices, renewed when a test clock advances."""

from __future__ import annotations

import copy

from golive.sandbox.stripe.payments import PaymentWrites
from golive.sandbox.stripe.reads import ApiError
from golive.sandbox.stripe.state import ModeStore
from golive.sandbox.stripe.templates import JsonObject
from golive.sandbox.stripe.write_store import (
    _card_declined,
    _flag,
    _id,
    _metadata,
    _period_seconds,
    _public,
)


class SubscriptionWrites(PaymentWrites):
    """Subscriptions, their invoices and renewals."""

    def _create_subscription(self, p: JsonObject, store: ModeStore) -> JsonObject:
        customer_id = p.get("customer")
        if not customer_id:
            raise ApiError(400, "Missing required param: customer.", param="customer")
        customer = self._find("customers", customer_id, "customer")
        items = p.get("items")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise ApiError(400, "Missing required param: items.", param="items")
        price_id = items[0].get("price")
        price = store.by_id["prices"].get(price_id or "")
        if price is None:
            raise ApiError(
                404,
                f"No such price: '{price_id}'",
                code="resource_missing",
                param="items[0][price]",
            )
        if not price["active"]:
            raise ApiError(
                400,
                "The price specified is inactive. This field only accepts active prices.",
                param="items[0][price]",
            )
        if price.get("recurring") is None:
            raise ApiError(
                400,
                "The price specified is set to `type=one_time` but this field only accepts "
                "prices with `type=recurring`.",
                param="items[0][price]",
            )
        behaviour = p.get("payment_behavior", "allow_incomplete")
        pm_id = p.get("default_payment_method")
        if pm_id:
            pm = self._resolve_pm(pm_id, "default_payment_method")
            if pm["customer"] != customer_id:
                raise ApiError(
                    400,
                    f"The customer does not have a payment method with the ID {pm_id}.",
                    param="default_payment_method",
                )
        now = self._now(customer_id)
        sub_id = _id("sub_")
        start, end = now, now + _period_seconds(price)
        sub = self._put(
            "subscriptions",
            {
                "id": sub_id,
                "object": "subscription",
                "application": None,
                "billing_cycle_anchor": now,
                "cancel_at": None,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "collection_method": "charge_automatically",
                "created": now,
                "currency": price["currency"],
                "customer": customer_id,
                "default_payment_method": pm_id or None,
                "description": None,
                "ended_at": None,
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": _id("si_"),
                            "object": "subscription_item",
                            "created": now,
                            "current_period_end": end,
                            "current_period_start": start,
                            "metadata": {},
                            "price": copy.deepcopy(price),
                            "quantity": int(items[0].get("quantity", 1)),
                            "subscription": sub_id,
                        }
                    ],
                    "has_more": False,
                    "url": f"/v1/subscription_items?subscription={sub_id}",
                },
                "latest_invoice": None,
                "livemode": False,
                "metadata": _metadata(p),
                "start_date": now,
                "status": "incomplete",
                "test_clock": customer.get("test_clock"),
            },
        )
        invoice = self._invoice(store, sub, price, "subscription_create", start, end)
        if self._pay_invoice(store, sub, invoice):
            sub["status"] = "active"
        elif behaviour == "error_if_incomplete":
            sub["status"] = "incomplete_expired"
            raise _card_declined(invoice.get("_charge"))
        self._event(store, "customer.subscription.created", sub, None, now)
        return _public(sub)

    def _invoice(
        self,
        store: ModeStore,
        sub: JsonObject,
        price: JsonObject,
        reason: str,
        start: int,
        end: int,
    ) -> JsonObject:
        customer = self._find("customers", sub["customer"])
        amount = int(price["unit_amount"] or 0) * int(sub["items"]["data"][0]["quantity"])
        number = len(self.objects.get("invoices", {})) + 1
        invoice = self._put(
            "invoices",
            {
                "id": _id("in_"),
                "object": "invoice",
                "account_country": "US",
                "amount_due": amount,
                "amount_paid": 0,
                "amount_remaining": amount,
                "attempt_count": 0,
                "attempted": False,
                "auto_advance": True,
                "billing_reason": reason,
                "collection_method": "charge_automatically",
                "created": start,
                "currency": price["currency"],
                "customer": customer["id"],
                "customer_email": customer["email"],
                "customer_name": customer["name"],
                "hosted_invoice_url": None,
                "lines": {
                    "object": "list",
                    "data": [
                        {
                            "id": _id("il_"),
                            "object": "line_item",
                            "amount": amount,
                            "currency": price["currency"],
                            "period": {"end": end, "start": start},
                            "pricing": {
                                "price_details": {
                                    "price": price["id"],
                                    "product": price["product"],
                                },
                                "type": "price_details",
                                "unit_amount_decimal": str(price["unit_amount"]),
                            },
                            "quantity": sub["items"]["data"][0]["quantity"],
                        }
                    ],
                    "has_more": False,
                    "url": "/v1/invoices/upcoming/lines",
                },
                "livemode": False,
                "metadata": {},
                "next_payment_attempt": None,
                "number": f"{customer['invoice_prefix']}-{number:04d}",
                "parent": {
                    "quote_details": None,
                    "subscription_details": {
                        "metadata": dict(sub["metadata"]),
                        "subscription": sub["id"],
                    },
                    "type": "subscription_details",
                },
                "period_end": start,
                "period_start": start,
                "status": "open",
                "subtotal": amount,
                "test_clock": sub["test_clock"],
                "total": amount,
            },
        )
        sub["latest_invoice"] = invoice["id"]
        self._event(store, "invoice.created", _public(invoice), None, start)
        self._event(store, "invoice.finalized", _public(invoice), None, start)
        return invoice

    def _pay_invoice(self, store: ModeStore, sub: JsonObject, invoice: JsonObject) -> bool:
        customer = self._find("customers", sub["customer"])
        pm_id = (
            sub["default_payment_method"] or customer["invoice_settings"]["default_payment_method"]
        )
        now = int(invoice["created"])
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        pm = self.objects.get("payment_methods", {}).get(pm_id or "")
        charge: JsonObject | None = None
        if pm is not None:
            charge = self._charge(
                store,
                invoice["amount_due"],
                invoice["currency"],
                customer["id"],
                pm,
                _id("pi_"),
                {},
                "Subscription creation"
                if invoice["billing_reason"] == "subscription_create"
                else "Subscription update",
            )
            invoice["_charge"] = charge["id"]
        if charge is not None and charge["status"] == "succeeded":
            invoice.update(
                {"amount_paid": invoice["amount_due"], "amount_remaining": 0, "status": "paid"}
            )
            self._event(store, "invoice.paid", _public(invoice), None, now)
            self._event(store, "invoice.payment_succeeded", _public(invoice), None, now)
            return True
        invoice["next_payment_attempt"] = now + 3 * 86400
        self._event(store, "invoice.payment_failed", _public(invoice), None, now)
        return False

    def _update_subscription(self, sub_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        sub = self._find("subscriptions", sub_id)
        previous: JsonObject = {}
        if "metadata" in p:
            previous["metadata"] = dict(sub["metadata"])
            sub["metadata"].update(_metadata(p))
        if "default_payment_method" in p:
            pm_id = p["default_payment_method"] or None
            if pm_id:
                self._resolve_pm(pm_id, "default_payment_method")
            previous["default_payment_method"] = sub["default_payment_method"]
            sub["default_payment_method"] = pm_id
        if "cancel_at_period_end" in p:
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            sub["cancel_at_period_end"] = _flag(p, "cancel_at_period_end")
        self._event(store, "customer.subscription.updated", sub, previous)
        return _public(sub)

    def _delete_customer(self, customer_id: str, store: ModeStore) -> JsonObject:
        # here, not with customers: deleting a customer cancels its subscriptions
        customer = self._find("customers", customer_id)
        for sub in list(self.objects.get("subscriptions", {}).values()):
            if sub["customer"] == customer_id and sub["status"] != "canceled":
                self._cancel_subscription(sub["id"], store)
        customer["deleted"] = True
        self._event(store, "customer.deleted", customer)
        return {"id": customer_id, "object": "customer", "deleted": True}

    def _cancel_subscription(self, sub_id: str, store: ModeStore) -> JsonObject:
        sub = self._find("subscriptions", sub_id)
        if sub["status"] == "canceled":
            raise ApiError(
                404,
                f"No such subscription: '{sub_id}'",
                code="resource_missing",
                param="id",
            )
        now = self._now(sub["customer"])
        sub.update({"status": "canceled", "canceled_at": now, "ended_at": now})
        self._event(store, "customer.subscription.deleted", sub, None, now)
        return _public(sub)

    def _renew(self, store: ModeStore, sub: JsonObject, frozen: int) -> None:
        """Bill every period of `sub` that ended by `frozen` (a test clock's advance)."""
        item = sub["items"]["data"][0]
        while sub["status"] in ("active", "past_due") and item["current_period_end"] <= frozen:
            start = item["current_period_end"]
            end = start + _period_seconds(item["price"])
            previous = {
                "items": copy.deepcopy(sub["items"]),
                "latest_invoice": sub["latest_invoice"],
            }
            item.update({"current_period_start": start, "current_period_end": end})
            invoice = self._invoice(store, sub, item["price"], "subscription_cycle", start, end)
            if self._pay_invoice(store, sub, invoice):
                if sub["status"] != "active":
                    previous["status"] = sub["status"]
                    sub["status"] = "active"
            else:
                previous["status"] = sub["status"]
                sub["status"] = "past_due"
            self._event(store, "customer.subscription.updated", sub, previous, start)
            if sub["status"] == "past_due":
                return
