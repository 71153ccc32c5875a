"""A PostgreSQL cluster of Keywork's own on this machine: a data folder and a port.

Used where Keywork needs a PostgreSQL server besides the one it runs on: the bench's
streaming replica (`make bench BENCH_REPLICA=1`), the failover rehearsal in
`make test-load`, and `manage.py restore --to`, which replays archived WAL into a
temporary cluster to reach a given minute. It drives the server's own programs
(`initdb`, `pg_ctl`, `pg_basebackup`) from the PostgreSQL installed on the machine
(`pg_config --bindir`, or Debian's /usr/lib/postgresql/<version>/bin). PostgreSQL refuses
to run as root: run as root, each program runs as the `postgres` user (runuser), and the
folders are handed to that user.
"""

import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

RUN_AS = "postgres"


def bindir():
    """The folder of the PostgreSQL server's programs (initdb, pg_ctl, pg_basebackup)."""
    found = os.environ.get("PG_BINDIR")
    if found:
        return Path(found)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name
                        .isdigit() else 0)
    if candidates:
        return candidates[-1].parent
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,  # noqa: S607
                             check=True).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    raise RuntimeError("The PostgreSQL server's programs (initdb, pg_ctl) were not found: "
                       "install PostgreSQL's server package or set PG_BINDIR.")


def _as_owner(args):
    if os.geteuid() == 0:
        return ["runuser", "-u", RUN_AS, "--", *args]
    return list(args)


def hand_over(path):
    """Give `path` (and what it holds) to the user the server runs as, when run as root."""
    if os.geteuid() == 0:
        shutil.chown(path, RUN_AS, RUN_AS)
        for entry in Path(path).rglob("*"):
            shutil.chown(entry, RUN_AS, RUN_AS)


