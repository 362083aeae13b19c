"""What the CPU backend reads about the CPU it runs on, and the tuning each kind of CPU gets."""
import dataclasses

import pytest

from tinygrad_pool.backends.cpu import machine

def test_the_host_is_read():
    host = machine.HOST
    assert host.cpu_name and host.cores >= 1
    assert host.kind in ("avx2", "avx512")
    assert host.l2_bytes >= 0 and host.l3_bytes >= 0

@pytest.mark.parametrize("avx512,kind,block", [(False, "avx2", 1 << 19), (True, "avx512", 1 << 17)])
def test_each_kind_of_cpu_gets_its_measured_winograd_block(avx512, kind, block):
    other = dataclasses.replace(machine.HOST, avx512=avx512)
    assert other.kind == kind
    assert machine.tuned("winograd_block_elements", other) == block
