# Starts the extra PKCS#11 back-ends of the test matrix, fresh for each run under one mktemp directory,
# and exports what the tests need to find them:
#   - a TPM 2.0: swtpm behind tpm2-abrmd on a private D-Bus session bus, with a tpm2-pkcs11 store
#     holding token "tc-tpm" (tpm2-abrmd is needed: straight to swtpm the TPM runs out of object contexts);
#   - openCryptoki's software token "tc-ock" behind its own pkcsslotd;
#   - a SoftHSM2 token "tc-remote" served by `p11-kit server`, used through p11-kit-client.so;
#   - the modules of ykcs11 and OpenSC, which need no daemon (they talk to the test pcscd).
# Sourced by scripts/test. openCryptoki's paths are compiled in (/etc/opencryptoki, /var/lib/opencryptoki,
# /var/lock/opencryptoki, /var/log/opencryptoki), so start_test_tokens bind-mounts fresh directories over
# them and must therefore run as root inside a private mount namespace (scripts/test re-executes itself
# under `unshare --mount --propagation private`); it refuses to run in the machine's own namespace.
# pkcsslotd's socket and PID file (/run/pkcsslotd.*) and its System V shared memory are machine-wide,
# so only one pkcsslotd can run: when another one is running, this fails and says so.
# Every wait is bounded; a back-end that does not come up makes start_test_tokens print its log, stop
# what it started and fail. stop_test_tokens stops each daemon by the PID recorded here.
# Exports TOKENCERT_TEST_{TPM,OCK,REMOTE}_{MODULE,TOKEN,PIN,SO_PIN}, TOKENCERT_TEST_YKCS11_MODULE,
# TOKENCERT_TEST_OPENSC_MODULE, and for the modules themselves DBUS_SESSION_BUS_ADDRESS,
# TPM2_PKCS11_TCTI, TPM2_PKCS11_STORE and P11_KIT_SERVER_ADDRESS.

TC_PKCS11_DIR=/usr/lib/x86_64-linux-gnu/pkcs11
TC_OCK_MOUNTS=(/etc/opencryptoki /var/lib/opencryptoki /var/lock/opencryptoki /var/log/opencryptoki)
TC_OCK_FACTORY_SO_PIN=87654321
TC_OCK_MOUNTED=()

_tc_now() { date +%s.%N; }
_tc_since() { awk -v a="$1" -v b="$(_tc_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Six random digits (user PINs), and random hex of the given length (SO PINs).
_tc_digits6() { printf '%06d' $(( $(od -An -N4 -tu4 /dev/urandom) % 1000000 )); }
_tc_hex() { od -An -N"$(( ($1 + 1) / 2 ))" -tx1 /dev/urandom | tr -d ' \n' | cut -c1-"$1"; }

# Exports TOKENCERT_TEST_<ROW>_{MODULE,TOKEN,PIN,SO_PIN} and checks that pkcs11-tool lists the token
# through the module (bounded); on failure prints the check and the daemon's log.
_tc_export_token() {
  local row=$1 module=$2 label=$3 pin=$4 sopin=$5 daemon_log=$6 check
  check=$TC_TOKENS_DIR/$label-check.log
  export "TOKENCERT_TEST_${row}_MODULE=$module" "TOKENCERT_TEST_${row}_TOKEN=$label"
  export "TOKENCERT_TEST_${row}_PIN=$pin" "TOKENCERT_TEST_${row}_SO_PIN=$sopin"
  if ! timeout 60 pkcs11-tool --module "$module" -L > "$check" 2>&1 || ! grep -q "token label *: *$label *\$" "$check"; then
    _tc_fail "the token $label is not listed by $module" "$check" "$daemon_log"; return 1
  fi
}

# Prints a failure and the named logs (those that exist) to stderr; returns 1.
_tc_fail() {
  local msg=$1 log; shift
  echo "start_test_tokens: $msg" >&2
  for log in "$@"; do
    [ -e "$log" ] || continue
    echo "----- $log -----" >&2
    cat "$log" >&2 || true
  done
  return 1
}

# _tc_wait SECONDS PID CMD...: polls CMD every 0.1 s until it succeeds (0), SECONDS pass (1), or PID,
# when not empty, is gone (2).
_tc_wait() {
  local secs=$1 pid=$2 i; shift 2
  for i in $(seq 1 $(( secs * 10 ))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ -n "$pid" ] && ! _tc_alive "$pid"; then
      "$@" >/dev/null 2>&1 && return 0
      return 2
    fi
    sleep 0.1
  done
  return 1
}

_tc_listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
# Free: no TCP socket of any state on the port (a listener, a connection or one in TIME_WAIT).
_tc_port_free() { [ -z "$(ss -Htan "sport = :$1" 2>/dev/null)" ]; }

# A PID that is running (a zombie is not).
_tc_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Stops a daemon by PID if that PID is still the named program (a glob on its comm: `p11-kit server`
# runs as p11-kit-server): TERM, a bounded wait, then KILL.
_tc_stop_pid() {
  local comm=$1 pid=${2:-} i
  [ -n "$pid" ] || return 0
  _tc_alive "$pid" || return 0
  # shellcheck disable=SC2254
  case "$(cat "/proc/$pid/comm" 2>/dev/null)" in $comm) ;; *) return 0 ;; esac
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do _tc_alive "$pid" || return 0; sleep 0.1; done
  echo "stop_test_tokens: $comm (pid $pid) ignored TERM for 5 s; killing it" >&2
  kill -9 "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do _tc_alive "$pid" || return 0; sleep 0.1; done
  return 0
}

