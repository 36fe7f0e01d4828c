#!/usr/bin/env bash
# Install everything rmmkit and its test suite need on a fresh Debian machine:
# the lab's real peers (OpenSSH, net-snmp, Samba and its AD DC + MIT kinit, dnsmasq, …), PostgreSQL 15
# for the store tests, nmap/fping for comparisons, then rmmkit itself.
# The list must cover every Debian package `rmmkit lab doctor` may ask for
# (tests/lab/test_doctor.py checks it); run the doctor afterwards to see it green.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  openssh-server openssh-client sudo
  snmpd snmp
  samba smbclient winbind krb5-user
  # the AD DC (samba-tool domain provision): samba only recommends these, so nothing pulls them in
  samba-ad-provision samba-dsdb-modules samba-vfs-modules
  nmap fping iputils-ping tcpdump
  dnsmasq-base bind9-dnsutils iproute2 procps psmisc
  systemd
  postgresql-15
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python3 -m pip install -q --disable-pip-version-check -e '.[dev]'
python3 -m pip install -q --disable-pip-version-check -e plugins/rmmkit-example

# Prove it: every binary, file and Python module the lab and the test peers need,
# one line per missing piece with the package that installs it (exit 8).
if [ "$(id -u)" -eq 0 ]; then
  python3 -m rmmkit.cli.main lab doctor
else  # without root there is no lab; a PATH without sbin is not worth failing for
  python3 -m rmmkit.cli.main lab doctor || echo "bootstrap: see the lab doctor's lines above" >&2
fi
