"""momq: natural-language questions to MySQL, PostgreSQL, Cypher and nGQL queries.

The package is organised by concern:

- ``momq.dialects``  the four query languages (validation, extraction, read-only checks, normalisation)
- ``momq.schema``    one schema model for relational and graph databases, introspection and renderers
- ``momq.engines``   real execution engines behind one read-only interface
- ``momq.ngql``      momq's embedded nGQL (NebulaGraph) engine
- ``momq.databases`` the demo databases built from ``../shared/data``
- ``momq.eval``      result comparison and metrics
"""

__version__ = "0.1.0"
