"""The composition root: builds the real collaborators from settings, once, on first use.

Front ends (CLI, Discord) ask this for a `Tutor`; nothing heavy is loaded until needed, so
`flashtutor --help` is instant and a missing model only fails the command that needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from bot.core.decks import ParsedDeck
from bot.core.decks.library import UPLOAD_SUFFIXES, DeckLibrary, IngestResult
from bot.core.explainer import Explainer
from bot.core.grading import Grader
from bot.core.ports import PairScorer
from bot.core.ports_features import ConversationBook
from bot.core.progress import Progress
from bot.core.prompts import Prompts
from bot.core.records import CheckResult
from bot.core.subscriptions import DailyPushes
from bot.core.tutor import Tutor
from bot.infra.conversations import ConversationStore
from bot.infra.db import open_database
from bot.infra.db.copy import CopiedTable, copy_database
from bot.infra.embedder import ONNX_SUFFIX, Embedder, load_embedder
from bot.infra.health import HEARTBEAT_MAX_AGE_S, run_checks
from bot.infra.index import CardIndex
from bot.infra.llm import LLMService, build_llm
from bot.infra.media import MediaFiles
from bot.infra.model_files import missing_requirements, prepare_models
from bot.infra.onnx_export import export_onnx
from bot.infra.pair_scorer import build_pair_scorer
from bot.infra.store import ProgressStore
from bot.infra.subscriptions import SubscriptionStore
from bot.infra.uploads import UploadFiles
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PreparedModels:
    """The model files `prepare_models` made ready (None: nothing to prepare for that part)."""

    llm: Path | None
    onnx_embedder: Path | None
    pair_scorer: str | None = None
    """The cross-encoder's name once loaded and sha256-checked (None: switched off)."""


@dataclass(frozen=True, slots=True)
class DatabaseMigration:
    """What `Services.migrate_database` did: migrations applied, and the copy if asked for."""

    source: str
    applied: list[str]
    target: str | None = None
    tables: list[CopiedTable] = field(default_factory=list)


