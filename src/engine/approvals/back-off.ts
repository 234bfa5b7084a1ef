/**
 * The pause between two compare-and-swap attempts (approval requests and their indexes): random,
 * so racing writers do not collide again in lockstep, and growing with the attempt up to 50 ms.
 */
export function backOff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(5 * attempt, 50)));
}
