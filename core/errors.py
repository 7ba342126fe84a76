"""Failures meant for the user, and the one way any exception becomes one sentence for them.

`UserError` is the base of every error whose message is written for the person running Verbatim
(an unreadable manuscript, an unsafe model file, a checkpoint of another scan, a bad setting): front
ends show its text as it is. `describe` turns any exception into one sentence; an internal error
(a bug) is named as unexpected, never passed off as a message.
"""

from __future__ import annotations


class UserError(ValueError):
    """A failure the user can act on; the message is one sentence for them."""


def as_sentence(text: str) -> str:
    """`text` stripped, ending with a full stop unless it already ends a sentence."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def describe(exc: BaseException) -> str:
    """One plain sentence for the user about `exc`.

    UserError (the base of the ingest, model-file, server, report-file, checkpoint and settings errors),
    and a plain ValueError (still raised with user-facing messages by core.model.discovery,
    core.model.loader and core.match), say their own message; a missing or unreadable file names the
    file; anything else is an unexpected error with its type.
    """
    text = str(exc).strip()
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"{exc.filename} does not exist."
    if isinstance(exc, PermissionError) and exc.filename:
        return f"permission denied for {exc.filename}."
    if isinstance(exc, ValueError | OSError) and text:
        return as_sentence(text)
    if isinstance(exc, MemoryError):
        return "The computer ran out of memory; try a smaller model or chunk size."
    return f"Unexpected error ({type(exc).__name__}): {text or 'no details'}."
