"""Value alignment (R3-NL2GQL's rewriter, data side): an index of a database's string
values and lookup of the values a question mentions (``momq.align.index``)."""

from momq.align.index import Match, ValueIndex, collect_values, index_for, mentions, normalize

__all__ = ["Match", "ValueIndex", "collect_values", "index_for", "mentions", "normalize"]
