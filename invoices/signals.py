"""Signals of invoicing, for the apps that come after invoices in the dependency order
(payments, metrics): they listen, and invoices never imports them.

`invoices_finalized` is sent by `invoices.billing.write_invoices` inside the batch's
transaction, with `tenant_id` and `invoices` (the Invoice rows just written, of every
status). It is sent with `send`: a receiver that raises rolls the batch back, so a
receiver only registers its work with `transaction.on_commit` (payments queues the
collection of the open ones that way).

`invoice_run_finished` is sent by `invoices.services.invoice_run_execute` after a run
succeeded, with `tenant_id` and `run` (the InvoiceRun, already saved as succeeded).
It is sent with `send_robust`: a failing receiver is logged and never fails the run.
A receiver that starts work elsewhere should do it on commit.

`credit_note_issued` is sent by `invoices.credit_notes.credit_note_create` inside its
transaction, with `tenant_id`, `credit_note` and `invoice_settled` (True when the note
left its invoice paid). Sent with `send`, like `invoices_finalized`: payments sends
the refund on commit and moves a `past_due` subscription back to `active`.
"""

from django.dispatch import Signal

invoices_finalized = Signal()
invoice_run_finished = Signal()
credit_note_issued = Signal()
