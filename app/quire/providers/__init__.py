"""Who writes the answer: the in-process llama.cpp model, a LAN server, or OCI Generative AI."""
