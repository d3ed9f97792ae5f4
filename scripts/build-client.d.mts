// Types of scripts/build-client.mjs, for the TypeScript tests that import it.

/** Where the browser bundles are written: dist/client-bundle/. */
export const bundleDir: string;

/** Builds the browser bundles (in memory, or written to dist/client-bundle/ with `write`). */
export function buildClientBundles(opts?: { write?: boolean }): Promise<Record<string, Uint8Array>>;

/** True when dist/client-bundle/ holds a build of the current sources. */
export function isClientBundleFresh(): boolean;

/** Builds dist/client-bundle/ from the current sources unless it is already fresh; resolves with whether it built. */
export function ensureClientBundles(): Promise<boolean>;
