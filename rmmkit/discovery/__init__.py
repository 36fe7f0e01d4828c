"""Discovery: find what answers inside a scope, and say what it is.

Why a package split by concern: the wire engines (``icmp``, ``tcp``,
``rate``), the identity probes (``identity``, ``rdns``, ``smb_probe``, ``snmp_probe``,
``neighbours``), the opinions (``classify``) and the orchestration (``scan``,
``api``, ``record``, ``diff``) change for different reasons and are tested
differently (the kernel, real daemons, pure functions).

Entry points: :class:`rmmkit.discovery.api.ScanRequest` +
:func:`rmmkit.discovery.api.execute` (used by ``rmmkit scan`` and the
``discover`` action).
"""
