// Names and addresses of a lab slot (CONTRACT.md "Names and addresses"). Every one starts with kcrlab.
export const maxSlot = 200;

export const bridgeName = (slot: number): string => `kcrlab${slot}br`;
/** Host end of node i's veth (<= 15 chars: kcrlab200v244). */
export const vethName = (slot: number, index: number): string => `kcrlab${slot}v${index}`;
export const netnsName = (slot: number, node: string): string => `kcrlab${slot}-${node}`;
export const bridgeAddress = (slot: number): string => `10.231.${slot}.1`;
export const nodeAddress = (slot: number, index: number): string => `10.231.${slot}.${10 + index}`;

/** Prefixes that select exactly one slot's objects (the separator keeps slot 1 apart from 10..19). */
export const netnsPrefix = (slot: number): string => `kcrlab${slot}-`;
export const vethPrefix = (slot: number): string => `kcrlab${slot}v`;

/** Host-wide lab state (tmpfs: a reboot frees every slot). */
export const runDir = '/run/kcrlab';
export const slotsDir = `${runDir}/slots`;
export const slotDir = (slot: number): string => `${slotsDir}/${slot}`;
