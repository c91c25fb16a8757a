"""The cold-start yardstick: a bare FastAPI app importing the same database stack.

`bench/startup.py` runs it with a generated service's interpreter and compares its
import time and its launch → first 200 on `/health/ready` with the service's. It
imports what any FastAPI service on that database imports (FastAPI, pydantic,
SQLAlchemy's async engine and ORM), creates its engine on import as a one-file
app does (which loads the dialect and the driver), declares BARE_ROUTES routes
(the service's count) with a pydantic response model each, and nothing else: no
settings, middleware, logging set-up or optional integrations.

    BARE_ROUTES=15 DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/db \\
        <project>/.venv/bin/python -m uvicorn startup_bare_app:app --app-dir bench
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import String, Uuid, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./bare.db")
ROUTES = int(os.environ.get("BARE_ROUTES", "14"))


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "things"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class ThingOut(BaseModel):
    id: uuid.UUID
    name: str


# Created on import, as a one-file app does: that loads the dialect and the driver.
engine: AsyncEngine = create_async_engine(DATABASE_URL)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)
router = APIRouter()


def _make_route(n: int) -> None:
    @router.get(f"/things{n}/{{thing_id}}", response_model=ThingOut, name=f"thing{n}")
    async def read(thing_id: uuid.UUID) -> ThingOut:
        raise HTTPException(status_code=404)


# The service's count includes its two health routes.
for number in range(max(ROUTES - 2, 0)):
    _make_route(number)
app.include_router(router, prefix="/api/v1")


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/health/ready")
async def ready() -> dict[str, str]:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return {"status": "ok"}
