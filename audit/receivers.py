"""The tenants app's changes, which it announces with `tenants.signals.audited`."""

from typing import Any

from django.dispatch import receiver

from audit.services import audit_record
from tenants.signals import audited


@receiver(audited, dispatch_uid="audit.receivers.record_tenants_change")
def record_tenants_change(sender: Any, **kwargs: Any) -> None:
    kwargs.pop("signal", None)
    audit_record(**kwargs)
