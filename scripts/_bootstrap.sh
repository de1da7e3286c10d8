# Sourced by every script here: puts a pinned Hatch and each pyenv CPython (3.9-3.13) on PATH.
# A fresh machine has neither; nothing needs to be installed by hand.
HATCH_VERSION=1.18.2
_tools="${UNIXSOCKET_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/unixsocket-http}/hatch-$HATCH_VERSION"
if [ ! -f "$_tools/.complete" ]; then
  echo "First run on this machine: installing Hatch $HATCH_VERSION (the tool that builds every" >&2
  echo "environment here) into $_tools. This happens once and takes about a minute" >&2
  echo "(pip downloads Hatch and its dependencies); later runs start at once." >&2
  rm -rf "$_tools"
  python3 -m venv "$_tools"
  "$_tools/bin/python" -m pip install --quiet --disable-pip-version-check "hatch==$HATCH_VERSION"
  touch "$_tools/.complete"
  echo "Hatch $HATCH_VERSION is installed. Next, Hatch creates the environment this script needs" >&2
  echo "(also once per environment; it prints 'Creating environment')." >&2
fi
export PATH="$_tools/bin:$PATH"
# Hatch finds interpreters on PATH; pyenv's shims answer only for the versions named here
# (otherwise Hatch thinks 3.9/3.10/3.12/3.13 are missing and tries to download them).
if command -v pyenv >/dev/null 2>&1; then
  PYENV_VERSION="$(pyenv versions --bare | grep -E '^3\.(9|1[0-3])\.[0-9]+$' | sort -t. -k2,2nr | tr '\n' ':' | sed 's/:$//')"
  export PYENV_VERSION
fi
unset _tools
