#!/usr/bin/env bash
# Installs vsftpd (apt) and unpacks pure-ftpd, proftpd, GNU inetutils ftpd and
# netkit/OpenBSD ftpd (the two BSD-derived ones) beside it: the Debian packages
# conflict as "ftp-server", so only one can be apt-installed. Unpacked servers
# go to .ftp-servers/ in the repo (git-ignored); the test launchers look there
# and on PATH. The BSD ftpds are inetd servers: the tests run them under socat,
# one process per connection.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/.ftp-servers"
export DEBIAN_FRONTEND=noninteractive

need_update=1
apt_update() { if [ "$need_update" = 1 ]; then apt-get update -qq; need_update=0; fi; }

# Libraries of the servers (libpam-modules: pam_ftp and pam_listfile for netkit
# ftpd), and socat (which runs the BSD ftpds per connection).
libs="libsodium23 libpam0g libpam-modules libssl3 libpcre2-8-0 libhiredis0.14 libmemcached11 libmemcachedutil2 libwrap0 libidn2-0 libacl1 libcap2 libcrypt1 zlib1g libpcre2-posix3 openssl socat"
if ! command -v vsftpd >/dev/null 2>&1 && [ ! -x /usr/sbin/vsftpd ]; then
  apt_update
  # policy-rc.d keeps the package from starting a system vsftpd on port 21
  # (the tests start their own); an existing policy-rc.d is left alone.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1
  fi
  apt-get install -y -qq vsftpd $libs >/dev/null
  if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
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

# One Debian package unpacked into $dest/NAME, unless BINARY is there already.
unpack() {
  local package="$1" name="$2" binary="$3"
  [ -x "$dest/$name/$binary" ] && return 0
  apt_update
  local tmp; tmp="$(mktemp -d)"; chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$package" >/dev/null)
  mkdir -p "$dest"
  rm -rf "${dest:?}/$name"
  dpkg -x "$tmp"/"$package"_*.deb "$dest/$name"
  rm -rf "$tmp"
}

unpack inetutils-ftpd inetutils-ftpd usr/sbin/ftpd
# Debian's `ftpd` is a transitional package for ftpd-ssl (linux-ftpd-ssl):
# its in.ftpd is netkit's port of OpenBSD ftpd, run with `-z nossl`.
unpack ftpd-ssl netkit-ftpd usr/sbin/in.ftpd

# Libraries the unpacked binaries link against (apt knows them; dpkg -x does not).
if ! dpkg -s $libs >/dev/null 2>&1; then apt_update; apt-get install -y -qq $libs >/dev/null; fi

for bin in /usr/sbin/vsftpd "$dest/pure-ftpd/usr/sbin/pure-ftpd" "$dest/pure-ftpd/usr/bin/pure-pw" "$dest/proftpd/usr/sbin/proftpd" "$dest/proftpd/usr/lib/proftpd/mod_tls.so" \
  "$dest/inetutils-ftpd/usr/sbin/ftpd" "$dest/netkit-ftpd/usr/sbin/in.ftpd"; do
  missing="$(ldd "$bin" 2>/dev/null | grep 'not found' || true)"
  if [ -n "$missing" ]; then echo "install-ftp-servers: $bin lacks libraries: $missing" >&2; exit 1; fi
done
# vsftpd -v prints its version on file descriptor 0 (stdin), hence 0>&1.
vsftpd_version="$( (/usr/sbin/vsftpd -v 0>&1) 2>&1 | head -1)"
proftpd_version="$("$dest/proftpd/usr/sbin/proftpd" -v 2>&1 | head -1)"
pureftpd_version="$("$dest/pure-ftpd/usr/sbin/pure-ftpd" --help 2>&1 | head -1 || true)"
inetutils_version="$("$dest/inetutils-ftpd/usr/sbin/ftpd" --version 2>&1 | head -1)"
netkit_version="netkit ftpd, $(zcat "$dest/netkit-ftpd/usr/share/doc/ftpd-ssl/changelog.Debian.gz" | head -1 | cut -d' ' -f1,2)"
echo "install-ftp-servers: $vsftpd_version; $pureftpd_version; $proftpd_version; $inetutils_version; $netkit_version (all but vsftpd unpacked in $dest)"
