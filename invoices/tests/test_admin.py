"""The Django admin for support staff_client: find invoices, read them with their lines, void
open ones or mark them uncollectible (after a confirmation page); invoice runs listed
read-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from invoices import admin, credit_notes, services
from invoices.admin import MARKED_UNCOLLECTIBLE, NOT_MARKED_UNCOLLECTIBLE, NOT_VOIDED, VOIDED
from invoices.models import BalanceTransaction, Invoice, InvoiceRun
from invoices.services import INVOICE_NOT_OPEN, INVOICE_NOT_OPEN_FOR_UNCOLLECTIBLE, invoice_due_subscriptions
from plans.models import Charge, Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.models import User
from tenants.tests.utils import at
from usage.models import UsageEvent
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
FEB_1 = datetime(2026, 2, 1, tzinfo=UTC)
CHANGELIST = reverse("admin:invoices_invoice_changelist")


def staff_with(*codenames: str) -> Client:
    """The admin as a staff user (not a superuser) with only these permissions."""
    user = User.objects.create_user(email="clerk@billing.test", password="correct-horse-battery-staple")
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def change_url(invoice: Invoice) -> str:
    return reverse("admin:invoices_invoice_change", args=[invoice.pk])


@pytest.fixture
def invoices(tenant, other_tenant):
    """Acme: Wile E. (open, 51.00 USD, a usage line) and Road Runner (paid, 0 EUR);
    Globex: one open invoice. Wile's period ends first, so he has the first number."""
    pro = PlanFactory(tenant=tenant, name="Pro", amount=Decimal("49.00"))
    add_charge(pro, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation=Meter.Aggregation.SUM)
    wile = SubscriptionFactory(
        tenant=tenant, plan=pro, start_at=datetime(2025, 12, 31, tzinfo=UTC),
        customer=CustomerFactory(tenant=tenant, external_id="cus_wile", name="Wile E. Coyote"),
    )  # fmt: skip
    SubscriptionFactory(
        tenant=tenant,
        start_at=JAN_1,
        plan=PlanFactory(tenant=tenant, currency="EUR", amount=Decimal(0)),
        customer=CustomerFactory(tenant=tenant, external_id="cus_road", name="Road Runner"),
    )
    SubscriptionFactory(tenant=other_tenant, start_at=JAN_1)
    use(wile, "storage_gb", "20", at(2026, 1, 9), created_at=at(2026, 1, 9))
    with time_machine.travel(FEB_1 + timedelta(hours=1), tick=False):
        for owner in (tenant, other_tenant):
            invoice_due_subscriptions(tenant=owner.id, as_of=FEB_1)
    wile_invoice = Invoice.objects.get(customer__external_id="cus_wile")
    road_invoice = Invoice.objects.get(customer__external_id="cus_road")
    return wile_invoice, road_invoice, Invoice.objects.for_tenant(other_tenant).get()


def listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(str(invoice.pk) for invoice in response.context["cl"].queryset)


def test_the_changelist_shows_every_tenants_invoices(staff_client, invoices):
    response = staff_client.get(CHANGELIST)
    assert listed(response) == sorted(str(i.pk) for i in invoices)
    page = response.content.decode()
    assert "51.00 USD" in page
    assert "0.00 EUR" in page


@pytest.mark.parametrize("query", ["cus_wile", "Coyote", "wile e."])
def test_invoices_are_found_by_customer_external_id_or_name(staff_client, invoices, query):
    assert listed(staff_client.get(CHANGELIST, {"q": query})) == [str(invoices[0].pk)]


def test_invoices_are_found_by_number(staff_client, invoices):
    wile, road, theirs = invoices
    assert (wile.number, road.number, theirs.number) == ("INV-000001", "INV-000002", "INV-000001")
    assert listed(staff_client.get(CHANGELIST, {"q": "INV-000002"})) == [str(road.pk)]
    assert listed(staff_client.get(CHANGELIST, {"q": "INV-000001"})) == sorted([str(wile.pk), str(theirs.pk)])


