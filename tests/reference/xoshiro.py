#!/usr/bin/env python3
"""xoshiro.py - the first outputs of xoshiro256** seeded by splitmix64 (the
generator of src/base/rng.c), written from the published algorithms
(Blackman and Vigna, https://prng.di.unimi.it/xoshiro256starstar.c and
splitmix64.c), for tests/unit/test-base.c's rng check:

    python3 tests/reference/xoshiro.py 42 4
"""
import sys

M = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return x, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def outputs(seed, n):
    x, s = seed, []
    for _ in range(4):
        x, v = splitmix64(x)
        s.append(v)
    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


if __name__ == "__main__":
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    print(", ".join("0x%016xULL" % v for v in outputs(seed, n)))
