"""All settings in one pydantic-settings model, read from the environment or `.env`.

Settings are built once, lazily, by the front end (`Settings()`), and passed in: nothing
reads the environment at import time, so tests build their own with temporary directories.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def parse_shard_ids(text: str, count: int) -> list[int]:
    """`0-3`, `0,2,5` or `1` -> sorted shard ids, each below `count`."""
    ids: set[int] = set()
    for part in text.split(","):
        lo, sep, hi = part.strip().partition("-")
        try:
            first, last = int(lo), int(hi if sep else lo)
        except ValueError:
            raise ValueError(
                f"FLASHTUTOR_SHARD_IDS: {part.strip()!r} is not a shard or a range like 0-3"
            ) from None
        if first > last or first < 0:
            raise ValueError(
                f"FLASHTUTOR_SHARD_IDS: {part.strip()!r} is an empty or negative range"
            )
        ids.update(range(first, last + 1))
    if max(ids) >= count:
        raise ValueError(
            f"FLASHTUTOR_SHARD_IDS: shard {max(ids)} does not exist with "
            f"FLASHTUTOR_SHARD_COUNT={count} (shards are 0 to {count - 1})"
        )
    return sorted(ids)


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
    models_dir: Path = Field(
        Path("data") / "models",
        description="Assembled model files (the default GGUF); unset means `<data_dir>/models`.",
    )

    database_url: str | None = Field(
        None,
        description=(
            "The progress database: `sqlite:///path/to/file` (default: "
            "`<data_dir>/flashtutor.sqlite3`) or `postgresql://user:password@host:port/dbname`, "
            "which several bot processes can share."
        ),
    )

    # Embeddings and search.
    embedder: str = Field(
        "minilm-onnx",
        description=(
            "Bundled embedding model and runtime: `minilm-onnx` (default: all-MiniLM-L6-v2 on "
            "onnxruntime, exported by `flashtutor models prepare`) or `minilm` (the same "
            "weights on sentence-transformers/torch; same vectors, slower per query)."
        ),
    )
    pair_scorer: str = Field(
        "crossenc",
        description=(
            "The cross-encoder that judges whether an answer is true for a card: `crossenc` "
            "(default: trained by the project, shipped in `bot/infra/models/`), `none` (off), "
            "or a path to another ONNX file with its provenance `.json` beside it."
        ),
    )
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

    # Several bot processes (see README "Scaling out").
    shard_count: int | Literal["auto"] = Field(
        "auto",
        description=(
            "Gateway shards of the whole bot: `auto` (Discord's recommendation) or a number; "
            "every process of one bot must use the same number."
        ),
    )
    shard_ids: str | None = Field(
        None,
        description=(
            "The shards this process runs, e.g. `0-3` or `0,2` (needs a numeric "
            "`FLASHTUTOR_SHARD_COUNT`); unset runs them all."
        ),
    )

    # Daily quiz pushes.
    daily_tick_s: float = Field(
        30.0, ge=0, description="How often due daily quizzes are looked for; 0 turns pushing off."
    )
    daily_push_rate: float = Field(  # why 47: bot.app.daily._sender.DEFAULT_RATE
        47.0,
        gt=0,
        description=(
            "Requests per second daily pushes may use (Discord allows a bot 50; interaction "
            "replies do not count against that)."
        ),
    )

    # Evaluation (`flashtutor eval`), not needed to run the bot.
    asag_data: Path | None = Field(
        None,
        description=(
            "Folder of the public short-answer grading datasets (Mohler 2011, SemEval-2013 "
            "Task 7) for `flashtutor eval grading`; `--data DIR` overrides."
        ),
    )

    log_level: str = Field("INFO", description="Logging level.")

    @model_validator(mode="before")
    @classmethod
    def _models_under_data_dir(cls, values: Any) -> Any:
        # Unset (or empty) follows data_dir; the container sets it to keep models off the volume.
        if isinstance(values, dict) and not values.get("models_dir"):
            data_dir = values.get("data_dir") or cls.model_fields["data_dir"].default
            values = {**values, "models_dir": Path(data_dir) / "models"}
        return values

    @field_validator("shard_count")
    @classmethod
    def _positive_shard_count(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be `auto` or a whole number of at least 1")
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        self.shards()  # raises on a bad range
        return self

    def shards(self) -> tuple[int | None, list[int] | None]:
        """(shard count, this process's shard ids) for discord.py; None, None means auto."""
        count = None if self.shard_count == "auto" else int(self.shard_count)
        if self.shard_ids is None or not self.shard_ids.strip():
            return count, None
        if count is None:
            raise ValueError(
                "FLASHTUTOR_SHARD_IDS needs a numeric FLASHTUTOR_SHARD_COUNT (every process "
                "of the bot must agree on it)"
            )
        return count, parse_shard_ids(self.shard_ids, count)

    @property
    def chroma_dir(self) -> Path:
        """The on-disk Chroma index."""
        return self.data_dir / "chroma"

    @property
    def db_path(self) -> Path:
        """The SQLite progress database (when `database_url` does not name another)."""
        return self.data_dir / "flashtutor.sqlite3"

    @property
    def database(self) -> str:
        """The progress database's URL: `database_url`, else the SQLite file under data_dir."""
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def media_dir(self) -> Path:
        """Images of cards from Anki packages, stored by content hash."""
        return self.data_dir / "media"

    @property
    def uploads_dir(self) -> Path:
        """Decks uploaded by servers, one folder per server."""
        return self.data_dir / "decks"
