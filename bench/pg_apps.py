"""Reference apps for `bench/postgres.py`: the same two reads, written five common ways.

`BENCH_APP` picks one; each serves `GET /products/{id}`, `GET /products?limit&offset`
(a count and a page ordered by `created_at, id`, as the service's repository does)
and `GET /health`, from the generated service's `products` table:

- `asyncpg`: a raw asyncpg pool and hand-built JSON (orjson): the ceiling;
- `core`: SQLAlchemy async Core `select()` on a connection, a pydantic response model;
- `orm`: the hand-written async ORM app: `session.get` in a `yield` dependency,
  `async with SessionLocal()` per request, a pydantic response model, no auth;
- `sync`: the official full-stack template's style: a sync ORM `Session` on psycopg
  in a `yield` dependency and plain `def` endpoints (run in the thread pool);
- `official`: `sync` plus the official template's authentication as it ships: an
  OAuth2 bearer token decoded with PyJWT (HS256), its payload validated by a pydantic
  model, the user read with `session.get` on every request (same session as the
  route), refused if missing or inactive, and the superuser check in the routes.

None but `official` has middleware, settings, logging beyond uvicorn's, or
authentication. The table is reflected at start-up and the response model built
from its columns, so the apps follow the service's table whatever columns the
example domain has. The pages keep the bench's shape (`items`, `total`, `limit`,
`offset`) and order, so every app answers the same rows.
Connection: BENCH_PG_HOST, BENCH_PG_PORT, BENCH_PG_USER, BENCH_PG_DB. Pools keep
each library's defaults (SQLAlchemy 5 + 10 overflow; asyncpg 10), except that
BENCH_SYNC_POOL_SIZE, when set, gives `sync` and `official` a pool of that many
connections and no overflow: with 40 threads they stall once threads plus
connections are no more than the requests in flight (bench/README.md).

`official` also needs BENCH_OFFICIAL_SECRET (the HS256 key) and BENCH_OFFICIAL_USER_ID
(the user the bench signs its token for): at start-up it creates its users table,
`bench_official.users`, in a schema of its own (so the service's `db check`, which
compares only the default schema, never sees it) and inserts that user, a superuser.

    BENCH_APP=orm BENCH_PG_DB=bench <project>/.venv/bin/python -m uvicorn pg_apps:app \\
        --app-dir bench --port 8001

`bench/postgres.py` runs them with the generated service's interpreter.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import MetaData, Table, func, select
from sqlalchemy.orm import Session, registry

APP = os.environ.get("BENCH_APP", "orm")
HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PORT = os.environ.get("BENCH_PG_PORT", "5432")
USER = os.environ.get("BENCH_PG_USER", "postgres")
DB = os.environ.get("BENCH_PG_DB", "bench")
APPS = ("asyncpg", "core", "orm", "sync", "official")
if APP not in APPS:
    raise SystemExit(f"BENCH_APP={APP!r}: one of {', '.join(APPS)}")
ORM_APPS = ("orm", "sync", "official")
SYNC_APPS = ("sync", "official")

SYNC_POOL_SIZE = os.environ.get("BENCH_SYNC_POOL_SIZE")
ASYNC_URL = f"postgresql+asyncpg://{USER}@{HOST}:{PORT}/{DB}"
SYNC_URL = f"postgresql+psycopg://{USER}@{HOST}:{PORT}/{DB}"

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0)]


class Product:
    """Mapped imperatively onto the reflected table (ORM apps)."""


def _response_models(table: Table) -> tuple[type[BaseModel], type[BaseModel]]:
    """The item and page models, one field per column, as a hand-written schema would be."""
    fields: dict[str, Any] = {}
    for column in table.columns:
        try:
            kind: Any = column.type.python_type
        except NotImplementedError:
            kind = Any
        fields[column.name] = (kind | None if column.nullable else kind, ...)
    item = create_model("ProductOut", __config__=ConfigDict(from_attributes=True), **fields)
    page = create_model(
        "ProductPage",
        items=(list[item], ...),
        total=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
    )
    return item, page


async def _reflect_async() -> Table:
    """The service's `products` table, read through asyncpg (the async apps)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(ASYNC_URL)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: Table("products", MetaData(), autoload_with=sync)
            )
    finally:
        await engine.dispose()


