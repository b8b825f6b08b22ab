// THE one function that turns an argv element into POSIX shell text. Every remote command is built
// from argv arrays through `shellCommand`; nothing else in the tool splices values into shell text.

/** Quotes one argument for a POSIX shell: wrapped in single quotes, an embedded `'` becomes `'\''`.
 *  The empty string becomes `''`. Plain words made only of safe characters are left bare, which
 *  keeps logs readable and changes nothing for the shell (`=` is not among them: a first word
 *  `a=b` would be an assignment). */
export function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one shell command line, every element quoted by `quoteArg`. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellCommand: empty argv');
  return argv.map(quoteArg).join(' ');
}
