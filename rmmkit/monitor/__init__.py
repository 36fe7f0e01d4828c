"""Monitoring: agentless collection on a schedule, time series, and the seed's status colours.

Why a package of its own: collection (``collect_metrics`` over SSH, the
Windows transports and SNMP), the snapshot every collector returns
(:mod:`.snapshot`), and the status rules that turn snapshots and samples into
the seed's colours change for different reasons; the store keeps samples,
the reports render them.
"""