class Cluster:
    """One cluster: `datadir` (created by init() or basebackup()) served on `port`, on
    127.0.0.1 and a socket folder beside the data, so that it never meets the machine's
    own server."""

    def __init__(self, datadir, port, host="127.0.0.1"):
        self.datadir = Path(datadir).resolve()
        self.port = int(port)
        self.host = host  # where other clusters reach it (basebackup's and rejoin's source)
        self.sockets = self.datadir.parent / f"{self.datadir.name}-sockets"
        self.log = self.datadir.parent / f"{self.datadir.name}.log"

    @property
    def standby_name(self):
        """The name it gives its primary as a replica (application_name in
        pg_stat_replication), which the primary's synchronous_standby_names lists."""
        return "keywork_" + "".join(c if c.isalnum() else "_" for c in self.datadir.name)

    def synchronous_standby(self):
        """synchronous_standby_names for a primary whose commits wait for this replica,
        and only for it (not for any other walsender, such as a base backup's)."""
        return f"'FIRST 1 (\"{self.standby_name}\")'"

    def _conninfo(self, source):
        return (f"host={source.host} port={source.port} user=postgres "
                f"application_name={self.standby_name}")

    def url(self, dbname="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def run(self, program, *args, check=True, timeout=300):
        """One of the server's programs, as the user the server runs as."""
        return subprocess.run(_as_owner([str(bindir() / program), *map(str, args)]),  # noqa: S603
                              check=check, capture_output=True, text=True, timeout=timeout)

    def _prepare_parent(self):
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.datadir.parent, RUN_AS, RUN_AS)
            shutil.chown(self.sockets, RUN_AS, RUN_AS)

    def _own_settings(self, extra, conf="postgresql.conf"):
        """The settings every cluster here has (its port, loopback only, its own socket
        folder), then `extra`, appended to `conf` (later lines win)."""
        lines = [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                 f"unix_socket_directories = '{self.sockets}'"]
        lines += [f"{key} = {value}" for key, value in (extra or {}).items()]
        conf = self.datadir / conf
        with open(conf, "a") as handle:
            handle.write("\n# Keywork (keywork/lib/pgcluster.py)\n" + "\n".join(lines) + "\n")

    def init(self, settings=None):
        """A new, empty cluster (user postgres, trust on loopback, replication allowed)."""
        self.destroy()
        self._prepare_parent()
        self.run("initdb", "-D", self.datadir, "-U", "postgres", "-A", "trust",
                 "--no-instructions", "-E", "UTF8", "--locale=C.UTF-8")
        with open(self.datadir / "pg_hba.conf", "a") as handle:
            handle.write("host replication postgres 127.0.0.1/32 trust\n")
        # wal_log_hints: so that pg_rewind can bring it back as a replica after a failover.
        self._own_settings({"wal_level": "replica", "max_wal_senders": 5,
                            "wal_log_hints": "on", "fsync": "on"} | (settings or {}))
        return self

    def basebackup(self, source, settings=None, *, replica=True):
        """This cluster as a copy of the running cluster `source` (pg_basebackup over
        the replication protocol); with `replica`, one that keeps following it."""
        self.destroy()
        self._prepare_parent()
        args = ["-d", self._conninfo(source), "-D", self.datadir,
                "--wal-method=stream", "--checkpoint=fast"]
        if replica:
            args.append("--write-recovery-conf")
        self.run("pg_basebackup", *args, timeout=1800)
        self._own_settings(settings)
        return self

    def unpack(self, base_tar, wal_tar=None, settings=None, *, recover=True):
        """This cluster as a copy of a base backup in tar format (`pg_basebackup
        --format=tar`): the data from `base_tar`, the WAL it needs from `wal_tar`; with
        `recover`, it starts in archive recovery (recovery.signal). Only this machine's
        socket may connect (trust): the server brought its own pg_hba.conf, which may ask
        for passwords Keywork does not have, or none (Debian keeps it in /etc). `settings`
        go last into postgresql.auto.conf, which the server reads after postgresql.conf,
        so that they win over whatever the backed-up server had set."""
        self.destroy()
        self._prepare_parent()
        self.datadir.mkdir(mode=0o700)
        with tarfile.open(base_tar) as archive:
            archive.extractall(self.datadir, filter="tar")
        if wal_tar:
            with tarfile.open(wal_tar) as archive:
                archive.extractall(self.datadir / "pg_wal", filter="tar")
        (self.datadir / "pg_hba.conf").write_text("local all all trust\n")
        (self.datadir / "pg_ident.conf").touch()
        (self.datadir / "postgresql.conf").touch()
        self._own_settings({"listen_addresses": "''"} | (settings or {}),
                           conf="postgresql.auto.conf")
        if recover:
            (self.datadir / "recovery.signal").touch()
        self.sockets.chmod(0o700)
        self.datadir.chmod(0o700)
        hand_over(self.datadir)
        return self

    def query(self, sql, dbname="postgres"):
        """One value from the server, asked through its socket folder (psql); None when
        the server does not answer."""
        done = self.run("psql", "-h", self.sockets, "-p", self.port, "-U", "postgres",
                        "-d", dbname, "-XAtc", sql, check=False, timeout=60)
        return done.stdout.strip() if done.returncode == 0 else None

    def start(self, wait=60):
        self.run("pg_ctl", "-D", self.datadir, "-l", self.log, "-w", "-t", wait, "start",
                 timeout=wait + 30)
        return self

    def stop(self, mode="fast"):
        """Stop it: "fast" (clients cut off, a clean shutdown) or "immediate" (as if the
        machine had gone: no shutdown checkpoint). Nothing if it is not running."""
        if self.running():
            self.run("pg_ctl", "-D", self.datadir, "-m", mode, "-w", "stop", check=False)

    def running(self):
        if not (self.datadir / "PG_VERSION").exists():
            return False
        return self.run("pg_ctl", "-D", self.datadir, "status", check=False).returncode == 0

    def ready(self):
        return subprocess.run(  # noqa: S603
            [str(bindir() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False).returncode == 0

    def wait_ready(self, seconds=60):
        deadline = time.monotonic() + seconds
        while not self.ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL on port {self.port} did not answer in "
                                   f"{seconds} s; see {self.log}")
            time.sleep(0.1)

    def promote(self, wait=60):
        """A replica becomes a primary that takes writes."""
        self.run("pg_ctl", "-D", self.datadir, "-w", "-t", wait, "promote", timeout=wait + 30)

    def rejoin(self, source, settings=None):
        """This cluster, a primary that was lost (stopped, or crashed), made a replica of
        `source`, the primary that took its place: pg_rewind when it can (it copies only
        what changed, and needs `wal_log_hints`, which init() turns on), else a fresh
        pg_basebackup. Returns how ("pg_rewind" or "pg_basebackup"); start() it after."""
        self.stop("fast")
        rewound = self.run("pg_rewind", "--target-pgdata", self.datadir,
                           "--source-server", self._conninfo(source) + " dbname=postgres",
                           "--write-recovery-conf", check=False, timeout=1800)
        if rewound.returncode == 0:
            # pg_rewind copied the source's settings (its port among them): ours again.
            self._own_settings(settings)
            return "pg_rewind"
        reason = (rewound.stderr.strip().splitlines() or ["no message"])[-1]
        # Never delete the old primary's data: it may hold saves the replica never had.
        # It is kept beside, renamed, for someone to look at before removing it.
        kept = self.datadir.with_name(
            f"{self.datadir.name}.before-rejoin-{time.strftime('%Y%m%d-%H%M%S')}")
        self.datadir.rename(kept)
        self.basebackup(source, settings)
        return f"pg_basebackup (pg_rewind: {reason}; the old data kept in {kept})"

    def destroy(self):
        """Stop it and remove its data (only the folders this object names)."""
        self.stop("immediate")
        for path in (self.datadir, self.sockets):
            shutil.rmtree(path, ignore_errors=True)
        self.log.unlink(missing_ok=True)
