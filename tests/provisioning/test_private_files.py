"""Files of keys are created fresh and owner-only, never written through a link or into someone else's file."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from provisioning.cli import main
from provisioning.errors import BadInput
from provisioning.private_files import write_private_file


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_private_file(tmp_path / "inv.json", b"keys")
    finally:
        os.umask(old)
    assert mode(tmp_path / "inv.json") == 0o600 and (tmp_path / "inv.json").read_bytes() == b"keys"
    assert [p.name for p in tmp_path.iterdir()] == ["inv.json"]  # no temporary file left


def test_an_existing_file_is_replaced_not_written_into(tmp_path: Path) -> None:
    """A hard link to the old file (someone kept a handle on it) never sees the new keys."""
    target = tmp_path / "inv.json"
    target.write_bytes(b"old")
    target.chmod(0o644)
    os.link(target, tmp_path / "kept")
    write_private_file(target, b"new keys")
    assert target.read_bytes() == b"new keys" and mode(target) == 0o600
    assert (tmp_path / "kept").read_bytes() == b"old"


def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    link = tmp_path / "inv.json"
    link.symlink_to(victim)
    with pytest.raises(BadInput, match="is a symbolic link"):
        write_private_file(link, b"keys", "--inventory-out")
    assert victim.read_bytes() == b"precious" and link.is_symlink()


def test_the_old_predictable_temporary_name_is_harmless(tmp_path: Path) -> None:
    """A link planted at `.<name>.<pid>.tmp` (the name a predictable writer would use) is never followed."""
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / f".inv.json.{os.getpid()}.tmp").symlink_to(victim)
    write_private_file(tmp_path / "inv.json", b"keys")
    assert victim.read_bytes() == b"precious" and (tmp_path / "inv.json").read_bytes() == b"keys"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_another_users_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "inv.json"
    target.write_bytes(b"theirs")
    os.chown(target, 4321, 4321)
    with pytest.raises(BadInput, match=r"belongs to another user \(uid 4321\)"):
        write_private_file(target, b"keys", "--inventory-out")
    assert target.read_bytes() == b"theirs"


def test_emulate_refuses_a_linked_inventory_before_starting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "inv.json"
    link.symlink_to(tmp_path / "elsewhere.json")  # dangling: it would be created through the link
    monkeypatch.setattr(sys, "argv", ["maas", "emulate", "--inventory-out", str(link)])
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"--inventory-out {link}: is a symbolic link; keys are never written through a link, name the file itself"]
    assert not (tmp_path / "elsewhere.json").exists()
