from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"

    def ready(self) -> None:
        from payments import receivers  # noqa: F401 - connects the signal receivers
        from payments.dunning import DUNNING_STEP
        from tenants.sandbox import advance_step_register

        advance_step_register(DUNNING_STEP)  # a sandbox's advance sends retries at their offsets
