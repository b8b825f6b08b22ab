// "Did you mean ...?" for unknown keys and names: the known name nearest to what was typed.

/** The candidate closest to `typed`, or undefined when none is plausibly what was meant. */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const folded = fold(typed);
  // `identity_file`, `IdentityFile`, `identity-file` all mean `identityFile`.
  const sameFolded = candidates.find((c) => fold(c) === folded);
  if (sameFolded) return sameFolded;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(typed.length, 3) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** A hint naming the closest candidate, or listing the candidates when none is close. */
export function suggestionHint(typed: string, candidates: readonly string[], what: string): string {
  const near = closestName(typed, candidates);
  if (near !== undefined) return `did you mean "${near}"?`;
  const list = candidates.length > 12 ? `${candidates.slice(0, 12).join(', ')}, ...` : candidates.join(', ');
  return candidates.length > 0 ? `known ${what}: ${list}` : `no ${what} are known here`;
}

function fold(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/** Edit distance: insertions, deletions, substitutions and swaps of neighbours ("prot" -> "port"). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