# True when this shell's mount namespace is not the machine's: not the one scripts/test recorded before
# re-executing itself under unshare (TOKENCERT_TEST_NAMESPACE), else not PID 1's, else (PID 1's may be
# unreadable, as in some VMs and containers) not the one of an ancestor process that is in another.
# The mounts involved must also not propagate back (shared): `unshare --propagation private` does that.
_tc_private_mount_ns() {
  local self outer p depth m
  self=$(readlink /proc/self/ns/mnt 2>/dev/null) || return 1
  [ -n "$self" ] || return 1
  for m in "${TC_OCK_MOUNTS[@]}"; do
    case "$(findmnt -no PROPAGATION -T "$m" 2>/dev/null)" in *shared*) return 1 ;; esac
  done
  case "${TOKENCERT_TEST_NAMESPACE:-}" in
    mnt:*) [ "$self" != "$TOKENCERT_TEST_NAMESPACE" ]; return ;;
  esac
  if outer=$(readlink /proc/1/ns/mnt 2>/dev/null) && [ -n "$outer" ]; then
    [ "$self" != "$outer" ]; return
  fi
  p=$$
  for depth in $(seq 1 64); do
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
    [ -n "$p" ] && [ "$p" -gt 1 ] || return 1
    outer=$(readlink "/proc/$p/ns/mnt" 2>/dev/null) || continue
    [ -n "$outer" ] && [ "$outer" != "$self" ] && return 0
  done
  return 1
}

# A live pkcsslotd, by process name or by the PID in its PID file; prints the PIDs. Zombies do not
# count (one stopped a moment ago may wait a while to be reaped by PID 1).
_tc_running_pkcsslotd() {
  local pids="" pid
  for pid in $(pgrep -x pkcsslotd 2>/dev/null || true) $(cat /run/pkcsslotd.pid 2>/dev/null || true); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pkcsslotd ] && _tc_alive "$pid" || continue
    case " $pids " in *" $pid "*) ;; *) pids="${pids:+$pids }$pid" ;; esac
  done
  [ -n "$pids" ] || return 1
  echo "$pids"
}

