# backstop serve's own messages, in French (see en.ftl).

## Resources.
value-invoice = facture
value-customer = client
value-business = entreprise
value-request = requête

## Validation.
field-country = Saisissez un code pays ISO 3166-1 alpha-2, comme GB.
field-currency = Code de devise non valide. Doit être l’un de : { $allowed }
field-line-items-required = Au moins une ligne est requise.
field-line-items-max = Au plus { $max } lignes.
field-total-too-large = Le total de la facture est trop élevé.
field-customer-unknown = Aucun client avec cet identifiant dans cette entreprise.

## The token endpoint.
token-one-client-authentication = Authentifiez le client d’une seule façon : HTTP Basic ou le formulaire, pas les deux
token-client-authentication-required = Authentifiez le client : HTTP Basic partner_id:api_key, ou client_id et client_secret dans le formulaire
token-grant-type-required = Le paramètre grant_type est obligatoire
token-grant-type-unsupported = Seule l’autorisation client_credentials est prise en charge
token-scope = Le seul scope d’un jeton partenaire est `partner`
token-basic-credentials = Envoyez des identifiants HTTP Basic : partner_id et clé d’API

## Faults.
database-unreachable = La base de données est injoignable
storage-unavailable = Le service ne peut pas enregistrer de données pour le moment ; réessayez plus tard
chaos-injected = Panne injectée (mode chaos)
