"""The products API refuses what it cannot store and says so in HTTP and OpenAPI."""

import json
import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.domains.products.factories import create_product, product_payload

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


async def test_a_limit_above_the_maximum_is_a_422_problem(client: AsyncClient) -> None:
    response = await client.get(PRODUCTS, params={"limit": 1000})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


async def test_a_malformed_id_is_a_422_problem(client: AsyncClient) -> None:
    response = await client.get(f"{PRODUCTS}/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "product_id"]


async def test_create_with_invalid_fields_lists_each_error_without_echoing_them(
    client: AsyncClient,
) -> None:
    payload = product_payload(sku="Z" * 33, price_cents=-1, released_on="not-a-date")

    response = await client.post(PRODUCTS, json=payload)

    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert locations == {("body", "sku"), ("body", "price_cents"), ("body", "released_on")}
    assert "Z" * 33 not in response.text  # the input is never echoed back


async def test_create_applies_the_defaults(client: AsyncClient) -> None:
    payload = product_payload()
    for left_out in ["description", "stock", "status", "released_on"]:
        del payload[left_out]

    response = await client.post(PRODUCTS, json=payload)

    assert response.status_code == 201
    body = response.json()
    assert body["description"] is None
    assert body["stock"] == 0
    assert body["status"] == "draft"
    assert body["released_on"] is None


@pytest.mark.parametrize("text", ["a\u0000b", "\ud800"])
@pytest.mark.parametrize("field", ["sku", "name", "description", "currency"])
async def test_text_no_database_can_store_is_a_422_problem(
    client: AsyncClient, field: str, text: str
) -> None:
    # Encoded by hand: JSON escapes a lone surrogate (\ud800), httpx would refuse to.
    body = json.dumps(product_payload(**{field: text}))
    response = await client.post(PRODUCTS, content=body, headers=JSON)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


@pytest.mark.parametrize("value", [False, True, "1", 1.5, "one"])
async def test_an_integer_field_takes_only_a_json_integer(
    client: AsyncClient, value: object
) -> None:
    response = await client.post(PRODUCTS, json=product_payload(price_cents=value))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "price_cents"]


async def test_an_integral_number_is_an_integer_as_json_schema_says(client: AsyncClient) -> None:
    response = await client.post(PRODUCTS, json=product_payload(price_cents=7.0))

    assert response.status_code == 201
    assert response.json()["price_cents"] == 7


@pytest.mark.parametrize(
    ("field", "value"),
    [("price_cents", -1), ("price_cents", 2**31), ("stock", -1), ("stock", 1000000001)],
)
async def test_a_number_out_of_its_bounds_is_a_422_problem(
    client: AsyncClient, field: str, value: int
) -> None:
    response = await client.post(PRODUCTS, json=product_payload(**{field: value}))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


async def test_a_number_is_not_a_date_for_released_on(client: AsyncClient) -> None:
    response = await client.post(PRODUCTS, json=product_payload(released_on=0))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "released_on"]


async def test_patch_to_a_taken_sku_is_a_409_problem(
    client: AsyncClient, session: AsyncSession
) -> None:
    taken = await create_product(session)
    product = await create_product(session)

    response = await client.patch(f"{PRODUCTS}/{product.id}", json={"sku": taken.sku})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_deleted_product_answers_204_without_a_body_or_its_type(
    client: AsyncClient, session: AsyncSession
) -> None:
    product = await create_product(session)

    response = await client.delete(f"{PRODUCTS}/{product.id}")

    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers


async def test_deleting_an_unknown_product_is_a_404_problem(client: AsyncClient) -> None:
    response = await client.delete(f"{PRODUCTS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_patch_schema_offers_null_only_where_it_is_accepted(client: AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    schema = schemas["ProductUpdate"]

    nullable = {
        field
        for field, definition in schema["properties"].items()
        if {"type": "null"} in definition.get("anyOf", [])
    }
    assert nullable == {"description", "released_on"}
    assert "required" not in schema  # every field may be left out
    assert all("default" not in definition for definition in schema["properties"].values())
    assert schema["properties"]["price_cents"]["minimum"] == 0  # bounds survive the type's checks
    assert schema["properties"]["stock"]["minimum"] == 0  # bounds survive the type's checks


async def test_the_create_schema_documents_what_text_refuses(client: AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    schema = schemas["ProductCreate"]

    assert schema["properties"]["name"]["pattern"] == r"^[^\x00]*$"
    assert schema["properties"]["name"]["maxLength"] == 200
