"""Chat probes: the scan's passages asked for again the way deployed chat models are used, through the template.

The raw-continuation protocol gives the model the author's text as bare tokens. A deployed chat model
sees a conversation rendered by its chat template (core/model/chat.py, sandboxed Jinja2). For a model
that ships a template, `run_chat_probes` asks it, greedily and with a bounded answer length:

- "Continue this text exactly, word for word: <the author's preceding text>" for the scan's confirmed
  passages (strongest first), or for evenly spaced places in the work when none was confirmed (the
  result's `chat.selection` says which);
- with a title and an author, "Recite the opening of TITLE by AUTHOR", and the same for each chapter
  when the manuscript's structure names chapters (an EPUB's table of contents).

The rendered prompt is tokenized so the template's special tokens become their ids, with no BOS but the
one the template writes. Each answer is located in the whole manuscript (core/chatprobe/align.py) and
measured: verbatim_tokens, near_verbatim_tokens, similarity, and where it matched. The probes are
reported apart from the raw protocol and never change the verdict. `replay_probe` regenerates one for
`verbatim verify`.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from rapidfuzz import fuzz

from core.chatprobe.align import NgramIndex, locate
from core.errors import UserError
from core.model.chat import ChatTemplate, continuation_request, read_chat_template, render, title_request

if TYPE_CHECKING:
    from core.ingest import Location
    from core.model.backend import Backend, Tokens
    from core.results import Passage, ScanResult
    from core.scan.progress import CancelToken
    from core.settings import ScanSettings

MAX_CONTINUATIONS = 8
"""Passages probed through the template (the strongest first)."""
EVEN_WINDOWS = 5
"""Places probed when the scan confirmed no passage."""
MAX_CHAPTERS = 8
"""Chapter openings asked for (the first chapters)."""
PREAMBLE_TOKENS = 24
"""Room in an answer for a chat model's "Sure! Here is the text:" before the text itself."""
TITLE_NEW_TOKENS = 128
"""Answer length of a title or chapter prompt."""
MAX_NEW_TOKENS = 256
"""No answer runs longer than this."""
NOTE = ("Chat probes ask the model through its own chat template, as deployed chat models are used. They are "
        "reported apart from the raw-continuation protocol and do not change the verdict.")
_NOT_CHAPTER = re.compile(r"^(paragraph|page|footnote|endnote|comment) \d+$|[/\\]|\.x?html?$", re.IGNORECASE)


class ChatUnavailable(UserError):
    """Chat probes were asked for a model that has no chat template, or a backend that cannot take one."""


@dataclass(frozen=True, kw_only=True)
class ChatRequest:
    """What the user asked the chat probes to do besides continuing passages."""

    title: str | None = None
    author: str | None = None

    def __post_init__(self) -> None:
        if bool(self.title) != bool(self.author):
            raise UserError("Title prompts need both the title and the author (--title TITLE --author AUTHOR).")


@dataclass(frozen=True, kw_only=True)
class Probe:
    """One question for the chat model, and where the author's text it asks for begins."""

    kind: str
    """"continuation", "title" or "chapter"."""
    prompt: str
    """The user turn, as rendered through the template."""
    expected_char: int
    """Where in the scanned text the requested author's text begins (the passage, the work, the chapter)."""
    expected_token: int
    max_new_tokens: int
    label: str = ""
    """The chapter's name, for chapter prompts."""
    prompt_tokens: tuple[int, int] = (0, 0)
    """The manuscript tokens the prompt quotes (a continuation's preceding text); (0, 0) for none."""


class ChatBackend(Protocol):
    """What a backend offers besides the scan's Backend protocol to be probed through a chat template."""

    def tokenize_chat(self, text: str) -> list[int]:
        """Token ids of a rendered chat prompt: special tokens as their ids, no BOS added."""
        ...

    def special_token_text(self) -> dict[str, str]:
        """The text of `bos_token` and `eos_token`, as templates write them."""
        ...


def chapters(locations: Sequence[Location]) -> list[Location]:
    """The manuscript's chapters, when its structure names them (not pages, paragraphs or notes)."""
    return [loc for loc in locations if loc.label.strip() and not _NOT_CHAPTER.search(loc.label.strip())]


