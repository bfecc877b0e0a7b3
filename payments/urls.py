"""Routes under /v1/webhooks/: inbound webhooks, authenticated by their signatures."""

from django.urls import URLPattern, URLResolver, path

from payments.api import PaymentWebhookApi

urlpatterns: list[URLPattern | URLResolver] = [
    path("payment", PaymentWebhookApi.as_view(), name="payment-webhook"),
]
