"""Settings from `MATURE_*` environment variables (see README, "Settings")."""

from __future__ import annotations

import json
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything an operator can set; defaults suit a laptop (`development`)."""

    model_config = SettingsConfigDict(env_prefix="MATURE_", extra="ignore")

    env: Literal["development", "production", "test"] = Field(
        "development", description="`production` refuses to start without a real secret key."
    )
    data_dir: Path = Field(Path("var"), description="Database, search index and snapshots.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite at DATA_DIR/mature.db."
    )
    secret_key: SecretStr | None = Field(
        None, description="Keys token hashes; in development a random one is kept in DATA_DIR."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Origins allowed to embed widgets.")
    base_iri: str = Field(
        "http://localhost:8000/", description="Base of the stable IRIs of pages, revisions, people and spaces in RDF."
    )
    sparql_timeout_seconds: float = Field(10.0, gt=0, le=300, description="Time limit of one SPARQL query.")
    session_token_hours: int = Field(12, ge=1, le=24 * 30, description="Lifetime of login tokens.")
    sqlite_busy_timeout_ms: int = Field(10_000, ge=0)
    log_level: str = "INFO"
    usage_flush_seconds: float = Field(
        30.0, ge=0, description="How often each server process writes the page views it counted "
        "(also at shutdown); 0: no background writing (the in-process test client writes them itself)."
    )
    search_indexing: bool = Field(
        True, description="Drain the search queue in a background thread of each server process. "
        "Off only where something else drains it (the in-process test client)."
    )

    max_body_bytes: int = Field(
        5_000_000, ge=1024, description="Largest request body accepted (bytes); larger ones answer 413. "
        "The SKOS topic import has its own limit (20 MB)."
    )
    page_max_text_bytes: int = Field(
        1_000_000, ge=1024, le=2_000_000, description="Largest page text (UTF-8 bytes); a longer one answers "
        "413 and is not saved. Parsing and rendering 1 MB takes ~3 s of CPU on a busy 2-core machine, 2 MB ~7 s "
        "(bench/big_save.py); the page schema never takes more than 2,000,000 characters."
    )
    page_max_facts: int = Field(
        5_000, ge=1, description="Most facts (inline [[Property::Value]] plus structured annotations) on one "
        "page; more answer 422 and nothing is saved."
    )
    # Sign-in throttling (app/security/login_limit.py, docs/security.md): delays, never a lock-out.
    login_window_seconds: int = Field(
        3600, ge=1, description="Failed sign-ins are forgotten once this long has passed without another one.")
    login_free_failures: int = Field(
        3, ge=1, description="Failed sign-ins one client may make for one username before it has to wait; "
        "the wait then doubles with each further failure (1, 2, 4 ... seconds).")
    login_max_delay_seconds: int = Field(
        300, ge=1, description="The longest wait one client is given (for one username, or across usernames).")
    login_account_failures: int = Field(
        20, ge=1, description="Failed sign-ins for one username, from all clients together, after which every "
        "client that has failed for it waits at least the account delay between its tries.")
    login_account_max_delay_seconds: int = Field(
        60, ge=1, description="The longest account delay (kept short: the owner may be one of those clients).")
    login_failures_per_address: int = Field(
        100, ge=1, description="Failed sign-ins from one client address, for any usernames, before that address "
        "has to wait (doubling, up to login_max_delay_seconds).")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For "
        "names the client; empty: X-Forwarded-For is ignored and the client is the connecting address.")

    webhook_delivery: bool = Field(
        True, description="Queue and post webhook deliveries in a background thread of each server process. "
        "Off only where something else drives it (the in-process test client)."
    )

    @field_validator("base_iri")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.endswith(("/", "#")) else value + "/"

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept a comma-separated string as well as a JSON list."""
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL with the driver we ship (psycopg 3) filled in."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'mature.db').resolve()}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The secret key; refuses a missing one outside development and tests."""
        if self.secret_key is not None:
            key = self.secret_key.get_secret_value()
            if len(key) < 32:
                raise RuntimeError("MATURE_SECRET_KEY must be at least 32 characters long.")
            return key
        if self.env == "production":
            raise RuntimeError(
                "MATURE_SECRET_KEY is not set. In production set it to a long random value, "
                'for example: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return self._development_secret()

    def _development_secret(self) -> str:
        """A random key kept in DATA_DIR so tokens survive restarts on a laptop."""
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
