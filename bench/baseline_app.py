"""The hand-written baseline: the smallest reasonable FastAPI app doing the same reads.

It is what a developer would write in one file without the template: an async
SQLAlchemy engine on aiosqlite, an ORM model for the generated service's
`products` table, a session per request, a pydantic response model, and a
count + page query for the list. No middleware, no error envelope, no
settings, no logging beyond uvicorn's.

When the generated service protects its products endpoints with JWTs (the
template's default `auth=jwt`), run.py sets BASELINE_AUTH=jwt and the
baseline does the same work by hand: it verifies the same bearer token
(PyJWT, same secret, algorithm, issuer and audience, passed in by run.py) and
loads the caller's row from the service's `users` table in the request's
session, so both sides run the same queries.

Run it with the *generated service's* interpreter so fastapi, starlette,
pydantic, sqlalchemy, aiosqlite and uvicorn are the exact same versions:

    DATABASE_URL=sqlite+aiosqlite:////path/app.db \\
        <project>/.venv/bin/python -m uvicorn baseline_app:app --app-dir bench \\
        --host 127.0.0.1 --port 8001 --no-access-log

`bench/run.py` does that for you. Stdlib + the service's own dependencies only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./app.db")
AUTH = os.environ.get("BASELINE_AUTH", "none")  # "none" or "jwt"
if AUTH == "jwt":
    import jwt  # PyJWT: in the service's venv when its auth uses JWTs

engine = create_async_engine(DATABASE_URL)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Product(Base):
    """The generated service's `products` table, mapped by hand (no migrations here)."""

    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # CHAR(32) hex on SQLite
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    released_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """The generated service's `users` table (auth=jwt), every column it maps."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean)
    is_superuser: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sku: str
    name: str
    description: str | None
    price_cents: int
    currency: str
    stock: int
    status: str
    released_on: date | None
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    items: list[ProductOut]
    total: int
    limit: int
    offset: int


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]

bearer = OAuth2PasswordBearer(tokenUrl="token")


async def current_user(session: Session, token: Annotated[str, Depends(bearer)]) -> User:
    """The caller named by a valid bearer token, loaded in the request's session."""
    try:
        claims = jwt.decode(
            token,
            os.environ["BASELINE_JWT_SECRET"],
            algorithms=[os.environ.get("BASELINE_JWT_ALGORITHM", "HS256")],
            audience=os.environ.get("BASELINE_JWT_AUDIENCE"),
            issuer=os.environ.get("BASELINE_JWT_ISSUER"),
            options={"require": ["sub", "exp", "iat", "iss", "aud"]},
        )
        user_id = uuid.UUID(claims["sub"])
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise HTTPException(status_code=401, detail="invalid token") from exc
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise HTTPException(status_code=401, detail="unknown user")
    return user


# The products endpoints need a signed-in caller exactly when the service's do.
PROTECTED = [Depends(current_user)] if AUTH == "jwt" else []

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/products/{product_id}", response_model=ProductOut, dependencies=PROTECTED)
async def get_product(product_id: uuid.UUID, session: Session) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    return product


@app.get("/products", response_model=ProductPage, dependencies=PROTECTED)
async def list_products(
    session: Session,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, object]:
    # The same two statements the generated service emits: a count over the
    # (unfiltered) query as a subquery, then the page, oldest first.
    statement = select(Product)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.scalars(
        statement.order_by(Product.created_at, Product.id).limit(limit).offset(offset)
    )
    return {"items": list(rows), "total": total or 0, "limit": limit, "offset": offset}
