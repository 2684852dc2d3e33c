"""golive on a Node app it has never seen (issue 14): TinyLedger (tests/apps/node_app), a
backend on Node's built-in http module with a cookie-session JWT, Stripe checkout and a
webhook route verified by the stripe npm SDK, a knex migrations table, a tracked
package-lock.json. `golive init` plus at most 10 lines of golive.yaml adapt golive to it;
healthy, it checks with no false alarm; unadapted, the report says first that the items
do not fit this app."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from golive.cli import main

pytestmark = pytest.mark.slow

APP = Path(__file__).parent / "apps" / "node_app"
NODE = shutil.which("node")
if NODE is None:
    pytest.skip("node is not installed", allow_module_level=True)
if not (APP / "node_modules" / "stripe").is_dir():
    pytest.skip(
        "the Node app's packages are not installed: run make node-apps", allow_module_level=True
    )

SESSION_SECRET = "tinyledger-session-key-for-tests-only-0123456789"
USERS = [
    {"id": "u1", "email": "alice@customer.example", "password": "alice-pw-1", "admin": False},
    {"id": "u2", "email": "bob@customer.example", "password": "bob-pw-2", "admin": False},
    {"id": "a1", "email": "ops@tinyledger.example", "password": "ops-pw-3", "admin": True},
]
WEBHOOK_SECRET = "whsec_tiny" + "0" * 24
#: the API version of the stripe npm release package-lock.json pins (17.7.0), the app's
#: endpoint is pinned to it, as a team keeps SDK and endpoint on one release train
API_VERSION = "2025-02-24.acacia"

#: What golive.yaml adds to what init wrote: the opt-in to send bursts and POSTs to a live
#: profile, a protected route for the forged-token item (the app has no dispute API, the
#: packaged item's route), and the checkout field a client could put a price id in (the
#: healthy app ignores it; H.11 tells ignoring from using).
OVERRIDES = """\
environments: {prod: {allow_traffic: true}}
override: {"H.9": {probe: {path: /api/account, role: user}}}
inputs: {checkout_price_field: price}
"""

#: The findings the deployment really has as the test serves it, and why.
EXPECTED = {
    # Plain http on 127.0.0.1, and the Stripe endpoint points there: in live mode both
    # are real defects.
    "4.1b": ("fail", "not https"),
    "H.5": ("fail", "is not https"),
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _database(path: Path, repo: Path, *, applied: int | None = None) -> None:
    """The deployment's database as knex would leave it: the tables of the migrations
    and knex's own `knex_migrations` table listing the applied ones."""
    migrations = sorted(p.name for p in (repo / "migrations").glob("*.js"))
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE knex_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255),
                batch INTEGER, migration_time DATETIME);
            CREATE TABLE users (id VARCHAR(255) PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE,
                password_hash VARCHAR(255) NOT NULL);
            CREATE TABLE plans (tier VARCHAR(255) PRIMARY KEY, is_active BOOLEAN NOT NULL DEFAULT 1);
            CREATE TABLE subscriptions (id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id VARCHAR(255) NOT NULL, stripe_customer_id VARCHAR(255),
                stripe_subscription_id VARCHAR(255), status VARCHAR(255),
                is_active BOOLEAN NOT NULL DEFAULT 0);
            INSERT INTO plans VALUES ('BASIC', 1), ('PRO', 1);
            """
        )
        conn.executemany(
            "INSERT INTO knex_migrations (name, batch, migration_time) VALUES (?, 1, '2024-03-01')",
            [(name,) for name in migrations[: applied if applied is not None else len(migrations)]],
        )


def _prices(mode: str) -> str:
    from golive.sandbox.stripe.demo import demo_mapping

    return demo_mapping(mode)


class NodeApp:
    """TinyLedger running on 127.0.0.1 with the environment given."""

    def __init__(self, repo: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [str(NODE), "server.js"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            pytest.fail(f"the Node app did not start: {line}{self.proc.stdout.read()}")
        self.url = f"http://127.0.0.1:{int(line.split()[-1])}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(db: Path, sandbox_url: str, port: int, **extra: str) -> dict[str, str]:

    return {
        "PATH": os.environ.get("PATH", ""),
        "PORT": str(port),
        "SESSION_SECRET": SESSION_SECRET,
        "APP_USERS": json.dumps(USERS),
        # The sandbox serves writes in test mode only, so the app's own Stripe calls
        # (checkout) use a test key and test prices; golive reads the live ones (_values).
        "STRIPE_SECRET_KEY": "sk_test_tiny" + "1" * 24,
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_API_VERSION": API_VERSION,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "BILLING_PRICES": _prices("test"),
        "APP_URL": "https://app.tinyledger.io",
        "DATABASE_URL": f"sqlite:///{db}",
        **extra,
    }


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The app's repository (a git repo; its packages are the ones `make node-apps`
    installed), its database, a Stripe sandbox whose endpoint points at the app, and a
    function starting the app (break switches as keyword arguments)."""
    from golive.sandbox.stripe.demo import demo_state
    from golive.sandbox.stripe.server import StripeSandbox

    repo = tmp_path / "tinyledger"
    shutil.copytree(APP, repo, ignore=shutil.ignore_patterns("node_modules"))
    (repo / "node_modules").symlink_to(APP / "node_modules")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "tinyledger")
    db = tmp_path / "data" / "tiny.db"
    db.parent.mkdir()
    _database(db, repo)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started: list[NodeApp] = []
    with StripeSandbox(demo_state(f"{url}/hooks/stripe", api_version=API_VERSION)) as sandbox:

        def start(**switches: str) -> NodeApp:
            for app in started:
                app.stop()
            started.clear()
            started.append(NodeApp(repo, app_env(db, sandbox.url, port, **switches)))
            return started[0]

        try:
            start()
            yield {
                "repo": repo,
                "url": url,
                "db": db,
                "sandbox": sandbox,
                "start": start,
                "env": app_env(db, sandbox.url, port),
            }
        finally:
            for app in started:
                app.stop()


