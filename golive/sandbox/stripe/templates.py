"""The Stripe sandbox's object templates: the fields of Stripe's own example of each
resource (a contract test compares them with Stripe's fixtures), and the constants every
layer of the sandbox shares.
"""

from __future__ import annotations

from typing import Any

MODES = ("live", "test")
DEFAULT_API_VERSION = "2026-10-28.endive"
ACCOUNT_ID = "acct_1GoLiveSandbox0"
DOCS_URL = "https://stripe.com/docs"
JsonObject = dict[str, Any]


# -- object templates: the fields of Stripe's own example of each resource -------------


def _address() -> JsonObject:
    return dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))


def _requirements() -> JsonObject:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }


def _list(url: str, data: list[JsonObject] | None = None) -> JsonObject:
    return {"object": "list", "data": data or [], "has_more": False, "url": url}


def account_template() -> JsonObject:
    """A Standard account that can take payments."""
    return {
        "id": ACCOUNT_ID,
        "object": "account",
        "business_profile": {
            "annual_revenue": {"amount": None, "currency": None, "fiscal_year_end": None},
            "estimated_worker_count": None,
            "mcc": "5734",
            "minority_owned_business_designation": None,
            "name": "golive sandbox",
            "product_description": "Software as a service",
            "support_address": _address(),
            "support_email": "support@example.com",
            "support_phone": None,
            "support_url": None,
            "url": "https://example.com",
        },
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True,
        "controller": {"type": "account"},
        "country": "US",
        "created": 1_700_000_000,
        "default_currency": "usd",
        "details_submitted": True,
        "email": "owner@example.com",
        "external_accounts": _list(f"/v1/accounts/{ACCOUNT_ID}/external_accounts"),
        "future_requirements": _requirements(),
        "metadata": {},
        "payouts_enabled": True,
        "requirements": _requirements(),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {
                "icon": None,
                "logo": None,
                "primary_color": None,
                "secondary_color": None,
            },
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": True},
                "statement_descriptor_prefix": "GOLIVE",
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": "golive sandbox", "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {
                "statement_descriptor": "GOLIVE SANDBOX",
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": 1_700_000_000, "ip": "192.0.2.1", "user_agent": None},
        "type": "standard",
    }


def balance_template() -> JsonObject:
    return {
        "object": "balance",
        "available": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
        "connect_reserved": [{"amount": 0, "currency": "usd"}],
        "livemode": False,
        "pending": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
    }


def product_template() -> JsonObject:
    return {
        "id": "",
        "object": "product",
        "active": True,
        "created": 0,
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": "Plan",
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": 0,
        "url": None,
    }


def price_template() -> JsonObject:
    """A monthly recurring price."""
    return {
        "id": "",
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": 0,
        "currency": "usd",
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": "",
        "recurring": {
            "interval": "month",
            "interval_count": 1,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": 1000,
        "unit_amount_decimal": None,
    }


def webhook_endpoint_template() -> JsonObject:
    return {
        "id": "",
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": 0,
        "description": None,
        "enabled_events": [],
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": "",
    }


def event_template() -> JsonObject:
    return {
        "id": "",
        "object": "event",
        "api_version": DEFAULT_API_VERSION,
        "created": 0,
        "data": {"object": {}},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": "invoice.payment_succeeded",
    }


def charge_template() -> JsonObject:
    """A succeeded card charge."""
    return {
        "id": "",
        "object": "charge",
        "amount": 1000,
        "amount_captured": 1000,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": {
            "address": _address(),
            "email": None,
            "name": None,
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "GOLIVE SANDBOX",
        "captured": True,
        "created": 0,
        "currency": "usd",
        "customer": None,
        "description": None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": None,
        "payment_method": None,
        "payment_method_details": {
            "card": {
                "amount_authorized": 1000,
                "authorization_code": None,
                "brand": "visa",
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "pass",
                },
                "country": "US",
                "exp_month": 12,
                "exp_year": 2034,
                "extended_authorization": {"status": "disabled"},
                "fingerprint": "GoLiveSandboxFp0",
                "funding": "credit",
                "incremental_authorization": {"status": "unavailable"},
                "installments": None,
                "last4": "4242",
                "mandate": None,
                "multicapture": {"status": "unavailable"},
                "network": "visa",
                "network_token": {"used": False},
                "network_transaction_id": None,
                "overcapture": {"maximum_amount_capturable": 1000, "status": "unavailable"},
                "regulated_status": "unregulated",
                "three_d_secure": None,
                "transaction_link_id": None,
                "wallet": None,
            },
            "type": "card",
        },
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": None,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer_data": None,
        "transfer_group": None,
    }


def dispute_template() -> JsonObject:
    evidence_fields = [
        *("access_activity_log", "billing_address", "cancellation_policy"),
        *("cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication"),
        *("customer_email_address", "customer_name", "customer_purchase_ip"),
        *("customer_signature", "duplicate_charge_documentation"),
        *("duplicate_charge_explanation", "duplicate_charge_id", "product_description"),
        *("receipt", "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation"),
        *("service_date", "service_documentation", "shipping_address", "shipping_carrier"),
        *("shipping_date", "shipping_documentation", "shipping_tracking_number"),
        *("uncategorized_file", "uncategorized_text"),
    ]
    return {
        "id": "",
        "object": "dispute",
        "amount": 1000,
        "balance_transactions": [],
        "charge": "",
        "created": 0,
        "currency": "usd",
        "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(evidence_fields), "enhanced_evidence": {}},
        "evidence_details": {
            "due_by": None,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": None,
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "case_type": "chargeback",
                "network": "visa",
                "network_reason_code": "10.4",
            },
            "type": "card",
        },
        "reason": "fraudulent",
        "status": "needs_response",
    }


def early_fraud_warning_template() -> JsonObject:
    return {
        "id": "",
        "object": "radar.early_fraud_warning",
        "actionable": True,
        "charge": "",
        "created": 0,
        "fraud_type": "unauthorized_use_of_card",
        "livemode": False,
    }
