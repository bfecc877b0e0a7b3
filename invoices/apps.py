from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoices"

    def ready(self) -> None:
        from invoices import receivers  # noqa: F401 - connects progressive billing to ingestion
        from invoices.clock_step import GRANT_EXPIRY_STEP, INVOICING_STEP
        from tenants.sandbox import advance_step_register

        advance_step_register(INVOICING_STEP)  # a sandbox's advance invoices as it goes
        advance_step_register(GRANT_EXPIRY_STEP)  # and forfeits grants at their expires_at
