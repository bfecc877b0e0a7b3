from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Setup and demo commands: last in the dependency order, imports anything,
    nothing imports it. No models."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
