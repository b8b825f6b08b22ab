import { formatResidual } from '../../kube/residual.js';

/** Seconds left as the check table writes them (`335d`, `47h`), so progress lines and reports agree. */
export function days(seconds: number): string {
  return formatResidual(seconds);
}