def _products_table() -> Table:
    """The service's `products` table, reflected once at import with the app's own driver."""
    if APP in SYNC_APPS:
        from sqlalchemy import create_engine

        engine = create_engine(SYNC_URL)
        try:
            return Table("products", MetaData(), autoload_with=engine)
        finally:
            engine.dispose()
    import asyncio

    return asyncio.run(_reflect_async())


products = _products_table()
ProductOut, ProductPage = _response_models(products)
ORDER = (products.c.created_at, products.c.id)
if APP in ORM_APPS:
    registry().map_imperatively(Product, products)


def _count_and_page() -> tuple[Any, Any]:
    """The service's two statements: a count over the query as a subquery, then the page."""
    statement = select(Product if APP in ORM_APPS else products)
    count = select(func.count()).select_from(statement.subquery())
    return count, statement.order_by(*ORDER)


def _sync_pool() -> dict[str, int]:
    """The official-style apps' pool: SQLAlchemy's default, or BENCH_SYNC_POOL_SIZE + 0."""
    if SYNC_POOL_SIZE is None:
        return {}
    return {"pool_size": int(SYNC_POOL_SIZE), "max_overflow": 0}


if APP == "asyncpg":
    import asyncpg
    import orjson

    pool: asyncpg.Pool | None = None
    # asyncpg returns its own UUID type, which orjson renders through `default=str`.
    ITEM_SQL = "SELECT * FROM products WHERE id = $1"
    COUNT_SQL = "SELECT count(*) FROM products"
    PAGE_SQL = "SELECT * FROM products ORDER BY created_at, id LIMIT $1 OFFSET $2"

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        global pool
        pool = await asyncpg.create_pool(
            host=HOST, port=int(PORT), user=USER, database=DB, ssl=False
        )
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/products/{product_id}")
    async def get_product(product_id: uuid.UUID) -> Response:
        assert pool is not None
        row = await pool.fetchrow(ITEM_SQL, product_id)
        if row is None:
            raise HTTPException(status_code=404, detail="product not found")
        return Response(orjson.dumps(dict(row), default=str), media_type="application/json")

    @app.get("/products")
    async def list_products(limit: Limit = 20, offset: Offset = 0) -> Response:
        assert pool is not None
        async with pool.acquire() as connection:
            total = await connection.fetchval(COUNT_SQL)
            rows = await connection.fetch(PAGE_SQL, limit, offset)
        body = {"items": [dict(r) for r in rows], "total": total, "limit": limit, "offset": offset}
        return Response(orjson.dumps(body, default=str), media_type="application/json")

elif APP == "core":
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(ASYNC_URL)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/products/{product_id}", response_model=ProductOut)
    async def get_product(product_id: uuid.UUID) -> Any:
        async with engine.connect() as connection:
            result = await connection.execute(select(products).where(products.c.id == product_id))
            row = result.mappings().first()
        if row is None:
            raise HTTPException(status_code=404, detail="product not found")
        return row

    @app.get("/products", response_model=ProductPage)
    async def list_products(limit: Limit = 20, offset: Offset = 0) -> Any:
        count, page = _count_and_page()
        async with engine.connect() as connection:
            total = await connection.scalar(count)
            rows = (await connection.execute(page.limit(limit).offset(offset))).mappings().all()
        return {"items": rows, "total": total or 0, "limit": limit, "offset": offset}

elif APP == "orm":
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    engine = create_async_engine(ASYNC_URL)
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with SessionLocal() as session:
            yield session

    AsyncSessionDep = Annotated[AsyncSession, Depends(get_session)]

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/products/{product_id}", response_model=ProductOut)
    async def get_product(product_id: uuid.UUID, session: AsyncSessionDep) -> Any:
        product = await session.get(Product, product_id)
        if product is None:
            raise HTTPException(status_code=404, detail="product not found")
        return product

    @app.get("/products", response_model=ProductPage)
    async def list_products(session: AsyncSessionDep, limit: Limit = 20, offset: Offset = 0) -> Any:
        count, page = _count_and_page()
        total = await session.scalar(count)
        rows = (await session.scalars(page.limit(limit).offset(offset))).all()
        return {"items": rows, "total": total or 0, "limit": limit, "offset": offset}

