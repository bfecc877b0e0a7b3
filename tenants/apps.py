from django.apps import AppConfig


class TenantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tenants"

    def ready(self) -> None:
        from billing_project import lookups  # noqa: F401 - `__any`
        from tenants import middleware, openapi  # noqa: F401 - the log address receiver, the schema extensions
