"""The README walkthrough, through a Python client generated from `backstop serve`'s /openapi.json
by openapi-python-client: partner token -> business -> business token -> customer -> invoice, then a
422 whose field list is read as typed data. Exits non-zero on any surprise.

Environment: BACKSTOP_BASE (the server), BACKSTOP_PARTNER and BACKSTOP_KEY (a partner's id and key).
"""

import base64
import datetime
import os
import sys
import uuid

from backstop_api import AuthenticatedClient, Client
from backstop_api.api.default import (
    create_business,
    create_business_token,
    create_customer,
    create_invoice,
    create_partner_token,
    get_invoice,
)
from backstop_api.models import (
    BusinessView,
    Country,
    CreateBusiness,
    CreateCustomer,
    CreateInvoice,
    CreateInvoiceResponse422,
    CreateLineItem,
    Currency,
    CustomerView,
    GetInvoiceResponse404,
    InvoiceView,
    TokenForm,
    TokenFormGrantType,
    TokenResponse,
)

base = os.environ["BACKSTOP_BASE"]
partner, key = os.environ["BACKSTOP_PARTNER"], os.environ["BACKSTOP_KEY"]


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


# 3. A partner token: HTTP Basic partner_id:api_key, client-credentials grant.
basic = base64.b64encode(f"{partner}:{key}".encode()).decode()
anonymous = Client(base_url=base, headers={"Authorization": f"Basic {basic}"})
token = create_partner_token.sync(client=anonymous, body=TokenForm(grant_type=TokenFormGrantType.CLIENT_CREDENTIALS))
check(isinstance(token, TokenResponse) and token.access_token, "partner token")
partner_client = AuthenticatedClient(base_url=base, token=token.access_token)

# 4. A business, idempotent by external_id.
business_body = CreateBusiness(
    external_id=f"acme-{uuid.uuid4().hex[:8]}",
    legal_name="Acme Ltd",
    email="billing@acme.example",
    country=Country.GB,
    base_currency=Currency.GBP,
)
created = create_business.sync_detailed(client=partner_client, body=business_body)
check(created.status_code == 201 and isinstance(created.parsed, BusinessView), "business created (201)")
business = created.parsed
again = create_business.sync_detailed(client=partner_client, body=business_body)
check(
    again.status_code == 200 and again.parsed.id == business.id and again.parsed.field_meta.created is False,
    "same external_id returns the existing business (200, _meta.created false)",
)

# 5. A business token, a customer, an invoice (with an Idempotency-Key, replayed on repeat).
btoken = create_business_token.sync(business.id, client=partner_client)
check(isinstance(btoken, TokenResponse) and btoken.business_id == business.id, "business token")
biz_client = AuthenticatedClient(base_url=base, token=btoken.access_token)
customer = create_customer.sync(
    business.id, client=biz_client, body=CreateCustomer(name="Ana", email="ana@example.com")
)
check(isinstance(customer, CustomerView) and customer.id.startswith("cus_"), "customer created")
invoice_body = CreateInvoice(
    customer_id=customer.id,
    currency=Currency.GBP,
    due_date=datetime.date(2026, 12, 31),
    line_items=[CreateLineItem(description="Design", quantity=3, unit_amount=12500)],
)
key_value = f"inv-{uuid.uuid4().hex}"
first = create_invoice.sync_detailed(business.id, client=biz_client, body=invoice_body, idempotency_key=key_value)
check(first.status_code == 201 and isinstance(first.parsed, InvoiceView), "invoice created (201)")
check(first.parsed.total == 37500, "invoice total 37500")
replay = create_invoice.sync_detailed(business.id, client=biz_client, body=invoice_body, idempotency_key=key_value)
check(
    replay.status_code == 201
    and replay.parsed.id == first.parsed.id
    and replay.headers.get("idempotent-replayed") == "true",
    "the same request with the same key is replayed",
)

# 6. A validation error lists every offending field, as typed data.
bad = CreateInvoice(
    customer_id="cus_nope",
    currency=Currency.EUR,
    due_date=datetime.date(2026, 2, 28),
    line_items=[CreateLineItem(description="Design", quantity=0, unit_amount=-1)],
)
rejected = create_invoice.sync_detailed(business.id, client=biz_client, body=bad)
check(rejected.status_code == 422, "invalid invoice gets 422")
error = rejected.parsed
check(isinstance(error, CreateInvoiceResponse422), "the 422 body parses as the typed 422 model")
check(error.error.code.value == "VALIDATION_ERROR", "code VALIDATION_ERROR")
fields = error.error.details.additional_properties
check(
    isinstance(fields, dict) and all(isinstance(m, list) and all(isinstance(s, str) for s in m) for m in fields.values()),
    "details is a map of field -> [messages]",
)
for field in ("customer_id", "line_items[0].quantity", "line_items[0].unit_amount"):
    check(field in fields, f"{field} is listed: {fields.get(field)}")
check(error.error.request_id == rejected.headers.get("x-request-id"), "request_id equals X-Request-Id")
check(error.error.retryable is False, "not retryable")

# 7. A 404 with its typed envelope.
missing = get_invoice.sync_detailed(business.id, "inv_nope", client=biz_client)
check(isinstance(missing.parsed, GetInvoiceResponse404), "unknown invoice parses as the typed 404 model")
check(missing.parsed.error.code.value == "INVOICE_NOT_FOUND", "code INVOICE_NOT_FOUND")

print("the generated client completed the walkthrough")
