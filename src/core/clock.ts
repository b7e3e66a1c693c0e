/** Ports for time and ids, so that use cases never read the wall clock or Math.random directly. */
export interface Clock {
  nowMs(): number;
}
export const systemClock: Clock = { nowMs: () => Date.now() };
export const nowSeconds = (clock: Clock): number => Math.floor(clock.nowMs() / 1000);
