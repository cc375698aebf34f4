# Fixtures the bench scripts share, sourced by them: a partner through the CLI (before the server
# starts), then a business, its token and a customer through the API of a running server.
# Needs BIN (the backstop binary) and BASE (the server's URL).

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

# create_partner <database url>: sets PARTNER and KEY.
create_partner() {
    local created
    created=$("$BIN" partners create --name bench --database-url "$1" --json)
    PARTNER=$(echo "$created" | json_field partner_id)
    KEY=$(echo "$created" | json_field api_key)
}

# create_tenant: with the server up, sets TOKEN (partner), BIZ, BTOKEN (business) and CUS.
create_tenant() {
    TOKEN=$(curl -fs -u "$PARTNER:$KEY" -d grant_type=client_credentials "$BASE/v1/platform/oauth2/token/" | json_field access_token)
    BIZ=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        -d '{"external_id":"bench","legal_name":"Bench Ltd","email":"b@bench.example","country":"GB","base_currency":"GBP"}' \
        "$BASE/v1/platform/businesses/" | json_field id)
    BTOKEN=$(curl -fs -X POST -H "Authorization: Bearer $TOKEN" "$BASE/v1/platform/$BIZ/oauth2/token/" | json_field access_token)
    CUS=$(curl -fs -H "Authorization: Bearer $BTOKEN" -H 'content-type: application/json' \
        -d '{"name":"Ana","email":"ana@bench.example"}' "$BASE/v1/platform/businesses/$BIZ/customers/" | json_field id)
}
