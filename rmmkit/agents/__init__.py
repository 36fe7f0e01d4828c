"""The agent lifecycle shared by every transport: status, deploy/update, uninstall, events.

Why transport-neutral: the seed deploys the same agents over WMI/SMB/remote
registry (Windows) and SSH (Mac/Linux).  The lifecycle (decide what to do,
stage the installer, check its sha256 on the target, run, verify, record
an event) is written once against :class:`rmmkit.agents.target.AgentTarget`;
a transport only supplies a target (:class:`rmmkit.agents.posix.PosixTarget`
for SSH).
"""
