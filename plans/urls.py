from django.urls import path

from plans import api

urlpatterns = [
    path("meters", api.MeterListCreateApi.as_view(), name="meter-list"),
    path("meters/<uuid:meter_id>", api.MeterDetailApi.as_view(), name="meter-detail"),
    path("plans", api.PlanListCreateApi.as_view(), name="plan-list"),
    path("plans/<uuid:plan_id>", api.PlanDetailApi.as_view(), name="plan-detail"),
]
