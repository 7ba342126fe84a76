"""Reading an OpenAI-compatible server's completions: pure functions from its JSON to our window's columns.

A completion with `echo` and `logprobs` returns, for each prompt token, an entry: the token (its text, or
"token_id:N" from vLLM with return_tokens_as_token_ids), its log-probability and the top-N alternatives.
The first entry is null (OpenAI's convention). Where the prompt went as text the server re-tokenized it,
adding a BOS or not by its own rule, so the entries are placed in our window by their tokens
(`echo_offset`), and entries after the first token that differs from ours are dropped.

Which prediction an entry carries is the `pairing`: 0 as OpenAI means it (entry j holds the prediction of
the token it names), 1 where entry j holds the prediction of the token after it. llama-cpp-python 0.3.x
pairs so whenever its prompt does not begin with its BOS (a model such as SmolLM2 whose tokenizer adds
none): it pairs prompt token j with logits row j, which predicts token j+1 unless a BOS came first. Then
the log-probability of the actual next token is known only where it is among the alternatives returned.
`pairing_from_probe` tells the two apart from a plain completion of the same prompt without its last token.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from core.model.backend import FloatArray, IntArray

NO_ECHO = ("The server at {base} does not return log-probabilities of the prompt (echo), as Ollama and "
           "llama.cpp's own server do not: only the generate-and-compare probe applies.")

Decode = Callable[[list[int]], str]
"""Token ids to text, as the served model's tokenizer decodes them."""


class Entry(NamedTuple):
    """One column of a window, as an echo describes it."""

    column: int
    """Column c is the prediction of window[c + 1] from window[..c]."""
    actual: float | None
    """log p of window[column + 1]; None when the server did not return it."""
    top: dict[str, float]
    """The alternatives the server returned, keyed as it keys them (text or "token_id:N")."""


def echoed(out: dict[str, Any]) -> dict[str, Any] | None:
    """The completion's log-probabilities of the prompt, or None when the server did not echo them."""
    try:
        lp = out["choices"][0]["logprobs"]
        if lp and isinstance(lp.get("token_logprobs"), list) and len(lp["token_logprobs"]) >= 2:
            return dict(lp)
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return None


def first_alternatives(out: dict[str, Any]) -> dict[str, float] | None:
    """The alternatives of a plain completion's first generated token (what the prompt's last row predicts)."""
    try:
        top = out["choices"][0]["logprobs"]["top_logprobs"][0]
    except (KeyError, IndexError, TypeError):
        return None
    return {str(k): float(v) for k, v in top.items()} if isinstance(top, dict) and top else None


def token_id(key: str) -> int:
    """Parse "token_id:123" (vLLM with return_tokens_as_token_ids) -> 123; any other text -> -1."""
    if key.startswith("token_id:"):
        try:
            return int(key.removeprefix("token_id:"))
        except ValueError:
            return -1
    return -1


def same_token(echoed: str, token: int, decode: Decode) -> bool:
    """Whether an echoed token is ours: by id, or by text (a lone byte of a character matches any text)."""
    parsed = token_id(echoed)
    if parsed >= 0:
        return parsed == token
    return echoed == decode([token]).replace("\ufffd", "") or "\ufffd" in decode([token])


def names_token(key: str, token: int, decode: Decode) -> bool:
    """Whether an alternative's key names exactly this token (a lone byte, whose text is lost, names none)."""
    parsed = token_id(key)
    if parsed >= 0:
        return parsed == token
    text = decode([token])
    return bool(text) and "\ufffd" not in text and key == text


def echo_offset(tokens: list[Any], window: IntArray, decode: Decode, entries: int) -> int:
    """Where a re-tokenized echo starts in our window: entry j is window[j + offset].

    A server that re-tokenizes the prompt text adds a BOS or not by its own rule, and our window has one or
    not by the tokenizer's: +1 when the window's BOS is missing from the echo, -1 when the echo has a BOS the
    window lacks, 0 when both agree. Read from the echoed tokens where the server returns them (the first
    three that can be compared must match), otherwise from the lengths.
    """
    t = int(window.shape[0])
    if tokens:
        for offset in (0, 1, -1):
            pairs = [(j, j + offset) for j in range(len(tokens)) if 0 <= j + offset < t][:3]
            if pairs and all(same_token(tokens[j], int(window[pos]), decode) for j, pos in pairs):
                return offset
    return 0 if entries - 1 >= t else 1


