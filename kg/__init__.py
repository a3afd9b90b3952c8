"""fazhi-kg: the graph side — ontology, model, store, queries, exports."""

__version__ = "0.1.0"
