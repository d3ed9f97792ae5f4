/**
 * The one error type every decoder in `src/protocol/` throws on malformed input.
 * The caller closes the offending connection (reason `parse error`); nothing else is affected.
 */
export class DecodeError extends Error {
  /** A stable, machine-readable reason, e.g. `invalid-packet-type`, `too-many-attachments`. */
  readonly code: string;

  /**
   * @param code stable reason identifier
   * @param message human-readable explanation
   */
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DecodeError';
    this.code = code;
  }
}
