"""One LoRA per dialect, selected by the sample's dialect tag (``method: lora-per-dialect``)."""
