# Managed by the service standard (copier update): extend it from the modules beside core/.
"""What `uploads.py` declares: which resources take files, under every `uploads` answer.

It imports nothing optional, so `uploads.py` reads the same whether the service
answers `uploads` or not; with `uploads=true`, `core/uploads/` serves each entry.
"""

from dataclasses import dataclass

from sqlalchemy.orm import DeclarativeBase


@dataclass(frozen=True, slots=True, kw_only=True)
class Uploadable:
    """A resource whose rows take files.

    Served as `POST /api/v1/{path}/{id}/{collection}` (upload), `GET` of the same path
    (list), and `GET` / `DELETE` of `.../{collection}/{<item>_id}`. Deleting a row of
    `model` through the ORM deletes its files after the commit.
    """

    model: type[DeclarativeBase]  # its primary key is the `{id}` in the path
    path: str  # the resource's own path under /api/v1, e.g. "products"
    collection: str = "files"  # e.g. "images"
    item: str = "file"  # names the path parameter: "image" -> {image_id}
    tag: str | None = None  # the OpenAPI tag; `path` when unset
