"""hf-lineage: the Hugging Face model derivative graph, crawled, counted and forecast."""

__version__ = "0.1.0"
