/**
 * The median of measured values, as every benchmark report gives it: for an even count the lower
 * of the two middle values, so the figure is always one that was measured.
 */
export function median(values: readonly number[]): number {
  return medianBy(values, (value) => value) as number;
}

/** The item with the median `by` (the lower middle one of an even count); undefined when there is none. */
export function medianBy<T>(items: readonly T[], by: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => by(a) - by(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
