# Sourced by the live AWS benches: start_moto SCENARIO ARGS... serves a moto scenario
# (tests/aws/moto_scenario.py) on a free local port, sets $port, and stops it on exit.
start_moto() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  moto_log=$(mktemp)
  MOTO_SCENARIO_WAIT=signal python3 tests/aws/moto_scenario.py "$port" "$@" < /dev/null > "$moto_log" 2>&1 &
  moto=$!
  trap 'kill $moto 2>/dev/null || true; rm -f "$moto_log"' EXIT
  until grep -q READY "$moto_log"; do
    kill -0 $moto 2>/dev/null || { echo "moto scenario failed:"; tail -5 "$moto_log"; exit 1; }
    sleep 1
  done
}
