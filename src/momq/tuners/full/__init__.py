"""Full fine-tuning baseline (``method: full``)."""
