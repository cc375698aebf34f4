# Los mensajes de error de backstop en español.

## Códigos.
INVALID_REQUEST = La solicitud está mal formada o contiene parámetros no válidos
INVALID_FORMAT = El cuerpo de la solicitud no es un JSON válido
MISSING_PARAMETER = Falta un parámetro obligatorio
INVALID_PARAMETER = Un parámetro tiene un valor no válido
INSUFFICIENT_BALANCE = El saldo de la cuenta es inferior al mínimo requerido
AUTHENTICATION_REQUIRED = No se proporcionaron credenciales de autenticación
AUTHENTICATION_FAILED = La autenticación ha fallado
INVALID_API_KEY = La clave de API proporcionada no es válida
EXPIRED_API_KEY = La clave de API ha caducado
REVOKED_API_KEY = La clave de API ha sido revocada
INVALID_TOKEN = El token de acceso no es válido o ha caducado
PERMISSION_DENIED = No tiene permiso para acceder a este recurso
INSUFFICIENT_PERMISSIONS = La credencial no tiene los permisos necesarios
SUSPENDED_ACCOUNT = La cuenta ha sido suspendida
NOT_FOUND = No se encontró la URL solicitada
RESOURCE_NOT_FOUND = No se encontró el recurso solicitado
METHOD_NOT_ALLOWED = El método no está permitido para esta URL
CONFLICT = La solicitud entra en conflicto con el estado actual del recurso
DUPLICATE_EXTERNAL_ID = Ya existe un recurso con este external_id
IDEMPOTENCY_KEY_IN_USE = Todavía se está procesando una solicitud con esta clave de idempotencia
PAYLOAD_TOO_LARGE = El cuerpo de la solicitud es demasiado grande
UNSUPPORTED_MEDIA_TYPE = El tipo de contenido del cuerpo de la solicitud no es compatible
VALIDATION_ERROR = La validación de la solicitud ha fallado
IDEMPOTENCY_KEY_MISMATCH = Esta clave de idempotencia se usó con una solicitud diferente
RATE_LIMIT_EXCEEDED = Se ha superado el límite de solicitudes
INTERNAL_ERROR = Se produjo un error interno del servidor
DATABASE_ERROR = Se produjo un error de base de datos
EXTERNAL_SERVICE_ERROR = Se produjo un error en un servicio externo
PROCESSING_FAILED = El procesamiento ha fallado
BAD_GATEWAY = Un servicio de origen ha fallado
SERVICE_UNAVAILABLE = El servicio no está disponible temporalmente
TIMEOUT = La solicitud ha excedido el tiempo de espera
UNSUPPORTED_GRANT_TYPE = El tipo de concesión no es compatible
INVALID_SCOPE = El ámbito solicitado no es válido o no está permitido
INVALID_GRANT = La concesión no es válida o ha caducado

resource-not-found = No se encontró el recurso solicitado ({ $resource })

## Servidor.
token-expired = El token de acceso ha caducado
unsupported-scheme = Esquema de autorización no compatible; use Bearer
body-unreadable = No se pudo leer el cuerpo de la solicitud
body-empty = El cuerpo de la solicitud está vacío; se requiere un documento JSON
path-misconfigured = Los parámetros de ruta de la ruta están mal configurados
expected-content-type = Se esperaba Content-Type: { $expected }
too-many-connections = El servidor tiene demasiadas conexiones; vuelva a intentarlo más tarde
overloaded = El servidor está sobrecargado; vuelva a intentarlo más tarde
idempotency-key-empty = la cabecera Idempotency-Key está vacía
idempotency-key-too-long = la cabecera Idempotency-Key tiene más de 255 caracteres
idempotency-key-malformed = la cabecera Idempotency-Key está mal formada

## Campos.
field-required = Este campo es obligatorio.
field-unknown = Campo desconocido.
field-expected = Se esperaba { $expected }, se recibió { $got }.
field-expected-only = Se esperaba { $expected }.
field-invalid-value = Valor no válido { $got }: se esperaba { $expected }.
field-one-of = Debe ser uno de: { $allowed }.
field-utf8 = Debe ser UTF-8 válido.
field-invalid = Valor no válido.
path-invalid = Parámetros de ruta no válidos.
body-shape = El cuerpo no tiene la forma esperada.
form-shape = El formulario no tiene la forma esperada.
params-shape = Los parámetros no tienen la forma esperada.
field-max-length = Asegúrese de que este campo no tenga más de { $max } caracteres.
field-email = Introduzca una dirección de correo electrónico válida.
field-date = Introduzca una fecha válida con el formato AAAA-MM-DD.
field-blank = No puede estar en blanco.
field-at-least = Debe ser como mínimo { $min }.
field-at-most = Debe ser como máximo { $max }.

field-length-min = Debe tener una longitud de al menos { $min }.
field-length-max = Debe tener una longitud de como máximo { $max }.
field-card = Introduzca un número de tarjeta válido.
field-pattern = No tiene el formato esperado.
field-contains = Debe contener "{ $pattern }".
field-url = Introduzca una URL válida.
field-prefix = Debe empezar por "{ $pattern }".
field-suffix = Debe terminar en "{ $pattern }".
field-phone = Introduzca un número de teléfono válido.
field-ip = Introduzca una dirección { $kind } válida.
field-matches = Debe coincidir con { $field }.
field-ascii = Solo puede contener caracteres ASCII.
field-alphanumeric = Solo puede contener letras y dígitos.

value-a-single-value = un único valor
value-a-string = una cadena
value-an-integer = un entero
value-a-non-negative-integer = un entero no negativo
value-a-number = un número
value-a-boolean = un booleano
value-an-array = una lista
value-an-object = un objeto
value-a-valid-value = un valor válido
value-null = nulo
