// Threshold flags a new user gets wrong, caught before anything connects: `check --warn` below
// `--critical` (refused: the warning band would be empty and the order is surely swapped), and
// `renew --renew-within` at or above the life of a kubeadm leaf certificate (warned: every run
// would renew every master again, restarts included).
import { UsageError } from '../errors.js';
import { formatResidual } from '../kube/residual.js';

/** kubeadm signs leaf certificates and kubeconfigs for one year (before v1beta4's certificateValidityPeriod). */
export const KUBEADM_LEAF_LIFETIME_MS = 365 * 86_400_000;

const text = (ms: number): string => formatResidual(ms / 1000);

/** Throws a UsageError when --warn is below --critical. */
export function checkCheckThresholds(warnMs: number, criticalMs: number): void {
  if (warnMs < criticalMs)
    throw new UsageError(
      `--warn ${text(warnMs)} is below --critical ${text(criticalMs)}: a certificate would turn critical before it warns`,
      'give --warn the larger duration (defaults: --warn 30d --critical 7d)',
    );
}

/** The warning to print when --renew-within reaches a certificate's whole life, else undefined. */
export function renewWithinWarning(renewWithinMs: number, force: boolean): string | undefined {
  if (force || renewWithinMs < KUBEADM_LEAF_LIFETIME_MS) return undefined;
  return `warning: --renew-within ${text(renewWithinMs)} is at least a kubeadm certificate's whole life (${text(KUBEADM_LEAF_LIFETIME_MS)}): every run will renew every master again, restarts included (use --force for a one-off early renewal)`;
}
