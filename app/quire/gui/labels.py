"""User text on buttons and actions: Qt reads "&" there as a mnemonic ("Benefits & Perks" would
show as "Benefits _Perks" and grab Alt+Space), so every such label goes through `literal`."""

from __future__ import annotations


def literal(text: str) -> str:
    """The text as a button or action label that shows it exactly as written."""
    return text.replace("&", "&&")
