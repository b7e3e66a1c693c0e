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
