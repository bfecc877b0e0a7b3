from django.urls import path

from usage import api

urlpatterns = [
    path("usage", api.UsageEventListIngestApi.as_view(), name="usage-list"),
    path("usage/<int:event_id>/void", api.UsageEventVoidApi.as_view(), name="usage-void"),
    path("usage/<int:event_id>/amend", api.UsageEventAmendApi.as_view(), name="usage-amend"),
    path("usage/<int:event_id>/revisions", api.UsageEventRevisionListApi.as_view(), name="usage-revisions"),
    path("usage/batch", api.UsageBatchIngestApi.as_view(), name="usage-batch"),
    path("customers/<uuid:customer_id>/usage", api.CustomerUsageApi.as_view(), name="customer-usage"),
]
