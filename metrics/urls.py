from django.urls import URLPattern, URLResolver, path

from metrics import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("metrics/mrr", api.MetricsMrrApi.as_view(), name="metrics-mrr"),
    path("metrics/revenue", api.MetricsRevenueApi.as_view(), name="metrics-revenue"),
]
