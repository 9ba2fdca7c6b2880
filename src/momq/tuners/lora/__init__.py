"""Vanilla LoRA baseline through PEFT (``method: lora``)."""
