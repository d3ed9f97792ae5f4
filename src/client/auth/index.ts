/**
 * Client side of the Socketeer credentials extension: refresh of credentials in place.
 *
 * ```ts
 * const socket = enableCredentialsRefresh(io(url, { autoConnect: false, auth: (cb) => cb({ token: getToken() }) }));
 * socket.connect();
 * ```
 */
export {
  enableCredentialsRefresh,
  closeWithServerReason,
  type CredentialsError,
  type CredentialsRefreshMethods,
  type CredentialsRefreshOptions,
  type RefreshableSocket,
  type RefreshedCredentials,
} from './refresh.js';
export { ANNOUNCE_KEY, ERROR_EVENT, EXTENSION_VERSION, REFRESH_EVENT } from '../../protocol/credentials.js';