def entries(lp: dict[str, Any], window: IntArray, skip: int, decode: Decode, pairing: int = 0) -> list[Entry]:
    """The columns of `window` an echo describes: entry j names window[j + skip] (see echo_offset).

    With pairing 0 the actual token's log p is the entry's own; with pairing 1 it is looked up among the
    alternatives of the entry before it, and is None where the server did not return it.
    """
    t = int(window.shape[0])
    values = list(lp["token_logprobs"])
    tokens = list(lp.get("tokens") or [])
    tops = list(lp.get("top_logprobs") or [None] * len(values))
    out = []
    for j in range(max(0, -skip), min(len(values), t - skip)):
        pos = j + skip  # the window token entry j names
        column = pos - 1 + pairing
        if column < 0 or column >= t - 1 or (values[j] if pairing == 0 else tops[j]) is None:
            continue
        if j < len(tokens) and not same_token(tokens[j], int(window[pos]), decode):
            break
        top = {str(k): float(v) for k, v in (tops[j] or {}).items()}
        if pairing == 0:
            actual: float | None = float(values[j])
        else:
            target = int(window[column + 1])
            actual = next((v for k, v in top.items() if names_token(k, target, decode)), None)
        out.append(Entry(column, actual, top))
    return out


def pairing_from_probe(lp: dict[str, Any], window: IntArray, skip: int, probe: dict[str, float]) -> int | None:
    """The echo's pairing, from `probe`: the alternatives of a plain completion of window[:-1].

    The probe is the prediction of window[-1]: an echo of pairing 0 holds the same alternatives in the entry
    naming window[-1], one of pairing 1 in the entry naming window[-2]. Told by the alternatives' keys, not
    their values: the server's numerics differ by a few hundredths of a nat between a prompt evaluated at
    once and one continued from its cache. None when neither entry shares half of the probe's alternatives,
    or both do equally.
    """
    tops = list(lp.get("top_logprobs") or [])
    t = int(window.shape[0])

    def shared(pos: int) -> float:
        j = pos - skip
        top = tops[j] if 0 <= j < len(tops) else None
        return len(set(probe) & set(top)) / len(probe) if top and probe else 0.0

    same, after = shared(t - 1), shared(t - 2)
    if max(same, after) < 0.5 or same == after:
        return None
    return 0 if same > after else 1


def row_scores(row: list[Entry], window: IntArray, n: int,
               key_id: Callable[[str], int]) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """greedy, logp, logp_topk and gap of one window's columns (length T-1) from its entries.

    Top-k quantities use the n alternatives the server returned; a column no entry describes is NaN (greedy
    -1). A greedy token that is not the author's is the top alternative's id (`key_id`, -1 if unknown).
    """
    t = int(window.shape[0])
    greedy = np.full(t - 1, -1, dtype=np.int64)
    logp, logp_topk, gap = (np.full(t - 1, np.nan, dtype=np.float32) for _ in range(3))
    for col, actual, top in row:
        if actual is not None:
            logp[col] = actual
        vals = sorted(top.values(), reverse=True)
        if not vals:
            continue
        gap[col] = vals[0] - vals[1] if len(vals) > 1 else math.inf
        k = max(1, min(n, len(vals)))
        head = np.asarray(vals[:k], dtype=np.float64)
        lse = float(head[0] + np.log(np.exp(head - head[0]).sum()))
        if actual is None:  # not among the alternatives: outside the top-k when all n were returned
            logp_topk[col] = -math.inf if len(vals) >= n else math.nan
        else:
            logp_topk[col] = actual - lse if actual >= vals[k - 1] else -math.inf
        if actual is not None and actual >= vals[0] - 1e-5:
            greedy[col] = int(window[col + 1])
        else:
            greedy[col] = key_id(max(top, key=lambda key: top[key]))
    return greedy, logp, logp_topk, gap


def generated_ids(logprobs: dict[str, Any]) -> list[int]:
    """The generated token ids: vLLM's "token_id:N" strings, or llama-server's per-token "id"; [] if neither."""
    if logprobs.get("tokens"):
        return [token_id(str(tok)) for tok in logprobs["tokens"]]
    content = logprobs.get("content")
    if isinstance(content, list) and content and all(isinstance(e, dict) and "id" in e for e in content):
        return [int(e["id"]) for e in content]
    return []
