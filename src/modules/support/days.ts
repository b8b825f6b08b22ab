/** Seconds as days with one decimal, for messages: `12.5d`. */
export function days(seconds: number): string {
  return `${(seconds / 86400).toFixed(1)}d`;
}
