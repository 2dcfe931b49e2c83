"""Writing files that hold secrets (inventories with endpoint keys): created fresh, owner-only.

Why not `open(path, "w")`: it follows a symbolic link planted at `path` (writing keys wherever the link
points), truncates a file someone else owns and has shared, and leaves a half-written file of keys
behind when the write fails. Here the data goes into a new file with an unpredictable name in the
target's own directory (O_EXCL, mode 0600 from the first byte), is flushed to disk, and is renamed
over the target: rename replaces a directory entry and never follows a link, so readers see the old
file or the whole new one, and nothing else is ever written.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from provisioning.errors import BadInput

PRIVATE_MODE = 0o600


def private_file_problem(path: Path, option: str) -> str | None:
    """Why `path` must not receive a file of secrets (None when it may), in one line."""
    where = f"{option} {path}"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return f"{where}: cannot be inspected ({exc.strerror or type(exc).__name__})"
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            return f"{where}: is a symbolic link; keys are never written through a link, name the file itself"
        if stat.S_ISDIR(info.st_mode):
            return f"{where}: is a directory; name a file"
        if not stat.S_ISREG(info.st_mode):
            return f"{where}: not a regular file; name a file"
        if info.st_uid != os.geteuid():
            return f"{where}: belongs to another user (uid {info.st_uid}); keys are only written to your own files"
    directory = path.parent
    if not directory.is_dir():
        return f"{where}: directory {directory} does not exist"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"{where}: directory {directory} is not writable"
    return None


def write_private_file(path: Path, data: bytes, option: str = "output file") -> None:
    """Replace `path` with a new owner-only file holding `data`; BadInput when `path` must not be
    written (see private_file_problem), OSError when the disk refuses. Never leaves a partial file."""
    problem = private_file_problem(path, option)
    if problem:
        raise BadInput(problem)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # O_EXCL, 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
