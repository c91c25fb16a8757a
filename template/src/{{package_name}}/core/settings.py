# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Settings every service shares; a service adds its own in `settings.py` beside `core/`."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A placeholder that is safe only on a laptop: production refuses to start with it.
DEFAULT_SECRET_KEY = "change-me-in-production"  # noqa: S105

MIN_PROD_SECRET_LENGTH = 32

Environment = Literal["dev", "test", "prod"]


class CoreSettings(BaseSettings):
    """Read from the environment and `.env`; names are the upper-case field names."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Environment = "dev"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    docs_enabled: bool | None = Field(
        default=None, description="Serve /docs and /openapi.json; defaults to off in prod."
    )

    database_url: str = "sqlite+aiosqlite:///./app.db"
    database_echo: bool = False
    database_pool_size: int = Field(default=5, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    database_pool_timeout: float = Field(default=5.0, gt=0)
    database_connect_timeout: float = Field(default=5.0, gt=0)

    cors_origins: list[str] = []
    trusted_hosts: list[str] = ["*"]
    forwarded_allow_ips: str = "127.0.0.1"

    log_level: str = "INFO"
    log_json: bool | None = Field(
        default=None, description="JSON log lines; defaults to on in prod, readable in dev."
    )
    access_log_skip_paths: frozenset[str] = frozenset({"/health/live", "/health/ready"})

    thread_pool_size: int = Field(
        default=40, ge=1, description="Threads for sync endpoints and dependencies."
    )
    http_client_timeout: float = Field(default=10.0, gt=0)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def docs_on(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else not self.is_prod

    @property
    def json_logs(self) -> bool:
        return self.log_json if self.log_json is not None else self.is_prod

    @model_validator(mode="after")
    def _refuse_default_secret_in_prod(self) -> Self:
        secret = self.secret_key.get_secret_value()
        if self.is_prod and (secret == DEFAULT_SECRET_KEY or len(secret) < MIN_PROD_SECRET_LENGTH):
            raise ValueError(
                f"SECRET_KEY must be a real secret of at least {MIN_PROD_SECRET_LENGTH} characters "
                "when ENVIRONMENT=prod"
            )
        return self
