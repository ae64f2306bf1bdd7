"""ONNX export (legacy TorchScript exporter, opset 17) and dynamic int8 quantization."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def export_onnx(model: Any, dest: Path) -> Path:
    """The trained model as ONNX with dynamic batch and length, output `logits` (n, 3)."""
    import torch

    model.eval()
    example = torch.ones((2, 8), dtype=torch.long)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about Python-level branches in BERT that are fixed for our inputs.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example, example, torch.zeros_like(example)),
            str(dest),
            input_names=list(INPUTS),
            output_names=["logits"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in INPUTS}, "logits": {0: "batch"}},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    return dest


def quantize(src: Path, dest: Path) -> Path:
    """Dynamic int8 quantization of the weights (MatMul and the embedding Gathers).

    Per output channel: with one scale per tensor the first model's dev-set argmax agreed
    with fp32 on 87% of pairs (3-way macro-F1 0.592 -> 0.574); per channel on 96% (0.590).
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its "run pre-processing first" advice
    quantize_dynamic(str(src), str(dest), weight_type=QuantType.QInt8, per_channel=True)
    return dest
