def test_tenant_detail_returns_the_callers_tenant(api, tenant, turl):
    response = api.get(turl())
    assert response.status_code == 200
    assert response.json()["id"] == str(tenant.id)
    assert response.json()["default_currency"] == "USD"
