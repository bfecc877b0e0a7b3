from enum import StrEnum


class WebhookDeliveriesListEventType(StrEnum):
    ALERT_TRIGGERED = "alert.triggered"
    CREDIT_GRANT_DEPLETED = "credit_grant.depleted"
    CREDIT_GRANT_EXPIRED = "credit_grant.expired"
    CREDIT_NOTE_CREATED = "credit_note.created"
    DISCOUNT_ENDED = "discount.ended"
    INVOICE_FINALIZED = "invoice.finalized"
    INVOICE_MARKED_UNCOLLECTIBLE = "invoice.marked_uncollectible"
    INVOICE_PAID = "invoice.paid"
    INVOICE_PAYMENT_FAILED = "invoice.payment_failed"
    INVOICE_VOIDED = "invoice.voided"
    SUBSCRIPTION_CANCELED = "subscription.canceled"
    SUBSCRIPTION_CREATED = "subscription.created"
    SUBSCRIPTION_TRIAL_ENDED = "subscription.trial_ended"
    SUBSCRIPTION_UPDATED = "subscription.updated"

    def __str__(self) -> str:
        return str(self.value)
