from django.urls import URLPattern, URLResolver, path

from webhooks import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("webhook-endpoints", api.WebhookEndpointListCreateApi.as_view(), name="webhook-endpoint-list"),
    path(
        "webhook-endpoints/<uuid:endpoint_id>", api.WebhookEndpointDetailApi.as_view(), name="webhook-endpoint-detail"
    ),
    path("webhook-deliveries", api.WebhookDeliveryListApi.as_view(), name="webhook-delivery-list"),
    path(
        "webhook-deliveries/<uuid:delivery_id>", api.WebhookDeliveryDetailApi.as_view(), name="webhook-delivery-detail"
    ),
    path(
        "webhook-deliveries/<uuid:delivery_id>/retry",
        api.WebhookDeliveryRetryApi.as_view(),
        name="webhook-delivery-retry",
    ),
]
