from django.urls import URLPattern, path

from audit import api

urlpatterns: list[URLPattern] = [
    path("audit-log", api.AuditEntryListApi.as_view(), name="audit-log"),
]
