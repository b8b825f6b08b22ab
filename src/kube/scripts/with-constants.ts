// Constants of ours that a script file cannot hold itself (an awk program kept in its own file, a
// name the TypeScript uses too) reach the script as `name='value'` lines put in front of it.
// Never inventory values: those travel as positional parameters.

/** Puts `name='value'` lines in front of `script`. A value holding `'` would end its quotes: refused. */
export function withConstants(constants: Readonly<Record<string, string>>, script: string): string {
  const lines = Object.entries(constants).map(([name, value]) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name) || value.includes("'")) throw new Error(`cannot set ${name} in single quotes`);
    return `${name}='${value}'`;
  });
  return `${lines.join('\n')}\n${script}`;
}
