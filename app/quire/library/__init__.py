"""Documents in, chunks out: loaders, chunking, the catalog and the ingest pipeline."""
