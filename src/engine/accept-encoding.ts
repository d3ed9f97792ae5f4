/**
 * Picks the response encoding from an `Accept-Encoding` header with the rules of the `accepts` package
 * (`accepts(req).encodings(supported)`), which socket.io uses for its polling replies and its served client:
 *
 * - each supported encoding takes its quality from the most specific entry naming it (its own name, else
 *   `*`); among entries of equal specificity the higher quality wins, then the later entry;
 * - encodings of quality 0 (or an unreadable one) are not acceptable;
 * - the best is the one of highest quality, then the more specific, then the one listed first in the header,
 *   then the one first in `supported`. So `gzip, br` gets gzip; `*` gets the first supported encoding.
 *
 * Imports nothing; must never import the rest of the engine.
 *
 * @example
 * ```ts
 * negotiateEncoding('gzip;q=0.5, deflate', ['gzip', 'deflate']); // 'deflate'
 * ```
 */

const ENTRY = /^\s*([^\s;]+)\s*(?:;(.*))?$/;

/** One candidate: quality, specificity (1: named, 0: `*`), header position, position in `supported`. */
interface Rank {
  q: number;
  s: number;
  o: number;
  i: number;
}

/**
 * Chooses the preferred encoding among the supported ones.
 * @param header the `Accept-Encoding` request header
 * @param supported candidate encodings in server preference order
 * @returns the chosen encoding, or null when none is acceptable (identity only)
 * @example
 * ```ts
 * negotiateEncoding(req.headers['accept-encoding'], ['gzip', 'deflate']); // 'gzip', 'deflate' or null
 * ```
 */
export function negotiateEncoding(header: string | undefined, supported: readonly string[]): string | null {
  if (!header) return null;
  const names: string[] = [];
  const qualities: number[] = [];
  const positions: number[] = [];
  const entries = header.split(',');
  for (let i = 0; i < entries.length; i++) {
    const m = ENTRY.exec(entries[i]!.trim());
    if (m === null) continue;
    let q = 1;
    if (m[2] !== undefined) {
      const params = m[2].split(';');
      for (let p = 0; p < params.length; p++) {
        const kv = params[p]!.trim().split('=');
        if (kv[0] === 'q') {
          q = parseFloat(kv[1]!);
          break;
        }
      }
    }
    names.push(m[1]!);
    qualities.push(q);
    positions.push(i);
  }
  let best: Rank | null = null;
  let chosen: string | null = null;
  for (let i = 0; i < supported.length; i++) {
    const name = supported[i]!.toLowerCase();
    let rank: Rank = { q: 0, s: 0, o: -1, i };
    for (let e = 0; e < names.length; e++) {
      const entry = names[e]!;
      const s = entry.toLowerCase() === name ? 1 : entry === '*' ? 0 : -1;
      if (s === -1) continue;
      const q = qualities[e]!;
      // the same comparison as `accepts` (an unreadable quality, NaN, falls through to the position)
      if ((rank.s - s || rank.q - q || rank.o - positions[e]!) < 0) rank = { q, s, o: positions[e]!, i };
    }
    if (!(rank.q > 0)) continue;
    if (best === null || (rank.q - best.q || rank.s - best.s || best.o - rank.o || best.i - rank.i) > 0) {
      best = rank;
      chosen = supported[i]!;
    }
  }
  return chosen;
}
