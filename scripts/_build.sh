# Sourced after scripts/_bootstrap.sh: `build_all DIR [hatch build options]` builds every
# distribution into DIR. `hatch build --all` builds the members of the default environment,
# which leaves httpx2-unixsocket out (it needs Python >= 3.11), so that one is built apart.
build_all() {
  local dest
  dest="$(realpath "$1")"
  shift
  hatch build "$@" --all "$dest" && (cd packages/httpx2-unixsocket && hatch build "$@" "$dest")
}
