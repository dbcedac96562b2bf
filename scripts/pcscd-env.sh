# Starts a private pcscd for the tests: its own reader.conf.d with one vpcd entry on a port picked
# for this run, so virtual cards (virtual-piv-card / VirtualCard) can be plugged in and pulled.
# One entry only: vpcd keeps its listening sockets in one table indexed by slot, so a second entry
# would take over the first one's slots and leave its ports listening with nobody accepting.
# Sourced by scripts/test. pcsc-lite's socket is fixed (/run/pcscd/pcscd.comm), so only one pcscd can
# run on the machine: when another one is running, this fails and says so.
# Exports TOKENCERT_TEST_VPCD_PORTS (two ports, one per virtual reader: "<name> 00 00" and "… 00 01") and TOKENCERT_TEST_READER_PREFIX.

start_test_pcscd() {
  if pgrep -x pcscd >/dev/null 2>&1; then
    echo "A pcscd is already running (pid $(pgrep -x pcscd | tr '\n' ' ')); the tests need their own." >&2
    echo "Stop it first, e.g.: sudo systemctl stop pcscd.socket pcscd.service" >&2
    return 1
  fi
  local base attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    base=$(( 41000 + (RANDOM % 3000) * 2 ))
    if ! ss -ltn 2>/dev/null | grep -qE ":($base|$((base+1)))\b"; then break; fi
  done
  PCSCD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tokencert-pcscd.XXXXXX")
  mkdir -p "$PCSCD_DIR/reader.conf.d"
  # The name starts with "Yubico": Yubico's ykcs11 lists only readers named so (a YubiKey's own
  # reader is "Yubico YubiKey OTP+FIDO+CCID"); every other module and tool ignores the name.
  printf 'FRIENDLYNAME "Yubico YubiKey OTP+FIDO+CCID vpcd %s"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID    0x%X\n' \
    "$base" "$base" "$base" > "$PCSCD_DIR/reader.conf.d/vpcd-$base"
  pcscd -f -c "$PCSCD_DIR/reader.conf.d" > "$PCSCD_DIR/pcscd.log" 2>&1 &
  PCSCD_PID=$!
  # Bounded wait: the socket and the vpcd listeners come up within a second or two.
  local i
  for i in $(seq 1 50); do
    if [ -S /run/pcscd/pcscd.comm ] && ss -ltn 2>/dev/null | grep -q ":$base\b"; then break; fi
    if ! kill -0 "$PCSCD_PID" 2>/dev/null; then
      echo "pcscd exited at start; its log:" >&2; cat "$PCSCD_DIR/pcscd.log" >&2; return 1
    fi
    sleep 0.1
  done
  export TOKENCERT_TEST_VPCD_PORTS="$base,$((base + 1))"
  export TOKENCERT_TEST_READER_PREFIX="Yubico YubiKey OTP+FIDO+CCID vpcd"
  export TOKENCERT_TEST_PCSCD_PID="$PCSCD_PID"
  echo "pcscd started (pid $PCSCD_PID), vpcd ports $TOKENCERT_TEST_VPCD_PORTS, log $PCSCD_DIR/pcscd.log"
}

stop_test_pcscd() {
  if [ -n "${PCSCD_PID:-}" ] && kill -0 "$PCSCD_PID" 2>/dev/null; then
    kill "$PCSCD_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 30); do kill -0 "$PCSCD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PCSCD_PID" 2>/dev/null || true
  fi
  [ -n "${PCSCD_DIR:-}" ] && rm -rf "$PCSCD_DIR"
  return 0
}
