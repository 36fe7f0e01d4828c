r"""windows-smb hosts: Samba smbd + nmbd looking like a Windows machine.

Why Samba: it is the real SMB2/3, NetBIOS, DCE-RPC and winreg implementation
a Linux box can run; rmmkit's SMB/winreg transports talk to it exactly as to
Windows.  Everything Samba keeps (passdb, registry.tdb, locks) sits in the
host's own directory, so two Windows hosts never share a user or a key.

Switches: ``admin_share: false`` drops ADMIN$ (deploy must fail with "admin
share missing"), ``winreg: false`` starts samba-dcerpcd without its winreg
helper, so ``\\pipe\\winreg`` does not exist, as on a Windows host whose
RemoteRegistry service is stopped.  samba-dcerpcd is started by us (not on
demand by smbd) so its PID is recorded and the helper list is ours.
Samba limitation: its srvsvc/svcctl call winreg internally over the same
pipe, so with ``winreg: false`` share enumeration and SCM calls fail too.

Users with ``admin: true`` join BUILTIN\Administrators (a ``wadmins`` unix
group mapped to S-1-5-32-544): Samba lets only administrators write the
registry or ask the SCM for create access, as Windows does.

ProductName/CurrentBuild: Samba serves ``...\Windows NT\CurrentVersion``
from a fixed backend (SystemRoot, CurrentVersion only), so they are seeded
under ``HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows NT\CurrentVersion``,
where 64-bit Windows has them as well.
"""

from __future__ import annotations

from rmmkit.errors import LabError
from rmmkit.lab.kinds.base import HostContext, Kind
from rmmkit.lab.kinds.linux_ssh import USER_TOOLS, create_users
from rmmkit.lab.requirements import Binary

AGENT_KEY = r"HKLM\SOFTWARE\RMMKit\Agent"
CURRENT_VERSION_KEY = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"  # Samba-fixed
PRODUCT_KEY = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows NT\CurrentVersion"
COMPUTER_NAME_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName"
RPC_HELPERS = ("rpcd_epmapper", "rpcd_classic", "rpcd_lsad", "rpcd_winreg")
LIBEXEC = "/usr/libexec/samba"
SMBD = Binary("/usr/sbin/smbd", apt="samba")
NMBD = Binary("/usr/sbin/nmbd", apt="samba")

SMB_CONF = """\
[global]
  netbios name = {netbios}
  workgroup = {workgroup}
  server string = {product}
  server role = standalone server
  interfaces = {address}/32
  bind interfaces only = yes
  security = user
  map to guest = never
  passdb backend = tdbsam:{sd}/private/passdb.tdb
  private dir = {sd}/private
  lock directory = {sd}/lock
  state directory = {sd}/state
  cache directory = {sd}/cache
  pid directory = {sd}/run
  ncalrpc dir = {sd}/ncalrpc
  binddns dir = {sd}/bind-dns
  log file = {log}/samba.log
  max log size = 1000
  log level = {log_level}
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  rpc start on demand helpers = no
  usershare path =
  smb ports = 445 139

{shares}"""

SHARE = """\
[{name}]
  comment = {comment}
  path = {path}
  read only = no
  browseable = yes
  valid users = {users}
  admin users = {users}

"""


def netbios_name(hostname: str) -> str:
    return hostname.upper()[:15]


