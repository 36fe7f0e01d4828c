"""The ``ssh`` transport: paramiko client for Linux and macOS hosts.

Why a package: host-key pinning, authentication with "additional
credentials", the open connection (commands, sudo, SFTP) and the facts
collector are separate concerns that each stay small.
"""
