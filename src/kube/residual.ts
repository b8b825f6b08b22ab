// A certificate's time left, as every output of the tool writes it (check's table and summary, the
// progress lines of node_facts and preflight): one rule, so stdout and stderr never disagree.

/** Whole days from 2 days on, whole hours below, floored both ways: 10 days and 1 second ago is "10d", not "11d". */
export function formatResidual(seconds: number): string {
  const span = (s: number): string => (s / 86400 >= 2 ? `${Math.floor(s / 86400)}d` : `${Math.floor(s / 3600)}h`);
  return seconds <= 0 ? `expired ${span(-seconds)} ago` : span(seconds);
}
