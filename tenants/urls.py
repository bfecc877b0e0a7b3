from django.urls import path

from tenants import api, clock_api

urlpatterns = [
    path("users", api.UserListCreateApi.as_view(), name="user-list"),
    path("api-keys", api.ApiKeyListCreateApi.as_view(), name="api-key-list"),
    path("api-keys/<uuid:key_id>", api.ApiKeyRevokeApi.as_view(), name="api-key-revoke"),
    *clock_api.urlpatterns,
]