def test_invoices_are_filtered_by_status_and_currency(staff_client, invoices):
    wile, road, theirs = invoices
    assert listed(staff_client.get(CHANGELIST, {"status__exact": "paid"})) == [str(road.pk)]
    assert listed(staff_client.get(CHANGELIST, {"status__exact": "open"})) == sorted([str(wile.pk), str(theirs.pk)])
    assert listed(staff_client.get(CHANGELIST, {"currency__exact": "EUR"})) == [str(road.pk)]


def test_the_change_view_shows_the_invoice_and_its_lines_read_only(staff_client, invoices):
    wile = invoices[0]
    response = staff_client.get(change_url(wile))
    assert response.status_code == 200
    page = response.content.decode()
    assert "INV-000001" in page
    assert "Pro (month)" in page
    assert "Storage Gb (per_unit)" in page
    assert 'name="_save"' not in page
    assert 'name="total"' not in page
    assert 'name="lines-0-amount"' not in page
    assert response.context["adminform"].form.fields == {}
    [lines] = response.context["inline_admin_formsets"]
    assert [form.original.description for form in lines] == ["Pro (month)", "Storage Gb (per_unit)"]


def test_finalized_invoices_cannot_be_added_changed_or_deleted(staff_client, invoices):
    wile = invoices[0]
    assert staff_client.get(reverse("admin:invoices_invoice_add")).status_code == 403
    assert staff_client.post(change_url(wile), {"total": "1.00", "status": "paid"}).status_code == 403
    assert (
        staff_client.post(reverse("admin:invoices_invoice_delete", args=[wile.pk]), {"post": "yes"}).status_code == 403
    )
    wile.refresh_from_db()
    assert (wile.total, wile.status, wile.lines.count()) == (Decimal("51.00"), "open", 2)
    choices = staff_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert [name for name, _ in choices if name] == [
        "void_selected",
        "mark_uncollectible_selected",
        "export_csv_selected",
    ]  # no "delete"


def test_voiding_first_asks_for_confirmation_and_changes_nothing(staff_client, invoices):
    wile, road, _ = invoices
    response = staff_client.post(
        CHANGELIST, {"action": "void_selected", "_selected_action": [str(wile.pk), str(road.pk)]}
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/invoices/invoice/void_confirmation.html"
    assert [i.number for i in response.context["chosen"]] == ["INV-000001"]
    assert [i.number for i in response.context["skipped"]] == ["INV-000002"]
    page = response.content.decode()
    assert "INV-000001: Wile E. Coyote (cus_wile), 51.00 USD (Acme)" in page
    assert 'name="post" value="yes"' in page
    assert 'name="action" value="void_selected"' in page
    assert f'name="_selected_action" value="{wile.pk}"' in page
    assert f'value="{road.pk}"' not in page
    assert 'value="Yes, void them"' in page
    wile.refresh_from_db()
    assert wile.status == "open"
    assert not Event.unscoped().exists()


def test_the_void_action_voids_open_invoices_and_names_those_it_could_not(staff_client, tenant, other_tenant, invoices):
    wile, road, theirs = invoices
    WebhookEndpointFactory(tenant=tenant)
    WebhookEndpointFactory(tenant=other_tenant)

    response = staff_client.post(
        CHANGELIST,
        {"action": "void_selected", "_selected_action": [str(wile.pk), str(road.pk), str(theirs.pk)], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        NOT_VOIDED.format(number="INV-000002", reason=INVOICE_NOT_OPEN.format(status="paid")),
        VOIDED.format(count=2),
    ]
    for invoice, status in ((wile, "void"), (road, "paid"), (theirs, "void")):
        invoice.refresh_from_db()
        assert invoice.status == status
    assert sorted(e.data["id"] for e in Event.unscoped().filter(type="invoice.voided")) == sorted(
        [str(wile.pk), str(theirs.pk)]
    )


def test_staff_who_may_only_view_invoices_get_no_void_action(tenant, invoices):
    client = staff_with("view_invoice", "view_invoiceline")

    assert client.get(change_url(invoices[0])).status_code == 200
    choices = client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert [name for name, _ in choices if name] == ["export_csv_selected"]  # reading, not changing
    response = client.post(CHANGELIST, {"action": "void_selected", "_selected_action": [str(invoices[0].pk)]})
    assert response.status_code == 302  # back to the changelist: not an action of theirs, none ran
    invoices[0].refresh_from_db()
    assert invoices[0].status == "open"
    exported = client.post(CHANGELIST, {"action": "export_csv_selected", "_selected_action": [str(invoices[0].pk)]})
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert invoices[0].number in b"".join(exported.streaming_content).decode()


def test_invoice_runs_are_listed_read_only(staff_client, tenant):
    run = InvoiceRun.objects.create(
        tenant=tenant,
        as_of=FEB_1,
        status=InvoiceRun.Status.FAILED,
        invoices_created=3,
        started_at=FEB_1,
        finished_at=FEB_1 + timedelta(seconds=5),
        error="RuntimeError: " + "x" * 200,
    )
    response = staff_client.get(reverse("admin:invoices_invoicerun_changelist"), {"status__exact": "failed"})
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].queryset] == [run.pk]
    page = response.content.decode()
    assert "RuntimeError: xxx" in page
    assert "x" * 100 not in page  # the long error is cut in the list
    change = staff_client.get(reverse("admin:invoices_invoicerun_change", args=[run.pk]))
    assert change.status_code == 200
    assert change.context["adminform"].form.fields == {}
    assert staff_client.get(reverse("admin:invoices_invoicerun_add")).status_code == 403
    assert (
        staff_client.post(reverse("admin:invoices_invoicerun_change", args=[run.pk]), {"status": "queued"}).status_code
        == 403
    )
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.FAILED


