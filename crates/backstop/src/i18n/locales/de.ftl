# Die Fehlermeldungen von backstop auf Deutsch.

## Codes.
INVALID_REQUEST = Die Anfrage ist fehlerhaft oder enthält ungültige Parameter
INVALID_FORMAT = Der Anfragetext ist kein gültiges JSON
MISSING_PARAMETER = Ein erforderlicher Parameter fehlt
INVALID_PARAMETER = Ein Parameter hat einen ungültigen Wert
INSUFFICIENT_BALANCE = Der Kontostand liegt unter dem erforderlichen Minimum
AUTHENTICATION_REQUIRED = Es wurden keine Anmeldedaten angegeben
AUTHENTICATION_FAILED = Die Authentifizierung ist fehlgeschlagen
INVALID_API_KEY = Der angegebene API-Schlüssel ist ungültig
EXPIRED_API_KEY = Der API-Schlüssel ist abgelaufen
REVOKED_API_KEY = Der API-Schlüssel wurde widerrufen
INVALID_TOKEN = Das Zugriffstoken ist ungültig oder abgelaufen
PERMISSION_DENIED = Sie haben keine Berechtigung für den Zugriff auf diese Ressource
INSUFFICIENT_PERMISSIONS = Die Anmeldedaten haben nicht die erforderlichen Berechtigungen
SUSPENDED_ACCOUNT = Das Konto wurde gesperrt
NOT_FOUND = Die angeforderte URL wurde nicht gefunden
RESOURCE_NOT_FOUND = Die angeforderte Ressource wurde nicht gefunden
METHOD_NOT_ALLOWED = Die Methode ist für diese URL nicht erlaubt
CONFLICT = Die Anfrage steht im Konflikt mit dem aktuellen Zustand der Ressource
DUPLICATE_EXTERNAL_ID = Eine Ressource mit dieser external_id existiert bereits
IDEMPOTENCY_KEY_IN_USE = Eine Anfrage mit diesem Idempotenzschlüssel wird noch verarbeitet
PAYLOAD_TOO_LARGE = Der Anfragetext ist zu groß
UNSUPPORTED_MEDIA_TYPE = Der Medientyp des Anfragetexts wird nicht unterstützt
VALIDATION_ERROR = Die Validierung der Anfrage ist fehlgeschlagen
IDEMPOTENCY_KEY_MISMATCH = Dieser Idempotenzschlüssel wurde mit einer anderen Anfrage verwendet
RATE_LIMIT_EXCEEDED = Anfragelimit überschritten
INTERNAL_ERROR = Ein interner Serverfehler ist aufgetreten
DATABASE_ERROR = Ein Datenbankfehler ist aufgetreten
EXTERNAL_SERVICE_ERROR = Ein Fehler in einem externen Dienst ist aufgetreten
PROCESSING_FAILED = Die Verarbeitung ist fehlgeschlagen
BAD_GATEWAY = Ein vorgelagerter Dienst ist ausgefallen
SERVICE_UNAVAILABLE = Der Dienst ist vorübergehend nicht verfügbar
TIMEOUT = Die Anfrage hat das Zeitlimit überschritten
UNSUPPORTED_GRANT_TYPE = Der Grant-Typ wird nicht unterstützt
INVALID_SCOPE = Der angeforderte Scope ist ungültig oder nicht erlaubt
INVALID_GRANT = Der Grant ist ungültig oder abgelaufen

resource-not-found = Die angeforderte Ressource ({ $resource }) wurde nicht gefunden

## Server.
token-expired = Das Zugriffstoken ist abgelaufen
unsupported-scheme = Nicht unterstütztes Autorisierungsschema; verwenden Sie Bearer
body-unreadable = Der Anfragetext konnte nicht gelesen werden
body-empty = Der Anfragetext ist leer; ein JSON-Dokument ist erforderlich
path-misconfigured = Die Pfadparameter der Route sind falsch konfiguriert
expected-content-type = Erwarteter Content-Type: { $expected }
too-many-connections = Der Server hat zu viele Verbindungen; versuchen Sie es später erneut
overloaded = Der Server ist überlastet; versuchen Sie es später erneut
idempotency-key-empty = der Header Idempotency-Key ist leer
idempotency-key-too-long = der Header Idempotency-Key ist länger als 255 Zeichen
idempotency-key-malformed = der Header Idempotency-Key ist fehlerhaft

## Felder.
field-required = Dieses Feld ist erforderlich.
field-unknown = Unbekanntes Feld.
field-expected = Erwartet { $expected }, erhalten { $got }.
field-expected-only = Erwartet { $expected }.
field-invalid-value = Ungültiger Wert { $got }: erwartet { $expected }.
field-one-of = Muss einer der folgenden Werte sein: { $allowed }.
field-utf8 = Muss gültiges UTF-8 sein.
field-invalid = Ungültiger Wert.
path-invalid = Ungültige Pfadparameter.
body-shape = Der Anfragetext hat nicht die erwartete Form.
form-shape = Das Formular hat nicht die erwartete Form.
params-shape = Die Parameter haben nicht die erwartete Form.
field-max-length = Dieses Feld darf höchstens { $max } Zeichen enthalten.
field-email = Geben Sie eine gültige E-Mail-Adresse ein.
field-date = Geben Sie ein gültiges Datum im Format JJJJ-MM-TT ein.
field-blank = Darf nicht leer sein.
field-at-least = Muss mindestens { $min } sein.
field-at-most = Darf höchstens { $max } sein.

field-length-min = Muss eine Länge von mindestens { $min } haben.
field-length-max = Darf eine Länge von höchstens { $max } haben.
field-card = Geben Sie eine gültige Kartennummer ein.
field-pattern = Hat nicht das erwartete Format.
field-contains = Muss „{ $pattern }“ enthalten.
field-url = Geben Sie eine gültige URL ein.
field-prefix = Muss mit „{ $pattern }“ beginnen.
field-suffix = Muss mit „{ $pattern }“ enden.
field-phone = Geben Sie eine gültige Telefonnummer ein.
field-ip = Geben Sie eine gültige { $kind }-Adresse ein.
field-matches = Muss mit { $field } übereinstimmen.
field-ascii = Darf nur ASCII-Zeichen enthalten.
field-alphanumeric = Darf nur Buchstaben und Ziffern enthalten.

value-a-single-value = ein einzelner Wert
value-a-string = eine Zeichenkette
value-an-integer = eine Ganzzahl
value-a-non-negative-integer = eine nicht negative Ganzzahl
value-a-number = eine Zahl
value-a-boolean = ein Boolescher Wert
value-an-array = eine Liste
value-an-object = ein Objekt
value-a-valid-value = ein gültiger Wert
value-null = null
