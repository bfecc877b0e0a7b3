"""Routes under subscriptions/{id}/ that invoice (`invoices.subscription_api`); mounted
beside `subscriptions.urls` in billing_project/urls.py."""

from django.urls import URLPattern, URLResolver, path

from invoices import subscription_api as api

ROUTES = [
    ("cancel", api.SubscriptionCancelApi, "subscription-cancel"),
    ("change", api.SubscriptionChangeApi, "subscription-change"),
    ("change/preview", api.SubscriptionChangePreviewApi, "subscription-change-preview"),
    ("upcoming-invoice", api.UpcomingInvoiceApi, "subscription-upcoming-invoice"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"subscriptions/<uuid:subscription_id>/{route}", view.as_view(), name=name) for route, view, name in ROUTES
]
