// Scripts about the control-plane components (constants; values are positional parameters): when
// each started against when its certificate file last changed, and the clock-stamped removal.

/**
 * Args: <kubernetesDir> <docker|crictl> then items `<component>:<file relative to kubernetesDir>`.
 * Per component prints sections `changed <component>` (the file's ctime, seconds: tar and kubeadm
 * cannot set it back, so it moves on every renewal and every restore) and `started <component>`
 * (the running container's `docker inspect` start time or `crictl inspect` JSON; empty when none).
 */
export const COMPONENT_STARTS_SCRIPT = `
k="$1"; cli="$2"; shift 2
s() { printf '\\n@@KCR %s\\n' "$*"; }
for item in "$@"; do
  c=\${item%%:*}; rel=\${item#*:}
  s changed "$c"; stat -c %Z -- "$k/$rel" 2>/dev/null
  s started "$c"
  case "$cli" in
    docker) id=$(docker ps -q --no-trunc -f "label=io.kubernetes.container.name=$c" 2>/dev/null | head -n 1); [ -n "$id" ] && docker inspect -f '{{.State.StartedAt}}' "$id" 2>/dev/null ;;
    crictl) id=$(crictl ps -q --label "io.kubernetes.container.name=$c" 2>/dev/null | head -n 1); [ -n "$id" ] && crictl inspect "$id" 2>/dev/null ;;
  esac
done
`;

/**
 * Args: a command. Prints the node's clock (seconds since the epoch) on its first line, then becomes
 * the command: one round trip for "when was it removed" and the removal itself. A clock that is
 * not a number stops it (exit 1) before the command runs: a removal we cannot date could not be
 * proven to have restarted anything.
 */
export const CLOCK_THEN_EXEC_SCRIPT = `t=$(date -u +%s 2>&1)
case "$t" in ''|*[!0-9]*) printf 'not a clock: %s\\n' "$t"; exit 1 ;; esac
printf '%s\\n' "$t"
exec "$@"`;
