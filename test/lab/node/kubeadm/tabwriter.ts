// Go's text/tabwriter (no flags, padchar ' '), as kubeadm's check-expiration uses it:
// tabwriter.NewWriter(out, minwidth, tabwidth, padding, ' ', 0). Cells are tab-terminated; the text
// after a line's last tab is not aligned. A line without tabs ends every column block.

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

export function tabwrite(text: string, opts: TabwriterOptions = { minwidth: 10, padding: 3 }): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i] as string[];
      let rendered = '';
      cells.forEach((cell, j) => {
        rendered += cell;
        const width = widths[j];
        if (j < cells.length - 1 && width !== undefined) rendered += ' '.repeat(Math.max(0, width - cell.length));
      });
      out.push(rendered);
    }
  };

  // The recursive column-block layout of tabwriter.format.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= (lines[current] as string[]).length - 1) continue;
      writeLines(line0, current);
      line0 = current;
      let width = opts.minwidth;
      for (; current < line1; current++) {
        const cells = lines[current] as string[];
        if (column >= cells.length - 1) break;
        width = Math.max(width, (cells[column] as string).length + opts.padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
