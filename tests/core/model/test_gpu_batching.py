"""Batches sized from free GPU memory, and out-of-memory errors answered with smaller batches.

This machine has no GPU, so the out-of-memory path is driven by a scoring function that raises
torch.OutOfMemoryError above a row count (what CUDA raises), around the real tiny model's scoring.
The `gpu` test runs the real thing where CUDA exists.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.model.batching import RowBudget, rows_that_fit  # noqa: E402
from core.model.hf import load_transformers  # noqa: E402
from core.scan.engine import fit_batches  # noqa: E402
from core.settings import ScanSettings  # noqa: E402
from tests.helpers.tiny_model import CORPUS, build_tiny_model  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_transformers(build_tiny_model(tmp_path_factory.mktemp("tiny")), device="cpu", dtype="float32")


def _windows(backend, rows, length):
    ids = backend.tokenize(" ".join(CORPUS * 4)).ids
    return np.stack([np.concatenate([[backend.bos_id], ids[i : i + length - 1]]) for i in range(rows)])


def test_rows_that_fit_keeps_a_reserve_and_at_least_one_row():
    gib = 1024**3
    assert rows_that_fit(80 * gib, gib) == 64  # 80 GiB free, 20 % kept back, 1 GiB a row
    assert rows_that_fit(10 * gib, 3 * gib) == 2
    assert rows_that_fit(gib, 4 * gib) == 1  # never zero: the out-of-memory path decides
    assert rows_that_fit(10**15, 1) == 1024


def test_out_of_memory_splits_the_batch_and_the_result_is_unchanged(tiny):
    windows = _windows(tiny, 9, 24)
    whole = tiny.score(windows, top_k=5)
    calls = []

    def limited(rows):
        calls.append(rows.shape[0])
        if rows.shape[0] > 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return tiny._score_rows(rows, 5, 0)

    budget = RowBudget(out_of_memory=lambda e: isinstance(e, torch.OutOfMemoryError), on_shrink=lambda: None)
    parts = budget.run(windows, limited)
    split = type(whole).concat(parts)
    assert calls[:3] == [9, 4, 2]  # halved until it fit
    assert budget.cap[24] == 2 and budget.retries == 2
    assert (split.greedy == whole.greedy).all()
    np.testing.assert_allclose(split.logp, whole.logp, rtol=1e-6, atol=1e-6)
    # The next batch of that length starts at the size that worked: no new failure.
    calls.clear()
    budget.run(windows[:4], limited)
    assert calls == [2, 2]


def test_out_of_memory_for_one_row_is_one_clear_sentence(tiny):
    def never(rows):
        raise torch.OutOfMemoryError("CUDA out of memory")

    budget = RowBudget(out_of_memory=lambda e: isinstance(e, torch.OutOfMemoryError), on_shrink=lambda: None)
    with pytest.raises(MemoryError, match="single window of 24 tokens"):
        budget.run(_windows(tiny, 3, 24), never)


def test_other_errors_are_not_mistaken_for_out_of_memory(tiny):
    def broken(rows):
        raise ValueError("not a memory problem")

    budget = RowBudget(out_of_memory=lambda e: isinstance(e, torch.OutOfMemoryError), on_shrink=lambda: None)
    with pytest.raises(ValueError, match="not a memory problem"):
        budget.run(_windows(tiny, 3, 24), broken)
    assert budget.retries == 0


def test_a_cpu_backend_keeps_the_configured_batches(tiny):
    settings = ScanSettings(batch_size=3, confirm_batch_size=5)
    assert tiny.suggest_batch_size(513) is None
    assert fit_batches(settings, tiny) is settings


def test_a_gpu_sized_suggestion_only_raises_batches(tiny):
    class Suggests:
        def __init__(self, rows):
            self.rows = rows

        def suggest_batch_size(self, row_tokens):
            return self.rows

    settings = ScanSettings(batch_size=4, confirm_batch_size=16)
    raised = fit_batches(settings, Suggests(96))
    assert (raised.batch_size, raised.confirm_batch_size) == (96, 96)
    kept = fit_batches(settings, Suggests(2))
    assert (kept.batch_size, kept.confirm_batch_size) == (4, 16)
    assert settings.same_scan(raised.to_dict())  # batch sizes never make it a different scan
    assert not settings.same_scan(ScanSettings(top_k=10).to_dict())


@pytest.mark.gpu
def test_on_a_real_gpu_the_suggested_batch_scores_like_single_rows(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    gpu = load_transformers(build_tiny_model(tmp_path / "m"), device="cuda")
    rows = gpu.suggest_batch_size(33)
    assert rows is not None and rows >= 1
    windows = _windows(gpu, 6, 33)
    batch = gpu.score(windows, top_k=5)
    single = [gpu.score(windows[i : i + 1], top_k=5) for i in range(6)]
    assert (batch.greedy == np.concatenate([s.greedy for s in single])).all()


def test_the_gpu_benchmark_script_runs_end_to_end_on_a_tiny_shape():
    """bench/bench_gpu.py is run on a device machine only; this keeps it working between such runs."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[3] / "bench" / "bench_gpu.py"
    out = subprocess.run(
        [sys.executable, str(script), "--shape", "tiny", "--tokens", "2048", "--device", "cpu", "--chunk", "512",
         "--overlap", "64", "--repeats", "1", "--peer-batch", "8", "--peer-batches", "1"],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    row = re.search(r"\*\*Verbatim whole scan\*\* \| 2048 \| ([\d.]+) \| ([\d,]+) \| \*\*([\d.]+) of limit", out)
    assert row, out
    assert float(row.group(1)) > 0 and float(row.group(3)) > 0
    assert "timed 8 of 20 windows" in out


def test_bf16_weights_give_fp32_statistics_close_to_fp32_weights(tmp_path):
    """The numerics a GPU uses (bf16 weights, fp32 log-softmax), run on the CPU."""
    folder = build_tiny_model(tmp_path / "m")
    fp32 = load_transformers(folder, device="cpu", dtype="float32")
    bf16 = load_transformers(folder, device="cpu", dtype="bfloat16")
    assert bf16.info.dtype == "bfloat16" and next(bf16.model.parameters()).dtype == torch.bfloat16
    windows = _windows(fp32, 4, 40)
    a, b = fp32.score(windows, top_k=5), bf16.score(windows, top_k=5)
    assert b.logp.dtype == np.float32 and b.mean_logp.dtype == np.float32
    assert np.isfinite(b.logp).all() and np.isfinite(b.std_logp).all()
    # Greedy choices differ only where fp32 itself sees a near-tie. Log-probabilities (about -5.7 here)
    # stay within 0.005: a log-softmax done in bf16 would round them to steps of 0.03.
    differ = a.greedy != b.greedy
    assert (a.gap[differ] < 0.05).all()
    np.testing.assert_allclose(b.logp, a.logp, atol=0.005)
