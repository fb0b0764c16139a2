/**
 * Cuts `data` at the given points (taken modulo its length + 1, duplicates
 * dropped): the chunkings that parser tests feed, whole, byte by byte or at
 * random points from fast-check, to show a result does not depend on them.
 */
export function splitAt<T extends string | Uint8Array>(data: T, points: readonly number[]): T[] {
  const cuts = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const piece = (from: number, to?: number): T =>
    (typeof data === 'string' ? data.slice(from, to) : (data as Uint8Array).subarray(from, to)) as T;
  const out: T[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(piece(from, cut));
    from = cut;
  }
  out.push(piece(from));
  return out;
}
