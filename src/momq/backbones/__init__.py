"""Base models: the catalogue of weights momq can use (:mod:`momq.backbones.catalog`:
names users type, resolved from installed packages and assembled into momq's home) and
loading a base model into ``transformers`` (:mod:`momq.backbones.models`: ``ModelRef``,
``load_model``, ``load_tokenizer``).

Below both the tuning methods (``momq.tuners`` wrap a backbone) and the model backends
(``momq.llm`` generate with a backbone or a tuned model), so neither imports the other
to find its weights.
"""
