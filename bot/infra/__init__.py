"""Infrastructure behind small interfaces: embedder, card index, progress store, LLM."""
