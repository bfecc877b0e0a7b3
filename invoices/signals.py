"""Signals of invoicing, for the apps that come after invoices in the dependency order
(metrics): they listen, and invoices never imports them.

`invoice_run_finished` is sent by `invoices.services.invoice_run_execute` after a run
succeeded, with `tenant_id` and `run` (the InvoiceRun, already saved as succeeded).
It is sent with `send_robust`: a failing receiver is logged and never fails the run.
A receiver that starts work elsewhere should do it on commit.
"""

from django.dispatch import Signal

invoice_run_finished = Signal()
