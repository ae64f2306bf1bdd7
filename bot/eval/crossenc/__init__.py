"""The project's cross-encoder: training data, training, ONNX export and its figures.

Trained from the bundled all-MiniLM-L6-v2 weights on SemEval-2013 Task 7 *training* answers
and rule-made hard pairs (`dataset`, `perturb`, the hand-written decks in `decks/`); measured
on the SemEval test splits and on the seed deck, which training never sees (`measure`). The
shipped model and its provenance live in `bot/infra/models/`; `bot.infra.pair_scorer` runs it.
"""
