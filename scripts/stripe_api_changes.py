"""Generate golive/data/stripe_api_changes.json: the object fields Stripe removed in each
API version since 2022, for the stripe.api_upgrade probe (checks/stripe_api_upgrade.py).

Source: a clone of github.com/stripe/openapi. Every release of that repository is an
annotated tag whose message is the changelog of the specification, in fixed phrases:

    * Add support for new value `2025-03-31.basil` on enum `WebhookEndpoint#create.api_version`
    * Remove support for `charge`, `paid`, and `subscription_details` on `Invoice`
    * Remove support for `current_period_end` and `current_period_start` on `Subscription`

The tags are read in date order; tags that change only the beta or private preview
specifications are left out. A removal on an object (not a request: `Invoice#create`
names one) belongs to the first API version that the same or a later tag adds to the
webhook endpoint's `api_version` enum: the specification changes ahead of the version
that ships the change. Versions ending in `.dashboard` are the Dashboard's, not an API's.

Stripe's changelog of the specification does not record every removal of an API
version (basil removed `Invoice.subscription`, which the specification kept as
optional), and never says where a field went. CURATED adds those, each with the page of
Stripe's upgrade guide that documents it; `now` of a generated entry comes from CURATED
too when it names the same field.

Run: python scripts/stripe_api_changes.py PATH/TO/stripe-openapi [--since 2022-01-01]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "golive" / "data" / "stripe_api_changes.json"
VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
NEW_VERSIONS = re.compile(
    r"^\* Add support for new values? (.+) on enums? .*`WebhookEndpoint#create\.api_version`"
)
REMOVED = re.compile(r"^\* Remove support for (.+?) on ((?:`[^`]+`(?:, | and |, and )?)+)$")
TICKED = re.compile(r"`([^`]+)`")
BASIL = "https://docs.stripe.com/changelog/basil"

#: removals and moves the specification's changelog does not state, from Stripe's own
#: upgrade notes (each with its page)
CURATED: list[dict[str, str]] = [
    {
        "object": "invoice",
        "field": "subscription",
        "removed_in": "2025-03-31.basil",
        "now": "invoice.parent.subscription_details.subscription",
        "source": f"{BASIL}/2025-03-31/adds-new-parent-field-to-invoicing-objects",
    },
    {
        "object": "invoice",
        "field": "subscription_details",
        "removed_in": "2025-03-31.basil",
        "now": "invoice.parent.subscription_details",
        "source": f"{BASIL}/2025-03-31/adds-new-parent-field-to-invoicing-objects",
    },
    {
        "object": "invoice",
        "field": "charge",
        "removed_in": "2025-03-31.basil",
        "now": "invoice.payments (InvoicePayment objects)",
        "source": f"{BASIL}/2025-03-31/add-support-for-multiple-partial-payments-on-invoices",
    },
    {
        "object": "invoice",
        "field": "payment_intent",
        "removed_in": "2025-03-31.basil",
        "now": "invoice.payments.data[].payment.payment_intent",
        "source": f"{BASIL}/2025-03-31/add-support-for-multiple-partial-payments-on-invoices",
    },
    {
        "object": "invoice",
        "field": "paid",
        "removed_in": "2025-03-31.basil",
        "now": "invoice.status == 'paid'",
        "source": f"{BASIL}/2025-03-31/add-support-for-multiple-partial-payments-on-invoices",
    },
    {
        "object": "subscription",
        "field": "current_period_start",
        "removed_in": "2025-03-31.basil",
        "now": "subscription.items.data[].current_period_start",
        "source": f"{BASIL}/2025-03-31/deprecate-subscription-current-period-start-and-end",
    },
    {
        "object": "subscription",
        "field": "current_period_end",
        "removed_in": "2025-03-31.basil",
        "now": "subscription.items.data[].current_period_end",
        "source": f"{BASIL}/2025-03-31/deprecate-subscription-current-period-start-and-end",
    },
    {
        "object": "invoice",
        "field": "discount",
        "removed_in": "2025-03-31.basil",
        "now": "invoice.discounts",
        "source": f"{BASIL}/2025-03-31/deprecate-legacy-discount-fields",
    },
    {
        "object": "subscription",
        "field": "discount",
        "removed_in": "2025-03-31.basil",
        "now": "subscription.discounts",
        "source": f"{BASIL}/2025-03-31/deprecate-legacy-discount-fields",
    },
]


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def object_path(ticked: str) -> tuple[str, str]:
    """`Checkout.Session.collected_information.shipping_details` -> (checkout.session,
    collected_information.shipping_details): resource segments start upper-case."""
    parts = ticked.split(".")
    resource = [p for p in parts if p[:1].isupper()]
    rest = parts[len(resource) :]
    return ".".join(snake(p) for p in resource), ".".join(rest)


def tags(repo: Path, since: str) -> list[tuple[str, str, str]]:
    """(tag, date, message) of every annotated tag since `since`, oldest first."""
    out = subprocess.run(
        [
            "git",
            f"--git-dir={repo}",
            "for-each-ref",
            "--sort=taggerdate",
            "--format=%(refname:short)%00%(taggerdate:iso-strict)%00%(contents)%00%00",
            "refs/tags",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for record in out.split("\0\0"):
        fields = record.strip("\n").split("\0")
        if len(fields) >= 3 and fields[1][:10] >= since:
            found.append((fields[0], fields[1][:10], fields[2]))
    return found


def generate(repo: Path, since: str) -> dict[str, Any]:
    pending: list[dict[str, str]] = []
    removed: list[dict[str, str]] = []
    versions: list[str] = []
    for tag, date, message in tags(repo, since):
        lines = message.splitlines()
        if lines and lines[0].startswith("This release only includes changes to the"):
            continue  # beta or private preview specifications: not what an API version serves
        for line in lines:
            if m := REMOVED.match(line.strip()):
                fields, objects = TICKED.findall(m.group(1)), TICKED.findall(m.group(2))
                for ticked in objects:
                    if "#" in ticked or not ticked[:1].isupper():
                        continue  # a request's parameter, not an object's field
                    obj, prefix = object_path(ticked)
                    for f in fields:
                        path = f"{prefix}.{f}" if prefix else f
                        pending.append({"object": obj, "field": path, "source": f"{tag} ({date})"})
        for line in lines:
            if m := NEW_VERSIONS.match(line.strip()):
                new = [v for v in TICKED.findall(m.group(1)) if VERSION.match(v)]
                new = [v for v in new if not v.endswith(".dashboard") and v not in versions]
                versions.extend(sorted(new))
                if new and pending:
                    first = sorted(new)[0]
                    removed.extend({**p, "removed_in": first} for p in pending)
                    pending = []
    curated = {(c["object"], c["field"]): c for c in CURATED}
    table: dict[tuple[str, str], dict[str, str]] = {}
    for r in removed:
        key = (r["object"], r["field"])
        if key in table:
            continue  # removed again later (a field that came back): the first removal counts
        entry = {"object": r["object"], "field": r["field"], "removed_in": r["removed_in"]}
        if key in curated and curated[key].get("now"):
            entry["now"] = curated[key]["now"]
        entry["source"] = f"github.com/stripe/openapi tag {r['source']}"
        table[key] = entry
    for key, c in curated.items():
        table.setdefault(key, dict(c))
    return {
        "about": "Object fields removed per Stripe API version; generated by "
        "scripts/stripe_api_changes.py from github.com/stripe/openapi's release tags "
        f"since {since}, plus the curated entries named there. Do not edit by hand.",
        "versions": versions,
        "removed": sorted(table.values(), key=lambda e: (e["removed_in"], e["object"], e["field"])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path, help="a clone (or bare git dir) of stripe/openapi")
    parser.add_argument("--since", default="2022-01-01")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    git_dir = args.repo / ".git" if (args.repo / ".git").exists() else args.repo
    data = generate(git_dir, args.since)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(data['removed'])} removed fields over {len(data['versions'])} versions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
