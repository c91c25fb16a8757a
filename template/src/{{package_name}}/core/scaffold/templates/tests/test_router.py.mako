## Managed by the service standard (copier update): what it renders is the team's.
"""The ${names.titles} API, end to end through the app and a real database."""

${imports}

${URL} = "/api/v1${names.url}"


async def test_create_returns_the_stored_${names.singular}(client: AsyncClient${session_param}) -> None:
    payload = ${payload_call}

    response = await client.post(${URL}, json=payload)

    assert response.status_code == 201
    body = response.json()
    assert uuid.UUID(body["id"])
% for f in round_trips:
    assert body["${f.name}"] == payload["${f.name}"]
% endfor
    assert response.headers["location"] == f"{${URL}}/{body['id']}"
    assert (await client.get(response.headers["location"])).json() == body


async def test_create_with_unknown_fields_is_a_422_problem(client: AsyncClient${session_param}) -> None:
    response = await client.post(${URL}, json=${payload_call_with('unknown_field="x"')})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "unknown_field"]
% if unique:


async def test_create_with_a_taken_${unique.name}_is_a_409_problem(
    client: AsyncClient${session_param}
) -> None:
    first = ${payload_call}
    assert (await client.post(${URL}, json=first)).status_code == 201

    response = await client.post(${URL}, json=${payload_call_with(unique.name + '=first["' + unique.name + '"]')})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
% endif
% for f in refs:


async def test_create_naming_a_missing_${f.field.target.singular}_is_a_409_problem(
    client: AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(${URL}, json=${payload_call_with(f.name + "=str(uuid.uuid4())")})

    assert response.status_code == 409
    assert "${f.name}" in response.json()["detail"]
% endfor


async def test_get_unknown_${names.singular}_is_a_404_problem(client: AsyncClient) -> None:
    missing = uuid.uuid4()

    response = await client.get(f"{${URL}}/{missing}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert str(missing) in response.json()["detail"]


async def test_list_pages_through_${names.plural}_with_a_total(
    client: AsyncClient, session: AsyncSession
) -> None:
    created = {str((await create_${names.singular}(session)).id) for _ in range(3)}

    pages = [
        (await client.get(${URL}, params={"limit": 2, "offset": offset})).json()
        for offset in (0, 2)
    ]

    assert [(page["total"], len(page["items"])) for page in pages] == [(3, 2), (3, 1)]
    assert {item["id"] for page in pages for item in page["items"]} == created
% for f in enum_filters:


async def test_list_filters_by_${f.name}(client: AsyncClient, session: AsyncSession) -> None:
    await create_${names.singular}(session, ${f.name}="${f.field.choices[0]}")
    wanted = await create_${names.singular}(session, ${f.name}="${f.field.choices[-1]}")

    page = (await client.get(${URL}, params={"${f.name}": "${f.field.choices[-1]}"})).json()

    assert page["total"] == 1
    assert page["items"][0]["id"] == str(wanted.id)
% endfor
% for f in refs:


async def test_list_filters_by_${f.name}(client: AsyncClient, session: AsyncSession) -> None:
    await create_${names.singular}(session)
    wanted = await create_${names.singular}(session)

    page = (await client.get(${URL}, params={"${f.name}": str(wanted.${f.name})})).json()

    assert page["total"] == 1
    assert page["items"][0]["id"] == str(wanted.id)
% endfor
% if patched:


async def test_patch_changes_only_the_field_sent(
    client: AsyncClient, session: AsyncSession
) -> None:
    ${names.singular} = await create_${names.singular}(session)
    before = (await client.get(f"{${URL}}/{${names.singular}.id}")).json()

    response = await client.patch(f"{${URL}}/{${names.singular}.id}", json={"${patched.name}": ${patched.changed}})

    assert response.status_code == 200
    body = response.json()
    assert body["${patched.name}"] == ${patched.changed}
    kept = {key for key in before if key not in {"${patched.name}", "updated_at"}}
    assert {key: body[key] for key in kept} == {key: before[key] for key in kept}
% endif
% if nullable:


async def test_patch_null_clears_${nullable.name}(client: AsyncClient, session: AsyncSession) -> None:
    ${names.singular} = await create_${names.singular}(session)

    response = await client.patch(f"{${URL}}/{${names.singular}.id}", json={"${nullable.name}": None})

    assert response.status_code == 200
    assert response.json()["${nullable.name}"] is None
% endif
% if required:


async def test_patch_null_on_a_required_field_is_a_422_problem(
    client: AsyncClient, session: AsyncSession
) -> None:
    ${names.singular} = await create_${names.singular}(session)

    response = await client.patch(f"{${URL}}/{${names.singular}.id}", json={"${required.name}": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "${required.name}"]
% endif


async def test_patch_unknown_${names.singular}_is_a_404_problem(client: AsyncClient) -> None:
    response = await client.patch(f"{${URL}}/{uuid.uuid4()}", json={})

    assert response.status_code == 404


async def test_delete_removes_the_${names.singular}(client: AsyncClient, session: AsyncSession) -> None:
    ${names.singular} = await create_${names.singular}(session)

    deleted = await client.delete(f"{${URL}}/{${names.singular}.id}")
    fetched = await client.get(f"{${URL}}/{${names.singular}.id}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleting_needs_the_${names.plural}_delete_scope(
    anonymous_client: AsyncClient, session: AsyncSession, unscoped_credentials: dict[str, str]
) -> None:
    ${names.singular} = await create_${names.singular}(session)

    read = await anonymous_client.get(f"{${URL}}/{${names.singular}.id}", headers=unscoped_credentials)
    deleted = await anonymous_client.delete(f"{${URL}}/{${names.singular}.id}", headers=unscoped_credentials)

    assert read.status_code == 200
    assert deleted.status_code == 403


async def test_anonymous_callers_are_refused_where_the_service_signs_callers_in(
    anonymous_client: AsyncClient,
) -> None:
    response = await anonymous_client.get(${URL})

    # SIGNED_IN_RESPONSES is empty when the service has no sign-in (auth=none).
    assert response.status_code == (401 if SIGNED_IN_RESPONSES else 200)
