/**
 * How every Lethe function is bundled, in one place: the CDK construct and the benchmarks both build from
 * these facts, so what `npm run bench` measures is what Lambda loads.
 *
 * - Node 24 (`nodejs24.x`), the one Node major of the project (engines, the pinned local binary, Lambda).
 * - Minified ESM with the AWS SDK bundled in (no external modules): one file to read and parse at a cold
 *   start, tree-shaken to the commands a function uses, and the exact SDK version of package-lock.json
 *   rather than whatever the runtime ships.
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

/** The same options in esbuild's own words (for the benchmarks, which call esbuild directly). */
export function esbuildOptions(entry: string) {
  return {
    entryPoints: [entry],
    bundle: true,
    minify: BUNDLING.minify,
    platform: 'node' as const,
    target: BUNDLING.target,
    format: BUNDLING.format,
    mainFields: BUNDLING.mainFields,
    external: BUNDLING.externalModules,
    banner: { js: BUNDLING.banner },
    logLevel: 'silent' as const,
  };
}
