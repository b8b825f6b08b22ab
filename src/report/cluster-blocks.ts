// Line mode's order: one cluster's story top to bottom, although clusters run in parallel. The first
// unfinished cluster (inventory order) streams its lines as they come, so a long renewal still shows
// progress (and a CI job's log does not fall silent for minutes); the others are held and printed as
// a block when the streaming one is done. Nothing is lost: each block is flushed at the latest at
// its cluster's end, or at `flushAll` (the run's end, an interrupt).
export interface ClusterBlocks {
  /** A line of this cluster's story. */
  write(cluster: string, line: string): void;
  /** The cluster is done: its block is complete. */
  end(cluster: string): void;
  /** Prints whatever is still held (in cluster order). */
  flushAll(): void;
}

export function createClusterBlocks(order: readonly string[], out: (text: string) => void): ClusterBlocks {
  const held = new Map<string, string[]>(order.map((c) => [c, []]));
  const ended = new Set<string>();
  let streaming = 0;

  const current = (): string | undefined => order[streaming];
  const release = (): void => {
    // The next cluster takes the stream: its held lines first; a cluster already done is printed whole.
    for (let c = current(); c !== undefined; c = current()) {
      const lines = held.get(c) ?? [];
      if (lines.length) out(lines.join(''));
      held.set(c, []);
      if (!ended.has(c)) return;
      streaming++;
    }
  };

  return {
    write(cluster, line) {
      const text = `${line}\n`;
      if (cluster === current() || !held.has(cluster)) out(text);
      else held.get(cluster)!.push(text);
    },
    end(cluster) {
      ended.add(cluster);
      if (cluster === current()) {
        streaming++;
        release();
      }
    },
    flushAll() {
      for (const c of order) {
        const lines = held.get(c) ?? [];
        if (lines.length) out(lines.join(''));
        held.set(c, []);
      }
      streaming = order.length;
    },
  };
}