_tc_start_tpm() {
  local t0 dir=$TC_TOKENS_DIR port="" attempt rc addr store pid
  t0=$(_tc_now)
  mkdir -p "$dir/tpm" "$dir/tpm2store"
  # swtpm: a data port P and a control port P+1, both free, below the kernel's ephemeral range;
  # if the pair is taken between the check and the bind, try another pair.
  for attempt in 1 2 3 4 5; do
    port=""
    local try base
    for try in $(seq 1 50); do
      base=$(( 20000 + (RANDOM % 6000) * 2 ))
      if _tc_port_free "$base" && _tc_port_free $(( base + 1 )); then port=$base; break; fi
    done
    [ -n "$port" ] || { _tc_fail "no free port pair for swtpm"; return 1; }
    swtpm socket --tpm2 --tpmstate dir="$dir/tpm" \
      --server type=tcp,port="$port" --ctrl type=tcp,port=$(( port + 1 )) \
      --flags not-need-init,startup-clear > "$dir/swtpm.log" 2>&1 &
    TC_SWTPM_PID=$!
    rc=0
    _tc_wait 10 "$TC_SWTPM_PID" _tc_listening "$port" || rc=$?
    if [ "$rc" -eq 0 ]; then _tc_wait 5 "$TC_SWTPM_PID" _tc_listening $(( port + 1 )) || rc=$?; fi
    [ "$rc" -eq 0 ] && break
    if [ "$rc" -eq 2 ] && grep -qi 'in use' "$dir/swtpm.log"; then TC_SWTPM_PID=""; continue; fi
    _tc_fail "swtpm exited or did not listen on ports $port/$(( port + 1 ))" "$dir/swtpm.log"; return 1
  done
  [ "$rc" -eq 0 ] || { _tc_fail "swtpm found no free port pair in 5 tries" "$dir/swtpm.log"; return 1; }

  # A private session bus for tpm2-abrmd and its clients, its socket in this run's directory.
  dbus-daemon --session --nofork --nosyslog --address="unix:path=$dir/dbus.sock" --print-address=1 \
    > "$dir/dbus.address" 2> "$dir/dbus.log" &
  TC_DBUS_PID=$!
  _tc_wait 10 "$TC_DBUS_PID" grep -q . "$dir/dbus.address" \
    || { _tc_fail "dbus-daemon exited or did not print its address within 10 s" "$dir/dbus.log"; return 1; }
  addr=$(head -n 1 "$dir/dbus.address")

  DBUS_SESSION_BUS_ADDRESS=$addr tpm2-abrmd --tcti=swtpm:port="$port" --session --allow-root \
    > "$dir/tpm2-abrmd.log" 2>&1 &
  TC_ABRMD_PID=$!
  _tc_wait 15 "$TC_ABRMD_PID" env DBUS_SESSION_BUS_ADDRESS="$addr" TPM2TOOLS_TCTI=tabrmd:bus_type=session \
    timeout 5 tpm2_getrandom 4 \
    || { _tc_fail "tpm2-abrmd exited or did not answer tpm2_getrandom within 15 s" "$dir/tpm2-abrmd.log" "$dir/swtpm.log" "$dir/dbus.log"; return 1; }

  export DBUS_SESSION_BUS_ADDRESS=$addr
  export TPM2_PKCS11_TCTI=tabrmd:bus_type=session
  export TPM2_PKCS11_STORE=$dir/tpm2store
  store=$dir/tpm2store
  local pin sopin out
  pin=$(_tc_digits6); sopin=$(_tc_hex 16)
  if ! out=$(TPM2TOOLS_TCTI=tabrmd:bus_type=session timeout 60 tpm2_ptool init --path "$store" 2>&1); then
    echo "$out" > "$dir/tpm2_ptool.log"
    _tc_fail "tpm2_ptool init failed" "$dir/tpm2_ptool.log" "$dir/tpm2-abrmd.log"; return 1
  fi
  pid=$(printf '%s\n' "$out" | sed -n 's/^id: *\([0-9][0-9]*\)$/\1/p' | head -n 1)
  [ -n "$pid" ] || { echo "$out" > "$dir/tpm2_ptool.log"; _tc_fail "tpm2_ptool init printed no primary id" "$dir/tpm2_ptool.log"; return 1; }
  if ! out=$(TPM2TOOLS_TCTI=tabrmd:bus_type=session timeout 60 tpm2_ptool addtoken --pid="$pid" \
      --sopin="$sopin" --userpin="$pin" --label=tc-tpm --path "$store" 2>&1); then
    echo "$out" > "$dir/tpm2_ptool.log"
    _tc_fail "tpm2_ptool addtoken failed" "$dir/tpm2_ptool.log" "$dir/tpm2-abrmd.log"; return 1
  fi
  _tc_export_token TPM "$TC_PKCS11_DIR/libtpm2_pkcs11.so" tc-tpm "$pin" "$sopin" "$dir/tpm2-abrmd.log" || return 1
  echo "TPM 2.0 token tc-tpm ready in $(_tc_since "$t0") s (swtpm pid $TC_SWTPM_PID port $port, dbus-daemon pid $TC_DBUS_PID, tpm2-abrmd pid $TC_ABRMD_PID)"
}

