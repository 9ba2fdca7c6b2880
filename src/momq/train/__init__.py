"""Fine-tuning: recipes, prompt construction, batching and the trainer.

``momq train --recipe FILE.yaml`` (or ``python -m momq.train FILE.yaml``, which is what
``torchrun`` launches) reads a :class:`~momq.train.recipe.Recipe` and runs
:class:`~momq.train.trainer.Trainer`.
"""
