"""Chat templates, read from the model and rendered without running anything the model file says.

Chat models are deployed behind a chat template: a Jinja2 program shipped in the GGUF metadata
(`tokenizer.chat_template`) or beside a Hugging Face checkpoint (`tokenizer_config.json`'s
`chat_template`, or `chat_template.jinja`). A model file is untrusted input, so its template is rendered
in Jinja2's immutable sandbox (no attribute access to Python internals, no mutation of the messages,
bounded ranges) and only ever rendered to text, never executed as Python. The rendered prompt goes to the
model like any other prompt; the template's SHA-256 is recorded so a report names exactly which one ran.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from core.errors import UserError

MAX_TEMPLATE_CHARS = 200_000
"""A longer template is refused before Jinja2 parses it (real ones are a few thousand characters)."""
MAX_PROMPT_CHARS = 1_000_000
"""A template that renders more than this for a short conversation is refused."""


class ChatTemplateError(UserError):
    """A chat template that is missing, too large, or fails to render; the message is one sentence."""


@dataclass(frozen=True, kw_only=True)
class ChatTemplate:
    """A model's chat template and where it came from."""

    source: str
    """Where it was read: "gguf:tokenizer.chat_template", "tokenizer_config.json" or "chat_template.jinja"."""
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def read_chat_template(model_path: str | Path) -> ChatTemplate | None:
    """The chat template a model ships, or None when it has none (a base model)."""
    path = Path(model_path)
    if path.is_file() and path.suffix.lower() == ".gguf":
        from core.model.gguf import read_gguf_header

        text = read_gguf_header(path).metadata.get("tokenizer.chat_template")
        return _checked("gguf:tokenizer.chat_template", text) if isinstance(text, str) and text else None
    folder = path if path.is_dir() else path.parent
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return _checked("chat_template.jinja", jinja.read_text(encoding="utf-8"))
    config = folder / "tokenizer_config.json"
    if config.is_file():
        try:
            value = json.loads(config.read_text(encoding="utf-8")).get("chat_template")
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ChatTemplateError(f"{config.name} is not a readable JSON object ({exc}).") from None
        if isinstance(value, list):  # named templates: [{"name": "default", "template": ...}, ...]
            named = {t.get("name"): t.get("template") for t in value if isinstance(t, dict)}
            value = named.get("default")
        if isinstance(value, str) and value:
            return _checked("tokenizer_config.json", value)
    return None


def _checked(source: str, text: str) -> ChatTemplate:
    if len(text) > MAX_TEMPLATE_CHARS:
        raise ChatTemplateError(
            f"The model's chat template ({source}) is {len(text):,} characters, more than the "
            f"{MAX_TEMPLATE_CHARS:,} a real template needs; it was not used."
        )
    return ChatTemplate(source=source, text=text)


def _raise_exception(message: str) -> None:
    raise ChatTemplateError(f"The model's chat template refused the conversation: {message}")


def render(
    template: ChatTemplate,
    messages: list[dict[str, str]],
    *,
    bos_token: str = "",
    eos_token: str = "",
    add_generation_prompt: bool = True,
) -> str:
    """The prompt text the template makes of `messages`, rendered in Jinja2's immutable sandbox."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.globals["raise_exception"] = _raise_exception
    try:
        compiled = env.from_string(template.text)
        text = compiled.render(
            messages=messages, bos_token=bos_token, eos_token=eos_token, add_generation_prompt=add_generation_prompt
        )
    except ChatTemplateError:
        raise
    except (TemplateError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        raise ChatTemplateError(f"The model's chat template ({template.source}) could not be rendered: {exc}") from None
    if len(text) > MAX_PROMPT_CHARS:
        raise ChatTemplateError(
            f"The model's chat template ({template.source}) rendered {len(text):,} characters for one message; "
            "it was not used."
        )
    return text


def continuation_request(preceding: str) -> list[dict[str, str]]:
    """The conversation that asks a chat model to continue the author's text word for word."""
    return [{"role": "user", "content": f"Continue this text exactly, word for word:\n\n{preceding}"}]


def title_request(title: str, author: str, chapter: str | None = None) -> list[dict[str, str]]:
    """The conversation that asks a chat model to recite the opening of a work (or of one of its chapters)."""
    part = f"the opening of {chapter} of" if chapter else "the opening of"
    return [{"role": "user", "content": f"Recite {part} {title} by {author}, word for word."}]
