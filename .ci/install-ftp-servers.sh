#!/usr/bin/env bash
# Installs vsftpd (apt) and unpacks pure-ftpd and proftpd beside it: the three
# Debian packages conflict as "ftp-server", so only one can be apt-installed.
# Unpacked servers go to .ftp-servers/ in the repo (git-ignored); the test
# launchers look there and on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/.ftp-servers"
export DEBIAN_FRONTEND=noninteractive

need_update=1
apt_update() { if [ "$need_update" = 1 ]; then apt-get update -qq; need_update=0; fi; }

libs="libsodium23 libpam0g libssl3 libpcre2-8-0 libhiredis0.14 libmemcached11 libmemcachedutil2 libwrap0 libidn2-0 libacl1 libcap2 libcrypt1 zlib1g libpcre2-posix3 openssl"
if ! command -v vsftpd >/dev/null 2>&1 && [ ! -x /usr/sbin/vsftpd ]; then
  apt_update
  # policy-rc.d keeps the package from starting a system vsftpd on port 21.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq vsftpd $libs >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if [ ! -x "$dest/pure-ftpd/usr/sbin/pure-ftpd" ] || [ ! -x "$dest/proftpd/usr/sbin/proftpd" ]; then
  apt_update
  apt-get install -y -qq $libs >/dev/null
  tmp="$(mktemp -d)"; chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root pure-ftpd proftpd-core proftpd-mod-crypto >/dev/null)
  mkdir -p "$dest"
  rm -rf "$dest/pure-ftpd" "$dest/proftpd"
  dpkg -x "$tmp"/pure-ftpd_*.deb "$dest/pure-ftpd"
  mkdir -p "$dest/proftpd"
  dpkg -x "$tmp"/proftpd-core_*.deb "$dest/proftpd"
  dpkg -x "$tmp"/proftpd-mod-crypto_*.deb "$dest/proftpd"
  rm -rf "$tmp"
fi

# Libraries the unpacked binaries link against (apt knows them; dpkg -x does not).
if ! dpkg -s $libs >/dev/null 2>&1; then apt_update; apt-get install -y -qq $libs >/dev/null; fi

for bin in /usr/sbin/vsftpd "$dest/pure-ftpd/usr/sbin/pure-ftpd" "$dest/proftpd/usr/sbin/proftpd"; do
  missing="$(ldd "$bin" 2>/dev/null | grep 'not found' || true)"
  if [ -n "$missing" ]; then echo "install-ftp-servers: $bin lacks libraries: $missing" >&2; exit 1; fi
done
echo "install-ftp-servers: vsftpd $(/usr/sbin/vsftpd -v 0>&- 2>&1 | head -1 | tr -d '\n'); pure-ftpd and proftpd unpacked in $dest"
