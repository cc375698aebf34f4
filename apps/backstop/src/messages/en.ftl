# backstop serve's own messages, in English: the text its handlers write, which the contract
# recognises and translates (docs/CONTRACT.md §13). Codes and messages the library ships are in
# the library's catalog; only what this API adds is here.

## Resources, as `resource-not-found` names them ("The requested invoice was not found").
value-invoice = invoice
value-customer = customer
value-business = business
value-request = request

## Validation.
field-country = Enter an ISO 3166-1 alpha-2 country code, such as GB.
field-currency = Invalid currency code. Must be one of: { $allowed }
field-line-items-required = At least one line item is required.
field-line-items-max = At most { $max } line items.
field-total-too-large = The invoice total is too large.
field-customer-unknown = No customer with this id in this business.

## The token endpoint.
token-one-client-authentication = Authenticate the client in one way: HTTP Basic or the form, not both
token-client-authentication-required = Authenticate the client: HTTP Basic partner_id:api_key, or client_id and client_secret in the form
token-grant-type-required = The grant_type parameter is required
token-grant-type-unsupported = Only the client_credentials grant is supported
token-scope = The only scope a partner token has is `partner`
token-basic-credentials = Send HTTP Basic credentials: partner_id and API key

## Faults.
database-unreachable = The database is unreachable
storage-unavailable = The service cannot store data right now; retry later
chaos-injected = Injected failure (chaos mode)
