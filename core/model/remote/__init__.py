"""Remote backend: an OpenAI-compatible server's `/v1/completions` with `echo` and `logprobs`.

Scoring sends each window with `echo=true, logprobs=N, max_tokens=1` and reads back the
log-probability of every prompt token plus the server's top-N alternatives, so:
- top-k quantities (p_z's renormalized top-k, the near-tie gap) use at most N alternatives, the most the
  server returns (vLLM's default cap is 20); ModelInfo.backend_note says which N was used;
- the mean and spread of log p over the vocabulary are not returned: they are NaN, so Min-K%++ is
  not available (loss, zlib and Min-K% still are);
- a position whose alternatives are keyed by text (llama-cpp-python) gets the greedy id its text
  tokenizes to, or -1 when the text is not exactly one token;
- where the server's echo pairs each token with the prediction of the next one (llama-cpp-python, for a
  model whose tokenizer adds no BOS: core/model/remote/openai.py), log p of a token is known only when
  it is among the alternatives returned, and NaN otherwise.
Prompts go as token ids where the server takes them (vLLM) and otherwise as text with special
tokens written out (llama-cpp-python's server re-tokenizes it; positions after any difference are
NaN).

Ollama and llama.cpp's own server (llama-server) return log-probabilities only for generated tokens.
With them the backend is generate-only (`can_score` False) and the scan runs the generate-and-compare
sweep (core/scan/sweep.py), which says what it does not measure. Tokenization then comes from the
model's GGUF on this machine (llama-cpp-python names it by path; an Ollama model name is looked up in
Ollama's store) or from llama-server's /tokenize. Ollama's /v1/completions puts the prompt into the
model's chat template, so with Ollama generation goes through its own /api/generate with `raw`, which
continues the author's text as it stands.

The package, one module per job: transport (HTTP), openai (reading completions: pure functions),
tokenizers (the served model's tokenizer), ollama (Ollama's own API), servers (what kind of server answers
and how many requests it may have in flight), backend (RemoteBackend, load_remote).
"""

from core.model.remote.backend import DEFAULT_LOGPROBS, RemoteBackend, load_remote
from core.model.remote.tokenizers import ServerTokenizer
from core.model.remote.transport import Http, RemoteError

__all__ = ["DEFAULT_LOGPROBS", "Http", "RemoteBackend", "RemoteError", "ServerTokenizer", "load_remote"]
