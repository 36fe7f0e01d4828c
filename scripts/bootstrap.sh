#!/usr/bin/env bash
# Install everything rmmkit and its test suite need on a fresh Debian machine:
# the lab's real peers (OpenSSH, net-snmp, Samba and its AD DC + MIT kinit, dnsmasq, …), PostgreSQL 15
# for the store tests, nmap/fping for comparisons, then rmmkit itself.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  openssh-server openssh-client sudo
  snmpd snmp
  samba smbclient winbind krb5-user
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
