"""One schema model for both families, its renderers and introspection from live engines."""

from momq.schema.model import Column, EdgeType, ForeignKey, NodeType, Schema, Table

__all__ = ["Column", "EdgeType", "ForeignKey", "NodeType", "Schema", "Table"]
