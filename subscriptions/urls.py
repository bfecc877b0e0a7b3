from django.urls import URLPattern, URLResolver, path

from subscriptions import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("customers", api.CustomerListCreateApi.as_view(), name="customer-list"),
    path("customers/<uuid:customer_id>", api.CustomerDetailApi.as_view(), name="customer-detail"),
]
