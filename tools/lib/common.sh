# Shared by the scripts in tools/ (sourced, never run): project root, the Debian packages the
# project needs, package installation, the build, and logging.
# shellcheck shell=bash disable=SC2034  # variables are for the scripts that source this
set -euo pipefail

TL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
TL_BUILD_DIR="${THROUGHLINE_BUILD_DIR:-$TL_ROOT/build}"
TL_STATE_DIR="$TL_ROOT/.state"
TL_JOBS="${THROUGHLINE_JOBS:-2}"

# Every Debian package the project needs to build, test and run. These are the only lists
# (deploy/container/Containerfile lists the run-time libraries of the image, which
# tests/deploy checks against what the binaries link).
# The services alone (tools/build-release, the container image's build stage):
TL_BUILD_PACKAGES=(
  g++ make cmake pkg-config ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libpqxx-dev libpq-dev libabsl-dev prometheus-cpp-dev libcli11-dev libssl-dev
  libjemalloc-dev
)
TL_PG_PACKAGES=(postgresql postgresql-contrib procps util-linux)
# Everything: the tools, the tests (python3-yaml reads the Kubernetes manifests in tests/deploy)
# and the fuzzers.
TL_PACKAGES=(
  "${TL_BUILD_PACKAGES[@]}" git
  libgtest-dev libgmock-dev python3 python3-yaml
  clang libclang-rt-14-dev openssl
  "${TL_PG_PACKAGES[@]}"
)

if [[ -t 2 ]]; then
  _tl_bold=$'\e[1m' _tl_red=$'\e[31m' _tl_yellow=$'\e[33m' _tl_reset=$'\e[0m'
else
  _tl_bold='' _tl_red='' _tl_yellow='' _tl_reset=''
fi
tl_info() { printf '%s[throughline]%s %s\n' "$_tl_bold" "$_tl_reset" "$*" >&2; }
tl_warn() { printf '%s[throughline] warning:%s %s\n' "$_tl_yellow" "$_tl_reset" "$*" >&2; }
tl_die() { printf '%s[throughline] error:%s %s\n' "$_tl_red" "$_tl_reset" "$*" >&2; exit 1; }

# Prints the packages of "$@" that are not installed, one per line.
tl_missing_packages() {
  local status
  # Unknown packages make dpkg-query fail; they are simply absent from its output.
  status="$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true)"
  local pkg
  for pkg in "$@"; do
    grep -qx -- "$pkg installed" <<<"$status" || printf '%s\n' "$pkg"
  done
}

# tl_ensure_packages [package...]: installs whichever of the given packages (default: all of
# TL_PACKAGES) are missing. Runs apt-get as root, through sudo otherwise, or explains what to do.
# shellcheck disable=SC2120  # arguments are optional
tl_ensure_packages() {
  local wanted=("$@")
  ((${#wanted[@]})) || wanted=("${TL_PACKAGES[@]}")
  if ! command -v dpkg-query >/dev/null; then
    tl_warn "not a Debian system (no dpkg-query); make sure these are installed: ${wanted[*]}"
    return 0
  fi
  local missing
  mapfile -t missing < <(tl_missing_packages "${wanted[@]}")
  ((${#missing[@]})) || return 0

  local sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      tl_die "missing Debian packages: ${missing[*]}
  Install them as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    fi
  fi
  tl_info "installing missing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update ||
    tl_die "apt-get update failed; cannot install: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" </dev/null ||
    tl_die "apt-get install failed for: ${missing[*]}"
  mapfile -t missing < <(tl_missing_packages "${wanted[@]}")
  ((${#missing[@]} == 0)) || tl_die "still missing after apt-get install: ${missing[*]}"
}

# Configures the build directory on first use, then builds everything.
tl_build() {
  if [[ ! -f "$TL_BUILD_DIR/CMakeCache.txt" ]]; then
    tl_info "configuring $TL_BUILD_DIR"
    # Optimized as released, with line tables only (-g1): backtraces keep file and line, and
    # the build on two cores is markedly shorter than with full debug information.
    cmake -S "$TL_ROOT" -B "$TL_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
  fi
  tl_info "building in $TL_BUILD_DIR (-j$TL_JOBS)"
  cmake --build "$TL_BUILD_DIR" -j"$TL_JOBS"
}

# The bin directory of the newest PostgreSQL server installed from Debian packages (a version
# directory may hold only the client, so look for initdb).
tl_pg_bindir() {
  local version
  for version in $(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' \
    2>/dev/null | sort -rV); do
    if [[ -x "/usr/lib/postgresql/$version/bin/initdb" ]]; then
      printf '/usr/lib/postgresql/%s/bin\n' "$version"
      return 0
    fi
  done
  tl_die "no PostgreSQL server under /usr/lib/postgresql (is the postgresql package installed?)"
}
