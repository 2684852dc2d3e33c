"""Roles that obtain credentials (a command), public_url, and the profile models for both.

The session + CSRF login runs against the real Django app in tests/test_django_app.py."""

from __future__ import annotations

import sys

import pytest
from conftest import make_ctx
from pydantic import ValidationError

from golive.checklist.profiles import EnvironmentProfile
from golive.engine.probe import ProbeError


def test_a_command_role_gets_a_bearer_token_once_and_it_is_redacted() -> None:
    token = "tok_" + "s3cr3t" * 5
    ctx = make_ctx({}, roles={"user": {"command": [sys.executable, "-c", f"print({token!r})"]}})
    role = ctx.role("user")
    assert role.headers["Authorization"].reveal() == f"Bearer {token}"
    assert token not in str(role.headers["Authorization"])
    assert token not in ctx.redactor.text(f"the answer carried {token}")
    assert ctx.role("user") is role  # one run of the command per role per run


def test_a_command_printing_a_cookie() -> None:
    ctx = make_ctx(
        {},
        roles={
            "user": {
                "command": [sys.executable, "-c", "print('sessionid=abc123xyz789; csrftoken=t0k')"],
                "prints": "cookie",
            }
        },
    )
    cookies = ctx.role("user").cookies
    assert {k: v.reveal() for k, v in cookies.items()} == {
        "sessionid": "abc123xyz789",
        "csrftoken": "t0k",
    }


def test_a_failing_command_is_an_error_without_its_output() -> None:
    code = "import sys; print('leaked-token-value'); sys.exit(3)"
    ctx = make_ctx({}, roles={"admin": {"command": [sys.executable, "-c", code]}})
    with pytest.raises(ProbeError) as first:
        ctx.role("admin")
    assert "could not obtain credentials for admin" in str(first.value)
    assert "exited 3" in str(first.value) and "leaked-token-value" not in str(first.value)
    with pytest.raises(ProbeError) as again:  # remembered, not run again
        ctx.role("admin")
    assert str(again.value) == str(first.value)


def test_role_models_refuse_contradictions() -> None:
    with pytest.raises(ValidationError, match="bearer: null"):
        EnvironmentProfile.model_validate(
            {"mode": "live", "roles": {"u": {"bearer": "x", "login": {"path": "/l", "form": {}}}}}
        )
    with pytest.raises(ValidationError, match="exactly one of form: or json:"):
        EnvironmentProfile.model_validate(
            {"mode": "live", "roles": {"u": {"login": {"path": "/l"}}}}
        )
    with pytest.raises(ValidationError, match="kind key names live: and test:"):
        EnvironmentProfile.model_validate({"mode": "live", "mode_switch": {"kind": "key"}})


def test_public_url_is_where_stripe_must_deliver() -> None:
    from golive.checks.stripe_webhooks import expected_webhook_url

    inside = "http://10.0.0.5:8000"
    ctx = make_ctx(
        {},
        base_url=inside,
        public_url="https://shop.example/",
        stripe={"webhook_url": f"{inside}/stripe/webhook/"},
    )
    assert expected_webhook_url(ctx) == "https://shop.example/stripe/webhook/"
    # Without public_url the webhook URL stays as written.
    plain = make_ctx({}, base_url=inside, stripe={"webhook_url": f"{inside}/stripe/webhook/"})
    assert expected_webhook_url(plain) == f"{inside}/stripe/webhook/"


def test_https_probe_examines_the_public_url() -> None:
    from golive.engine.registry import load_probe

    probe = load_probe("http.https")
    ctx = make_ctx({}, base_url="https://inside.example", public_url="http://shop.example")
    out = probe.run(probe.Params.model_validate({}), ctx)
    assert out.status.value == "fail"
    assert "the public URL http://shop.example is not https" in out.message


def test_the_adapting_guides_login_examples_are_valid_roles() -> None:
    """docs/adapting.md's complete login examples (cookie by command, fixed cookies, form,
    JSON, extra headers) are roles golive accepts, so the guide cannot rot."""
    import re
    from pathlib import Path

    import yaml

    from golive.checklist.profiles import RoleCredentials

    text = (Path(__file__).parents[1] / "docs" / "adapting.md").read_text(encoding="utf-8")
    section = text[text.index("### Every kind of login") : text.index("### Form bodies")]
    roles = [
        RoleCredentials.model_validate(role)
        for block in re.findall(r"```yaml\n(.*?)```", section, re.S)
        for role in yaml.safe_load(block)["environments"]["prod"]["roles"].values()
    ]
    assert len(roles) == 5
    assert roles[0].prints == "cookie" and roles[1].cookies and roles[4].headers
    assert roles[2].login is not None and roles[2].login.form is not None
    assert roles[3].login is not None and roles[3].login.token_field == "access_token"
