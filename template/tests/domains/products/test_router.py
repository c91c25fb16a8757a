"""The products API, end to end through the app and a real database."""

import uuid

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import create_product, product_payload

PRODUCTS = "/api/v1/products"


async def test_create_returns_the_stored_product(client: AsyncClient) -> None:
    payload = product_payload(sku="WIDGET-1", price_cents=1999)

    response = await client.post(PRODUCTS, json=payload)

    assert response.status_code == 201
    body = response.json()
    assert body["sku"] == "WIDGET-1"
    assert body["price_cents"] == 1999
    assert uuid.UUID(body["id"])
    assert body["created_at"].endswith(("Z", "+00:00"))
    fetched = await client.get(f"{PRODUCTS}/{body['id']}")
    assert fetched.json() == body


async def test_create_applies_defaults(client: AsyncClient) -> None:
    payload = product_payload()
    for optional in ("description", "stock", "status", "released_on"):
        del payload[optional]

    response = await client.post(PRODUCTS, json=payload)

    assert response.status_code == 201
    body = response.json()
    assert (body["stock"], body["status"], body["description"]) == (0, "draft", None)


async def test_create_with_taken_sku_is_a_409_problem(
    client: AsyncClient, session: AsyncSession
) -> None:
    await create_product(session, sku="TAKEN-1")

    response = await client.post(PRODUCTS, json=product_payload(sku="TAKEN-1"))

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "sku" in response.json()["detail"]


async def test_create_with_invalid_fields_lists_each_error(client: AsyncClient) -> None:
    payload = product_payload(sku="bad sku", price_cents=-5, currency="euro")

    response = await client.post(PRODUCTS, json=payload)

    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    locations = {tuple(error["loc"]) for error in problem["errors"]}
    assert locations == {("body", "sku"), ("body", "price_cents"), ("body", "currency")}
    assert "bad sku" not in response.text  # the input is never echoed back


async def test_create_rejects_unknown_fields(client: AsyncClient) -> None:
    response = await client.post(PRODUCTS, json=product_payload(colour="red"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "colour"]


async def test_get_unknown_product_is_a_404_problem(client: AsyncClient) -> None:
    missing = uuid.uuid4()

    response = await client.get(f"{PRODUCTS}/{missing}")

    assert response.status_code == 404
    problem = response.json()
    assert problem["title"] == "Not Found"
    assert str(missing) in problem["detail"]


async def test_get_with_malformed_id_is_a_422_problem(client: AsyncClient) -> None:
    response = await client.get(f"{PRODUCTS}/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "product_id"]


async def test_list_pages_through_products_with_a_total(
    client: AsyncClient, session: AsyncSession
) -> None:
    created = {(await create_product(session)).sku for _ in range(5)}

    pages = [
        (await client.get(PRODUCTS, params={"limit": 2, "offset": offset})).json()
        for offset in (0, 2, 4)
    ]

    assert [(page["total"], page["limit"], page["offset"]) for page in pages] == [
        (5, 2, 0),
        (5, 2, 2),
        (5, 2, 4),
    ]
    seen = [item["sku"] for page in pages for item in page["items"]]
    assert len(seen) == 5
    assert set(seen) == created  # every product once, none twice


async def test_list_filters_by_status(client: AsyncClient, session: AsyncSession) -> None:
    await create_product(session, status="active")
    draft = await create_product(session, status="draft")

    page = (await client.get(PRODUCTS, params={"status": "draft"})).json()

    assert page["total"] == 1
    assert page["items"][0]["id"] == str(draft.id)


async def test_list_refuses_a_limit_above_the_maximum(client: AsyncClient) -> None:
    response = await client.get(PRODUCTS, params={"limit": 1000})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


async def test_patch_changes_only_the_fields_sent(
    client: AsyncClient, session: AsyncSession
) -> None:
    product = await create_product(session, name="Old name", stock=3)

    response = await client.patch(f"{PRODUCTS}/{product.id}", json={"name": "New name"})

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "New name"
    assert body["stock"] == 3
    assert body["description"] == product.description


async def test_patch_null_clears_a_nullable_field(
    client: AsyncClient, session: AsyncSession
) -> None:
    product = await create_product(session)

    response = await client.patch(f"{PRODUCTS}/{product.id}", json={"description": None})

    assert response.status_code == 200
    assert response.json()["description"] is None
    assert response.json()["name"] == product.name


async def test_patch_null_on_a_required_field_is_a_422_problem(
    client: AsyncClient, session: AsyncSession
) -> None:
    product = await create_product(session)

    response = await client.patch(f"{PRODUCTS}/{product.id}", json={"name": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "name"]


async def test_patch_to_a_taken_sku_is_a_409_problem(
    client: AsyncClient, session: AsyncSession
) -> None:
    await create_product(session, sku="FIRST-1")
    second = await create_product(session, sku="SECOND-1")

    response = await client.patch(f"{PRODUCTS}/{second.id}", json={"sku": "FIRST-1"})

    assert response.status_code == 409


async def test_patch_unknown_product_is_a_404_problem(client: AsyncClient) -> None:
    response = await client.patch(f"{PRODUCTS}/{uuid.uuid4()}", json={"name": "x"})

    assert response.status_code == 404


async def test_delete_removes_the_product(client: AsyncClient, session: AsyncSession) -> None:
    product = await create_product(session)

    deleted = await client.delete(f"{PRODUCTS}/{product.id}")
    fetched = await client.get(f"{PRODUCTS}/{product.id}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_delete_unknown_product_is_a_404_problem(client: AsyncClient) -> None:
    response = await client.delete(f"{PRODUCTS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
