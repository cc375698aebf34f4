# backstop serve's own messages, in German (see en.ftl).

## Resources.
value-invoice = Rechnung
value-customer = Kunde
value-business = Unternehmen
value-request = Anfrage

## Validation.
field-country = Geben Sie einen Ländercode nach ISO 3166-1 alpha-2 ein, etwa GB.
field-currency = Ungültiger Währungscode. Erlaubt ist einer von: { $allowed }
field-line-items-required = Mindestens eine Rechnungsposition ist erforderlich.
field-line-items-max = Höchstens { $max } Rechnungspositionen.
field-total-too-large = Der Rechnungsbetrag ist zu hoch.
field-customer-unknown = In diesem Unternehmen gibt es keinen Kunden mit dieser ID.

## The token endpoint.
token-one-client-authentication = Authentifizieren Sie den Client auf genau eine Weise: HTTP Basic oder das Formular, nicht beides
token-client-authentication-required = Authentifizieren Sie den Client: HTTP Basic partner_id:api_key oder client_id und client_secret im Formular
token-grant-type-required = Der Parameter grant_type ist erforderlich
token-grant-type-unsupported = Nur die Gewährung client_credentials wird unterstützt
token-scope = Der einzige Scope eines Partner-Tokens ist `partner`
token-basic-credentials = Senden Sie HTTP-Basic-Anmeldedaten: partner_id und API-Schlüssel

## Faults.
database-unreachable = Die Datenbank ist nicht erreichbar
storage-unavailable = Der Dienst kann gerade keine Daten speichern; versuchen Sie es später erneut
chaos-injected = Eingeschleuster Fehler (Chaos-Modus)