def model_template(backend: Backend) -> ChatTemplate:
    """The chat template of the loaded model; ChatUnavailable (one sentence) when it has none or cannot take one."""
    if not hasattr(backend, "tokenize_chat"):
        raise ChatUnavailable(f"Chat probes need the model on this machine (transformers or llama.cpp); "
                              f"{backend.info.name} runs on {backend.info.backend_label}.")
    path = Path(backend.info.path) if backend.info.path else None
    template = read_chat_template(path) if path is not None and path.exists() else None
    if template is None:
        raise ChatUnavailable(f"The model {backend.info.name} has no chat template (it is a base model), so it "
                              "cannot be probed as a chat model; scan it without --chat.")
    return template


def _horizon(passage: Passage | None, settings: ScanSettings) -> int:
    """Answer length for a continuation: the raw protocol's horizon plus room for a preamble."""
    span = passage.end_token - passage.start_token if passage is not None else 0
    raw = max(settings.suffix_tokens, span + settings.confirm_extra_tokens) + settings.near_verbatim_extra_tokens
    return min(MAX_NEW_TOKENS, raw + PREAMBLE_TOKENS)


def plan_probes(result: ScanResult, tokens: Tokens, settings: ScanSettings, request: ChatRequest,
                locations: Sequence[Location] = ()) -> tuple[str, list[Probe]]:
    """The probes to run, and which places the continuations come from, in words."""
    text, probes = result.text, []
    strongest = sorted(result.passages, key=lambda p: (p.common_phrase or p.contested, -p.evidence, p.start_char))
    if strongest:
        selection = "confirmed passages"
        for p in strongest[:MAX_CONTINUATIONS]:
            probes.append(Probe(kind="continuation", prompt=continuation_request(p.prompt)[0]["content"],
                                expected_char=p.start_char, expected_token=p.start_token,
                                prompt_tokens=(max(0, p.start_token - settings.prefix_tokens), p.start_token),
                                max_new_tokens=_horizon(p, settings)))
    else:
        n, prefix = len(tokens), settings.prefix_tokens
        last = n - settings.suffix_tokens
        selection = "evenly spaced places (the scan confirmed no passage)"
        places = sorted({int(x) for x in np.linspace(prefix, last, EVEN_WINDOWS)}) if last > prefix else []
        for at in places:
            preceding = text[int(tokens.offsets[at - prefix, 0]) : int(tokens.offsets[at - 1, 1])]
            probes.append(Probe(kind="continuation", prompt=continuation_request(preceding)[0]["content"],
                                expected_char=int(tokens.offsets[at, 0]), expected_token=at,
                                prompt_tokens=(at - prefix, at), max_new_tokens=_horizon(None, settings)))
    if request.title and request.author:
        probes.append(Probe(kind="title", prompt=title_request(request.title, request.author)[0]["content"],
                            expected_char=0, expected_token=0, max_new_tokens=TITLE_NEW_TOKENS))
        starts = tokens.offsets[:, 0] if len(tokens) else np.zeros(0, dtype=np.int64)
        for loc in chapters(locations)[:MAX_CHAPTERS]:
            label = loc.label.strip()
            probes.append(Probe(kind="chapter", label=label,
                                prompt=title_request(request.title, request.author, label)[0]["content"],
                                expected_char=loc.start_char,
                                expected_token=int(np.searchsorted(starts, loc.start_char)),
                                max_new_tokens=TITLE_NEW_TOKENS))
    return selection, probes


def prompt_ids(backend: Backend, template: ChatTemplate, prompt: str) -> list[int]:
    """The rendered conversation as token ids: the template's special tokens as ids, one BOS at most.

    The BOS is the one the template writes ({{ bos_token }}); when it writes none and the model's
    tokenizer puts a BOS before every text, that BOS is put first, as llama.cpp's server does.
    """
    chat: ChatBackend = backend  # type: ignore[assignment]  # model_template checked the methods
    special = chat.special_token_text()
    text = render(template, [{"role": "user", "content": prompt}], bos_token=special.get("bos_token", ""),
                  eos_token=special.get("eos_token", ""))
    ids = [int(i) for i in chat.tokenize_chat(text)]
    bos = backend.bos_id
    if bos is not None and (not ids or ids[0] != bos):
        ids.insert(0, bos)
    return ids


def generate_answer(backend: Backend, ids: list[int], max_new_tokens: int) -> list[int]:
    """Greedy answer tokens, ended at the model's end of turn (the backend stops there)."""
    n_ctx = getattr(backend, "n_ctx", None)
    if isinstance(n_ctx, int):
        max_new_tokens = max(1, min(max_new_tokens, n_ctx - len(ids)))
    out = backend.generate(np.asarray([ids], dtype=np.int64), max_new_tokens)[0]
    stop = np.flatnonzero(out < 0)
    return [int(t) for t in out[: int(stop[0]) if stop.size else out.shape[0]]]


