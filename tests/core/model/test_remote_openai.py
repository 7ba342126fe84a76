"""Reading OpenAI-compatible completions (core.model.remote.openai) on answers recorded from real servers.

The fixtures in tests/fixtures/remote are the JSON a llama-cpp-python 0.3.36 server and llama-server
returned for the first 12 tokens of Genesis 1 under the embedded SmolLM2 (its tokenizer adds no BOS), with
the request that produced each. The log-probabilities they are checked against were computed by local
llama.cpp (llama-cpp-python's Llama.eval, fp32 KV cache) from the same GGUF.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from core.model.remote import openai

FIXTURES = Path(__file__).parents[2] / "fixtures" / "remote"

LOCAL_NEXT_LOGP = [-5.3159, -6.9552, -14.9777, -2.7171, -1.4114, -6.1131, -0.2665, -0.2727, -0.1927, -1.0899,
                   -3.7835]
"""Local llama.cpp: log p of window[c + 1] after window[..c], for columns c = 0..10."""


def recorded(name):
    data = json.loads((FIXTURES / name).read_text())
    return np.asarray(data["window"], dtype=np.int64), data["answer"]


@pytest.fixture
def echo():
    window, answer = recorded("llama_cpp_python_echo_bosless.json")
    lp = openai.echoed(answer)
    assert lp is not None
    pieces = dict(zip(window.tolist(), lp["tokens"], strict=True))  # the echo spells each of our tokens
    return window, lp, lambda ids: "".join(pieces[int(i)] for i in ids)


def test_the_bosless_echo_starts_at_the_windows_first_token(echo):
    window, lp, decode = echo
    assert openai.echo_offset(lp["tokens"], window, decode, len(lp["token_logprobs"])) == 0


def test_a_plain_completion_tells_that_each_entry_predicts_the_next_token(echo):
    window, lp, _ = echo
    _, plain = recorded("llama_cpp_python_plain_completion.json")
    probe = openai.first_alternatives(plain)
    assert probe is not None and len(probe) == 3
    assert openai.pairing_from_probe(lp, window, 0, probe) == 1


def test_entries_read_with_the_servers_pairing_agree_with_local_llama_cpp(echo):
    window, lp, decode = echo
    entries = openai.entries(lp, window, 0, decode, pairing=1)
    assert [e.column for e in entries] == list(range(1, 11))  # column 0's entry is the null first one
    known = {e.column: e.actual for e in entries if e.actual is not None}
    assert sorted(known) == [3, 4, 6, 7, 8, 9]  # the next token is among the 3 alternatives there
    assert [known[c] for c in sorted(known)] == pytest.approx([LOCAL_NEXT_LOGP[c] for c in sorted(known)], abs=1e-3)


def test_read_with_openais_pairing_the_same_echo_is_off_by_one(echo):
    """The defect this pairing fixes: each entry's own value is its token under the next position's prediction."""
    window, lp, decode = echo
    entries = openai.entries(lp, window, 0, decode, pairing=0)
    wrong = {e.column: e.actual for e in entries}
    assert max(abs(wrong[c] - LOCAL_NEXT_LOGP[c]) for c in wrong) > 10


def test_row_scores_mark_unreturned_tokens_as_outside_the_top_k(echo):
    window, lp, decode = echo
    entries = openai.entries(lp, window, 0, decode, pairing=1)
    asked = []

    def key_id(key):
        asked.append(key)
        return 99

    greedy, logp, logp_topk, gap = openai.row_scores(entries, window, 3, key_id)
    assert np.isnan(logp[[0, 1, 2, 5, 10]]).all() and np.isfinite(logp[[3, 4, 6, 7, 8, 9]]).all()
    assert (logp_topk[[1, 2, 5, 10]] == -math.inf).all() and np.isnan(logp_topk[0])
    hits = [4, 6, 7, 8]  # the next token is the top alternative
    assert (greedy[hits] == window[[c + 1 for c in hits]]).all()
    assert greedy[0] == -1 and (greedy[[1, 2, 3, 5, 9, 10]] == 99).all()  # misses: the top alternative's id
    assert asked == [" original", " of", " is", " universe", ",", "\n"]
    assert np.isfinite(gap[1:]).all() and np.isnan(gap[0])


def test_generated_ids_from_llama_servers_content():
    window, answer = recorded("llama_server_generation.json")
    ids = openai.generated_ids(answer["choices"][0]["logprobs"])
    assert ids[:2] == [1839, 2312] and len(ids) == 4  # " God created"


def test_vllm_style_token_ids_are_parsed():
    assert openai.token_id("token_id:1839") == 1839
    assert openai.token_id(" God") == -1
    assert openai.names_token("token_id:7", 7, lambda ids: "x") and not openai.names_token("x", 7, lambda ids: "\ufffd")
