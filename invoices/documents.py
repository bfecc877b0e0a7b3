"""Invoice and credit-note documents (API.md Part 2, "Documents, portal, export"): one
document, as a PDF and as an HTML page, from one template.

`invoice_document` and `credit_note_document` turn a stored invoice or credit note into
a `Document`: every text it shows, written for `settings.DOCUMENT_LOCALE` (amounts by
`plans.money.format_money`, in the currency's format with the API's digits; dates and
quantities by babel). The template `invoices/document_body.html` lays a document out;
`document_html` wraps it in a page with its styles (`invoices/document.html`) and
`document_pdf` gives the same body to fpdf2's HTML reader, with DejaVu Sans embedded
(invoices/fonts: no system fonts needed), so the two never differ in what they say.

fpdf2 reads a subset of HTML, so the body keeps to it: tables (a cell holds text, or
text in one <b>; column widths in the first row), no whitespace between tags
(`{% spaceless %}`); after a table, only tables (fpdf2 adds a blank line before
anything else). test_documents renders every kind of line both ways.

Reads: an invoice's tenant, customer, lines and credit notes; a credit note's tenant,
customer and invoice (select and prefetch them). Call inside the tenant's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any, NamedTuple

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

from invoices.models import CreditNote, Invoice, InvoiceLine
from plans.money import format_money, format_quantity

BODY_TEMPLATE = "invoices/document_body.html"
PAGE_TEMPLATE = "invoices/document.html"
FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# A page shows only what it carries: no scripts, images or requests of any kind.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
TIER_MARK = "↳"


class Row(NamedTuple):
    """A row of the lines table: a line, or one tier of the line above it."""

    description: str
    quantity: str = ""
    unit_price: str = ""
    amount: str = ""
    tier: bool = False


class Total(NamedTuple):
    """A row of the totals: a label and an amount, in bold where `strong`."""

    label: str
    amount: str
    strong: bool = False


@dataclass(frozen=True)
class Document:
    """What a document says, every value already written out for its locale."""

    title: str
    number: str
    lang: str
    issued_at: datetime
    issuer: str
    recipient: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    rows: tuple[Row, ...]
    totals: tuple[Total, ...]
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.title} {self.number}"

    @property
    def parties(self) -> list[tuple[str, str]]:
        """(issuer, recipient) rows of the "From" and "Bill to" columns."""
        return list(zip_longest((self.issuer,), self.recipient, fillvalue=""))

    @property
    def filename(self) -> str:
        return self.number


class Writer:
    """Amounts, quantities and dates as `locale` writes them: amounts in one currency."""

    def __init__(self, currency: str, locale: str | None = None) -> None:
        self.currency = currency
        self.locale = locale or settings.DOCUMENT_LOCALE

    def money(self, amount: Decimal | str) -> str:
        return format_money(Decimal(amount), self.currency, self.locale)

    def negative(self, amount: Decimal) -> str:
        """An amount taken off (a discount): shown with its minus sign."""
        return self.money(-amount)

    def number(self, value: Decimal | str | int) -> str:
        """A quantity or a percentage: every digit it has, the locale's separators."""
        return format_decimal(Decimal(format_quantity(Decimal(value))), locale=self.locale, decimal_quantization=False)

    def date(self, moment: datetime) -> str:
        return format_date(moment.astimezone(UTC).date(), format="medium", locale=self.locale)

    def moment(self, moment: datetime) -> str:
        """A boundary of a period: its date, with the time (UTC) when it is not midnight."""
        moment = moment.astimezone(UTC)
        if moment.time() == datetime.min.time():
            return self.date(moment)
        return f"{format_datetime(moment, format='medium', tzinfo=UTC, locale=self.locale)} UTC"

    def period(self, start: datetime, end: datetime) -> str:
        return f"{self.moment(start)} – {self.moment(end)}"

    @property
    def lang(self) -> str:
        return Locale.parse(self.locale).language