class WindowsSmb(Kind):
    name = "windows-smb"
    requires = (
        SMBD,
        NMBD,
        Binary(f"{LIBEXEC}/samba-dcerpcd", apt="samba-common-bin"),
        *(Binary(f"{LIBEXEC}/{helper}", apt="samba-common-bin") for helper in RPC_HELPERS),
        Binary("smbpasswd", apt="samba-common-bin", why="the hosts' Samba users"),
        Binary("net", apt="samba-common-bin", why="groups and registry seeding"),
        Binary("groupadd", apt="passwd"),
        *USER_TOOLS,
    )

    def prepare(self, ctx: HostContext) -> None:
        if not ctx.spec.users:
            raise LabError(f"host {ctx.spec.name}: windows-smb needs at least one user")
        sd = ctx.dir / "samba"
        for sub in ("private", "lock", "state", "cache", "run", "ncalrpc", "bind-dns"):
            (sd / sub).mkdir(parents=True, exist_ok=True)
        (sd / "private").chmod(0o700)
        drive = ctx.dir / "C"
        (drive / "Windows" / "Temp").mkdir(parents=True, exist_ok=True)
        users = " ".join(u.name for u in ctx.spec.users)
        shares = [("C$", "Default share", drive)]
        if ctx.spec.options.get("admin_share", True):
            shares.insert(0, ("ADMIN$", "Remote Admin", drive / "Windows"))
        opts = ctx.spec.options
        ctx.write(
            "smb.conf",
            SMB_CONF.format(
                netbios=netbios_name(ctx.spec.hostname),
                workgroup=opts.get("workgroup", "WORKGROUP"),
                product=opts.get("product_name", "Windows Server 2019 Standard"),
                address=ctx.spec.address,
                sd=sd,
                log=ctx.dir / "log",
                log_level=opts.get("log_level", 1),
                shares="".join(
                    SHARE.format(name=n, comment=c, path=p, users=users) for n, c, p in shares
                ),
            ),
        )
        ctx.extra.update(
            netbios_name=netbios_name(ctx.spec.hostname),
            drive=str(drive),
            shares=[n for n, _, _ in shares],
            winreg=opts.get("winreg", True),
            agent_key=AGENT_KEY,
            product_key=PRODUCT_KEY,
        )

    def setup(self, ctx: HostContext) -> None:
        create_users(ctx)
        conf = ctx.dir / "smb.conf"
        pw_input = "".join(f"{u.password}\n{u.password}\n" for u in ctx.spec.users)
        adds = "\n".join(f"smbpasswd -c {conf} -s -a {u.name} >/dev/null" for u in ctx.spec.users)
        ctx.sh(adds, input=pw_input)
        admins = [u.name for u in ctx.spec.users if u.admin]
        if admins:
            ctx.sh(self._admins_script(ctx, admins))
        ctx.sh(self._registry_script(ctx))

    def _admins_script(self, ctx: HostContext, names: list[str]) -> str:
        net = f"net -s {ctx.dir / 'smb.conf'}"
        lines = [
            "groupadd -f wadmins",
            f"{net} groupmap add sid=S-1-5-32-544 unixgroup=wadmins type=builtin "
            "ntgroup=Administrators >/dev/null",
        ]
        lines += [f"{net} sam addmem 'BUILTIN\\Administrators' {n} >/dev/null" for n in names]
        return "\n".join(lines)

    def _registry_script(self, ctx: HostContext) -> str:
        opts = ctx.spec.options
        net = f"net -s {ctx.dir / 'smb.conf'} registry"
        values = [
            (PRODUCT_KEY, "ProductName", opts.get("product_name", "Windows Server 2019 Standard")),
            (PRODUCT_KEY, "CurrentBuild", opts.get("current_build", "17763")),
            (PRODUCT_KEY, "CurrentBuildNumber", opts.get("current_build", "17763")),
            (COMPUTER_NAME_KEY, "ComputerName", netbios_name(ctx.spec.hostname)),
        ]
        agent = opts.get("agent")
        if agent:
            values += [
                (AGENT_KEY, "Version", agent["version"]),
                (AGENT_KEY, "InstallDir", r"C:\Program Files\RMMKit Agent"),
            ]
            ctx.extra["agent_version"] = agent["version"]
        keys = sorted({key for key, _, _ in values})
        lines = [f"{net} createkey '{key}' >/dev/null" for key in keys]
        lines += [f"{net} setvalue '{key}' '{name}' sz '{value}'" for key, name, value in values]
        return "\n".join(lines)

    def start(self, ctx: HostContext) -> None:
        conf = str(ctx.dir / "smb.conf")
        ctx.spawn(
            "smbd",
            [SMBD.target, "-F", "--no-process-group", "--debug-stdout", "-s", conf],
            proto="tcp",
            port=445,
        )
        helpers = [
            f"{LIBEXEC}/{name}"
            for name in RPC_HELPERS
            if name != "rpcd_winreg" or ctx.spec.options.get("winreg", True)
        ]
        ctx.spawn(
            "samba-dcerpcd",
            [
                f"{LIBEXEC}/samba-dcerpcd",
                "-F",
                "--no-process-group",
                "--debug-stdout",
                "-s",
                conf,
                *helpers,
            ],
            proto="tcp",
            port=135,
        )
        ctx.spawn(
            "nmbd",
            [NMBD.target, "-F", "--no-process-group", "--debug-stdout", "-s", conf],
            proto="udp",
            port=137,
        )
