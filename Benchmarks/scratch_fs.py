"""A journaled ext4 of its own for a benchmark's output (root only): an image file in the work
folder, made with mkfs.ext4, loop-mounted, unmounted and removed afterwards.

Writing the output to the work folder measured the work folder's file system as well. This
machine's root is an ext4 without a journal, which, making a file, skips one by one every inode
deleted in the last 60 seconds (360 while its inode table is not yet written back). A run right
after another, whose thousands of files the harness had just deleted, paid for them:
- live (bench_live.py), the media worker spent most of its first seconds in the kernel's
  find_inode_bit and recently_deleted opening files, and 2,000 calls lost 105,039 packets to
  ring overflow; on a fresh journaled ext4 the same binary lost none, run after run;
- in replay (cpu_ratio.py), inode allocation was a sixth of a 2,000-call run's CPU in perf.
A server's storage is one journaled file system, not a folder emptied between runs.
"""

import os
import subprocess
import time


class SetupError(Exception):
    pass


def _run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SetupError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, (r.stderr or r.stdout).strip()))
    return r


class JournaledExt4:
    """`with JournaledExt4(work, mountpoint, size_bytes):` mounts a fresh journaled ext4 of
    `size_bytes` (a sparse image in `work`) at `mountpoint`; kept after with keep=True."""

    def __init__(self, work, mountpoint, size_bytes, keep=False, log=None):
        self.mountpoint = mountpoint
        self.image = os.path.join(work, "scratch-%d.ext4" % os.getpid())
        self.size = size_bytes
        self.keep = keep
        self.log = log or (lambda _: None)
        self.mounted = False

    def __enter__(self):
        os.makedirs(self.mountpoint, exist_ok=True)
        with open(self.image, "wb") as f:
            f.truncate(self.size)
        try:
            _run(["mkfs.ext4", "-q", "-F", "-E", "nodiscard,lazy_itable_init=0", self.image])
            _run(["mount", "-o", "loop", self.image, self.mountpoint])
        except (SetupError, OSError):
            os.unlink(self.image)
            raise
        self.mounted = True
        return self

    def __exit__(self, *exc):
        if self.mounted:
            if subprocess.run(["umount", self.mountpoint], capture_output=True).returncode != 0:
                time.sleep(1)
                subprocess.run(["umount", "-l", self.mountpoint], capture_output=True)
            self.mounted = False
        if self.keep:
            self.log("output kept in %s (mount -o loop %s DIR)" % (self.image, self.image))
        else:
            try:
                os.unlink(self.image)
            except OSError:
                pass
        return False

    @staticmethod
    def size_for(calls, seconds):
        """Room for stereo 16 kHz audio of every call, its journal and sidecar, and then some."""
        return int(calls * seconds * 64000 * 1.25) + (512 << 20)
