"""Values shared by the products API and its table."""

from enum import StrEnum


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    DISCONTINUED = "discontinued"


SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,31}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
