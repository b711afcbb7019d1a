"""custvalue-kg: a knowledge graph of customer value, with its ontology, shapes and queries."""

__version__ = "0.1.0"
