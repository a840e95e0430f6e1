"""An integrator's flow through a client generated from the served OpenAPI document.

`tests/tests/generated_client.rs` starts a real server, seeds what the flow needs, runs
openapi-python-client (pinned by `cargo xtask test`) on `/api/openapi.json` into a
temporary folder, then runs this script with that folder on PYTHONPATH. It uses nothing
but the generated package `crm_client` (and what it depends on): if the document lies
about an operation, a status, a header or a schema, a step here fails.

The test passes the server and the seeds as environment variables:
CRM_BASE_URL, CRM_CLIENT_ID, CRM_CLIENT_SECRET (a service account with the scopes
`pos sales:read crm:read`), CRM_KNOWN_CUSTOMER_ID and CRM_KNOWN_PHONE (a registered
customer), CRM_BARCODE (a product of the catalogue), CRM_COUPON_ID and CRM_COUPON_CODE
(a GENERIC 10 % coupon valid today).

Exits 0 when every step passed; otherwise prints the failed step and exits 1.
"""

import importlib
import inspect
import os
import sys
import traceback
import uuid

import httpx
from crm_client import AuthenticatedClient, Client
from crm_client.api.auth import auth_service_token
from crm_client.api.coupons import coupons_get
from crm_client.api.customers import customers_create, customers_identify
from crm_client.api.products import products_price_list
from crm_client.api.sales import sales_by_key, sales_create, sales_list
from crm_client.models import (
    Coupon,
    CouponStatus,
    CreateCustomerRequest,
    CreateSaleRequest,
    CustomerProfile,
    IdentifyRequest,
    PaymentMethod,
    PaymentRequest,
    Problem,
    Receipt,
    SaleLineRequest,
    SalesHistory,
    SaleStatus,
    ServiceTokenRequest,
    ServiceTokenResponse,
)
from crm_client.types import File

BASE_URL = os.environ["CRM_BASE_URL"]
# A phone nobody has yet, written as a cashier would type it.
NEW_PHONE = "05 05 05 05 05"


def expect(response, status, model):
    """The response has this status and its body parsed as this generated model."""
    body = response.content.decode("utf-8", "replace")
    assert response.status_code == status, (
        f"expected {status}, got {int(response.status_code)}: {body}"
    )
    assert isinstance(response.parsed, model), (
        f"expected a {model.__name__}, the client parsed {response.parsed!r} from {body}"
    )
    return response.parsed


def expect_problem(response, status, code):
    """The response is a problem+json with this status and stable code."""
    problem = expect(response, status, Problem)
    assert problem.code == code, (
        f"expected {code}, got {problem.code}: {problem.detail}"
    )
    assert response.headers["content-type"].startswith("application/problem+json")
    return problem


