"""List filters of the catalog: `?code=`, `?aggregation=`, `?active=`, `?currency=`, `?interval=`, `?duration=`."""

from plans.models import Coupon, Meter, Plan, TaxRate
from tenants.filtersets import StrictFilterSet


class MeterFilterSet(StrictFilterSet):
    class Meta:
        model = Meter
        fields = ["code", "aggregation"]


class PlanFilterSet(StrictFilterSet):
    class Meta:
        model = Plan
        fields = ["code", "active", "currency", "interval"]


class TaxRateFilterSet(StrictFilterSet):
    class Meta:
        model = TaxRate
        fields = ["code", "active"]


class CouponFilterSet(StrictFilterSet):
    class Meta:
        model = Coupon
        fields = ["code", "active", "duration"]
