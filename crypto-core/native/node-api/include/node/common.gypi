# Minimal build defaults for compiling a Node-API addon against these headers alone (used by
# scripts/build-native.mjs only when no Node.js headers are installed). Node's own common.gypi
# carries V8 and OpenSSL settings that a Node-API addon does not need.
{
  'variables': {
    'node_engine%': 'v8',
    'standalone_static_library%': 0,
    'clang%': 0,
    'OPENSSL_PRODUCT': 'libcrypto.a',
  },
  'target_defaults': {
    'default_configuration': 'Release',
    'configurations': {
      'Debug': {
        'defines': ['DEBUG', '_DEBUG'],
        'cflags': ['-g', '-O0'],
      },
      'Release': {
        'cflags': ['-O3'],
      },
    },
    'conditions': [
      ['OS!="win"', {
        'cflags': ['-pthread', '-fPIC', '-Wall', '-Wextra', '-Wno-unused-parameter'],
        'cflags_cc': ['-std=gnu++17'],
        'ldflags': ['-pthread', '-rdynamic'],
      }],
      ['target_arch=="x64" and OS!="win"', {
        'cflags': ['-m64'],
        'ldflags': ['-m64'],
      }],
    ],
  },
}
