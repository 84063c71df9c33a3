"""Scoring generators: the reference classifiers (``classifier``), the metrics — IS, FID, KID, precision and
recall (``metrics``) — and the evaluation sets and sampling (``evaluation``)."""