def test_the_balance_ledger_is_listed_read_only_with_signed_amounts(staff_client, tenant):
    customer = CustomerFactory(tenant=tenant, external_id="cus_credit")
    earned = BalanceTransaction.objects.create(
        tenant=tenant, customer=customer, currency="USD", amount=Decimal("20"), kind="negative_invoice"
    )
    entry = BalanceTransaction.objects.create(
        tenant=tenant, customer=customer, currency="USD", amount=Decimal("-12.5"), kind="applied_to_invoice"
    )
    response = staff_client.get(reverse("admin:invoices_balancetransaction_changelist") + "?q=cus_credit")
    assert response.status_code == 200
    assert [e.pk for e in response.context["cl"].queryset] == [entry.pk, earned.pk]
    assert "-12.50 USD" in response.content.decode()
    detail = staff_client.get(reverse("admin:invoices_balancetransaction_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert not detail.context["has_change_permission"] and not detail.context["has_delete_permission"]
    assert staff_client.get(reverse("admin:invoices_balancetransaction_add")).status_code == 403


def test_a_run_that_could_not_bill_a_subscription_shows_it(staff_client, tenant):
    failure = {"subscription_id": "5f0c1f7e-0000-4000-8000-000000000001", "error": "too large"}
    run = InvoiceRun.objects.create(tenant=tenant, as_of=JAN_1, status="succeeded", errors=[failure])
    listing = staff_client.get(reverse("admin:invoices_invoicerun_changelist"))
    assert listing.context["cl"].result_list[0].pk == run.pk
    detail = staff_client.get(reverse("admin:invoices_invoicerun_change", args=[run.pk])).content.decode()
    assert "5f0c1f7e-0000-4000-8000-000000000001" in detail and "too large" in detail


# Mark uncollectible: a confirmation page first, then the service


def test_marking_uncollectible_first_asks_for_confirmation_and_changes_nothing(staff_client, invoices):
    wile, road, _ = invoices
    response = staff_client.post(
        CHANGELIST, {"action": "mark_uncollectible_selected", "_selected_action": [str(wile.pk), str(road.pk)]}
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/invoices/invoice/mark_uncollectible_confirmation.html"
    assert [i.number for i in response.context["chosen"]] == ["INV-000001"]
    assert [i.number for i in response.context["skipped"]] == ["INV-000002"]
    page = response.content.decode()
    assert 'name="post" value="yes"' in page
    assert f'name="_selected_action" value="{wile.pk}"' in page
    assert f'value="{road.pk}"' not in page  # a paid invoice is not carried to the confirmation
    wile.refresh_from_db()
    assert wile.status == "open"
    assert not Event.unscoped().exists()


def test_confirming_marks_open_invoices_uncollectible_and_names_those_it_could_not(
    staff_client, tenant, other_tenant, invoices
):
    wile, road, theirs = invoices
    WebhookEndpointFactory(tenant=tenant)
    WebhookEndpointFactory(tenant=other_tenant)

    response = staff_client.post(
        CHANGELIST,
        {
            "action": "mark_uncollectible_selected",
            "_selected_action": [str(wile.pk), str(road.pk), str(theirs.pk)],
            "post": "yes",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        NOT_MARKED_UNCOLLECTIBLE.format(
            number="INV-000002", reason=INVOICE_NOT_OPEN_FOR_UNCOLLECTIBLE.format(status="paid")
        ),
        MARKED_UNCOLLECTIBLE.format(count=2),
    ]
    for invoice, status in ((wile, "uncollectible"), (road, "paid"), (theirs, "uncollectible")):
        invoice.refresh_from_db()
        assert invoice.status == status
    events = Event.unscoped().filter(type="invoice.marked_uncollectible")
    assert sorted((e.tenant_id, e.data["id"]) for e in events) == sorted(
        [(tenant.id, str(wile.pk)), (other_tenant.id, str(theirs.pk))]
    )


def test_staff_who_may_only_view_invoices_cannot_mark_them_uncollectible(invoices):
    client = staff_with("view_invoice", "view_invoiceline")

    response = client.post(
        CHANGELIST,
        {"action": "mark_uncollectible_selected", "_selected_action": [str(invoices[0].pk)], "post": "yes"},
    )
    assert response.status_code == 302  # back to the changelist: not an action of theirs, none ran
    invoices[0].refresh_from_db()
    assert invoices[0].status == "open"


# Customers: their balance, their ledger, a manual adjustment ---------------------------------


@pytest.fixture
def ledger(tenant):
    """Wile E. has 40.00 USD (after using 10.00 of 50.00) and 300 JPY."""
    wile = CustomerFactory(tenant=tenant, external_id="cus_wile", name="Wile E. Coyote")
    for currency, amount, kind in [("USD", "50.00", "adjustment"), ("USD", "-10.00", "applied_to_invoice"),
                                   ("JPY", "300", "negative_invoice")]:  # fmt: skip
        BalanceTransaction.objects.create(
            tenant=tenant, customer=wile, currency=currency, amount=Decimal(amount), kind=kind, description=kind
        )
    return wile


def customer_url(customer) -> str:
    return reverse("admin:subscriptions_customer_change", args=[customer.pk])


def adjust_url(customer) -> str:
    return reverse("admin:subscriptions_customer_balance_adjustment", args=[customer.pk])


def test_a_customers_page_shows_its_balance_per_currency_and_its_ledger_read_only(staff_client, ledger):
    response = staff_client.get(customer_url(ledger))
    assert response.status_code == 200
    form = response.context["adminform"]
    assert "balance" in form.readonly_fields
    page = response.content.decode()
    assert "300 JPY, 40.00 USD" in page
    # its subscriptions and discounts (subscriptions'), its invoices, the ledger, then its credit grants (test_grant_admin.py)
    subscriptions, discounts, invoices, inline, _grants = response.context["inline_admin_formsets"]
    assert [i.opts.model.__name__ for i in (subscriptions, discounts, invoices)] == [
        "Subscription",
        "Discount",
        "Invoice",
    ]
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    assert [f.instance.amount for f in inline.formset.forms] == [Decimal(300), Decimal("-10.00"), Decimal("50.00")]
    assert "-10.00 USD" in page
    assert f'href="{adjust_url(ledger)}"' in page  # the way to a manual adjustment


def test_a_customer_without_entries_shows_no_balance(staff_client, tenant):
    page = staff_client.get(customer_url(CustomerFactory(tenant=tenant))).content.decode()
    assert admin.NO_BALANCE in page


def test_a_customers_fields_can_still_be_fixed_by_staff(staff_client, ledger):
    data = {"name": "Wile E. Coyote, Genius", "email": "wile@acme.test", "metadata": "{}", "tax_exempt": ""}
    data |= {"balance_transactions-TOTAL_FORMS": "3", "balance_transactions-INITIAL_FORMS": "3"}
    data |= {"discounts-TOTAL_FORMS": "0", "discounts-INITIAL_FORMS": "0"}  # the discounts' inline, empty
    data |= {"subscriptions-TOTAL_FORMS": "0", "subscriptions-INITIAL_FORMS": "0"}  # read-only lists, empty here
    data |= {"invoices-TOTAL_FORMS": "0", "invoices-INITIAL_FORMS": "0"}
    data |= {"credit_grants-TOTAL_FORMS": "0", "credit_grants-INITIAL_FORMS": "0"}  # and the grants'
    data |= {
        f"balance_transactions-{i}-id": str(e.pk) for i, e in enumerate(ledger.balance_transactions.order_by("-seq"))
    }
    response = staff_client.post(customer_url(ledger), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    ledger.refresh_from_db()
    assert ledger.name == "Wile E. Coyote, Genius"
    assert BalanceTransaction.objects.filter(customer=ledger).count() == 3


def test_an_adjustment_is_confirmed_before_it_is_written(staff_client, ledger):
    form = staff_client.get(adjust_url(ledger))
    assert form.status_code == 200 and not form.context["confirming"]
    body = {"currency": "USD", "amount": "-15.50", "description": "Clawback, ticket 7"}
    confirm = staff_client.post(adjust_url(ledger), body)
    assert confirm.status_code == 200
    assert confirm.templates[0].name == "admin/invoices/balance_adjustment.html"
    assert (confirm.context["before"], confirm.context["after"], confirm.context["below_zero"]) == (
        "40.00",
        "24.50",
        False,
    )
    page = confirm.content.decode()
    assert 'name="confirmed" value="yes"' in page and "Yes, adjust the balance" in page
    assert BalanceTransaction.objects.filter(customer=ledger).count() == 3  # nothing yet

    done = staff_client.post(adjust_url(ledger), {**body, "confirmed": "yes"}, follow=True)
    assert done.redirect_chain == [(customer_url(ledger), 302)]
    entry = BalanceTransaction.objects.filter(customer=ledger).latest("seq")
    assert (entry.kind, entry.currency, entry.amount, entry.description) == (
        "adjustment",
        "USD",
        Decimal("-15.50"),
        "Clawback, ticket 7",
    )
    message = admin.BALANCE_ADJUSTED.format(currency="USD", customer=ledger, amount="-15.50", balance="24.50")
    assert message in [str(m) for m in done.context["messages"]]


def test_an_adjustment_below_0_is_refused_with_the_services_reason(staff_client, ledger):
    body = {"currency": "USD", "amount": "-40.01", "description": "Too much"}
    confirm = staff_client.post(adjust_url(ledger), body)
    assert confirm.context["below_zero"] is True
    assert "Yes, adjust the balance" not in confirm.content.decode()
    refused = staff_client.post(adjust_url(ledger), {**body, "confirmed": "yes"})  # sent anyway
    assert refused.status_code == 200
    expected = services.BALANCE_BELOW_ZERO.format(currency="USD", balance="40.00", amount="-40.01")
    assert refused.context["form"].non_field_errors() == [f"amount: {expected}"]
    assert BalanceTransaction.objects.filter(customer=ledger).count() == 3


def test_an_adjustment_form_names_bad_input(staff_client, ledger):
    response = staff_client.post(adjust_url(ledger), {"currency": "XXX", "amount": "abc", "description": ""})
    assert set(response.context["form"].errors) == {"currency", "amount", "description"}
    assert not response.context["confirming"]
    precise = staff_client.post(
        adjust_url(ledger), {"currency": "JPY", "amount": "1.5", "description": "x", "confirmed": "yes"}
    )
    assert precise.context["form"].non_field_errors() == ["amount: JPY amounts have at most 0 decimal places."]
    assert BalanceTransaction.objects.filter(customer=ledger).count() == 3


def test_staff_without_the_ledgers_add_permission_cannot_adjust(ledger):
    client = staff_with("view_customer", "change_customer")
    page = client.get(customer_url(ledger))
    assert page.status_code == 200
    assert adjust_url(ledger) not in page.content.decode()
    body = {"currency": "USD", "amount": "5.00", "description": "x", "confirmed": "yes"}
    assert client.post(adjust_url(ledger), body).status_code == 403
    assert BalanceTransaction.objects.filter(customer=ledger).count() == 3


def test_adjusting_an_unknown_customer_is_404(staff_client, tenant):
    customer = CustomerFactory(tenant=tenant)
    url = adjust_url(customer)
    customer.delete()
    assert staff_client.get(url).status_code == 404


# Support work: formatted amounts, the tiers, links between the rows of an invoice -------------


def cell(page: str, field: str) -> str:
    """The text of the first read-only `field` (`<div class="readonly">…</div>` on a change
    page, `<td class="field-…"><p>…</p>` in an inline)."""
    match = re.search(rf'field-{field}\b.*?(?:<div class="readonly">|<p>)(.*?)(?:</div>|</p>)', page, re.S)
    assert match, f"no field {field}"
    return match.group(1).strip()


def test_an_invoices_page_shows_its_money_in_its_currency_and_quantities_without_zeros(staff_client, invoices):
    page = staff_client.get(change_url(invoices[0])).content.decode()

    assert cell(page, "subtotal_shown") == "51.00 USD"
    assert cell(page, "total_shown") == "51.00 USD"
    assert cell(page, "amount_due_shown") == "51.00 USD"
    assert cell(page, "amount_paid_shown") == "0.00 USD"
    assert cell(page, "quantity_shown") == "1"  # the fee's line
    assert ">20<" in page  # 20 GB of storage
    assert "<p>2.00 USD</p>" in page
    assert "Pro (month): 49.00 USD" in page  # an inline row's title
    assert "000000" not in page  # no stored scale anywhere


@pytest.fixture
def tiered_invoice(tenant):
    """1,500 API calls on a graduated price: 1,000 at 0.00, 500 at 0.002 (1.00 USD)."""
    plan = PlanFactory(tenant=tenant, amount=Decimal(0))
    spec = ChargeSpec.tiered([TierSpec(1000), TierSpec(None, Decimal("0.002"))])
    add_charge(plan, spec, meter="api_calls", aggregation=Meter.Aggregation.SUM)
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=JAN_1)
    use(sub, "api_calls", "1500", at(2026, 1, 9), created_at=at(2026, 1, 9))
    with time_machine.travel(FEB_1 + timedelta(hours=1), tick=False):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    return Invoice.objects.get(subscription=sub)


def test_an_invoice_lines_tiers_are_a_table(staff_client, tiered_invoice):
    page = staff_client.get(change_url(tiered_invoice)).content.decode()

    assert '<table class="tiers"><thead><tr><th>from</th><th>up to</th><th>quantity</th>' in page
    assert "<tr><td>0</td><td>1000</td><td>1000</td><td>0.00 USD</td><td>0.00 USD</td><td>0.00 USD</td></tr>" in page
    assert "<tr><td>1000</td><td>∞</td><td>500</td><td>0.002 USD</td><td>0.00 USD</td><td>1.00 USD</td></tr>" in page
    assert "&quot;up_to&quot;" not in page  # not the raw JSON


def test_an_invoice_links_to_its_payment_events_usage_credit_notes_and_deliveries(staff_client, tenant, invoices):
    wile = invoices[0]
    note = credit_notes.credit_note_create(
        tenant=tenant,
        invoice_id=wile.pk,
        request=credit_notes.CreditNoteRequest(amount=Decimal("1.00"), reason="other"),
    )
    delivery = WebhookDeliveryFactory(tenant=tenant, event__data={"id": str(wile.pk), "number": wile.number})
    WebhookDeliveryFactory(tenant=tenant)  # another object's

    page = staff_client.get(change_url(wile)).content.decode()

    links = {text: href.replace("&amp;", "&") for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)}
    assert links[note.number] == reverse("admin:invoices_creditnote_change", args=[note.pk])
    assert links["payment events"] == f"{reverse('admin:payments_paymentevent_changelist')}?invoice={wile.pk}"
    deliveries = staff_client.get(links["webhook deliveries"])
    assert list(deliveries.context["cl"].queryset) == [delivery]
    usage = staff_client.get(links["usage events of the period"])
    assert [(str(e.customer_id), e.value) for e in usage.context["cl"].queryset] == [
        (str(wile.customer_id), Decimal(20))
    ]
    note_page = staff_client.get(reverse("admin:invoices_creditnote_change", args=[note.pk])).content.decode()
    assert cell(note_page, "amount_shown") == "1.00 USD"
    assert f'href="{change_url(wile)}"' in note_page  # back to its invoice


def test_a_customers_page_lists_its_subscriptions_and_invoices_with_links(staff_client, invoices):
    wile = invoices[0]
    response = staff_client.get(customer_url(wile.customer))
    page = response.content.decode()

    subscriptions = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.model.__name__ == "Subscription"
    )
    assert [f.instance.pk for f in subscriptions.formset.forms] == [wile.subscription_id]
    assert reverse("admin:subscriptions_subscription_change", args=[wile.subscription_id]) in page
    invoice_rows = next(f for f in response.context["inline_admin_formsets"] if f.opts.model.__name__ == "Invoice")
    assert [f.instance.number for f in invoice_rows.formset.forms] == ["INV-000001"]
    assert change_url(wile) in page
    assert "<p>51.00 USD</p>" in page
    assert f"{reverse('admin:invoices_balancetransaction_changelist')}?customer={wile.customer_id}" in page
    assert f"{CHANGELIST}?customer={wile.customer_id}" in page


def test_a_usage_event_links_to_the_invoice_of_its_period(staff_client, invoices):
    wile = invoices[0]
    event = UsageEvent.objects.get(customer=wile.customer)

    page = staff_client.get(reverse("admin:usage_usageevent_change", args=[event.pk])).content.decode()

    assert cell(page, "amount") == "20"
    links = {text: href.replace("&amp;", "&") for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)}
    assert listed(staff_client.get(links["the invoice of its period"])) == [str(wile.pk)]
    assert listed(staff_client.get(links["invoices of the customer"])) == [str(wile.pk)]


def test_an_invoice_line_of_a_grouped_charge_shows_its_filter_and_group(staff_client, tenant):
    plan = PlanFactory(tenant=tenant, amount=Decimal(0))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    eu = Charge.filter_row("eu", {"region": ["eu"]}, ChargeSpec.per_unit(Decimal("0.30")))
    Charge.objects.filter(plan=plan).update(filters=[eu], group_by=["workspace"])
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=JAN_1)
    use(sub, "api_calls", "10", at(2026, 1, 9), created_at=at(2026, 1, 9), region="eu", workspace="w-7")
    with time_machine.travel(FEB_1 + timedelta(hours=1), tick=False):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    invoice = Invoice.objects.get(subscription=sub)
    [line] = invoice.lines.all()
    assert (line.filter_name, line.group_values, line.amount) == ("eu", {"workspace": "w-7"}, Decimal("3.00"))
    page = staff_client.get(change_url(invoice)).content.decode()
    assert cell(page, "filter_name") == "eu"
    assert cell(page, "group_shown") == "workspace=w-7"