def _document(title: str, source: Invoice | CreditNote, issued_at: datetime, write: Writer, **body: Any) -> Document:
    """The document of an invoice or a credit note: `title` and its number, from its
    tenant to its customer, with `body` (facts, rows, totals, notes)."""
    customer = source.customer
    return Document(
        title=title,
        number=source.number,
        lang=write.lang,
        issued_at=issued_at,
        issuer=source.tenant.name,
        recipient=tuple(text for text in (customer.name, f"Customer {customer.external_id}", customer.email) if text),
        **body,
    )


def _invoice_facts(invoice: Invoice, write: Writer) -> tuple[tuple[str, str], ...]:
    status = Invoice.Status(invoice.status).label
    if invoice.paid_at and invoice.status == Invoice.Status.PAID:
        status = f"{status} on {write.date(invoice.paid_at)}"
    elif invoice.voided_at and invoice.status == Invoice.Status.VOID:
        status = f"{status} since {write.date(invoice.voided_at)}"
    return (
        ("Issued", write.date(invoice.issued_at)),
        ("Due", write.date(invoice.due_at)),
        ("Period", write.period(invoice.period_start, invoice.period_end)),
        ("Billing reason", Invoice.BillingReason(invoice.billing_reason).label),
        ("Status", status),
        ("Currency", invoice.currency),
    )


def _tier_range(tier: dict[str, Any], write: Writer) -> str:
    start, end = tier.get("from") or 0, tier.get("up_to")
    if end is None:
        return f"above {write.number(start)}" if start else "all units"
    return f"{write.number(start)} to {write.number(end)}" if start else f"up to {write.number(end)}"


def _tier_rows(tiers: Sequence[dict[str, Any]], write: Writer) -> Iterator[Row]:
    for place, tier in enumerate(tiers, start=1):
        flat = Decimal(tier.get("flat_amount") or 0)
        description = f"{TIER_MARK} Tier {place}: {_tier_range(tier, write)}"
        yield Row(
            description=f"{description} + {write.money(flat)} flat" if flat else description,
            quantity=write.number(tier["quantity"]),
            unit_price=write.money(tier["unit_amount"]),
            amount=write.money(tier["amount"]),
            tier=True,
        )


def _line_rows(line: InvoiceLine, write: Writer) -> Iterator[Row]:
    """The line (its description names what it bills: a late-usage line its period),
    then its tiers."""
    yield Row(description=line.description, quantity=write.number(line.quantity), amount=write.money(line.amount))
    yield from _tier_rows(line.tiers or [], write)


def _tax_total(tax: dict[str, Any], write: Writer) -> Total:
    label = f"{tax['name']} ({write.number(tax['percentage'])} %) on {write.money(tax['taxable'])}"
    return Total(label, write.money(tax["amount"]))


def _invoice_totals(invoice: Invoice, write: Writer) -> Iterator[Total]:
    yield Total("Subtotal", write.money(invoice.subtotal))
    if invoice.discount:
        yield Total("Discount", write.negative(invoice.discount))
    yield from (_tax_total(tax, write) for tax in invoice.taxes)
    yield Total("Total", write.money(invoice.total), strong=True)
    yield Total("Credits applied", write.money(invoice.credits_applied))
    yield Total("Amount credited", write.money(invoice.amount_credited))
    yield Total("Amount paid", write.money(invoice.amount_paid))
    yield Total("Amount due", write.money(invoice.amount_due), strong=True)


def _credit_note_note(note: CreditNote, write: Writer) -> str:
    """One credit note of an invoice: what it credited and where the money went."""
    text = f"Credit note {note.number} of {write.date(note.created_at)} ({note.get_reason_display()}): "
    text += write.money(note.amount)
    if note.pre_payment:
        return f"{text}, off the amount due"
    return f"{text}: {write.money(note.refund_amount)} refunded, {write.money(note.credit_amount)} to the balance"


