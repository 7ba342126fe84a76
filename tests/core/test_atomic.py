import errno
import os

import pytest

from core import atomic
from core.atomic import WriteError, atomic_path, atomic_write_bytes, atomic_write_text


def _leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_and_replaces(tmp_path) -> None:
    target = tmp_path / "report.json"
    atomic_write_text(target, "first")
    atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert _leftovers(tmp_path) == []


def test_new_file_gets_ordinary_permissions(tmp_path) -> None:
    target = tmp_path / "r.json"
    atomic_write_text(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_disk_full_keeps_previous_file_and_removes_temp(tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous report")
    real_write = os.write
    calls = []

    def full_disk(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data)[:10])  # a short write, then the disk fills up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "write", full_disk)
    with pytest.raises(WriteError, match="No space left") as info:
        atomic_write_bytes(target, b"x" * 1000)
    assert info.value.errno == errno.ENOSPC
    assert "report.json" in str(info.value)
    assert target.read_text() == "previous report"
    assert _leftovers(tmp_path) == []


def test_fsync_failure_keeps_previous_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous")

    def bad_fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(atomic.os, "fsync", bad_fsync)
    with pytest.raises(WriteError):
        atomic_write_bytes(target, b"new")
    assert target.read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_missing_directory_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(WriteError, match="Could not write"):
        atomic_write_text(tmp_path / "no" / "such" / "dir" / "r.json", "x")


def test_interrupt_removes_temp(tmp_path, monkeypatch) -> None:
    def interrupted(fd, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(tmp_path / "r.json", b"data")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_publishes_on_success(tmp_path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_bytes(b"new pdf")
        assert target.read_bytes() == b"old"  # nothing visible before the body finishes
    assert target.read_bytes() == b"new pdf"
    assert _leftovers(tmp_path) == []


def test_atomic_path_failure_keeps_previous(tmp_path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half a pd")
        raise RuntimeError("renderer crashed")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []
