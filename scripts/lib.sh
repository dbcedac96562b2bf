# Shared by scripts/demo and scripts/test: the Debian packages TokenCert needs, installed when missing.
# Sourced, not run.

# Build: Swift's own toolchain plus these C headers. Run: the token middleware and the peers the tests
# check our output with (OpenSSL, OpenSC's tools, yubico-piv-tool, NSS's pk12util, GnuTLS's certtool).
TOKENCERT_PACKAGES=(
  libp11-kit-dev p11-kit libpcsclite-dev libssl-dev openssl
  softhsm2 opensc opensc-pkcs11 pcscd libccid vsmartcard-vpcd yubico-piv-tool libnss3-tools gnutls-bin
  libsqlite3-dev sqlite3 curl gcc libc6-dev pkg-config iproute2 procps util-linux python3-jsonschema
)

missing_packages() {
  local p missing=()
  for p in "${TOKENCERT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  echo "${missing[*]:-}"
}

# Installs what is missing when root (apt-get update first); otherwise prints the exact line and fails.
ensure_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
  else
    echo "TokenCert needs these Debian packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
    exit 1
  fi
}

ensure_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
      export PATH="/opt/swift/usr/bin:$PATH"
    else
      echo "Swift 6 is needed (https://www.swift.org/install/linux/); 'swift' is not on PATH." >&2
      exit 1
    fi
  fi
}
