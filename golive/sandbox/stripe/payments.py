"""The Stripe sandbox's payments: payment intents, charges (the test cards' outcomes), refunds,
disputes and early fraud warnings (a moment after the charge, as on Stripe).
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Mapping

from golive.sandbox.stripe.customers import CustomerWrites
from golive.sandbox.stripe.reads import ApiError
from golive.sandbox.stripe.state import ModeStore
from golive.sandbox.stripe.templates import (
    JsonObject,
    charge_template,
    dispute_template,
    early_fraud_warning_template,
)
from golive.sandbox.stripe.write_store import (
    _amount,
    _card_declined,
    _decline_body,
    _flag,
    _id,
    _metadata,
)


class PaymentWrites(CustomerWrites):
    """Payment intents, charges, refunds, disputes and early fraud warnings."""

    def _charge(
        self,
        store: ModeStore,
        amount: int,
        currency: str,
        customer_id: str | None,
        pm: JsonObject,
        payment_intent: str,
        metadata: Mapping[str, str],
        description: str | None = None,
    ) -> JsonObject:
        """A charge by the payment method's test behaviour, with its events and effects."""
        behaviour = pm["_behaviour"]
        failed = behaviour in ("fail", "decline")
        created = self._now(customer_id)
        charge = charge_template()
        charge.update(
            {
                "id": _id("ch_"),
                "amount": amount,
                "amount_captured": 0 if failed else amount,
                "captured": not failed,
                "created": created,
                "currency": currency,
                "customer": customer_id,
                "description": description,
                "metadata": dict(metadata),
                "paid": not failed,
                "payment_intent": payment_intent,
                "payment_method": pm["id"],
                "status": "failed" if failed else "succeeded",
            }
        )
        card = charge["payment_method_details"]["card"]
        card.update({"brand": pm["card"]["brand"], "last4": pm["card"]["last4"]})
        card["amount_authorized"] = None if failed else amount
        card["fingerprint"] = pm["card"]["fingerprint"]
        charge["refunds"] = {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/charges/{charge['id']}/refunds",
        }
        if failed:
            charge["failure_code"] = "card_declined"
            charge["failure_message"] = "Your card was declined."
            charge["outcome"].update(
                {
                    "network_status": "declined_by_network",
                    "reason": "generic_decline",
                    "seller_message": "The bank did not return any further details with "
                    "this decline.",
                    "type": "issuer_declined",
                }
            )
        self._store_add(store, "charges", charge)
        self._event(store, "charge.failed" if failed else "charge.succeeded", charge, None, created)
        if behaviour == "dispute":
            self._later(self.async_delay_s, lambda: self._open_dispute(store, charge["id"]))
        elif behaviour == "efw":
            self._later(self.async_delay_s, lambda: self._open_efw(store, charge["id"]))
        return charge

    def _open_dispute(self, store: ModeStore, charge_id: str) -> None:
        charge = store.by_id["charges"][charge_id]
        dispute = dispute_template()
        now = int(time.time())
        dispute.update(
            {
                "id": _id("dp_"),
                "amount": charge["amount"],
                "charge": charge_id,
                "created": now,
                "currency": charge["currency"],
                "payment_intent": charge["payment_intent"],
                "metadata": {},
            }
        )
        dispute["evidence_details"]["due_by"] = now + 7 * 86400
        charge["disputed"] = True
        self._store_add(store, "disputes", dispute)
        self._event(store, "charge.dispute.created", dispute)

    def _open_efw(self, store: ModeStore, charge_id: str) -> None:
        charge = store.by_id["charges"][charge_id]
        efw = early_fraud_warning_template()
        efw.update(
            {
                "id": _id("issfr_"),
                "actionable": True,
                "charge": charge_id,
                "created": int(time.time()),
                "fraud_type": "made_with_stolen_card",
                "payment_intent": charge["payment_intent"],
            }
        )
        self._store_add(store, "early_fraud_warnings", efw)
        self._event(store, "radar.early_fraud_warning.created", efw)

    def _payment_method_for(
        self, p: JsonObject, customer_id: str | None, param: str = "payment_method"
    ) -> JsonObject:
        pm_id = p.get(param)
        if not pm_id:
            raise ApiError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        pm = self.objects.get("payment_methods", {}).get(pm_id)
        if pm is None:
            pm = self._new_pm(pm_id, param)
            pm["customer"] = customer_id
        return pm

    def _create_payment_intent(self, p: JsonObject, store: ModeStore) -> JsonObject:
        amount = _amount(p, "amount")
        currency = str(p.get("currency") or "")
        if not currency:
            raise ApiError(400, "Missing required param: currency.", param="currency")
        customer_id = p.get("customer")
        if customer_id:
            self._find("customers", customer_id, "customer")
        pi = self._put(
            "payment_intents",
            {
                "id": _id("pi_"),
                "object": "payment_intent",
                "amount": amount,
                "amount_received": 0,
                "capture_method": "automatic",
                "client_secret": None,
                "confirmation_method": "automatic",
                "created": int(time.time()),
                "currency": currency,
                "customer": customer_id,
                "description": p.get("description"),
                "last_payment_error": None,
                "latest_charge": None,
                "livemode": False,
                "metadata": _metadata(p),
                "payment_method": None,
                "payment_method_types": ["card"],
                "status": "requires_payment_method",
            },
        )
        pi["client_secret"] = f"{pi['id']}_secret_{secrets.token_hex(8)}"
        self._event(store, "payment_intent.created", pi)
        if p.get("payment_method"):
            pm = self._payment_method_for(p, customer_id)
            pi["payment_method"] = pm["id"]
            pi["status"] = "requires_confirmation"
            if _flag(p, "confirm"):
                charge = self._charge(
                    store, amount, currency, customer_id, pm, pi["id"], pi["metadata"]
                )
                pi["latest_charge"] = charge["id"]
                if charge["status"] == "succeeded":
                    pi["status"] = "succeeded"
                    pi["amount_received"] = amount
                    self._event(store, "payment_intent.succeeded", pi)
                else:
                    pi["status"] = "requires_payment_method"
                    pi["last_payment_error"] = _decline_body(charge["id"])
                    self._event(store, "payment_intent.payment_failed", pi)
                    raise _card_declined(charge["id"], copy.deepcopy(pi))
        return copy.deepcopy(pi)

    def _create_refund(self, p: JsonObject, store: ModeStore) -> JsonObject:
        charge_id = p.get("charge")
        if not charge_id and p.get("payment_intent"):
            pi = self._find("payment_intents", p["payment_intent"], "payment_intent")
            charge_id = pi["latest_charge"]
        if not charge_id:
            raise ApiError(
                400,
                "One of the following params should be provided for this "
                "request: payment_intent or charge.",
            )
        charge = store.by_id["charges"].get(charge_id)
        if charge is None:
            raise ApiError(
                404, f"No such charge: '{charge_id}'", code="resource_missing", param="charge"
            )
        left = charge["amount"] - charge["amount_refunded"]
        amount = _amount(p, "amount") if "amount" in p else left
        if charge["status"] != "succeeded" or amount > left or amount <= 0:
            raise ApiError(
                400,
                f"Charge {charge_id} has already been refunded."
                if left == 0
                else f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({left})",
                code="charge_already_refunded" if left == 0 else "amount_too_large",
                param="amount",
            )
        refund = self._put(
            "refunds",
            {
                "id": _id("re_"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": None,
                "charge": charge_id,
                "created": int(time.time()),
                "currency": charge["currency"],
                "destination_details": {"card": {"type": "refund"}, "type": "card"},
                "metadata": _metadata(p),
                "payment_intent": charge["payment_intent"],
                "reason": p.get("reason"),
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": "succeeded",
                "transfer_reversal": None,
            },
        )
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        self._event(store, "refund.created", refund)
        self._event(store, "charge.refunded", charge, previous)
        if charge["refunded"]:
            for efw in store.objects["early_fraud_warnings"]:
                if efw["charge"] == charge_id and efw["actionable"]:
                    efw["actionable"] = False
                    self._event(
                        store, "radar.early_fraud_warning.updated", efw, {"actionable": True}
                    )
        return copy.deepcopy(refund)

    # -- disputes ------------------------------------------------------------------------
    def _dispute(self, store: ModeStore, dispute_id: str) -> JsonObject:
        dispute = store.by_id["disputes"].get(dispute_id)
        if dispute is None:
            raise ApiError(
                404, f"No such dispute: '{dispute_id}'", code="resource_missing", param="dispute"
            )
        return dispute

    def _update_dispute(self, dispute_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        dispute = self._dispute(store, dispute_id)
        if dispute["status"] in ("won", "lost", "warning_closed"):
            raise ApiError(
                400,
                f"This dispute is already closed; its status is {dispute['status']}.",
            )
        previous: JsonObject = {}
        evidence = p.get("evidence") or {}
        if not isinstance(evidence, dict):
            raise ApiError(400, "Invalid object", param="evidence")
        for name, value in evidence.items():
            if name not in dispute["evidence"]:
                raise ApiError(
                    400, f"Received unknown parameter: evidence[{name}]", param=f"evidence[{name}]"
                )
            previous.setdefault("evidence", {})[name] = dispute["evidence"][name]
            dispute["evidence"][name] = value
        if evidence:
            dispute["evidence_details"]["has_evidence"] = True
        if "metadata" in p:
            dispute["metadata"].update(_metadata(p))
        if _flag(p, "submit"):
            previous["status"] = dispute["status"]
            dispute["status"] = "under_review"
            dispute["evidence_details"]["submission_count"] += 1
        self._event(store, "charge.dispute.updated", dispute, previous)
        return copy.deepcopy(dispute)

    def _close_dispute(self, dispute_id: str, store: ModeStore) -> JsonObject:
        dispute = self._dispute(store, dispute_id)
        previous = {"status": dispute["status"]}
        dispute["status"] = "lost"
        self._event(store, "charge.dispute.closed", dispute, previous)
        return copy.deepcopy(dispute)