def invoice_document(invoice: Invoice, *, locale: str | None = None) -> Document:
    """The invoice as its PDF and page show it: the tenant, the customer, its dates,
    every line with its tier breakdown, discounts, taxes per rate, credits applied,
    credit notes, payments and the amount due."""
    write = Writer(invoice.currency, locale)
    notes = sorted(invoice.credit_notes.all(), key=lambda note: note.number)
    return _document(
        "Invoice",
        invoice,
        invoice.issued_at,
        write,
        facts=_invoice_facts(invoice, write),
        rows=tuple(row for line in invoice.lines.all() for row in _line_rows(line, write)),
        totals=tuple(_invoice_totals(invoice, write)),
        notes=tuple(_credit_note_note(note, write) for note in notes),
    )


def _credit_note_totals(note: CreditNote, write: Writer) -> Iterator[Total]:
    if note.tax:
        yield Total("Subtotal", write.money(note.amount - note.tax))
        yield Total("Tax (its share of the invoice's tax)", write.money(note.tax))
    yield Total("Total credited", write.money(note.amount), strong=True)
    if note.pre_payment:
        yield Total("Taken off the invoice's amount due", write.money(note.amount))
    else:
        yield Total("Refunded", write.money(note.refund_amount))
        yield Total("Credited to the customer balance", write.money(note.credit_amount))


def credit_note_document(note: CreditNote, *, locale: str | None = None) -> Document:
    """The credit note as its PDF and page show it: the tenant, the customer, the
    invoice it credits, its reason and memo, its amount with its tax share, and how it
    was settled (off the amount due, or refunded and credited to the balance)."""
    write = Writer(note.currency, locale)
    invoice = note.invoice
    facts = [
        ("Issued", write.date(note.created_at)),
        ("Invoice", f"{invoice.number} of {write.date(invoice.issued_at)}"),
        ("Reason", note.get_reason_display()),
        ("Currency", note.currency),
    ]
    if note.refund_status:
        facts.append(("Refund", note.get_refund_status_display()))
    return _document(
        "Credit note",
        note,
        note.created_at,
        write,
        facts=tuple(facts),
        rows=(Row(description=f"Credit on invoice {invoice.number}", amount=write.money(note.amount - note.tax)),),
        totals=tuple(_credit_note_totals(note, write)),
        notes=(f"Memo: {note.memo}",) if note.memo else (),
    )


def document_html(document: Document) -> str:
    """The document as a page (the body template in `invoices/document.html`)."""
    return render_to_string(PAGE_TEMPLATE, {"document": document})


def document_pdf(document: Document) -> bytes:
    """The document as a PDF: the body template read by fpdf2, on A4. The same
    document gives the same bytes (dated by its issue time, not by now)."""
    # Imported here: fpdf2 (with fontTools and Pillow) takes a second to import, which
    # every process would pay at start-up for the few that make PDFs.
    from fpdf import FPDF, TextStyle

    pdf = FPDF(format="A4")
    pdf.set_title(document.name)
    pdf.set_author(document.issuer)
    pdf.set_creation_date(document.issued_at)
    for style, file in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(FONTS / file))
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.add_page()
    heading = TextStyle(color="#000000", font_size_pt=18, t_margin=0, b_margin=2)
    pdf.write_html(render_to_string(BODY_TEMPLATE, {"document": document}), tag_styles={"h1": heading})
    return bytes(pdf.output())


@dataclass(frozen=True)
class DocumentFormat:
    """How a document is sent: `render` makes the body of a response of `media_type`."""

    name: str
    media_type: str
    render: Callable[[Document], bytes | str]
    headers: Callable[[Document], dict[str, str]]


PDF = DocumentFormat(
    "pdf",
    "application/pdf",
    document_pdf,
    lambda document: {"Content-Disposition": f'inline; filename="{document.filename}.pdf"'},
)
HTML = DocumentFormat("html", "text/html", document_html, lambda document: {"Content-Security-Policy": PAGE_CSP})
FORMATS = {fmt.name: fmt for fmt in (PDF, HTML)}


def document_response(document: Document, fmt: DocumentFormat) -> HttpResponse:
    """The document in `fmt`, as the API and the admin answer it."""
    content_type = f"{fmt.media_type}; charset=utf-8" if fmt is HTML else fmt.media_type
    return HttpResponse(fmt.render(document), content_type=content_type, headers=fmt.headers(document))
