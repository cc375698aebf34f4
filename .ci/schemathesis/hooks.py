"""Schemathesis hooks for `backstop serve` (loaded by .ci/schemathesis/run).

- Credentials per operation, as a client of the API would send them: HTTP Basic `partner_id:api_key`
  on the partner token endpoint; a business token for the business in the path on business-scoped
  operations; a partner token everywhere else (docs/CONTRACT.md §7).
- A fresh `Idempotency-Key` for every case whose generated key is a valid one (same length, at least
  32 characters): the contract answers a key reused with another request with 422
  IDEMPOTENCY_KEY_MISMATCH (docs/CONTRACT.md §9.3), and a fuzzer that draws "0" for every case
  would otherwise be told so for valid data. A real client makes one key per logical request
  (§11.2). Invalid keys (negative cases) are sent as generated.
- Per-operation status counts, written to $BACKSTOP_ST_COUNTS when the run ends, so the run script
  can print them and check that every create operation reached a 2xx.
"""

import atexit
import base64
import json
import os
import re
import threading
import uuid
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict

import schemathesis

BASE = os.environ["BACKSTOP_ST_BASE"]
PARTNER = os.environ["BACKSTOP_ST_PARTNER"]
KEY = os.environ["BACKSTOP_ST_KEY"]
COUNTS_FILE = os.environ["BACKSTOP_ST_COUNTS"]

_lock = threading.Lock()
_partner_token = None
# business id -> business token, or None when the partner has no such business. Bounded: a fuzzer
# invents business ids, and each gets at most one lookup.
_business_tokens = {}
_MAX_BUSINESS_TOKENS = 10_000

_counts = defaultdict(Counter)

# The server's rule (apps/backstop/src/api/openapi/fields.rs, IDEMPOTENCY_KEY_PATTERN).
_VALID_KEY = re.compile(r'(?:[!#-+\--~]{1,255}|"(?:[ !#-\[\]-~]|\\["\\]){1,255}")')


def _post(path, headers, data=b""):
    req = urllib.request.Request(BASE + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        return e.code, None


def _basic():
    return "Basic " + base64.b64encode(f"{PARTNER}:{KEY}".encode()).decode()


def partner_token():
    global _partner_token
    with _lock:
        if _partner_token is None:
            status, body = _post(
                "/v1/platform/oauth2/token/",
                {"Authorization": _basic(), "Content-Type": "application/x-www-form-urlencoded"},
                b"grant_type=client_credentials",
            )
            if status != 200:
                raise RuntimeError(f"partner token: HTTP {status}")
            _partner_token = body["access_token"]
        return _partner_token


def business_token(business_id):
    with _lock:
        if business_id in _business_tokens:
            return _business_tokens[business_id]
    token = partner_token()
    quoted = urllib.parse.quote(str(business_id), safe="")
    status, body = _post(f"/v1/platform/{quoted}/oauth2/token/", {"Authorization": f"Bearer {token}"})
    result = body["access_token"] if status == 200 else None
    with _lock:
        if len(_business_tokens) >= _MAX_BUSINESS_TOKENS:
            _business_tokens.clear()
        _business_tokens[business_id] = result
    return result


def _credential(path, path_parameters):
    if path == "/v1/platform/oauth2/token/":
        return _basic()
    business_id = (path_parameters or {}).get("business_id")
    if ("/customers/" in path or "/invoices/" in path) and business_id is not None:
        token = business_token(business_id)
        if token is not None:
            return f"Bearer {token}"
    return f"Bearer {partner_token()}"


@schemathesis.auth(refresh_interval=None)
class BackstopAuth:
    def get(self, case, context):
        return True

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = _credential(context.operation.path, case.path_parameters)


@schemathesis.hook
def before_call(context, case, kwargs):
    # Parameter overrides (schemathesis.toml pins `business_id`) apply after `set`: the business
    # token must be for the business the case is finally sent to. Only a credential this provider
    # set is replaced; a case sent without credentials (the ignored_auth check) stays without.
    headers = case.headers or {}
    if headers.get("Authorization", "").startswith("Bearer "):
        headers["Authorization"] = _credential(context.operation.path, case.path_parameters)


@schemathesis.hook
def map_case(context, case):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() != "idempotency-key":
            continue
        value = headers[name]
        if isinstance(value, str) and _VALID_KEY.fullmatch(value.strip(" \t")):
            length = min(255, max(32, len(value)))
            headers[name] = (uuid.uuid4().hex * 8)[:length]
    return case


@schemathesis.hook
def after_call(context, case, response):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    with _lock:
        _counts[label][response.status_code] += 1


def _write_counts():
    with _lock:
        out = {op: {str(s): n for s, n in sorted(c.items())} for op, c in sorted(_counts.items())}
    with open(COUNTS_FILE, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


atexit.register(_write_counts)
