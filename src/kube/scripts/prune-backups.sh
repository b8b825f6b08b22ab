#!/bin/sh
# Args: <backupRoot> list | <backupRoot> remove <name>...
# list: one line per entry of <backupRoot> that could be a backup of this tool: `dir <name>` for a
#   directory (not a symlink) holding SHA256SUMS, i.e. a finished backup; `file <name>` for a
#   regular file. The caller (support/retention.ts) chooses among them by name.
# remove: removes each named entry, re-checked here: a direct child of <backupRoot>, not a symlink,
#   named as this tool names its backups, a directory only if it holds SHA256SUMS. An entry that
#   fails a check is kept and reported (`kept <name>: <why>`); each removal prints `removed <name>`.
root="$1"; mode="$2"; shift 2
case "$mode" in
list)
  [ -d "$root" ] || exit 0
  for p in "$root"/*; do
    if [ ! -e "$p" ] || [ -L "$p" ]; then continue; fi
    n=${p##*/}
    if [ -d "$p" ]; then
      [ -f "$p/SHA256SUMS" ] && printf 'dir %s\n' "$n"
    elif [ -f "$p" ]; then
      printf 'file %s\n' "$n"
    fi
  done
  ;;
remove)
  for n in "$@"; do
    p="$root/$n"
    why=""
    case "$n" in
      */* | .* | "") why="not a name inside $root" ;;
      [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-*)
        { [ -d "$p" ] && [ ! -L "$p" ] && [ -f "$p/SHA256SUMS" ]; } || why="not a finished backup directory" ;;
      tke-certs-*.yaml)
        { [ -f "$p" ] && [ ! -L "$p" ]; } || why="not a regular file" ;;
      *) why="not a name this tool gives its backups" ;;
    esac
    if [ -n "$why" ]; then
      printf 'kept %s: %s\n' "$n" "$why"
      continue
    fi
    rm -rf -- "$p" || { echo "removing $p failed" >&2; exit 1; }
    printf 'removed %s\n' "$n"
  done
  ;;
*)
  echo "unknown mode: $mode" >&2
  exit 2
  ;;
esac
