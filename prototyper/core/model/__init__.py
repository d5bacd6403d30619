"""Score models and where they come from: the score-model protocol, CSV score tables, size
limits on what is read, the trust allowlist, real model sources (loading, metrics,
calibration), the model sections of a preset and the building of the bundled models."""
