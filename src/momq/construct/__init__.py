"""Building multi-turn NL-to-query datasets from a database (MTGQL's construction
framework) in all four dialects, and R3-NL2GQL's data tools.

One module per component, each usable alone:

==================  =================================================================
``view``            the schema as entity types, attributes and relations
``context``         the context manager: turns, entities and their weights, real values
``patterns``        the six expansion patterns and MTGQL's pattern weights (Algorithm 1)
``questions``       question generation: templates, or MTGQL's prompt on a momq model
``queries``         query generation: templates (``render``), or a momq pipeline + model
``render``          the template query renderer, one module per dialect
``validate``        the validator (execution, reverse generation + MiniLM) and optimiser
``filters``         masked-query and embedding deduplication, every drop recorded
``r3data``          GQL2NL, K-Center Greedy sampling, the unseen-schema 4:1 split
``output``          the benchmark's dialogue format, statistics, the human rating sheet
``build``           the components wired together for one database
==================  =================================================================

``momq construct build --db DB -d DIALECT`` is the command line.
"""

from momq.construct.build import BuildOptions, BuildResult, Constructor, construct

__all__ = ["BuildOptions", "BuildResult", "Constructor", "construct"]
