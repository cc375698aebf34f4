# Les messages d'erreur de backstop en français.

## Codes.
INVALID_REQUEST = La requête est mal formée ou contient des paramètres non valides
INVALID_FORMAT = Le corps de la requête n'est pas un JSON valide
MISSING_PARAMETER = Un paramètre obligatoire est manquant
INVALID_PARAMETER = Un paramètre a une valeur non valide
INSUFFICIENT_BALANCE = Le solde du compte est inférieur au minimum requis
AUTHENTICATION_REQUIRED = Les identifiants d'authentification n'ont pas été fournis
AUTHENTICATION_FAILED = L'authentification a échoué
INVALID_API_KEY = La clé d'API fournie n'est pas valide
EXPIRED_API_KEY = La clé d'API a expiré
REVOKED_API_KEY = La clé d'API a été révoquée
INVALID_TOKEN = Le jeton d'accès n'est pas valide ou a expiré
PERMISSION_DENIED = Vous n'avez pas la permission d'accéder à cette ressource
INSUFFICIENT_PERMISSIONS = L'identifiant ne dispose pas des permissions requises
SUSPENDED_ACCOUNT = Le compte a été suspendu
NOT_FOUND = L'URL demandée est introuvable
RESOURCE_NOT_FOUND = La ressource demandée est introuvable
METHOD_NOT_ALLOWED = La méthode n'est pas autorisée pour cette URL
CONFLICT = La requête est en conflit avec l'état actuel de la ressource
DUPLICATE_EXTERNAL_ID = Une ressource avec cet external_id existe déjà
IDEMPOTENCY_KEY_IN_USE = Une requête avec cette clé d'idempotence est encore en cours de traitement
PAYLOAD_TOO_LARGE = Le corps de la requête est trop volumineux
UNSUPPORTED_MEDIA_TYPE = Le type de média du corps de la requête n'est pas pris en charge
VALIDATION_ERROR = La validation de la requête a échoué
IDEMPOTENCY_KEY_MISMATCH = Cette clé d'idempotence a été utilisée avec une autre requête
RATE_LIMIT_EXCEEDED = Limite de débit dépassée
INTERNAL_ERROR = Une erreur interne du serveur s'est produite
DATABASE_ERROR = Une erreur de base de données s'est produite
EXTERNAL_SERVICE_ERROR = Une erreur d'un service externe s'est produite
PROCESSING_FAILED = Le traitement a échoué
BAD_GATEWAY = Un service en amont a échoué
SERVICE_UNAVAILABLE = Le service est temporairement indisponible
TIMEOUT = Le délai de la requête a expiré
UNSUPPORTED_GRANT_TYPE = Le type d'autorisation n'est pas pris en charge
INVALID_SCOPE = La portée demandée n'est pas valide ou n'est pas autorisée
INVALID_GRANT = L'autorisation n'est pas valide ou a expiré

resource-not-found = La ressource demandée ({ $resource }) est introuvable

## Serveur.
token-expired = Le jeton d'accès a expiré
unsupported-scheme = Schéma d'autorisation non pris en charge ; utilisez Bearer
body-unreadable = Le corps de la requête n'a pas pu être lu
body-empty = Le corps de la requête est vide ; un document JSON est requis
path-misconfigured = Les paramètres de chemin de la route sont mal configurés
expected-content-type = Content-Type attendu : { $expected }
too-many-connections = Le serveur a trop de connexions ; réessayez plus tard
overloaded = Le serveur est surchargé ; réessayez plus tard
idempotency-key-empty = l'en-tête Idempotency-Key est vide
idempotency-key-too-long = l'en-tête Idempotency-Key dépasse 255 caractères
idempotency-key-malformed = l'en-tête Idempotency-Key est mal formé

## Champs.
field-required = Ce champ est obligatoire.
field-unknown = Champ inconnu.
field-expected = { $expected } attendu, { $got } reçu.
field-expected-only = { $expected } attendu.
field-invalid-value = Valeur non valide { $got } : { $expected } attendu.
field-one-of = Doit être l'une des valeurs : { $allowed }.
field-utf8 = Doit être de l'UTF-8 valide.
field-invalid = Valeur non valide.
path-invalid = Paramètres de chemin non valides.
body-shape = Le corps n'a pas la forme attendue.
form-shape = Le formulaire n'a pas la forme attendue.
params-shape = Les paramètres n'ont pas la forme attendue.
field-max-length = Assurez-vous que ce champ ne comporte pas plus de { $max } caractères.
field-email = Saisissez une adresse e-mail valide.
field-date = Saisissez une date valide au format AAAA-MM-JJ.
field-blank = Ne peut pas être vide.
field-at-least = Doit être au moins { $min }.
field-at-most = Doit être au plus { $max }.

field-length-min = Doit avoir une longueur d'au moins { $min }.
field-length-max = Doit avoir une longueur d'au plus { $max }.
field-card = Saisissez un numéro de carte valide.
field-pattern = N'a pas le format attendu.
field-contains = Doit contenir « { $pattern } ».
field-url = Saisissez une URL valide.
field-prefix = Doit commencer par « { $pattern } ».
field-suffix = Doit se terminer par « { $pattern } ».
field-phone = Saisissez un numéro de téléphone valide.
field-ip = Saisissez une adresse { $kind } valide.
field-matches = Doit correspondre à { $field }.
field-ascii = Ne doit contenir que des caractères ASCII.
field-alphanumeric = Ne doit contenir que des lettres et des chiffres.

value-a-single-value = une seule valeur
value-a-string = une chaîne
value-an-integer = un entier
value-a-non-negative-integer = un entier positif ou nul
value-a-number = un nombre
value-a-boolean = un booléen
value-an-array = une liste
value-an-object = un objet
value-a-valid-value = une valeur valide
value-null = null
