"""Transports: how rmmkit talks to a host (mock, icmp/tcp, ssh, smb, snmp, …)."""
