// Text measuring shared by the validators. WhatsApp counts characters, not UTF-16 code units,
// so an emoji counts once even though JavaScript's length says 2.

/** Unicode code points in `s`, counted without copying the string into an array. */
export function codePointLength(s: string): number {
  let count = 0;
  for (const _ of s) count++;
  return count;
}

/** Whitespace-only text renders as nothing in WhatsApp, so it counts as missing. */
export function isBlank(s: string): boolean {
  return s.trim() === '';
}

/** An absolute http(s) URL (for configured upstream base URLs; never fetched on a caller's behalf). */
export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
