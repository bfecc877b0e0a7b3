"""List filters of the catalog: `?code=`, `?aggregation=`, `?active=`, `?currency=`, `?interval=`, `?duration=`."""

from django.db.models import Model

from plans.models import Coupon, Meter, Plan, TaxRate
from tenants.filtersets import StrictFilterSet


def exact_filterset(model: type[Model], *fields: str) -> type[StrictFilterSet]:
    """`<Model>FilterSet`: exact filters on `fields` of `model`."""
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}FilterSet", (StrictFilterSet,), {"Meta": meta, "__module__": __name__})


MeterFilterSet = exact_filterset(Meter, "code", "aggregation")
PlanFilterSet = exact_filterset(Plan, "code", "active", "currency", "interval")
TaxRateFilterSet = exact_filterset(TaxRate, "code", "active")
CouponFilterSet = exact_filterset(Coupon, "code", "active", "duration")
