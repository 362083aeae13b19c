"""Which CPU the kernels run on, read once: its widest vector instructions, its cache sizes and its cores.

Block sizes that keep a kernel's working set in cache are not the same on every CPU. They were measured on the two
kinds this project runs on, and the kernels look them up here by kind (`tuned`):

- "avx2": AMD EPYC (Zen 3), AVX2, 512 KiB of L2 per core and a fast 32 MiB L3.
- "avx512": Intel Xeon (Sapphire Rapids), AVX-512, 2 MiB of L2 per core and a large but slow L3 on its mesh.

Any other CPU takes the kind its vector width says. `python -m tinygrad_pool.backends.cpu.machine` prints what was
read.
"""
import os
from dataclasses import dataclass
from pathlib import Path

import llvmlite.binding as llvm

@dataclass(frozen=True)
class Machine:
    cpu_name: str   # LLVM's name for the host CPU (what Numba compiles for)
    avx512: bool    # AVX-512F: 16 float32 lanes per vector instead of AVX2's 8
    l1d_bytes: int  # per core
    l2_bytes: int   # per core
    l3_bytes: int   # shared
    cores: int      # that this process may run on

    @property
    def kind(self):
        return "avx512" if self.avx512 else "avx2"

def _cache_bytes(level, kind=("Data", "Unified")):
    """The size of the first cache of this level that the kernel reports for CPU 0, or 0 where it says nothing."""
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            if int((index / "level").read_text()) == level and (index / "type").read_text().strip() in kind:
                size = (index / "size").read_text().strip()
                scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(size[-1], 1)
                return int(size.rstrip("KMG")) * scale
        except (OSError, ValueError):
            continue
    return 0

def _read():
    features = llvm.get_host_cpu_features()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return Machine(cpu_name=llvm.get_host_cpu_name(), avx512=bool(features.get("avx512f", False)),
                   l1d_bytes=_cache_bytes(1), l2_bytes=_cache_bytes(2), l3_bytes=_cache_bytes(3), cores=cores)

HOST = _read()

# What each kind measured fastest (see the modules that read them for the measurements).
_TUNING = {
    "avx2": dict(winograd_block_elements=1 << 19, winograd4_max_channels=0),
    "avx512": dict(winograd_block_elements=1 << 17, winograd4_max_channels=64),
}

def tuned(name, machine=HOST):
    """The value of the tuning parameter `name` measured best on this machine's kind of CPU."""
    return _TUNING[machine.kind][name]

if __name__ == "__main__":
    print(HOST, "kind:", HOST.kind)
