/** Browser family and major.minor version from a user-agent string; the string itself is never kept (P2). */
export function browserOf(userAgent: string | undefined): { family: string; version: string } | undefined {
  if (!userAgent) return undefined;
  const rules: Array<[string, RegExp]> = [
    ['Edge', /Edg(?:e|A|iOS)?\/(\d+(?:\.\d+)?)/],
    ['Opera', /OPR\/(\d+(?:\.\d+)?)/],
    ['Samsung Internet', /SamsungBrowser\/(\d+(?:\.\d+)?)/],
    ['Firefox', /(?:Firefox|FxiOS)\/(\d+(?:\.\d+)?)/],
    ['Chrome', /(?:Chrome|CriOS)\/(\d+(?:\.\d+)?)/],
    ['Safari', /Version\/(\d+(?:\.\d+)?).*Safari\//],
  ];
  for (const [family, re] of rules) {
    const m = re.exec(userAgent);
    if (m) return { family, version: m[1]! };
  }
  return { family: 'Other', version: '0' };
}

/** The browser families Lethe stores; anything else an agent sends is stored as `Other`. */
export const BROWSER_FAMILIES = ['Chrome', 'Edge', 'Firefox', 'Safari', 'Opera', 'Samsung Internet', 'Other'] as const;
const VERSION = /^\d{1,4}(?:\.\d{1,6})?/;

/**
 * An agent's `browser` object is free text on the wire, so it could carry anything: only a known family and a
 * version's leading major.minor digits are kept (`Other` and `0` otherwise). Nothing else of it is stored.
 */
export function cleanBrowser(b: { family: string; version: string }): { family: string; version: string } {
  const family = (BROWSER_FAMILIES as readonly string[]).find((f) => f.toLowerCase() === b.family.trim().toLowerCase());
  return { family: family ?? 'Other', version: VERSION.exec(b.version.trim())?.[0] ?? '0' };
}
