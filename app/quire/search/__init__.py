"""Finding passages: the embedder, the vector stores and hybrid retrieval."""
