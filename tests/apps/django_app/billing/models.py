"""Billing tables, dj-stripe style: Stripe objects mirrored with their livemode."""

from django.conf import settings
from django.db import models


class Plan(models.Model):
    tier = models.CharField(max_length=20, unique=True)
    is_active = models.BooleanField(default=True)


class Price(models.Model):
    """The Stripe price selling a tier and billing cycle, per mode."""

    tier = models.CharField(max_length=20)
    cycle = models.CharField(max_length=20)
    stripe_id = models.CharField(max_length=255)
    livemode = models.BooleanField()


class WebhookEndpoint(models.Model):
    """The Stripe webhook endpoint, with its signing secret (dj-stripe keeps it here)."""

    stripe_id = models.CharField(max_length=255)
    url = models.CharField(max_length=2048)
    secret = models.CharField(max_length=255)
    livemode = models.BooleanField()


class Subscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    stripe_customer_id = models.CharField(max_length=255)
    stripe_subscription_id = models.CharField(max_length=255)
    status = models.CharField(max_length=30)
    is_active = models.BooleanField(default=False)


class Dispute(models.Model):
    stripe_id = models.CharField(max_length=255)
    amount = models.IntegerField()
    status = models.CharField(max_length=30)
    reason = models.CharField(max_length=50)


class FraudWarning(models.Model):
    stripe_id = models.CharField(max_length=255)
    charge = models.CharField(max_length=255)
    fraud_type = models.CharField(max_length=50)
    actionable = models.BooleanField()
    status = models.CharField(max_length=30)
