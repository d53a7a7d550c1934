{
  # The ring core addon. Built for baseline x86-64 (no -march=native): AVX2 / AVX-512 kernels are
  # compiled in `#pragma GCC target` regions and chosen at run time (src/dispatch.cc).
  "targets": [
    {
      "target_name": "mpc_ring",
      "sources": ["src/addon.cc", "src/dispatch.cc", "src/elementwise.cc", "src/ring128.cc", "src/galois.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=gnu++17", "-fexceptions", "-O3", "-fno-strict-aliasing", "-ffp-contract=fast", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags": ["-O3"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "gnu++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=fast"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1 }
      }
    }
  ]
}
