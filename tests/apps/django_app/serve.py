"""Migrate, seed and serve the app on 127.0.0.1 (port 0: a free one, printed on stdout).

Seeds: users alice and bob (customers) and ops (staff) with the password in
SHOP_SEED_PASSWORD; plans BASIC and PRO; prices and webhook endpoints from SHOP_SEED
(JSON: {"prices": [[tier, cycle, price_id, livemode]], "endpoints": [[id, url, secret,
livemode]]}); one dispute and one early fraud warning.
"""

import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django

django.setup()

from billing.models import Dispute, FraudWarning, Plan, Price, WebhookEndpoint  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def seed() -> None:
    password = os.environ["SHOP_SEED_PASSWORD"]
    for name, staff in (("alice", False), ("bob", False), ("ops", True)):
        User.objects.create_user(name, f"{name}@shop.example", password, is_staff=staff)
    for tier in ("BASIC", "PRO"):
        Plan.objects.create(tier=tier, is_active=True)
    data = json.loads(os.environ.get("SHOP_SEED", "{}"))
    for tier, cycle, price_id, livemode in data.get("prices", []):
        Price.objects.create(tier=tier, cycle=cycle, stripe_id=price_id, livemode=livemode)
    for stripe_id, url, secret, livemode in data.get("endpoints", []):
        WebhookEndpoint.objects.create(
            stripe_id=stripe_id, url=url, secret=secret, livemode=livemode
        )
    Dispute.objects.create(
        stripe_id="dp_shop_1", amount=4200, status="needs_response", reason="fraudulent"
    )
    FraudWarning.objects.create(
        stripe_id="issfr_shop_1",
        charge="ch_shop_1",
        fraud_type="card_never_received",
        actionable=False,
        status="open",
    )


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    if not User.objects.exists():
        seed()
    if "--migrate-only" in sys.argv:
        return
    port = int(os.environ.get("SHOP_PORT", "0"))
    server = make_server("127.0.0.1", port, get_wsgi_application(), Server, QuietHandler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
