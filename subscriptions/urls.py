from django.urls import URLPattern, URLResolver, path

from subscriptions import api, discount_api

DISCOUNTS = "customers/<uuid:customer_id>/discounts"

SUBSCRIPTION = "subscriptions/<uuid:subscription_id>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("customers", api.CustomerListCreateApi.as_view(), name="customer-list"),
    path("customers/<uuid:customer_id>", api.CustomerDetailApi.as_view(), name="customer-detail"),
    path(DISCOUNTS, discount_api.DiscountListCreateApi.as_view(), name="discount-list"),
    path(f"{DISCOUNTS}/<uuid:discount_id>", discount_api.DiscountDetailApi.as_view(), name="discount-detail"),
    path("subscriptions", api.SubscriptionListCreateApi.as_view(), name="subscription-list"),
    path(SUBSCRIPTION, api.SubscriptionDetailApi.as_view(), name="subscription-detail"),
    path(
        f"{SUBSCRIPTION}/pending-change", api.SubscriptionPendingChangeApi.as_view(), name="subscription-pending-change"
    ),
]
