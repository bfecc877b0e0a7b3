from django.urls import path

from plans import api, coupon_api, tax_api

urlpatterns = [
    path("meters", api.MeterListCreateApi.as_view(), name="meter-list"),
    path("meters/<uuid:meter_id>", api.MeterDetailApi.as_view(), name="meter-detail"),
    path("plans", api.PlanListCreateApi.as_view(), name="plan-list"),
    path("plans/<uuid:plan_id>", api.PlanDetailApi.as_view(), name="plan-detail"),
    path("tax-rates", tax_api.TaxRateListCreateApi.as_view(), name="tax-rate-list"),
    path("tax-rates/<uuid:tax_rate_id>", tax_api.TaxRateDetailApi.as_view(), name="tax-rate-detail"),
    path("coupons", coupon_api.CouponListCreateApi.as_view(), name="coupon-list"),
    path("coupons/<uuid:coupon_id>", coupon_api.CouponDetailApi.as_view(), name="coupon-detail"),
]
