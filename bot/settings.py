"""All settings in one pydantic-settings model, read from the environment or `.env`.

Settings are built once, lazily, by the front end (`Settings()`), and passed in: nothing
reads the environment at import time, so tests build their own with temporary directories.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting flashtutor reads; each is the env var `FLASHTUTOR_<NAME>`."""

    model_config = SettingsConfigDict(
        env_prefix="FLASHTUTOR_", env_file=".env", extra="ignore", frozen=True
    )

    # Where things live.
    data_dir: Path = Field(
        Path("data"), description="Chroma index, SQLite database, models, uploaded decks."
    )
    knowledge_dir: Path = Field(
        PROJECT_ROOT / "knowledge",
        description="Decks shipped with the bot, visible in every server.",
    )
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="LLM prompt templates.")

    # Embeddings and search.
    embedder: str = Field("minilm", description="Bundled embedding model: `minilm` (default).")
    chroma_url: str | None = Field(
        None, description="A Chroma server (`http://host:port`) instead of the on-disk index."
    )

    # The LLM.
    llm_model: str = Field(
        "qwen2.5-coder-0.5b",
        description="`qwen2.5-coder-0.5b`, `smollm2-135m`, `none`, or a path to a GGUF file.",
    )
    llm_url: str | None = Field(
        None,
        description="An OpenAI-compatible server (llama.cpp server, vLLM, Ollama) instead of the in-process model.",
    )
    llm_threads: int = Field(2, ge=1, description="CPU threads for the in-process model.")
    llm_context: int = Field(2048, ge=512, description="Context window in tokens.")
    llm_max_tokens: int = Field(
        200, ge=16, le=2048, description="Most tokens one explanation or answer may have."
    )
    llm_timeout_s: float = Field(
        60.0, gt=0, description="Time limit for one LLM request, in seconds."
    )
    llm_queue_size: int = Field(
        4, ge=1, description="LLM requests that may wait; beyond that the tutor answers 'busy'."
    )

    # Discord.
    discord_token: SecretStr | None = Field(
        None, description="The bot token (required by `flashtutor run`). Never logged."
    )
    dev_guild: int | None = Field(
        None, description="Sync slash commands to this server on start (development)."
    )
    discord_api_url: str | None = Field(
        None, description="Override Discord's REST base URL (for the loopback test emulator)."
    )
    discord_gateway_url: str | None = Field(
        None, description="Override Discord's gateway URL (for the loopback test emulator)."
    )
    message_content: bool = Field(
        False,
        description="Request the privileged Message Content intent (needed for tutoring in threads).",
    )

    log_level: str = Field("INFO", description="Logging level.")

    @property
    def chroma_dir(self) -> Path:
        """The on-disk Chroma index."""
        return self.data_dir / "chroma"

    @property
    def db_path(self) -> Path:
        """The SQLite progress database."""
        return self.data_dir / "flashtutor.sqlite3"

    @property
    def models_dir(self) -> Path:
        """Assembled model files (the default GGUF)."""
        return self.data_dir / "models"

    @property
    def uploads_dir(self) -> Path:
        """Decks uploaded by servers, one folder per server."""
        return self.data_dir / "decks"
