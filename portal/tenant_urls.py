from django.urls import path

from portal import api

urlpatterns = [
    path(
        "customers/<uuid:customer_id>/portal-sessions",
        api.PortalSessionCreateApi.as_view(),
        name="customer-portal-session",
    ),
]
