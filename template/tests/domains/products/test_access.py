"""Who may use the products API (skipped, with the reason, when the service has no auth)."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.core.fixtures import needs_auth
from tests.factories import create_product

pytestmark = needs_auth


async def test_anonymous_callers_get_a_401_problem(anonymous_client: AsyncClient) -> None:
    response = await anonymous_client.get("/api/v1/products")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" in response.headers


async def test_deleting_needs_the_products_delete_scope(
    anonymous_client: AsyncClient, session: AsyncSession, unscoped_credentials: dict[str, str]
) -> None:
    product = await create_product(session)
    headers = unscoped_credentials

    read = await anonymous_client.get(f"/api/v1/products/{product.id}", headers=headers)
    deleted = await anonymous_client.delete(f"/api/v1/products/{product.id}", headers=headers)

    assert read.status_code == 200
    assert deleted.status_code == 403
