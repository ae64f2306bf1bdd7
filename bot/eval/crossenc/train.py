"""Train the cross-encoder from the bundled all-MiniLM-L6-v2 weights, on the CPU, seeded.

The model is MiniLM's embeddings and its first `layers` transformer layers (all six, or
fewer for speed), read with token type ids, plus a linear head over the [CLS] vector and
the mean of all token vectors, giving 3 logits (correct, contradictory, incorrect). The
embeddings and the first `frozen_layers` layers stay frozen: the training data is a few
thousand science questions, and words it never shows (a flashcard deck's vocabulary) should
keep the meaning MiniLM gave them; it also saves their backward pass (a quarter of the time).

Batches are length-bucketed (examples of similar length together, batch order shuffled),
AdamW with linear warm-up and decay, cross-entropy with light label smoothing. Every run is
seeded (data generation, initialisation, dropout, batch order) and uses 2 threads.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.eval.crossenc.dataset import LABEL_INDEX, Example
from bot.eval.crossenc.metrics import three_way
from bot.infra.embedder import bundled_model_path
from bot.infra.pair_scorer import LABELS, Limits, PairEncoding, pad, softmax


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything that decides a run (recorded in the provenance file)."""

    seed: int = 0
    layers: int = 3
    frozen_layers: int = 1
    epochs: float = 2.0
    batch_size: int = 32
    lr: float = 6e-5
    head_lr: float = 1e-3
    warmup: float = 0.06
    weight_decay: float = 0.01
    label_smoothing: float = 0.05
    dropout: float = 0.1
    threads: int = 2
    limits: Limits = field(default_factory=Limits)
    init: str | None = None
    """A `model.pt` of an earlier run to continue from (same layers), or None for MiniLM."""


def build_model(layers: int, dropout: float, frozen_layers: int = 0) -> Any:
    """MiniLM's first `layers` layers with a 3-way head; embeddings and `frozen_layers` fixed."""
    import torch
    from transformers import BertModel

    bert = BertModel.from_pretrained(
        str(bundled_model_path("minilm")), local_files_only=True, add_pooling_layer=False
    )
    bert.encoder.layer = torch.nn.ModuleList(list(bert.encoder.layer)[:layers])
    bert.config.num_hidden_layers = layers
    # Nothing below the first trained layer needs a gradient, so backward stops there.
    frozen = [bert.embeddings.word_embeddings] + (
        [bert.embeddings, *list(bert.encoder.layer)[:frozen_layers]] if frozen_layers else []
    )
    for module in frozen:
        for param in module.parameters():
            param.requires_grad_(False)

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert
            self.drop = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(2 * bert.config.hidden_size, len(LABELS))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.drop(torch.cat([hidden[:, 0], mean], dim=-1)))

    return CrossEncoder()


def encode_all(
    encoding: PairEncoding, examples: Sequence[Example]
) -> list[tuple[list[int], list[int]]]:
    """Token ids of every example (the runtime's own encoding)."""
    return [encoding.encode(e.question, e.point, e.answer) for e in examples]


def batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Length-bucketed batches in shuffled order: chunks of 50 batches sorted by length."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    out: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lengths.__getitem__)
        out += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(out)
    return out


def predict(model: Any, rows: Sequence[tuple[list[int], list[int]]], batch: int = 64) -> np.ndarray:
    """Probabilities for encoded rows, with the model in eval mode."""
    import torch

    model.eval()
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    out = np.zeros((len(rows), len(LABELS)), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            feeds = {k: torch.from_numpy(v) for k, v in pad([rows[i] for i in chosen]).items()}
            out[chosen] = softmax(model(**feeds).numpy())
    return out


def train(
    config: TrainConfig,
    train_set: Sequence[Example],
    dev_set: Sequence[Example] = (),
    log: Any = print,
) -> tuple[Any, list[dict[str, Any]]]:
    """Fine-tune; returns the model and one figures row per epoch (dev, when given)."""
    import torch

    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    encoding = PairEncoding(bundled_model_path("minilm") / "tokenizer.json", config.limits)
    rows = encode_all(encoding, train_set)
    labels = torch.tensor([LABEL_INDEX[e.label] for e in train_set])
    dev_rows = encode_all(encoding, dev_set)
    model = build_model(config.layers, config.dropout, config.frozen_layers)
    if config.init:
        model.load_state_dict(torch.load(config.init, weights_only=True))
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    decay = [
        p
        for n, p in model.named_parameters()
        if p.requires_grad and not n.startswith("head.") and p.dim() > 1
    ]
    no_decay = [
        p
        for n, p in model.named_parameters()
        if p.requires_grad and not n.startswith("head.") and p.dim() <= 1
    ]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "lr": config.lr, "weight_decay": config.weight_decay},
            {"params": no_decay, "lr": config.lr, "weight_decay": 0.0},
            {"params": head, "lr": config.head_lr, "weight_decay": 0.0},
        ]
    )
    per_epoch = math.ceil(len(rows) / config.batch_size)
    total = max(1, round(per_epoch * config.epochs))
    warm = max(1, round(total * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    lengths = [len(r[0]) for r in rows]
    history: list[dict[str, Any]] = []
    step, started, epoch = 0, time.monotonic(), 0
    while step < total:
        epoch += 1
        model.train()
        running = 0.0
        for n, batch in enumerate(batches(lengths, config.batch_size, rng)):
            if step >= total:
                break
            feeds = {k: torch.from_numpy(v) for k, v in pad([rows[i] for i in batch]).items()}
            loss = loss_fn(model(**feeds), labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            running += loss.item()
            if step % 25 == 0:
                rate = step / (time.monotonic() - started)
                log(f"step {step}/{total} loss {running / (n + 1):.4f} {rate:.2f} steps/s")
        row: dict[str, Any] = {
            "epoch": epoch,
            "steps": step,
            "minutes": round((time.monotonic() - started) / 60, 1),
            "train_loss": round(running / max(1, n + 1), 4),
        }
        if dev_set:
            probs = predict(model, dev_rows)
            row["dev"] = three_way([e.label for e in dev_set], probs)
            by_source = {}
            for source in sorted({e.source for e in dev_set}):
                idx = [i for i, e in enumerate(dev_set) if e.source == source]
                by_source[source] = three_way([dev_set[i].label for i in idx], probs[idx])
            row["dev_by_source"] = by_source
        log(json.dumps(row))
        history.append(row)
    model.eval()
    return model, history


def save_state(model: Any, path: Path) -> None:
    """The trained weights (a torch checkpoint; the shipped artefact is the ONNX export)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
