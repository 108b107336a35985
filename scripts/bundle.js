#!/usr/bin/env node
// @ts-check
// Bundles the CLI with esbuild after tsc has type-checked it (tsc's loose output still serves veo-sim):
//   dist/veo.cjs (+ .map)   everything `veo` runs, one script that src/launch/run-bundle.ts compiles with a V8
//                           code cache, so that a second run skips parsing and compiling it
//   dist/cli.cjs            the launcher: answers --version and --help alone, else loads dist/veo.cjs
// The bundle's hash is written into the launcher: it is part of the code cache's key.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.18',
  // Error names come from class names (`new.target.name`): the bundle must not rename a class to avoid a clash.
  keepNames: true,
  minifyWhitespace: true,
  minifySyntax: true,
  // ASCII only: the launcher reads the bundle as latin1, the fastest way to a V8 string.
  charset: 'ascii',
  logLevel: 'warning',
};

/**
 * undici's HTTP/2 client loads node:http2 (and node:tls) when it is imported, about 9 ms, and veo never uses it:
 * HTTP/2 is offered only with undici's allowH2 option, which veo does not set. The bundle gets a stand-in.
 * @type {import('esbuild').Plugin}
 */
const withoutHttp2 = {
  name: 'without-http2',
  setup(build) {
    build.onResolve({ filter: /[\\/]client-h2\.js$/ }, (args) =>
      args.resolveDir.includes(join('node_modules', 'undici')) ? { path: args.path, namespace: 'no-http2' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-http2' }, () => ({
      contents:
        "module.exports = function connectH2() { throw new Error('veo does not speak HTTP/2 (undici allowH2 is off)'); };",
      loader: 'js',
    }));
  },
};

await build({
  ...common,
  plugins: [withoutHttp2],
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: join(dist, 'veo.cjs'),
  format: 'cjs',
  sourcemap: 'linked',
  sourcesContent: false,
});

// CommonJS, like bin/veo.js that requires it: Node starts a CommonJS entry sooner than an ES module.
await build({
  ...common,
  entryPoints: [join(root, 'src', 'cli.ts')],
  outfile: join(dist, 'cli.cjs'),
  format: 'cjs',
  sourcemap: 'linked',
  sourcesContent: false,
  // What import.meta.url would be (the sources are ES modules); "use strict" first, where it takes effect.
  banner: { js: '"use strict";\nvar launcherUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': 'launcherUrl' },
});
