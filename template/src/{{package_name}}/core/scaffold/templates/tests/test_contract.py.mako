## Managed by the service standard (copier update): what it renders is the team's.
"""The ${names.titles} API refuses what it cannot store and says so in HTTP and OpenAPI."""

${imports}

${URL} = "/api/v1${names.url}"
% if text_fields:
JSON = {"content-type": "application/json"}
% endif


@pytest.mark.parametrize("offset", [2**63, 10**20, 1_000_001])
async def test_an_offset_past_the_maximum_is_a_422_problem(client: AsyncClient, offset: int) -> None:
    response = await client.get(${URL}, params={"offset": offset})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "offset"]


async def test_a_limit_above_the_maximum_is_a_422_problem(client: AsyncClient) -> None:
    response = await client.get(${URL}, params={"limit": 1000})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


async def test_a_malformed_id_is_a_422_problem(client: AsyncClient) -> None:
    response = await client.get(f"{${URL}}/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "${id_name}"]
% if invalid:


async def test_create_with_invalid_fields_lists_each_error_without_echoing_them(
    client: AsyncClient${session_param}
) -> None:
    payload = ${payload_call_with(", ".join(f"{name}={value}" for name, value in invalid))}

    response = await client.post(${URL}, json=payload)

    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert locations == {${", ".join(f'("body", "{name}")' for name, _ in invalid)}}
%   if echo:
    assert ${echo} not in response.text  # the input is never echoed back
%   endif
% endif
% if defaults:


async def test_create_applies_the_defaults(client: AsyncClient${session_param}) -> None:
    payload = ${payload_call}
    for left_out in [${", ".join(f'"{name}"' for name, _ in defaults)}]:
        del payload[left_out]

    response = await client.post(${URL}, json=payload)

    assert response.status_code == 201
    body = response.json()
%   for name, value in defaults:
%     if value == "None":
    assert body["${name}"] is None
%     else:
    assert body["${name}"] == ${value}
%     endif
%   endfor
% endif
% if text_fields:


@pytest.mark.parametrize("text", ["a\u0000b", "\ud800"])
@pytest.mark.parametrize("field", [${", ".join(f'"{name}"' for name in text_fields)}])
async def test_text_no_database_can_store_is_a_422_problem(
    client: AsyncClient${session_param}, field: str, text: str
) -> None:
    # Encoded by hand: JSON escapes a lone surrogate (\ud800), httpx would refuse to.
    body = json.dumps(${payload_call_with("**{field: text}")})
    response = await client.post(${URL}, content=body, headers=JSON)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]
% endif
% if integer:


@pytest.mark.parametrize("value", [False, True, "1", 1.5, "one"])
async def test_an_integer_field_takes_only_a_json_integer(
    client: AsyncClient${session_param}, value: object
) -> None:
    response = await client.post(${URL}, json=${payload_call_with(integer[0] + "=value")})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "${integer[0]}"]


async def test_an_integral_number_is_an_integer_as_json_schema_says(
    client: AsyncClient${session_param}
) -> None:
    response = await client.post(${URL}, json=${payload_call_with(integer[0] + "=" + integer[1] + ".0")})

    assert response.status_code == 201
    assert response.json()["${integer[0]}"] == ${integer[1]}
% endif
% if out_of_bounds:


@pytest.mark.parametrize(
    ("field", "value"), [${", ".join(f'("{name}", {value})' for name, value in out_of_bounds)}]
)
async def test_a_number_out_of_its_bounds_is_a_422_problem(
    client: AsyncClient${session_param}, field: str, value: int
) -> None:
    response = await client.post(${URL}, json=${payload_call_with("**{field: value}")})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]
% endif
% for name in date_fields:


async def test_a_number_is_not_a_date_for_${name}(client: AsyncClient${session_param}) -> None:
    response = await client.post(${URL}, json=${payload_call_with(name + "=0")})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "${name}"]
% endfor
% if contract_unique:


async def test_patch_to_a_taken_${contract_unique.name}_is_a_409_problem(
    client: AsyncClient, session: AsyncSession
) -> None:
    taken = await create_${names.singular}(session)
    ${names.singular} = await create_${names.singular}(session)

    response = await client.patch(
        f"{${URL}}/{${names.singular}.id}", json={"${contract_unique.name}": ${unique_json}}
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
% endif


async def test_a_deleted_${names.singular}_answers_204_without_a_body_or_its_type(
    client: AsyncClient, session: AsyncSession
) -> None:
    ${names.singular} = await create_${names.singular}(session)

    response = await client.delete(f"{${URL}}/{${names.singular}.id}")

    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers


async def test_deleting_an_unknown_${names.singular}_is_a_404_problem(client: AsyncClient) -> None:
    response = await client.delete(f"{${URL}}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_patch_schema_offers_null_only_where_it_is_accepted(client: AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    schema = schemas["${Model}Update"]

    nullable = {
        field
        for field, definition in schema["properties"].items()
        if {"type": "null"} in definition.get("anyOf", [])
    }
    assert nullable == ${nullable_set}
    assert "required" not in schema  # every field may be left out
    assert all("default" not in definition for definition in schema["properties"].values())
% for name, low in minimums:
    assert schema["properties"]["${name}"]["minimum"] == ${low}  # bounds survive the type's checks
% endfor
% if documented:


async def test_the_create_schema_documents_what_text_refuses(client: AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    schema = schemas["${Model}Create"]

    assert schema["properties"]["${documented[0]}"]["pattern"] == r"^[^\x00]*$"
    assert schema["properties"]["${documented[0]}"]["maxLength"] == ${documented[1]}
% endif
