/**
 * Logging through the `debug` package (`socketeer:client…` namespaces). The browser bundle
 * replaces this module with `debug-browser.ts`, which logs nothing; logging calls are marked
 * `/* @__PURE__ *\/` so that the minifier drops them, messages included.
 */
import createDebug from 'debug';

export default createDebug;
