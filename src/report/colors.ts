// ANSI colours for the live view and its final report; identity functions when colour is off
// (line mode, --plain, --no-color, NO_COLOR).
export interface Paint {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const sgr =
  (on: number, off: number) =>
  (text: string): string =>
    `\x1b[${on}m${text}\x1b[${off}m`;

export function paint(enabled: boolean): Paint {
  if (!enabled) {
    const same = (text: string): string => text;
    return { red: same, green: same, yellow: same, bold: same, dim: same };
  }
  return { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), bold: sgr(1, 22), dim: sgr(2, 22) };
}
