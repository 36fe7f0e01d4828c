r"""A protocol-level Windows peer: impacket's SMB server + an MS-SCMR server on ``\pipe\svcctl``.

Why: Samba cannot create services, and the temporary-service deploy path
must be proven over the wire.  This peer is impacket's own ``SimpleSMBServer``
(real SMB2, NTLM authentication against one account, ADMIN$ and C$ shares
backed by a directory tree) with a ``DCERPCServer`` answering the SCMR calls
rmmkit makes.  ``RStartServiceW`` really runs the program the service points
at — a ``#!`` script copied to ADMIN$ — in this process's namespaces, and
the service stops with the program's exit code, as a Windows service
would report it (``ERROR_SERVICE_SPECIFIC_ERROR`` + the code).

Run inside a lab host::

    python scm_peer.py ADDRESS ROOT USER   # the password comes on stdin, never argv
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path

from impacket.dcerpc.v5 import scmr
from impacket.dcerpc.v5.rpcrt import DCERPCServer
from impacket.ntlm import compute_nthash
from impacket.smbserver import SimpleSMBServer

RUNNING, STOPPED = 4, 1


class Service:
    def __init__(self, name: str, display: str, path: str, start_type: int) -> None:
        self.name, self.display, self.path, self.start_type = name, display, path, start_type
        self.state, self.win32, self.specific = STOPPED, 0, 0
        self.deleted = False


class ScmrServer(DCERPCServer):
    """The SCMR calls of rmmkit's service manager (open, create, start, query, control, delete)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.services: dict[str, Service] = {
            "RemoteRegistry": Service(
                "RemoteRegistry", "Remote Registry", r"C:\Windows\system32\svchost.exe", 3
            )
        }
        self.services["RemoteRegistry"].state = RUNNING
        self.handles: dict[bytes, str | None] = {}
        self.lock = threading.Lock()
        self.addCallbacks(
            ("367ABB81-9844-35F1-AD32-98F038001003", "2.0"),
            "\\PIPE\\svcctl",
            {
                0: self.close,
                1: self.control,
                2: self.delete,
                6: self.query_status,
                12: self.create,
                15: self.open_scm,
                16: self.open_service,
                17: self.query_config,
                19: self.start_service,
            },
        )

    def _handle(self, service: str | None) -> bytes:
        handle = os.urandom(20)
        self.handles[handle] = service
        return handle

    def _service(self, raw: bytes) -> Service | None:
        name = self.handles.get(bytes(raw))
        svc = self.services.get(name) if name else None
        return svc if svc is not None and not svc.deleted else None

    def open_scm(self, data: bytes) -> scmr.ROpenSCManagerWResponse:
        resp = scmr.ROpenSCManagerWResponse()
        resp["lpScHandle"] = self._handle(None)
        resp["ErrorCode"] = 0
        return resp

    def open_service(self, data: bytes) -> scmr.ROpenServiceWResponse:
        req = scmr.ROpenServiceW(data)
        name = str(req["lpServiceName"]).rstrip("\x00")
        resp = scmr.ROpenServiceWResponse()
        svc = self.services.get(name)
        resp["lpServiceHandle"] = self._handle(name) if svc and not svc.deleted else b"\x00" * 20
        resp["ErrorCode"] = 0 if svc and not svc.deleted else 1060
        return resp

    def create(self, data: bytes) -> scmr.RCreateServiceWResponse:
        req = scmr.RCreateServiceW(data)
        name = str(req["lpServiceName"]).rstrip("\x00")
        resp = scmr.RCreateServiceWResponse()
        resp["lpdwTagId"] = scmr.NULL
        if name in self.services and not self.services[name].deleted:
            resp["lpServiceHandle"], resp["ErrorCode"] = b"\x00" * 20, 1073
            return resp
        self.services[name] = Service(
            name,
            str(req["lpDisplayName"]).rstrip("\x00"),
            str(req["lpBinaryPathName"]).rstrip("\x00"),
            int(req["dwStartType"]),
        )
        resp["lpServiceHandle"], resp["ErrorCode"] = self._handle(name), 0
        return resp

    def _status(self, svc: Service | None, resp: object) -> None:
        st = resp["lpServiceStatus"]  # type: ignore[index]
        st["dwServiceType"] = scmr.SERVICE_WIN32_OWN_PROCESS
        st["dwCurrentState"] = svc.state if svc else STOPPED
        st["dwControlsAccepted"] = 1
        st["dwWin32ExitCode"] = svc.win32 if svc else 0
        st["dwServiceSpecificExitCode"] = svc.specific if svc else 0
        st["dwCheckPoint"] = st["dwWaitHint"] = 0

    def query_status(self, data: bytes) -> scmr.RQueryServiceStatusResponse:
        svc = self._service(scmr.RQueryServiceStatus(data)["hService"])
        resp = scmr.RQueryServiceStatusResponse()
        self._status(svc, resp)
        resp["ErrorCode"] = 0 if svc else 6  # ERROR_INVALID_HANDLE
        return resp

    def query_config(self, data: bytes) -> scmr.RQueryServiceConfigWResponse:
        svc = self._service(scmr.RQueryServiceConfigW(data)["hService"])
        resp = scmr.RQueryServiceConfigWResponse()
        cfg = resp["lpServiceConfig"]
        cfg["dwServiceType"], cfg["dwStartType"] = (
            scmr.SERVICE_WIN32_OWN_PROCESS,
            svc.start_type if svc else 0,
        )
        cfg["dwErrorControl"], cfg["dwTagId"] = 0, 0
        cfg["lpBinaryPathName"] = (svc.path if svc else "") + "\x00"
        cfg["lpDisplayName"] = (svc.display if svc else "") + "\x00"
        cfg["lpLoadOrderGroup"] = cfg["lpDependencies"] = "\x00"
        cfg["lpServiceStartName"] = "LocalSystem\x00"
        resp["pcbBytesNeeded"] = 0
        resp["ErrorCode"] = 0 if svc else 6
        return resp

    def control(self, data: bytes) -> scmr.RControlServiceResponse:
        svc = self._service(scmr.RControlService(data)["hService"])
        resp = scmr.RControlServiceResponse()
        self._status(svc, resp)
        resp["ErrorCode"] = 1062 if svc is None or svc.state != RUNNING else 0  # NOT_ACTIVE
        return resp

    def delete(self, data: bytes) -> scmr.RDeleteServiceResponse:
        svc = self._service(scmr.RDeleteService(data)["hService"])
        if svc is not None:
            svc.deleted = True
        resp = scmr.RDeleteServiceResponse()
        resp["ErrorCode"] = 0 if svc else 6
        return resp

    def close(self, data: bytes) -> scmr.RCloseServiceHandleResponse:
        self.handles.pop(bytes(scmr.RCloseServiceHandle(data)["hSCObject"]), None)
        resp = scmr.RCloseServiceHandleResponse()
        resp["hSCObject"] = b"\x00" * 20
        resp["ErrorCode"] = 0
        return resp

    def start_service(self, data: bytes) -> scmr.RStartServiceWResponse:
        svc = self._service(scmr.RStartServiceW(data)["hService"])
        resp = scmr.RStartServiceWResponse()
        resp["ErrorCode"] = self._launch(svc) if svc else 6
        return resp

    def local_path(self, windows_path: str) -> Path:
        drive, _, rest = windows_path.partition(":")
        if drive.upper() != "C":
            return Path("/nonexistent")
        return self.root.joinpath(*[p for p in rest.split("\\") if p])

    def _launch(self, svc: Service) -> int:
        argv = shlex.split(svc.path.replace("\\", "\\\\"))
        if (
            len(argv) > 2
            and argv[0].lower() in ("cmd", "cmd.exe", "%comspec%")
            and argv[1].lower() == "/c"
        ):
            argv = argv[2:]
        program = self.local_path(argv[0])
        if not program.is_file():
            return 2  # ERROR_FILE_NOT_FOUND
        head = program.read_bytes()[:2]
        if head != b"#!":
            return 193  # ERROR_BAD_EXE_FORMAT: we only run scripts
        program.chmod(0o755)
        proc = subprocess.Popen(
            [str(program), *argv[1:]],
            cwd=program.parent,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        svc.state, svc.win32, svc.specific = RUNNING, 0, 0

        def reap() -> None:
            rc = proc.wait()
            svc.win32, svc.specific = (1066, rc) if rc else (0, 0)
            svc.state = STOPPED

        threading.Thread(target=reap, daemon=True).start()
        return 0


def main() -> None:
    address, root, user = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    password = sys.stdin.readline().rstrip("\n")
    (root / "Windows" / "Temp").mkdir(parents=True, exist_ok=True)
    server = SimpleSMBServer(listenAddress=address, listenPort=445)
    server.setSMB2Support(True)
    server.addShare("ADMIN$", str(root / "Windows"), "Remote Admin")
    server.addShare("C$", str(root), "Default share")
    server.addCredential(
        user, 0, "aad3b435b51404eeaad3b435b51404ee", compute_nthash(password).hex()
    )
    scm = ScmrServer(root)
    scm.daemon = True
    scm.start()
    server.registerNamedPipe("svcctl", ("127.0.0.1", scm.getListenPort()))
    print(f"scm_peer listening on {address}:445", flush=True)
    server.start()


if __name__ == "__main__":
    main()