elif APP == "sync":  # the official full-stack template's style, without its authentication
    from sqlalchemy import create_engine

    engine = create_engine(SYNC_URL, **_sync_pool())

    def get_db() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    SessionDep = Annotated[Session, Depends(get_db)]

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/products/{product_id}", response_model=ProductOut)
    def get_product(product_id: uuid.UUID, session: SessionDep) -> Any:
        product = session.get(Product, product_id)
        if product is None:
            raise HTTPException(status_code=404, detail="product not found")
        return product

    @app.get("/products", response_model=ProductPage)
    def list_products(session: SessionDep, limit: Limit = 20, offset: Offset = 0) -> Any:
        count, page = _count_and_page()
        total = session.scalar(count)
        rows = session.scalars(page.limit(limit).offset(offset)).all()
        return {"items": rows, "total": total or 0, "limit": limit, "offset": offset}

else:  # official: `sync` plus the official template's per-request authentication
    import jwt
    from fastapi import status
    from fastapi.security import OAuth2PasswordBearer
    from pydantic import ValidationError
    from sqlalchemy import Boolean, Column, String, Text, Uuid, create_engine, text
    from sqlalchemy.dialects.postgresql import insert

    SECRET = os.environ["BENCH_OFFICIAL_SECRET"]
    BENCH_USER_ID = uuid.UUID(os.environ["BENCH_OFFICIAL_USER_ID"])
    USERS_SCHEMA = "bench_official"

    engine = create_engine(SYNC_URL, **_sync_pool())
    users = Table(
        "users",
        MetaData(schema=USERS_SCHEMA),
        Column("id", Uuid, primary_key=True),
        Column("email", String(255), nullable=False, unique=True),
        Column("is_active", Boolean, nullable=False),
        Column("is_superuser", Boolean, nullable=False),
        Column("hashed_password", Text, nullable=False),
    )

    class User:
        """The template's user, as far as authentication reads it."""

        id: uuid.UUID
        is_active: bool
        is_superuser: bool

    registry().map_imperatively(User, users)

    def _create_bench_user() -> None:
        """The users table and the bench's user; a second start finds both there."""
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {USERS_SCHEMA}"))
            users.create(connection, checkfirst=True)
            connection.execute(
                insert(users)
                .values(
                    id=BENCH_USER_ID,
                    email=f"bench-{BENCH_USER_ID.hex[:8]}@example.com",
                    is_active=True,
                    is_superuser=True,
                    # Never verified: the bench signs its token itself, no one signs in.
                    hashed_password="unused",
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )

    _create_bench_user()

    class TokenPayload(BaseModel):
        sub: str | None = None

    def get_db() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    SessionDep = Annotated[Session, Depends(get_db)]
    TokenDep = Annotated[str, Depends(OAuth2PasswordBearer(tokenUrl="/login/access-token"))]

    def get_current_user(session: SessionDep, token: TokenDep) -> User:
        try:
            payload = jwt.decode(token, SECRET, algorithms=["HS256"])
            token_data = TokenPayload.model_validate(payload)
        except (jwt.InvalidTokenError, ValidationError) as exc:
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN, detail="Could not validate credentials"
            ) from exc
        # The query the template makes on every request (same session as the route's).
        user = session.get(User, token_data.sub)
        if user is None:
            raise HTTPException(status_code=404, detail="User not found")
        if not user.is_active:
            raise HTTPException(status_code=400, detail="Inactive user")
        return user

    CurrentUser = Annotated[User, Depends(get_current_user)]

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/products/{product_id}", response_model=ProductOut)
    def get_product(product_id: uuid.UUID, session: SessionDep, current_user: CurrentUser) -> Any:
        product = session.get(Product, product_id)
        if product is None:
            raise HTTPException(status_code=404, detail="product not found")
        # The template's owner-or-superuser check; products have no owner, so a
        # non-superuser owns none of them (the bench's user is a superuser).
        if not current_user.is_superuser:
            raise HTTPException(status_code=400, detail="Not enough permissions")
        return product

    @app.get("/products", response_model=ProductPage)
    def list_products(
        session: SessionDep, current_user: CurrentUser, limit: Limit = 20, offset: Offset = 0
    ) -> Any:
        if not current_user.is_superuser:  # owns no products (see get_product)
            return {"items": [], "total": 0, "limit": limit, "offset": offset}
        count, page = _count_and_page()
        total = session.scalar(count)
        rows = session.scalars(page.limit(limit).offset(offset)).all()
        return {"items": rows, "total": total or 0, "limit": limit, "offset": offset}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
