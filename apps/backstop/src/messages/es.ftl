# backstop serve's own messages, in Spanish (see en.ftl).

## Resources.
value-invoice = factura
value-customer = cliente
value-business = empresa
value-request = solicitud

## Validation.
field-country = Introduzca un código de país ISO 3166-1 alfa-2, como GB.
field-currency = Código de moneda no válido. Debe ser uno de: { $allowed }
field-line-items-required = Se requiere al menos una línea.
field-line-items-max = Como máximo { $max } líneas.
field-total-too-large = El total de la factura es demasiado grande.
field-customer-unknown = No hay ningún cliente con este id en esta empresa.

## The token endpoint.
token-one-client-authentication = Autentique al cliente de una sola forma: HTTP Basic o el formulario, no ambos
token-client-authentication-required = Autentique al cliente: HTTP Basic partner_id:api_key, o client_id y client_secret en el formulario
token-grant-type-required = El parámetro grant_type es obligatorio
token-grant-type-unsupported = Solo se admite la concesión client_credentials
token-scope = El único ámbito de un token de socio es `partner`
token-basic-credentials = Envíe credenciales HTTP Basic: partner_id y clave de API

## Faults.
database-unreachable = No se puede acceder a la base de datos
storage-unavailable = El servicio no puede guardar datos en este momento; vuelva a intentarlo más tarde
chaos-injected = Fallo inyectado (modo caos)
