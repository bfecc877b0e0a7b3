from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from billing_project import views
from plans import tax_api
from tenants import api as tenants_api

tenant_routes: list[URLPattern | URLResolver] = [
    # First: ingestion is most of the traffic, and Django tries the routes in order.
    path("", include("usage.urls")),
    path("", include("tenants.urls")),
    path("", include("webhooks.urls")),
    path("", include("plans.urls")),
    path("", include("subscriptions.urls")),
    # Subscription routes that invoice (cancel, upcoming-invoice): in invoices, which
    # subscriptions may not import (docs/DESIGN.md, Layout).
    path("", include("invoices.subscription_urls")),
    path("", include("invoices.urls")),
    path("", include("payments.tenant_urls")),  # pay an invoice now (dunning)
    path("", include("metrics.urls")),
    path("", include("portal.tenant_urls")),  # a link to a customer's portal
    path("", include("audit.urls")),
]

v1: list[URLPattern | URLResolver] = [
    path("tenants", tenants_api.TenantSignupApi.as_view(), name="tenant-signup"),
    # In the catalog: the tenant's settings include its default tax rates (docs/DESIGN.md).
    path("tenants/<uuid:tenant_id>", tax_api.TenantDetailApi.as_view(), name="tenant-detail"),
    path("tenants/<uuid:tenant_id>/", include(tenant_routes)),
    path("auth/login", tenants_api.LoginApi.as_view(), name="auth-login"),
    path("auth/refresh", tenants_api.RefreshApi.as_view(), name="auth-refresh"),
    path("webhooks/", include("payments.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    # An HTML page: no OPTIONS metadata (its template renderer cannot show it): a 405.
    path("docs", SpectacularSwaggerView.as_view(url_name="schema", metadata_class=None), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", include("django_prometheus.urls")),
    path("v1/", include(v1)),
    # The customer portal's pages: no login, the link's signed token opens one customer.
    path("portal/", include("portal.urls")),
]

handler400 = "billing_project.views.bad_request"
handler403 = "billing_project.views.permission_denied"
handler404 = "billing_project.views.not_found"
handler500 = "billing_project.views.server_error"