def whole_document():
    """Every operation of the served document has its generated module, and a body the
    generator can send (the price list is a file upload, not a string it cannot send)."""
    served = httpx.get(f"{BASE_URL}/api/openapi.json").raise_for_status().json()
    missing = []
    operations = 0
    for path, item in served["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            operations += 1
            module = f"crm_client.api.{operation['tags'][0]}.{operation['operationId']}"
            try:
                importlib.import_module(module)
            except ModuleNotFoundError:
                missing.append(f"{method.upper()} {path} ({module})")
    assert not missing, f"operations the generator left out: {missing}"
    assert operations > 50, operations
    body = inspect.signature(products_price_list.sync_detailed).parameters["body"]
    assert body.annotation is File, body.annotation


def service_token():
    """A program logs in with its client credentials, not as a person."""
    anonymous = Client(base_url=BASE_URL, raise_on_unexpected_status=True)
    wrong = ServiceTokenRequest(
        client_id=os.environ["CRM_CLIENT_ID"], client_secret="not-the-secret"
    )
    expect_problem(
        auth_service_token.sync_detailed(client=anonymous, body=wrong),
        401,
        "auth.invalid_credentials",
    )
    credentials = ServiceTokenRequest(
        client_id=os.environ["CRM_CLIENT_ID"],
        client_secret=os.environ["CRM_CLIENT_SECRET"],
    )
    token = expect(
        auth_service_token.sync_detailed(client=anonymous, body=credentials),
        200,
        ServiceTokenResponse,
    )
    assert token.token_type == "Bearer", token
    assert set(token.scope.split()) == {"pos", "sales:read", "crm:read"}, token.scope
    assert token.expires_in > 0, token
    return token.access_token


def identify_known(api):
    """The registered customer is found by phone typed in another usual form."""
    phone = os.environ["CRM_KNOWN_PHONE"]
    written_otherwise = "+225 " + " ".join(phone[i : i + 2] for i in range(0, 10, 2))
    profile = expect(
        customers_identify.sync_detailed(
            client=api, body=IdentifyRequest(phone=written_otherwise)
        ),
        200,
        CustomerProfile,
    )
    assert profile.customer.id == int(os.environ["CRM_KNOWN_CUSTOMER_ID"]), profile
    # A service account sees masked phones: it has no need of the whole number.
    assert "•" in profile.customer.phone, profile.customer.phone
    return profile


def create_customer(api):
    """An unknown phone is not found; registering it answers 201, then 200 (it exists)."""
    expect_problem(
        customers_identify.sync_detailed(
            client=api, body=IdentifyRequest(phone=NEW_PHONE)
        ),
        404,
        "customer.not_found",
    )
    expect_problem(
        customers_identify.sync_detailed(client=api, body=IdentifyRequest(phone="12")),
        422,
        "phone.invalid",
    )
    request = CreateCustomerRequest(phone=NEW_PHONE, first_name="Awa", sms_consent=True)
    created = expect(
        customers_create.sync_detailed(client=api, body=request), 201, CustomerProfile
    )
    again = expect(
        customers_create.sync_detailed(client=api, body=request), 200, CustomerProfile
    )
    assert again.customer.id == created.customer.id, (created, again)
    found = expect(
        customers_identify.sync_detailed(
            client=api, body=IdentifyRequest(phone="0505050505")
        ),
        200,
        CustomerProfile,
    )
    assert found.customer.id == created.customer.id, found
    assert found.customer.first_name == "Awa", found.customer
    return created.customer.id


def read_coupon(api, uses):
    """The seeded coupon, as marketing made it, with its uses counted."""
    coupon = expect(
        coupons_get.sync_detailed(int(os.environ["CRM_COUPON_ID"]), client=api),
        200,
        Coupon,
    )
    assert coupon.code == os.environ["CRM_COUPON_CODE"], coupon
    assert coupon.status == CouponStatus.ACTIVE, coupon.status
    assert coupon.value == 10, coupon
    assert coupon.uses_count == uses, (coupon.uses_count, uses)
    expect_problem(
        coupons_get.sync_detailed(999_999, client=api), 404, "coupon.not_found"
    )
    return coupon


def basket(customer_id, quantity):
    return CreateSaleRequest(
        customer_id=customer_id,
        lines=[SaleLineRequest(barcode=os.environ["CRM_BARCODE"], quantity=quantity)],
        payments=[PaymentRequest(method=PaymentMethod.ESPECES, amount=100_000)],
        # Case and spaces are ignored.
        coupon_code=" " + os.environ["CRM_COUPON_CODE"].lower(),
    )


def checkout_and_replay(api, customer_id):
    """A checkout under a key, then the same request again: the first receipt, once."""
    key = str(uuid.uuid4())
    body = basket(customer_id, 2)
    expect_problem(
        sales_create.sync_detailed(client=api, body=body, idempotency_key=""),
        428,
        "idempotency.key_required",
    )
    first = expect(
        sales_create.sync_detailed(client=api, body=body, idempotency_key=key),
        201,
        Receipt,
    )
    assert first.status == SaleStatus.COMPLETED, first.status
    assert first.customer.id == customer_id, first.customer
    assert first.coupon_code == os.environ["CRM_COUPON_CODE"], first.coupon_code
    assert first.coupon_discount > 0, first
    assert (
        first.total == first.subtotal - first.coupon_discount - first.loyalty_discount
    ), first
    assert first.change == first.paid - first.total, first
    assert sum(line.quantity for line in first.lines) == 2, first.lines

    replay = expect(
        sales_create.sync_detailed(client=api, body=body, idempotency_key=key),
        200,
        Receipt,
    )
    assert replay.to_dict() == first.to_dict(), (first.to_dict(), replay.to_dict())

    expect_problem(
        sales_create.sync_detailed(
            client=api, body=basket(customer_id, 3), idempotency_key=key
        ),
        409,
        "idempotency.conflict",
    )
    by_key = expect(sales_by_key.sync_detailed(key, client=api), 200, Receipt)
    assert by_key.to_dict() == first.to_dict(), by_key
    expect_problem(
        sales_by_key.sync_detailed(str(uuid.uuid4()), client=api), 404, "sale.not_found"
    )
    return first


def list_sales(api, receipt):
    """Today's sales of the store hold the sale once: the replay charged nothing."""
    history = expect(
        sales_list.sync_detailed(client=api, period="today", per_page=50),
        200,
        SalesHistory,
    )
    assert [sale.id for sale in history.sales] == [receipt.id], history.sales
    assert history.total == 1, history.total
    listed = history.sales[0]
    assert listed.ticket_number == receipt.ticket_number, listed
    assert listed.total == receipt.total, listed
    assert listed.status == SaleStatus.COMPLETED, listed


def main():
    steps = []

    def step(name, run, *args):
        print(f"… {name}", flush=True)
        result = run(*args)
        print(f"✓ {name}", flush=True)
        steps.append(name)
        return result

    try:
        step("the generated package covers the served document", whole_document)
        token = step("service-account token (POST /auth/token)", service_token)
        api = AuthenticatedClient(
            base_url=BASE_URL, token=token, raise_on_unexpected_status=True
        )
        step("identify a customer by phone", identify_known, api)
        customer_id = step("create a customer", create_customer, api)
        step("read a coupon", read_coupon, api, 0)
        receipt = step(
            "checkout with an Idempotency-Key, then its replay",
            checkout_and_replay,
            api,
            customer_id,
        )
        step("list sales", list_sales, api, receipt)
        step("the coupon counts one use", read_coupon, api, 1)
    except Exception:  # noqa: BLE001 — any failure is reported with its traceback
        traceback.print_exc()
        print(f"✗ failed after {len(steps)} step(s)", file=sys.stderr)
        return 1
    print(f"all {len(steps)} steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
