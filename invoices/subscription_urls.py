"""Routes under subscriptions/ that invoice (`invoices.subscription_api`); mounted
beside `subscriptions.urls` in billing_project/urls.py."""

from django.urls import URLPattern, URLResolver, path

from invoices import subscription_api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "subscriptions/<uuid:subscription_id>/cancel",
        subscription_api.SubscriptionCancelApi.as_view(),
        name="subscription-cancel",
    ),
    path(
        "subscriptions/<uuid:subscription_id>/change",
        subscription_api.SubscriptionChangeApi.as_view(),
        name="subscription-change",
    ),
    path(
        "subscriptions/<uuid:subscription_id>/change/preview",
        subscription_api.SubscriptionChangePreviewApi.as_view(),
        name="subscription-change-preview",
    ),
    path(
        "subscriptions/<uuid:subscription_id>/upcoming-invoice",
        subscription_api.UpcomingInvoiceApi.as_view(),
        name="subscription-upcoming-invoice",
    ),
]
