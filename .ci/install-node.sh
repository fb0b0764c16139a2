#!/usr/bin/env bash
# Unpacks the official Node.js binary of one major line into .tools/node<major>/
# (git-ignored) and prints that folder's bin/ path, for CI to put first on PATH.
# The binary comes from the npm package node-linux-<arch> (the release build
# with its headers under include/node, which node-gyp needs for the relay
# addon), so only the npm registry is contacted. A folder already holding the
# line is reused.
#
#   bash .ci/install-node.sh 24   ->   /path/to/repo/.tools/node24/bin
set -euo pipefail
major="${1:?usage: install-node.sh <major>}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/.tools/node$major"

if ! "$dest/bin/node" -e "process.exit(process.versions.node.split('.')[0] === '$major' ? 0 : 1)" 2>/dev/null; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "install-node.sh: no node-linux package for $(uname -m)" >&2; exit 1 ;;
  esac
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # npm pack checks the tarball against the registry's integrity hash; nothing is installed or run.
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$major" >/dev/null)
  rm -rf "$dest"
  mkdir -p "$dest"
  tar xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$dest" --strip-components=1 package/bin package/include
  test -f "$dest/include/node/node_api.h"
fi
echo "$dest/bin"
