from django.urls import URLPattern, URLResolver, path

from subscriptions import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("customers", api.CustomerListCreateApi.as_view(), name="customer-list"),
    path("customers/<uuid:customer_id>", api.CustomerDetailApi.as_view(), name="customer-detail"),
    path("subscriptions", api.SubscriptionListCreateApi.as_view(), name="subscription-list"),
    path("subscriptions/<uuid:subscription_id>", api.SubscriptionDetailApi.as_view(), name="subscription-detail"),
    path(
        "subscriptions/<uuid:subscription_id>/pending-change",
        api.SubscriptionPendingChangeApi.as_view(),
        name="subscription-pending-change",
    ),
]
