from django.urls import URLPattern, URLResolver, path

from metrics import alert_api, api

urlpatterns: list[URLPattern | URLResolver] = [
    path("metrics/mrr", api.MetricsMrrApi.as_view(), name="metrics-mrr"),
    path("metrics/revenue", api.MetricsRevenueApi.as_view(), name="metrics-revenue"),
    # Alerts read invoices (their usage_amount is the upcoming invoice's): in metrics.
    path(
        "subscriptions/<uuid:subscription_id>/alerts",
        alert_api.AlertListCreateApi.as_view(),
        name="subscription-alerts",
    ),
    path(
        "subscriptions/<uuid:subscription_id>/alerts/<uuid:alert_id>",
        alert_api.AlertDetailApi.as_view(),
        name="subscription-alert-detail",
    ),
]
