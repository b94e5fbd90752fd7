# The dniflow native backend: gemm through OpenBLAS's cblas_sgemm; im2col/col2im, ReLU, the
# optimiser steps and batch norm in C++.
# Built by scripts/build-native.mjs (the package's install script, and `npm run build:native`).
{
  'targets': [
    {
      'target_name': 'dniflow_native',
      'sources': ['src/addon.cc', 'src/args.cc', 'src/conv.cc', 'src/relu.cc',
                  'src/optimizer_kernels.cc', 'src/batch_norm.cc', 'src/lstm.cc'],
      'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      'defines': ['NAPI_VERSION=8'],
      # -ffp-contract=off: no fused multiply-adds in our loops, so they give the TS backend's bits.
      # -fno-trapping-math: comparisons may be evaluated speculatively (no code reads the FP
      # exception flags), so selects such as lstm.cc's clamp become blends and the loop vectorises;
      # it changes no result.
      'cflags_cc': ['-O3', '-std=c++17', '-Wall', '-Wextra', '-fno-math-errno', '-fno-trapping-math',
                    '-ffp-contract=off'],
      'libraries': ['-lopenblas'],
      'conditions': [
        # The heavy kernel is OpenBLAS's, which picks its code per CPU at run time (DYNAMIC_ARCH).
        # Our own loops (im2col, col2im, checks) target x86-64-v2 so the binary runs on any
        # x86-64 from the last ~15 years, not just the machine that built it; the hot element-wise
        # loops add AVX2/AVX-512 clones chosen at load time (src/vector_clones.h).
        ['target_arch=="x64"', {'cflags_cc': ['-march=x86-64-v2', '-mtune=generic']}],
        # Homebrew's keg-only OpenBLAS (not exercised in CI; Debian's lives on the default paths).
        ['OS=="mac"', {
          'include_dirs': ['/opt/homebrew/opt/openblas/include', '/usr/local/opt/openblas/include'],
          'libraries': ['-L/opt/homebrew/opt/openblas/lib', '-L/usr/local/opt/openblas/lib'],
          'xcode_settings': {'OTHER_CPLUSPLUSFLAGS': ['-O3', '-std=c++17', '-fno-math-errno', '-fno-trapping-math',
                                   '-ffp-contract=off']},
        }],
      ],
    },
  ],
}
