from django.urls import path

from usage import api

urlpatterns = [
    path("usage", api.UsageEventListIngestApi.as_view(), name="usage-list"),
    path("usage/batch", api.UsageBatchIngestApi.as_view(), name="usage-batch"),
    path("customers/<uuid:customer_id>/usage", api.CustomerUsageApi.as_view(), name="customer-usage"),
]
