"""ping-only and dead hosts: the two ends of "something is (not) there".

Why dead has no namespace: a real dead host is an address nobody owns; the
scanner either gets no ARP answer (``absent``) or, in ``blackhole`` mode, has
a neighbour entry so packets leave and silently vanish (pure timeouts).
"""

from __future__ import annotations

from typing import ClassVar

from rmmkit.lab.kinds.base import Kind


class PingOnly(Kind):
    """Only the kernel answers: ICMP echo, TCP RST on every port."""

    name = "ping-only"


class Dead(Kind):
    name = "dead"
    has_namespace: ClassVar[bool] = False