class Services:
    """Lazily built, process-wide collaborators for one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def prompts(self) -> Prompts:
        """Prompt templates, validated (a broken template fails start-up with its file name)."""
        return Prompts.load(self.settings.prompts_dir)

    @cached_property
    def embedder(self) -> Embedder:
        """The bundled embedding model."""
        return load_embedder(self.settings.embedder, models_dir=self.settings.models_dir)

    @cached_property
    def index(self) -> CardIndex:
        """The card index (on disk, or a Chroma server when configured)."""
        return CardIndex(self.embedder, path=self.settings.chroma_dir, url=self.settings.chroma_url)

    @cached_property
    def store(self) -> ProgressStore:
        """The progress store (SQLite by default, PostgreSQL by `database_url`)."""
        return ProgressStore(self.settings.database)

    @cached_property
    def conversations(self) -> ConversationBook:
        """Chat conversations in progress (beside the progress store, on its connection)."""
        return ConversationStore(self.store)

    @cached_property
    def media(self) -> MediaFiles:
        """Card images from Anki packages."""
        return MediaFiles(self.settings.media_dir)

    @cached_property
    def uploads(self) -> UploadFiles:
        """Decks uploaded by servers, on disk."""
        return UploadFiles(self.settings.uploads_dir, UPLOAD_SUFFIXES)

    @cached_property
    def decks(self) -> DeckLibrary:
        """Every change to decks: ingest, upload, remove, export, the start-up resync."""
        return DeckLibrary(
            index=self.index,
            registry=self.store,
            uploads=self.uploads,
            media=self.media,
            knowledge_dir=self.settings.knowledge_dir,
        )

    @cached_property
    def pair_scorer(self) -> PairScorer | None:
        """The cross-encoder (verified by sha256 on load), or None when switched off."""
        return build_pair_scorer(self.settings.pair_scorer)

    @cached_property
    def grader(self) -> Grader:
        """The calibrated answer grader, with the cross-encoder when it is on and calibrated for."""
        return Grader(self.embedder, pair_scorer=self.pair_scorer)

    @cached_property
    def llm(self) -> LLMService | None:
        """The LLM service, or None when disabled."""
        return build_llm(self.settings)

    @cached_property
    def tutor(self) -> Tutor:
        """The Tutor every front end talks to."""
        explainer = Explainer(self.llm, self.embedder, self.prompts)
        return Tutor(
            cards=self.index,
            progress=self.store,
            grader=self.grader,
            explainer=explainer,
            media=self.media,
        )

    @cached_property
    def progress(self) -> Progress:
        """Leaderboards, forgetting and quiz memory, over the progress store."""
        return Progress(self.store)

    @cached_property
    def daily(self) -> DailyPushes:
        """Daily pushes: subscriptions, notices and the push ledger, over the progress store."""
        subscriptions = SubscriptionStore(self.store)
        return DailyPushes(subscriptions, subscriptions, self.store, self.store)

    def ingest(
        self,
        paths: Sequence[Path] | None = None,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> tuple[IngestResult, list[ParsedDeck]]:
        """Parse decks and sync them into the global scope of the index (see
        `DeckLibrary.ingest`)."""
        result = self.decks.ingest(paths, on_progress=on_progress)
        return result, result.decks

    def warm_up(self) -> int:
        """Blocking start-up work before the bot serves; returns the cards indexed.

        Resyncs the decks (knowledge/, then every server's uploads), pays the embedder's lazy
        initialisation with one call, loads the card catalogue and starts loading the LLM in
        its own thread (explanations fall back until it is ready).
        """
        cards = self.decks.resync()
        self.embedder.embed(["warm up"])
        self.tutor.topics()
        if self.llm is not None:
            self.llm.start()
        return cards

    # --- operating the bot (`flashtutor health`, `flashtutor models prepare`) -------------

    def check_health(
        self, now: datetime, *, gateway: bool = True, max_age_s: float = HEARTBEAT_MAX_AGE_S
    ) -> list[CheckResult]:
        """Database, index, model file and (with `gateway`) the Discord heartbeat; never raises.

        Cheap enough for a container HEALTHCHECK: nothing here loads a model.
        """
        return run_checks(self.settings, now, gateway=gateway, max_age_s=max_age_s)

    def prepare_models(self) -> PreparedModels:
        """Assemble and verify the configured LLM file; export the ONNX embedder if configured;
        load the cross-encoder (its sha256 checked).

        The export runs now rather than on the bot's first query (about 40 s, and it needs
        torch).
        """
        llm = prepare_models(self.settings)
        embedder = self.settings.embedder
        onnx = None
        if embedder.endswith(ONNX_SUFFIX):
            onnx = export_onnx(embedder.removesuffix(ONNX_SUFFIX), self.settings.models_dir)
        scorer = self.pair_scorer  # loading it checks its sha256
        return PreparedModels(
            llm=llm, onnx_embedder=onnx, pair_scorer=scorer.name if scorer else None
        )

    def migrate_database(
        self,
        to: str | None = None,
        *,
        source: str | None = None,
        on_table: Callable[[CopiedTable], None] | None = None,
    ) -> DatabaseMigration:
        """Apply pending migrations to the progress database (or `source`); with `to`, copy
        every row into that empty database (migrated first), verified by row counts.
        """
        db = open_database(source or self.settings.database, apply_migrations=False)
        try:
            applied = db.migrate()
            if to is None:
                return DatabaseMigration(db.describe(), applied)
            target = open_database(to)
            try:
                tables = copy_database(db, target, on_table=on_table)
                return DatabaseMigration(db.describe(), applied, target.describe(), tables)
            finally:
                target.close()
        finally:
            db.close()

    def missing_model_packages(self) -> list[str]:
        """The pip requirements the configured bundled LLM still needs (empty when none)."""
        return missing_requirements(self.settings)

    def close(self) -> None:
        """Release the model and the database."""
        if "llm" in self.__dict__ and self.llm is not None:
            self.llm.close()
        if "store" in self.__dict__:
            self.store.close()
