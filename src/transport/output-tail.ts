// What an error message quotes of a command's output: its end, on one line, bounded.

/** The last non-empty lines of a command's output, on one line, for messages. */
export function tail(text: string, lines = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ')
    .slice(0, 400);
}