# What openCryptoki's token needs, checked before anything is started.
_tc_preflight() {
  local running
  if running=$(_tc_running_pkcsslotd); then
    echo "A pkcsslotd is already running (pid $running); the tests need their own." >&2
    echo "Stop it first, e.g.: sudo systemctl stop pkcsslotd.service" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    _tc_fail "openCryptoki's token needs root (its paths are compiled in and are bind-mounted per run)"; return 1
  fi
  if ! _tc_private_mount_ns; then
    _tc_fail "not in a private mount namespace; run under: unshare --mount --propagation private (scripts/test does)"; return 1
  fi
}

_tc_pkcsslotd_up() {
  local p; p=$(cat /run/pkcsslotd.pid 2>/dev/null) || return 1
  [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = pkcsslotd ] && _tc_alive "$p" && [ -S /run/pkcsslotd.socket ]
}

_tc_start_ock() {
  local t0 dir=$TC_TOKENS_DIR/ock m src
  t0=$(_tc_now)
  # The token gets its own name (tokname): the software token keeps a POSIX shared-memory cache named
  # after its directory (/dev/shm/var.lib.opencryptoki.<name>) that outlives pkcsslotd; a name of our
  # own means no cache left by the machine or an earlier run, and stop_test_tokens removes ours.
  TC_OCK_TOKNAME="tc${TC_TOKENS_DIR##*.}"
  mkdir -p "$dir/etc" "$dir/lib/$TC_OCK_TOKNAME/TOK_OBJ" "$dir/lock/$TC_OCK_TOKNAME" "$dir/log"
  printf 'version opencryptoki-3.1\n\nslot 3\n{\nstdll = libpkcs11_sw.so\ntokname = %s\n}\n' "$TC_OCK_TOKNAME" \
    > "$dir/etc/opencryptoki.conf"
  chmod 0755 "$dir/etc"; chmod 0644 "$dir/etc/opencryptoki.conf"
  chgrp -R pkcs11 "$dir/lib" "$dir/lock" "$dir/log" \
    || { _tc_fail "cannot give the openCryptoki directories to group pkcs11"; return 1; }
  chmod 0770 "$dir/lib" "$dir/lib/$TC_OCK_TOKNAME" "$dir/lib/$TC_OCK_TOKNAME/TOK_OBJ" \
    "$dir/lock" "$dir/lock/$TC_OCK_TOKNAME" "$dir/log"
  rm -f "/dev/shm/var.lib.opencryptoki.$TC_OCK_TOKNAME"
  TC_OCK_MOUNTED=()
  for m in "${TC_OCK_MOUNTS[@]}"; do
    case "$m" in
      /etc/*) src=$dir/etc ;; /var/lib/*) src=$dir/lib ;; /var/lock/*) src=$dir/lock ;; *) src=$dir/log ;;
    esac
    mkdir -p "$m" || { _tc_fail "cannot create the mount point $m"; return 1; }
    mount --bind "$src" "$m" || { _tc_fail "cannot bind-mount $src over $m"; return 1; }
    TC_OCK_MOUNTED+=("$m")
  done

  # pkcsslotd daemonises and writes its PID file once ready (it does not remove it at exit: a stale
  # one may be there; wait for one naming a live pkcsslotd).
  if ! timeout 20 pkcsslotd > "$dir/pkcsslotd.log" 2>&1; then
    _tc_fail "pkcsslotd failed to start (it also logs to syslog)" "$dir/pkcsslotd.log"; return 1
  fi
  if ! _tc_wait 10 "" _tc_pkcsslotd_up; then
    TC_OCK_PID=$(pgrep -x pkcsslotd 2>/dev/null | head -n 1 || true)
    _tc_fail "pkcsslotd did not write its PID file and socket within 10 s (it also logs to syslog)" "$dir/pkcsslotd.log"; return 1
  fi
  TC_OCK_PID=$(cat /run/pkcsslotd.pid)

  local pin sopin
  pin=$(_tc_digits6)
  sopin=$(_tc_hex 8)
  [ "$sopin" != "$TC_OCK_FACTORY_SO_PIN" ] || sopin=$(_tc_hex 8)
  {
    printf 'tc-ock\n' | timeout 30 pkcsconf -I -c 3 -S "$TC_OCK_FACTORY_SO_PIN" \
      && timeout 30 pkcsconf -P -c 3 -S "$TC_OCK_FACTORY_SO_PIN" -n "$sopin" \
      && timeout 30 pkcsconf -u -c 3 -S "$sopin" -n "$pin"
  } > "$dir/pkcsconf.log" 2>&1 < /dev/null \
    || { _tc_fail "pkcsconf could not initialise the openCryptoki token" "$dir/pkcsconf.log" "$dir/pkcsslotd.log"; return 1; }
  _tc_export_token OCK "$TC_PKCS11_DIR/libopencryptoki.so" tc-ock "$pin" "$sopin" "$dir/pkcsslotd.log" || return 1
  echo "openCryptoki token tc-ock ready in $(_tc_since "$t0") s (pkcsslotd pid $TC_OCK_PID)"
}

_tc_start_remote() {
  local t0 dir=$TC_TOKENS_DIR conf sock pin sopin m=$TC_PKCS11_DIR/p11-kit-client.so
  t0=$(_tc_now)
  conf=$dir/softhsm-remote/softhsm2.conf
  sock=$dir/p11kit.sock
  mkdir -p "$dir/softhsm-remote/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$dir/softhsm-remote/tokens" > "$conf"
  pin=$(_tc_digits6); sopin=$(_tc_hex 16)
  SOFTHSM2_CONF=$conf timeout 30 softhsm2-util --init-token --free --label tc-remote --so-pin "$sopin" --pin "$pin" \
    > "$dir/softhsm-remote/init.log" 2>&1 \
    || { _tc_fail "softhsm2-util could not make the token tc-remote" "$dir/softhsm-remote/init.log"; return 1; }
  # --name is the socket's path; -f keeps the server in the foreground, so $! is its PID.
  SOFTHSM2_CONF=$conf p11-kit server -f --provider /usr/lib/softhsm/libsofthsm2.so --name "$sock" \
    "pkcs11:token=tc-remote" > "$dir/p11-kit-server.log" 2>&1 &
  TC_P11KIT_PID=$!
  _tc_wait 10 "$TC_P11KIT_PID" test -S "$sock" \
    || { _tc_fail "p11-kit server exited or did not make its socket $sock within 10 s" "$dir/p11-kit-server.log"; return 1; }
  export TOKENCERT_TEST_REMOTE_MODULE=$m
  export P11_KIT_SERVER_ADDRESS=unix:path=$sock
  export TOKENCERT_TEST_REMOTE_TOKEN=tc-remote
  export TOKENCERT_TEST_REMOTE_PIN=$pin
  export TOKENCERT_TEST_REMOTE_SO_PIN=$sopin
  # Listed, a key pair made and deleted through the client: the token starts empty.
  {
    timeout 30 pkcs11-tool --module "$m" -L \
      && timeout 30 pkcs11-tool --module "$m" --token-label tc-remote --login --pin "$pin" \
           --keypairgen --key-type EC:prime256v1 --id 01 --label probe \
      && timeout 30 pkcs11-tool --module "$m" --token-label tc-remote --login --pin "$pin" \
           --delete-object --type privkey --id 01 \
      && timeout 30 pkcs11-tool --module "$m" --token-label tc-remote --login --pin "$pin" \
           --delete-object --type pubkey --id 01 \
      && echo "objects left:" \
      && timeout 30 pkcs11-tool --module "$m" --token-label tc-remote --login --pin "$pin" -O
  } > "$dir/remote-check.log" 2>&1 < /dev/null
  local rc=$?
  if [ "$rc" -ne 0 ] || ! grep -q 'token label *: *tc-remote *$' "$dir/remote-check.log" \
      || [ -n "$(sed -n '/^objects left:$/,$p' "$dir/remote-check.log" | grep -E '^(Private|Public) Key Object')" ]; then
    _tc_fail "the remote token tc-remote does not work through p11-kit-client.so" "$dir/remote-check.log" "$dir/p11-kit-server.log"; return 1
  fi
  echo "p11-kit remote token tc-remote ready in $(_tc_since "$t0") s (p11-kit server pid $TC_P11KIT_PID, socket $sock)"
}

start_test_tokens() {
  local t0
  t0=$(_tc_now)
  _tc_preflight || return 1
  TC_TOKENS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tokencert-tokens.XXXXXX") \
    || { echo "start_test_tokens: mktemp failed" >&2; return 1; }
  if ! _tc_start_tpm || ! _tc_start_ock || ! _tc_start_remote; then
    stop_test_tokens
    return 1
  fi
  export TOKENCERT_TEST_YKCS11_MODULE=/usr/lib/x86_64-linux-gnu/libykcs11.so
  export TOKENCERT_TEST_OPENSC_MODULE=$TC_PKCS11_DIR/opensc-pkcs11.so
  local m
  for m in "$TOKENCERT_TEST_YKCS11_MODULE" "$TOKENCERT_TEST_OPENSC_MODULE"; do
    [ -f "$m" ] || { _tc_fail "module $m is missing"; stop_test_tokens; return 1; }
  done
  echo "test tokens started in $(_tc_since "$t0") s, state under $TC_TOKENS_DIR"
}

stop_test_tokens() {
  local p i m
  # p11-kit server runs one `p11-kit remote` child per connection: stop those first.
  if [ -n "${TC_P11KIT_PID:-}" ]; then
    for p in $(pgrep -P "$TC_P11KIT_PID" 2>/dev/null || true); do _tc_stop_pid p11-kit-remote "$p"; done
    _tc_stop_pid 'p11-kit*' "$TC_P11KIT_PID"
  fi
  TC_P11KIT_PID=""
  if [ -n "${TC_OCK_PID:-}" ]; then
    _tc_stop_pid pkcsslotd "$TC_OCK_PID"
    # pkcsslotd leaves its PID file; after a KILL also its socket.
    if [ "$(cat /run/pkcsslotd.pid 2>/dev/null || true)" = "$TC_OCK_PID" ]; then
      rm -f /run/pkcsslotd.pid
      _tc_running_pkcsslotd >/dev/null || rm -f /run/pkcsslotd.socket
    fi
  fi
  TC_OCK_PID=""
  if [ -n "${TC_OCK_TOKNAME:-}" ]; then rm -f "/dev/shm/var.lib.opencryptoki.$TC_OCK_TOKNAME"; fi
  TC_OCK_TOKNAME=""
  for (( i = ${#TC_OCK_MOUNTED[@]} - 1; i >= 0; i-- )); do
    m=${TC_OCK_MOUNTED[i]}
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  TC_OCK_MOUNTED=()
  _tc_stop_pid tpm2-abrmd "${TC_ABRMD_PID:-}"; TC_ABRMD_PID=""
  _tc_stop_pid dbus-daemon "${TC_DBUS_PID:-}"; TC_DBUS_PID=""
  _tc_stop_pid swtpm "${TC_SWTPM_PID:-}"; TC_SWTPM_PID=""
  if [ -n "${TC_TOKENS_DIR:-}" ]; then rm -rf "$TC_TOKENS_DIR"; fi
  TC_TOKENS_DIR=""
  return 0
}
