"""The local models the user has: a catalog of recommended GGUFs, downloads through huggingface_hub,
a check before a file is trusted, and LoRA adapters attached per chat."""
