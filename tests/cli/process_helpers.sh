# Process helpers for the signal tests (tests/cli/signals.sh, sweep_signals.sh), read from /proc so
# no procps is needed. Sourced, not run.
children_of() {  # pids whose parent is $1
  local stat
  for stat in /proc/[0-9]*/stat; do
    read -r pid _ _ ppid _ 2>/dev/null < "$stat" || continue
    [[ $ppid == "$1" ]] && echo "$pid"
  done
}
alive() {  # running and not a zombie
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}
