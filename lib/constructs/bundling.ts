import * as esbuild from 'esbuild';

/**
 * How every Lethe function is bundled, in one place: the CDK construct (as its asset's local bundling) and the
 * benchmarks build with `bundleFunction`, so what `npm run bench` measures is what Lambda loads.
 *
 * - Node 24 (`nodejs24.x`), the one Node major of the project (engines, the pinned local binary, Lambda).
 * - Minified ESM with the AWS SDK bundled in (no external modules): the exact SDK version of
 *   package-lock.json, tree-shaken to the commands a function uses.
 * - Code splitting: what a function loads only on demand (an SDK client it rarely needs, the customer-pattern
 *   engine) goes to chunk files beside `index.mjs`, so a cold start neither parses nor runs it.
 */
export const NODE_MAJOR = 24;
export const BUNDLING = {
  target: `node${NODE_MAJOR}`,
  format: 'esm' as const,
  minify: true,
  mainFields: ['module', 'main'],
  externalModules: [] as string[],
  /** CommonJS dependencies bundled into ESM still call require() for Node built-ins. */
  banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
};

/** The esbuild options of a function's bundle: `outdir/index.mjs`, chunks in `outdir/chunks/`. */
export function esbuildOptions(entry: string, outdir: string): esbuild.BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    minify: BUNDLING.minify,
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    mainFields: BUNDLING.mainFields,
    external: BUNDLING.externalModules,
    banner: { js: BUNDLING.banner },
    logLevel: 'silent',
  };
}

/** Builds one function's bundle into `outdir` (synchronously: CDK's local bundling is synchronous). */
export function bundleFunction(entry: string, outdir: string, extra: esbuild.BuildOptions = {}): esbuild.BuildResult {
  return esbuild.buildSync({ ...esbuildOptions(entry, outdir), ...extra });
}
