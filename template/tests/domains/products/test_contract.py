"""The products API refuses what it cannot store and says so in HTTP and OpenAPI."""

import json

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import create_product, product_payload

PRODUCTS = "/api/v1/products"
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("offset", [2**63, 10**20, 1_000_001])
async def test_an_offset_past_the_maximum_is_a_422_problem(
    client: AsyncClient, offset: int
) -> None:
    response = await client.get(PRODUCTS, params={"offset": offset})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "offset"]


async def test_the_maximum_offset_is_an_empty_page(client: AsyncClient) -> None:
    response = await client.get(PRODUCTS, params={"offset": 1_000_000})

    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("text", ["a\u0000b", "\ud800"])
@pytest.mark.parametrize("field", ["name", "description"])
async def test_text_no_database_can_store_is_a_422_problem(
    client: AsyncClient, field: str, text: str
) -> None:
    # Encoded by hand: JSON escapes a lone surrogate (\ud800), httpx would refuse to.
    body = json.dumps(product_payload(**{field: text}))
    response = await client.post(PRODUCTS, content=body, headers=JSON)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


@pytest.mark.parametrize("stock", [False, True, "1", 1.5, "one"])
async def test_an_integer_field_takes_only_a_json_integer(
    client: AsyncClient, stock: object
) -> None:
    response = await client.post(PRODUCTS, json=product_payload(stock=stock))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "stock"]


async def test_an_integral_number_is_an_integer_as_json_schema_says(client: AsyncClient) -> None:
    response = await client.post(PRODUCTS, json=product_payload(stock=7.0))

    assert response.status_code == 201
    assert response.json()["stock"] == 7


async def test_a_price_the_column_cannot_hold_is_a_422_problem(client: AsyncClient) -> None:
    response = await client.post(PRODUCTS, json=product_payload(price_cents=2**31))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "price_cents"]


async def test_a_number_is_not_a_date(client: AsyncClient) -> None:
    response = await client.post(PRODUCTS, json=product_payload(released_on=0))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "released_on"]


async def test_a_created_product_has_its_location(client: AsyncClient) -> None:
    response = await client.post(PRODUCTS, json=product_payload())

    assert response.status_code == 201
    location = response.headers["location"]
    assert location == f"{PRODUCTS}/{response.json()['id']}"
    assert (await client.get(location)).json() == response.json()


async def test_a_deleted_product_answers_204_without_a_body_or_its_type(
    client: AsyncClient, session: AsyncSession
) -> None:
    product = await create_product(session)

    response = await client.delete(f"{PRODUCTS}/{product.id}")

    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers


async def test_patch_keeps_the_fields_not_sent_and_refuses_null_where_required(
    client: AsyncClient, session: AsyncSession
) -> None:
    product = await create_product(session, name="Kept", stock=3)

    cleared = await client.patch(f"{PRODUCTS}/{product.id}", json={"released_on": None})
    refused = await client.patch(f"{PRODUCTS}/{product.id}", json={"stock": None})

    assert cleared.status_code == 200
    assert (cleared.json()["name"], cleared.json()["stock"]) == ("Kept", 3)
    assert cleared.json()["released_on"] is None
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "stock"]


async def test_the_patch_schema_offers_null_only_where_it_is_accepted(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["ProductUpdate"]

    nullable = {
        field
        for field, definition in schema["properties"].items()
        if {"type": "null"} in definition.get("anyOf", [])
    }
    assert nullable == {"description", "released_on"}
    assert "required" not in schema  # every field may be left out
    assert all("default" not in definition for definition in schema["properties"].values())
    assert schema["properties"]["stock"]["minimum"] == 0  # bounds survive the integer check


async def test_the_create_schema_documents_what_text_refuses(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["ProductCreate"]

    assert schema["properties"]["name"]["pattern"] == r"^[^\x00]*$"
    assert schema["properties"]["name"]["maxLength"] == 200