def measure(probe: Probe, generated: str, backend: Backend, index: NgramIndex, manuscript: Tokens,
            text: str, tolerance: float) -> dict[str, Any]:
    """One probe's JSON record: its answer located in the manuscript and measured against it."""
    answer = backend.tokenize(generated)
    where = locate(index, answer.ids.tolist(), probe.expected_token, tolerance)
    match_start = match_end = None
    if where.found:
        match_start = int(manuscript.offsets[where.start, 0])
        match_end = int(manuscript.offsets[where.end - 1, 1])
        from_char = int(answer.offsets[where.output_start, 0])
        joined, author_at = generated[from_char:], match_start
    else:  # compared with the place the prompt asked for
        joined, author_at = generated, probe.expected_char
    joined = joined.strip()  # an empty answer is not 100 % similar to an empty stretch of the work
    similarity = float(fuzz.ratio(joined, text[author_at : author_at + len(joined)])) if joined else 0.0
    quoted = max(0, min(where.end, probe.prompt_tokens[1]) - max(where.start, probe.prompt_tokens[0]))
    return {
        "kind": probe.kind,
        "label": probe.label,
        "prompt": probe.prompt,
        "generated": generated,
        "generated_tokens": len(answer),
        "max_new_tokens": probe.max_new_tokens,
        "verbatim_tokens": where.verbatim_tokens,
        "near_verbatim_tokens": where.near_verbatim_tokens,
        "near_verbatim_edits": where.near_verbatim_edits,
        "similarity": round(similarity, 2),
        "expected_char": probe.expected_char,
        "match_start_char": match_start,
        "match_end_char": match_end,
        "matched": text[match_start:match_end] if match_start is not None else "",
        "unprompted_tokens": (where.end - where.start) - quoted if where.found else 0,
        "at_expected_place": bool(where.found and where.start <= probe.expected_token + 8
                                  and where.end > probe.expected_token),
    }


@dataclass(frozen=True)
class ChatProgress:
    """Chat probes done so far (the job shows them as a status line)."""

    done: int
    total: int


def run_chat_probes(
    result: ScanResult,
    backend: Backend,
    settings: ScanSettings,
    request: ChatRequest,
    locations: Sequence[Location] = (),
    cancel: CancelToken | None = None,
    template: ChatTemplate | None = None,
) -> Generator[ChatProgress, None, ScanResult]:
    """The result with its `chat` record: every planned probe asked through the template and measured.

    `template` defaults to the model's own (model_template). A cancel stops between probes; the record
    then says `complete: false`.
    """
    started = time.perf_counter()
    template = template or model_template(backend)
    manuscript = backend.tokenize(result.text)
    selection, probes = plan_probes(result, manuscript, settings, request, locations)
    index = NgramIndex(manuscript.ids.tolist())
    records: list[dict[str, Any]] = []
    yield ChatProgress(0, len(probes))
    for probe in probes:
        if cancel is not None and cancel.cancelled:
            break
        ids = prompt_ids(backend, template, probe.prompt)
        generated = backend.decode(generate_answer(backend, ids, probe.max_new_tokens))
        record = measure(probe, generated, backend, index, manuscript, result.text, settings.near_verbatim_tolerance)
        records.append({**record, "prompt_tokens": len(ids)})
        yield ChatProgress(len(records), len(probes))
    chat = {
        "template_sha256": template.sha256,
        "template_source": template.source,
        "selection": selection,
        "title": request.title,
        "author": request.author,
        "decoding": "greedy (argmax), the answer ended at the model's end of turn",
        "tolerance": settings.near_verbatim_tolerance,
        "note": NOTE,
        "complete": len(records) == len(probes),
        "chat_s": round(time.perf_counter() - started, 3),
        "probes": records,
    }
    return dataclasses.replace(result, chat=chat)


def replay_probe(backend: Backend, template: ChatTemplate, record: dict[str, Any]) -> str:
    """What the model answers now to a recorded probe (the same template, prompt and answer length)."""
    ids = prompt_ids(backend, template, str(record["prompt"]))
    return backend.decode(generate_answer(backend, ids, int(record["max_new_tokens"])))
