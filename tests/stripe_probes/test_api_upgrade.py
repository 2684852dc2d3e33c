"""stripe.api_upgrade against the sandbox: the endpoint's API version (or the account's
default), the app's SDK pin and the fields its handlers read, in a real git repository."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

from golive.sandbox.stripe.demo import demo_state

from .stripe_helpers import WEBHOOK_URL, ContextFactory, SandboxFactory, run

NODE_HANDLER = """\
// the webhook handler
export async function onEvent(event) {
  if (event.type === "invoice.payment_succeeded") {
    const invoice = event.data.object;
    await markPaid(invoice.subscription);
  }
  if (event.type === "customer.subscription.updated") {
    const subscription = event.data.object;
    await renew(subscription.id, subscription.current_period_end);
  }
}
"""
NODE_HANDLER_BASIL = """\
export async function onEvent(event) {
  const invoice = event.data.object;
  await markPaid(invoice.parent.subscription_details.subscription);
  const item = event.data.object.items.data[0];
  await renew(item.current_period_end);
}
"""
PY_GENERIC = """\
def handle(event):
    obj = event["data"]["object"]
    return obj["current_period_end"]
"""


def app_repo(tmp_path: Path, files: dict[str, str], stripe_version: str = "17.7.0") -> Path:
    repo = tmp_path / "app"
    repo.mkdir()
    lock = {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"stripe": f"^{stripe_version}"}},
            "node_modules/stripe": {"version": stripe_version},
        },
    }
    files = {"package-lock.json": json.dumps(lock), **files}
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    return repo


def state(version: str | None, event_version: str | None = None) -> dict[str, object]:
    s = demo_state(WEBHOOK_URL)
    for mode in ("live", "test"):
        s[mode]["webhook_endpoints"][0]["api_version"] = version  # type: ignore[index]
        if event_version:
            for event in s[mode]["events"]:  # type: ignore[index]
                event["api_version"] = event_version
    return s


def test_basil_payloads_and_handlers_reading_removed_fields_fail(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(state("2025-03-31.basil"))
    repo = app_repo(tmp_path, {"src/webhook.js": NODE_HANDLER})
    ctx = dataclasses.replace(make_ctx(sandbox.url), repo=repo)
    outcome = run("stripe.api_upgrade", ctx)
    assert outcome.status.value == "fail", outcome.message
    assert (
        "handlers read invoice.subscription (src/webhook.js:5; removed in 2025-03-31.basil; "
        "now invoice.parent.subscription_details.subscription)"
    ) in outcome.message
    assert "subscription.current_period_end (src/webhook.js:9; removed in 2025-03-31.basil" in (
        outcome.message
    )
    assert "the endpoint sends 2025-03-31.basil payloads" in outcome.message
    assert {r.method for r in sandbox.requests} == {"GET"}


def test_the_same_handlers_on_an_acacia_endpoint_pass(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(state("2024-09-30.acacia"))
    repo = app_repo(tmp_path, {"src/webhook.js": NODE_HANDLER})
    outcome = run("stripe.api_upgrade", dataclasses.replace(make_ctx(sandbox.url), repo=repo))
    assert outcome.status.value == "pass", outcome.message
    assert "the endpoint sends 2024-09-30.acacia payloads" in outcome.message
    assert outcome.evidence["sdk_pins"] == [
        "stripe 17.7.0 (package-lock.json) -> 2024-09-30.acacia"
    ]


def test_an_unpinned_endpoint_follows_the_accounts_default(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(state(None, event_version="2025-03-31.basil"))
    repo = app_repo(tmp_path, {"src/webhook.js": NODE_HANDLER})
    outcome = run("stripe.api_upgrade", dataclasses.replace(make_ctx(sandbox.url), repo=repo))
    assert outcome.status.value == "fail", outcome.message
    assert "follows the account's default (2025-03-31.basil" in outcome.message


def test_basil_reads_with_an_acacia_sdk_warn_of_the_train(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(state("2025-03-31.basil"))
    repo = app_repo(tmp_path, {"src/webhook.js": NODE_HANDLER_BASIL})
    outcome = run("stripe.api_upgrade", dataclasses.replace(make_ctx(sandbox.url), repo=repo))
    assert outcome.status.value == "warn", outcome.message
    assert "another release train (stripe 17.7.0 (package-lock.json) pins 2024-09-30.acacia)" in (
        outcome.message
    )


def test_a_generic_receiver_is_a_warning_not_a_failure(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(state("2025-03-31.basil"))
    repo = app_repo(tmp_path, {"app/hooks.py": PY_GENERIC}, stripe_version="18.0.0")
    outcome = run("stripe.api_upgrade", dataclasses.replace(make_ctx(sandbox.url), repo=repo))
    assert outcome.status.value == "warn", outcome.message
    assert "may read subscription.current_period_end (app/hooks.py:3" in outcome.message


def test_no_source_is_an_error(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(state("2025-03-31.basil"))
    repo = app_repo(tmp_path, {"README.md": "nothing here"})
    outcome = run("stripe.api_upgrade", dataclasses.replace(make_ctx(sandbox.url), repo=repo))
    assert outcome.status.value == "error"
    assert "no tracked source files" in outcome.message
