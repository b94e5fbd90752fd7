// Our own loops (ReLU, optimiser steps, batch norm) are memory-bound streams that vectorise well.
// The binary targets x86-64-v2 so that it runs on any x86-64 of the last ~15 years; with GCC on
// x86-64 glibc Linux, target_clones also compiles each hot loop for x86-64-v3 (AVX2) and x86-64-v4
// (AVX-512), and the dynamic loader picks the best one the CPU has (an ifunc, resolved once).
// Elsewhere (clang, macOS, musl, which has no ifuncs, arm64) the loops are compiled once for the
// build's target.
// -ffp-contract=off (binding.gyp) keeps every clone's arithmetic identical: no clone may fuse a
// multiply and an add, so all give the TypeScript backend's bits.
#pragma once

#include <cstdint>  // defines __GLIBC__ on glibc

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__)
#define DNIFLOW_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DNIFLOW_VECTOR_CLONES
#endif
