/** P1: Lethe runs and stores data in Ireland only. One constant, one guard. */
export const IRELAND = 'eu-west-1' as const;

export interface RegionRequest {
  /** where the request came from, for the error message */
  source: string;
  region: string | undefined;
}

/**
 * Returns eu-west-1, or throws naming every source that asked for another region.
 * An unset source is fine: the app pins the region itself.
 */
export function assertIreland(requests: RegionRequest[]): typeof IRELAND {
  const wrong = requests.filter((r) => r.region !== undefined && r.region !== '' && r.region !== IRELAND);
  if (wrong.length > 0) {
    const list = wrong.map((r) => `${r.source}=${r.region}`).join(', ');
    throw new Error(
      `Lethe only runs in ${IRELAND} (Ireland): data must not leave it (promise P1). ` +
        `Refusing to synthesize for ${list}. Unset it or set it to ${IRELAND}.`,
    );
  }
  return IRELAND;
}
