"""Atomic writes for every file the user keeps: the final path holds the old file or the whole new one.

A temp file is created next to the target (same filesystem, so the rename is atomic), written with
os.write, fsynced, renamed over the target with os.replace, and the directory is fsynced so the rename
survives a power cut. On any error (disk full, fsync failure, kill between steps) the temp file is
removed and the previous file stays untouched.

A leaf module (standard library only): the report, the match index cache, the CLI and the GUI all
write through it, so it sits below every package that uses it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


class WriteError(OSError):
    """A file could not be written; the previous version, if any, is unchanged."""


def _temp_name(target: Path) -> Path:
    """A hidden, unique sibling of `target`."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _create_temp(target: Path) -> tuple[int, Path]:
    """Open a fresh temp file beside `target` (mode 0o666 less the umask, like an ordinary file)."""
    for _ in range(16):
        tmp = _temp_name(target)
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise _fail(target, exc) from exc
    raise WriteError(f"Could not create a temporary file beside {target}.")


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is down (it may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(f"write returned {written}")
        view = view[written:]


def _fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (best effort where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the data itself is already synced
    finally:
        os.close(fd)


def _fail(target: Path, exc: OSError) -> WriteError:
    """One sentence naming the file and the cause."""
    reason = exc.strerror or str(exc)
    err = WriteError(f"Could not write {target}: {reason}; the previous file, if any, is unchanged.")
    err.errno = exc.errno
    return err


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically and durably; WriteError (an OSError) on failure."""
    with atomic_path(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `path` atomically (UTF-8 by default)."""
    atomic_write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path beside `path` for a writer that needs a file name; publish it on success.

    The body writes the whole file to the yielded path (e.g. a PDF library); when the body returns,
    the file is fsynced and renamed over `path`. If the body raises, the temp file is removed.
    """
    target = Path(path)
    fd, tmp = _create_temp(target)
    os.close(fd)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except WriteError:
        _unlink_quietly(tmp)
        raise
    except OSError as exc:
        _unlink_quietly(tmp)
        raise _fail(target, exc) from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(target.parent)