def _login(url: str, email: str, password: str) -> httpx.Cookies:
    answer = httpx.post(f"{url}/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.cookies


def _signed(payload: bytes, secret: str) -> str:
    import hashlib
    import hmac
    import time

    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def test_the_app_is_what_the_test_says(tiny: dict[str, Any]) -> None:
    """Not vacuous: the app logs in, verifies, limits and refuses as the check will find."""
    url = tiny["url"]
    alice = _login(url, "alice@customer.example", "alice-pw-1")
    assert (
        httpx.get(f"{url}/api/account", cookies=alice).json()["email"] == "alice@customer.example"
    )
    assert "password_hash" not in httpx.get(f"{url}/api/account", cookies=alice).text
    assert httpx.get(f"{url}/api/account").status_code == 401
    forged = alice["tl_session"].rsplit(".", 1)[0] + ".AAAA"
    assert httpx.get(f"{url}/api/account", cookies={"tl_session": forged}).status_code == 401
    codes = [
        httpx.post(
            f"{url}/api/billing/subscribe", json={"plan": "basic"}, cookies=alice
        ).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
    bob = _login(url, "bob@customer.example", "bob-pw-2")
    unknown = httpx.post(
        f"{url}/api/billing/subscribe", json={"plan": "pro", "price": "price_x"}, cookies=bob
    )
    assert unknown.status_code == 200  # the plan decides, the client's price is ignored
    event = json.dumps(
        {"id": "evt_1", "object": "event", "type": "ping", "data": {"object": {}}}
    ).encode()
    hook = f"{url}/hooks/stripe"
    assert (
        httpx.post(hook, content=event, headers={"Stripe-Signature": "t=1,v1=00"}).status_code
        == 400
    )
    good = httpx.post(
        hook, content=event, headers={"Stripe-Signature": _signed(event, WEBHOOK_SECRET)}
    )
    assert good.status_code == 200, good.text
    # the break switches are real
    tiny["start"](BREAK_FORGED_SESSION="1", BREAK_PASSWORD_HASH="1")
    assert httpx.get(f"{url}/api/account", cookies={"tl_session": forged}).status_code == 200
    assert "scrypt$" in httpx.get(f"{url}/api/account", cookies=alice).text


#: what init is told: where prices and tables are, and that there is no staging or test
#: deployment; the rest it finds in the OpenAPI document, the env file and the database
INIT = [
    "init",
    "--yes",
    "--price-mapping-var",
    "BILLING_PRICES",
    "--tables",
    "plans=plans,subscriptions=subscriptions",
    "--without",
    "staging",
    "--without",
    "test",
]


def _values(tiny: dict[str, Any]) -> dict[str, str]:
    env = tiny["env"]
    values = {
        k: env[k]
        for k in (
            "STRIPE_API_BASE",
            "STRIPE_API_VERSION",
            "STRIPE_WEBHOOK_SECRET",
            "APP_URL",
            "DATABASE_URL",
        )
    }
    values |= {"STRIPE_SECRET_KEY": "sk_live_tiny" + "1" * 24, "BILLING_PRICES": _prices("live")}
    for role, user in zip(("USER", "OTHER_USER", "ADMIN"), USERS, strict=True):
        values[f"GOLIVE_{role}_USERNAME"] = user["email"]
        values[f"GOLIVE_{role}_PASSWORD"] = user["password"]
    return values


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def adapt(tiny: dict[str, Any], capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[str, str]:
    """`golive init` for the app plus OVERRIDES; what init printed, and wrote."""
    url = tiny["url"]
    env_file = _env_file(tiny, _values(tiny))
    code = main(
        [
            *INIT,
            "--from-openapi",
            f"{url}/openapi.json",
            "--base-url",
            url,
            "--env-file",
            str(env_file),
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert len(OVERRIDES.splitlines()) <= 10
    path = tiny["repo"] / "golive.yaml"
    written = path.read_text(encoding="utf-8")
    profile = yaml.safe_load(written)
    _merge(profile, yaml.safe_load(OVERRIDES))
    path.write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    return out, written


def _env_file(tiny: dict[str, Any], values: dict[str, str]) -> Path:
    env_file = tiny["repo"].parent / "prod.env"  # never in the app's repository
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return env_file


def check(tiny: dict[str, Any], values: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    env_file = _env_file(tiny, values)
    report_path = tiny["repo"].parent / "report.json"
    code = main(
        [
            "check",
            "--env",
            "prod",
            "--env-file",
            str(env_file),
            "-q",
            "-f",
            f"json:{report_path}",
            *args,
        ]
    )
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return code, report


def test_init_plus_ten_lines_checks_with_no_false_alarm(
    tiny: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tiny["repo"])
    out, written = adapt(tiny, capsys)
    for name, route in (
        ("webhook_path", "/hooks/stripe"),
        ("checkout_path", "/api/billing/subscribe"),
        ("user_routes", ["/api/account"]),
    ):
        assert f"guessed {name} = {route!r}" in out
    # what the app lacks, found from its OpenAPI document, with the reason
    for feature in ("dispute_tools", "fraud_tools", "billing_portal"):
        assert f"without {feature}: the OpenAPI document has no route for" in out
    assert "without mode_switch: STRIPE_MODE is not set in prod.env" in out
    assert "without admin_emails: neither ADMIN_EMAILS nor ADMIN_EMAIL_DOMAIN is set" in out
    assert "without usage_tables: the database has none of api_usage_logs, usage_summaries" in out
    assert "without plans_table" not in out  # it has one: plans
    # the migration tool from its table in the database, its files from the repository
    assert (
        "migration tool knex: the database has knex_migrations; knex migration files in "
        "migrations/" in out
    ), out
    assert (
        "without: [staging, test, billing_portal, dispute_tools, fraud_tools, mode_switch, "
        "admin_emails, usage_tables]\n" in written
    ), written
    code, report = check(tiny, _values(tiny))
    results = {r["id"]: r for r in report["results"]}
    assert code == 1  # the expected findings are blocking
    assert not report["notices"], report["notices"]  # adapted: no "do not fit" notice
    alarms = []
    for item_id, result in results.items():
        status, message = result["status"], result["message"]
        if item_id in EXPECTED:
            want, words = EXPECTED[item_id]
            if status != want or words not in message:
                alarms.append(f"{item_id}: expected {want} ({words}), got {status}: {message}")
        elif status not in ("pass", "skip", "manual"):
            alarms.append(f"{item_id}: {status}: {message}")
    assert not alarms, "\n".join(alarms)
    # Skips say why.
    for item_id, feature in (
        ("5.1b", "dispute_tools"),
        ("6.2", "billing_portal"),
        ("3.1c", "fraud_tools"),
        ("1.2c", "mode_switch"),
    ):
        assert results[item_id]["status"] == "skip", results[item_id]
        assert f"the app has no {feature} (golive.yaml without:)" in results[item_id]["message"]
    # Not vacuous: the app's own routes, tables, prices and lockfile were examined and passed.
    for item_id in (
        "1.2a",
        "1.2b",
        "1.2d",
        "2.1a",
        "2.2a",
        "2.2d",
        "2.3b",
        "3.1a.columns",
        "4.1a",
        "4.3a",
        "3.2b",
        "7.1a",
        "H.3",
        "H.9",
        "H.10",
        "H.11",
        "H.12",
    ):
        assert results[item_id]["status"] == "pass", (item_id, results[item_id]["message"])
    assert "/api/billing/subscribe" in results["7.1a"]["message"]
    # prod-only: the database is judged against the repository's migration files
    assert "judged against the repository's migrations" in results["3.2b"]["message"]
    assert "ignores price" in results["H.11"]["message"]  # the plan decides the price


def test_an_unadapted_run_says_the_items_do_not_fit(
    tiny: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tiny["repo"])
    values = {
        **_values(tiny),
        "GOLIVE_BASE_URL": tiny["url"],
        "GOLIVE_USER_TOKEN": "x",
        "GOLIVE_OTHER_USER_TOKEN": "y",
        "GOLIVE_ADMIN_TOKEN": "z",
    }
    env_file = tiny["repo"].parent / "prod.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    code = main(["check", "--env", "prod", "--env-file", str(env_file)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("items do not fit this app: run golive init") == 1
    assert out.index("do not fit this app") < out.index("1 Configuration")
    assert "got 404, expected" not in out  # not one finding per route


def _plant_debug_config(tiny: dict[str, Any], values: dict[str, str]) -> None:
    config = tiny["repo"] / "config.js"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("debug: process.env.TINYLEDGER_DEBUG === 'true',", "debug: true,"), "utf-8"
    )
    _git(tiny["repo"], "commit", "-q", "-am", "debug on")


def _plant_localhost_url(tiny: dict[str, Any], values: dict[str, str]) -> None:
    values["APP_URL"] = "http://localhost:3000"


def _switch(name: str) -> Any:
    """Restart the app with one of its break switches on."""

    def plant(tiny: dict[str, Any], values: dict[str, str]) -> None:
        tiny["start"](**{name: "1"})

    return plant


def _plant_unapplied_migration(tiny: dict[str, Any], values: dict[str, str]) -> None:
    """A migration committed to the repository that the database has not run."""
    (tiny["repo"] / "migrations" / "20240320100000_invoices.js").write_text(
        "exports.up = (knex) => knex.schema.createTable('invoices', (t) => {\n"
        "  t.increments('id');\n  t.string('stripe_invoice_id');\n});\n"
        "exports.down = (knex) => knex.schema.dropTable('invoices');\n",
        encoding="utf-8",
    )
    _git(tiny["repo"], "add", "migrations")
    _git(tiny["repo"], "commit", "-q", "-m", "invoices")


#: Each planted defect: how to plant it, the one item that must find it, words of its cause.
DEFECTS = {
    "debug flag in a JS config": (_plant_debug_config, "H.8", "config.js:6: 'debug: true'"),
    "localhost base URL": (_plant_localhost_url, "H.5b", "APP_URL is 'http://localhost:3000'"),
    "client-chosen price": (_switch("BREAK_CLIENT_PRICE"), "H.11", "the client picks the price"),
    "password hash in a user response": (
        _switch("BREAK_PASSWORD_HASH"),
        "H.12",
        "GET /api/account: a field password_hash",
    ),
    "forged session cookie accepted": (
        _switch("BREAK_FORGED_SESSION"),
        "H.9",
        "let in a forged session cookie: cookie tl_session alg none (200)",
    ),
    "unapplied migration": (
        _plant_unapplied_migration,
        "3.2b",
        "not applied in knex_migrations: 20240320100000_invoices.js",
    ),
}


def _findings(report: dict[str, Any]) -> dict[str, str]:
    return {
        r["id"]: r["status"]
        for r in report["results"]
        if r["status"] not in ("pass", "skip", "manual")
    }


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_planted_defect_is_found_by_exactly_its_item(
    tiny: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    defect: str,
) -> None:
    plant, item_id, words = DEFECTS[defect]
    monkeypatch.chdir(tiny["repo"])
    adapt(tiny, capsys)
    values = _values(tiny)
    plant(tiny, values)
    _, report = check(tiny, values)
    results = {r["id"]: r for r in report["results"]}
    assert results[item_id]["status"] == "fail", results[item_id]
    assert words in results[item_id]["message"], results[item_id]["message"]
    others = {k: v for k, v in _findings(report).items() if k != item_id}
    assert others == {k: v[0] for k, v in EXPECTED.items()}, [
        (k, results[k]["message"]) for k in others if k not in EXPECTED
    ]
