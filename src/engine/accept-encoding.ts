/**
 * Picks the response encoding from an `Accept-Encoding` header, as `accepts(req).encodings()`.
 */

/**
 * Chooses the preferred encoding among the supported ones.
 * @param header the `Accept-Encoding` request header
 * @param supported candidate encodings in server preference order
 * @returns the chosen encoding, or null when none is acceptable (identity only)
 */
export function negotiateEncoding(header: string | undefined, supported: readonly string[]): string | null {
  if (!header) return null;
  let best: string | null = null;
  let bestQ = 0;
  let bestOrder = Infinity;
  const entries = header.split(',');
  for (let s = 0; s < supported.length; s++) {
    const name = supported[s]!;
    let q = -1;
    let order = Infinity;
    let specific = false;
    for (let i = 0; i < entries.length; i++) {
      const parts = entries[i]!.trim().split(';');
      const coding = parts[0]!.trim().toLowerCase();
      if (coding !== name && coding !== '*') continue;
      const exact = coding === name;
      if (specific && !exact) continue;
      let entryQ = 1;
      for (let p = 1; p < parts.length; p++) {
        const [k, v] = parts[p]!.split('=');
        if (k && k.trim() === 'q' && v !== undefined) entryQ = parseFloat(v);
      }
      if (Number.isNaN(entryQ)) entryQ = 0;
      if (exact && !specific) {
        specific = true;
        q = entryQ;
        order = i;
      } else if (entryQ > q) {
        q = entryQ;
        order = i;
      }
    }
    if (q > 0 && (q > bestQ || (q === bestQ && order < bestOrder))) {
      best = name;
      bestQ = q;
      bestOrder = order;
    }
  }
  return best;
}
