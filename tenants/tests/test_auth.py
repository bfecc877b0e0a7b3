"""Sign-up, login, refresh, users and API keys (API.md, Authentication and tenancy)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from tenants.api import BAD_CREDENTIALS, BAD_SIGNUP_TOKEN
from tenants.authentication import INVALID_API_KEY
from tenants.models import ApiKey, Role, Tenant, User, hash_api_key
from tenants.services import EMAIL_TAKEN, api_key_create
from tenants.tests.factories import PASSWORD, UserFactory
from tenants.validators import UNKNOWN_CURRENCY

pytestmark = pytest.mark.django_db

SIGNUP = {"name": "Initech", "admin_email": "Boss@Initech.test", "admin_password": "a-long-enough-passphrase"}


def errors_of(response):
    body = response.json()
    return [(e["attr"], e["code"]) for e in body["errors"]]


def test_signup_creates_tenant_and_admin_and_logs_in():
    response = APIClient().post("/v1/tenants", {**SIGNUP, "default_currency": "EUR"}, format="json")
    assert response.status_code == 201
    body = response.json()
    tenant = Tenant.objects.get(pk=body["tenant"]["id"])
    assert tenant.name == "Initech"
    assert body["tenant"]["default_currency"] == "EUR"
    assert body["user"]["email"] == "boss@initech.test"
    assert body["user"]["role"] == "admin"
    assert User.objects.get(pk=body["user"]["id"]).tenant_id == tenant.id
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.get(f"/v1/tenants/{tenant.id}").json()["name"] == "Initech"


def test_signup_defaults_currency_to_usd():
    response = APIClient().post("/v1/tenants", SIGNUP, format="json")
    assert response.json()["tenant"]["default_currency"] == "USD"


@pytest.mark.parametrize("currency", ["usd", "ABC", "XAU"])
def test_signup_rejects_unknown_currency(currency):
    response = APIClient().post("/v1/tenants", {**SIGNUP, "default_currency": currency}, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["errors"][0]["attr"] == "default_currency"
    assert response.json()["errors"][0]["detail"] == UNKNOWN_CURRENCY.format(code=currency)
    assert not Tenant.objects.exists()


def test_signup_rejects_weak_password_naming_the_field():
    response = APIClient().post("/v1/tenants", {**SIGNUP, "admin_password": "password"}, format="json")
    assert response.status_code == 400
    assert {attr for attr, _ in errors_of(response)} == {"admin_password"}
    assert not Tenant.objects.exists()


def test_signup_with_a_taken_email_is_409_and_creates_no_tenant(admin_user):
    response = APIClient().post("/v1/tenants", {**SIGNUP, "admin_email": admin_user.email}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["detail"] == EMAIL_TAKEN
    assert Tenant.objects.count() == 1


def test_signup_missing_fields_are_named():
    response = APIClient().post("/v1/tenants", {}, format="json")
    assert response.status_code == 400
    assert {attr for attr, _ in errors_of(response)} == {"name", "admin_email", "admin_password"}


def test_signup_needs_the_token_when_one_is_configured(settings):
    settings.TENANT_SIGNUP_TOKEN = "let-me-in"
    denied = APIClient().post("/v1/tenants", SIGNUP, format="json")
    wrong = APIClient().post("/v1/tenants", SIGNUP, format="json", HTTP_X_SIGNUP_TOKEN="nope")
    allowed = APIClient().post("/v1/tenants", SIGNUP, format="json", HTTP_X_SIGNUP_TOKEN="let-me-in")
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["detail"] == BAD_SIGNUP_TOKEN
    assert wrong.status_code == 403
    assert allowed.status_code == 201
    assert Tenant.objects.count() == 1


def test_signup_is_throttled():
    client = APIClient()
    codes = [
        client.post("/v1/tenants", {**SIGNUP, "admin_email": f"a{i}@x.test"}, format="json").status_code
        for i in range(6)
    ]
    assert codes == [201] * 5 + [429]
    assert Tenant.objects.count() == 5


def test_signup_throttle_ignores_a_forged_x_forwarded_for():
    # NUM_PROXIES=0 (the default): the header is the client's own text, not an address.
    client = APIClient()
    responses = [
        client.post("/v1/tenants", {**SIGNUP, "admin_email": f"a{i}@x.test"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        for i in range(30)
    ]
    assert [r.status_code for r in responses] == [201] * 5 + [429] * 25
    assert responses[-1].json()["errors"][0]["code"] == "throttled"
    assert Tenant.objects.count() == 5


def test_malformed_json_is_400_in_the_envelope():
    response = APIClient().post("/v1/tenants", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_login_returns_tokens_with_tenant_and_role(member_user):
    response = APIClient().post("/v1/auth/login", {"email": "MEMBER@acme.test", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["tenant_id"] == str(member_user.tenant_id)
    assert body["role"] == "member"
    from rest_framework_simplejwt.tokens import AccessToken

    claims = AccessToken(body["access"])
    assert claims["tenant_id"] == str(member_user.tenant_id)
    assert claims["role"] == "member"
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_failed_login_answers_the_same_whether_or_not_the_email_exists(member_user):
    wrong_password = APIClient().post("/v1/auth/login", {"email": member_user.email, "password": "nope"}, format="json")
    no_such_user = APIClient().post("/v1/auth/login", {"email": "ghost@acme.test", "password": "nope"}, format="json")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert wrong_password.json() == no_such_user.json()
    assert wrong_password.json()["errors"][0]["detail"] == BAD_CREDENTIALS


def test_inactive_user_cannot_log_in(member_user):
    member_user.is_active = False
    member_user.save()
    response = APIClient().post("/v1/auth/login", {"email": member_user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 401


def test_login_is_throttled(member_user):
    client = APIClient()
    body = {"email": member_user.email, "password": "wrong"}
    codes = [client.post("/v1/auth/login", body, format="json").status_code for _ in range(11)]
    assert codes == [401] * 10 + [429]


def test_login_throttle_ignores_a_forged_x_forwarded_for(member_user):
    client = APIClient()
    body = {"email": member_user.email, "password": "wrong"}
    responses = [client.post("/v1/auth/login", body, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") for i in range(30)]
    assert [r.status_code for r in responses] == [401] * 10 + [429] * 20
    assert responses[-1].json()["errors"][0]["code"] == "throttled"


def test_behind_one_proxy_the_client_address_comes_from_x_forwarded_for(member_user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()  # REMOTE_ADDR is the proxy's, 127.0.0.1, for every request
    body = {"email": member_user.email, "password": "wrong"}

    def login(forwarded_for):
        return client.post("/v1/auth/login", body, HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    assert [login("198.51.100.7") for _ in range(11)] == [401] * 10 + [429]
    # Our proxy appends the address it saw: what the client wrote before it is ignored.
    assert login("203.0.113.9, 198.51.100.7") == 429
    assert login("198.51.100.8") == 401


def test_login_missing_password_names_the_field():
    response = APIClient().post("/v1/auth/login", {"email": "a@b.test"}, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("password", "required")]


def test_refresh_rotates_and_blacklists_the_old_token(member_user):
    login = APIClient().post("/v1/auth/login", {"email": member_user.email, "password": PASSWORD}, format="json").json()
    first = APIClient().post("/v1/auth/refresh", {"refresh": login["refresh"]}, format="json")
    assert first.status_code == 200
    assert first.json()["refresh"] != login["refresh"]
    from rest_framework_simplejwt.tokens import AccessToken

    assert AccessToken(first.json()["access"])["tenant_id"] == str(member_user.tenant_id)
    again = APIClient().post("/v1/auth/refresh", {"refresh": login["refresh"]}, format="json")
    assert again.status_code == 401


def test_refresh_with_garbage_is_401():
    response = APIClient().post("/v1/auth/refresh", {"refresh": "garbage"}, format="json")
    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


def test_no_credentials_is_401(tenant, turl):
    response = APIClient().get(turl())
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_bad_token_is_401(tenant, turl):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert client.get(turl()).status_code == 401


def test_expired_token_is_401(api, turl):
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = api.get(turl())
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


def test_token_of_a_deactivated_user_is_401(api, admin_user, turl):
    admin_user.is_active = False
    admin_user.save()
    assert api.get(turl()).status_code == 401


def test_a_path_tenant_that_does_not_exist_is_403_not_404(api):
    response = api.get("/v1/tenants/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 403


def test_staff_user_without_tenant_gets_403(client_for, tenant, turl):
    staff = UserFactory(tenant=None, is_staff=True, email="staff@billing.test")
    assert client_for(staff).get(turl()).status_code == 403


def test_admin_creates_and_lists_users(api, turl, tenant, other_admin):
    response = api.post(turl("users"), {"email": "new@acme.test", "password": "another-fine-pass", "role": "viewer"})
    assert response.status_code == 201
    assert response.json()["role"] == "viewer"
    assert User.objects.get(email="new@acme.test").tenant_id == tenant.id
    listed = api.get(turl("users")).json()
    assert {u["email"] for u in listed["results"]} == {"admin@acme.test", "new@acme.test"}
    assert listed["next"] is None


def test_user_create_duplicate_email_is_409(api, turl, other_admin):
    response = api.post(turl("users"), {"email": other_admin.email, "password": "another-fine-pass", "role": "member"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["detail"] == EMAIL_TAKEN


def test_user_create_weak_password_is_400(api, turl):
    response = api.post(turl("users"), {"email": "w@acme.test", "password": "12345678", "role": "member"})
    assert response.status_code == 400
    assert {attr for attr, _ in errors_of(response)} == {"password"}


def test_user_create_unknown_role_is_400(api, turl):
    response = api.post(turl("users"), {"email": "w@acme.test", "password": "another-fine-pass", "role": "owner"})
    assert errors_of(response) == [("role", "invalid_choice")]


@pytest.mark.parametrize("client_name", ["member_api", "viewer_api", "key_api"])
def test_only_admins_manage_users_and_keys(request, client_name, turl):
    client = request.getfixturevalue(client_name)
    assert client.get(turl("users")).status_code == 403
    assert (
        client.post(
            turl("users"), {"email": "z@acme.test", "password": "another-fine-pass", "role": "admin"}
        ).status_code
        == 403
    )
    assert client.get(turl("api-keys")).status_code == 403
    assert client.post(turl("api-keys"), {"name": "x"}).status_code == 403
    assert not User.objects.filter(email="z@acme.test").exists()


def test_api_key_is_shown_once_and_stored_as_a_hash(api, turl, tenant):
    response = api.post(turl("api-keys"), {"name": "backend"})
    assert response.status_code == 201
    raw = response.json()["key"]
    assert raw.startswith("bk_")
    assert response.json()["prefix"] == raw[:10]
    key = ApiKey.objects.get(pk=response.json()["id"])
    assert key.key_hash == hash_api_key(raw)
    assert raw not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    listed = api.get(turl("api-keys")).json()["results"]
    assert [k["name"] for k in listed] == ["backend"]
    assert "key" not in listed[0]


def test_api_key_authenticates_as_a_member_of_its_tenant(tenant, turl, client_for_key, other_tenant):
    key, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    assert client.get(turl()).json()["id"] == str(tenant.id)
    assert client.get(f"/v1/tenants/{other_tenant.id}").status_code == 403
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_api_key_is_401(api, turl, tenant, client_for_key):
    key, raw = api_key_create(tenant=tenant, name="backend")
    assert api.delete(turl(f"api-keys/{key.id}")).status_code == 204
    response = client_for_key(raw).get(turl())
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"] == INVALID_API_KEY
    assert api.get(turl("api-keys")).json()["results"][0]["revoked_at"] is not None


def test_unknown_api_key_is_401(tenant, turl, client_for_key):
    assert client_for_key("bk_made_up").get(turl()).status_code == 401


def test_createsuperuser_works_with_the_email_user():
    from django.core.management import call_command

    call_command("createsuperuser", "--noinput", email="root@billing.test")
    user = User.objects.get(email="root@billing.test")
    assert user.is_superuser and user.is_staff and user.tenant_id is None
    assert user.role == Role.MEMBER
