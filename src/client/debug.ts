/**
 * Logging through the `debug` package (`socketeer:client…` namespaces). The browser bundle
 * replaces this module with `debug-browser.ts`, which logs nothing.
 */
import createDebug from 'debug';

export default createDebug;
